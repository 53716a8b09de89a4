import Foundation
internal import CRetupleLibPQ

/// An error reported by libpq or the PostgreSQL server.
///
/// SQLSTATE codes are kept as strings with named constants rather than a
/// closed enum, as the server has hundreds of them
/// (postgresql.org/docs/15/errcodes-appendix.html).
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// The five-character SQLSTATE, or nil for a client-side failure
    /// (connection refused, bad connection string) that has none.
    public let sqlstate: String?
    /// The primary message, one line, with any password replaced by `***`.
    public let message: String
    /// The server's DETAIL line, when it sent one.
    public let detail: String?
    /// The statement that failed, when there was one.
    public let statement: String?
    /// The server's HINT line, when it sent one (`Check free disk space.`).
    public let hint: String?

    public init(sqlstate: String?, message: String, detail: String? = nil, statement: String? = nil, hint: String? = nil) {
        self.sqlstate = sqlstate
        self.message = message
        self.detail = detail
        self.statement = statement
        self.hint = hint
    }

    public static let uniqueViolation = "23505"
    public static let notNullViolation = "23502"
    public static let checkViolation = "23514"
    public static let stringDataRightTruncation = "22001"
    public static let insufficientPrivilege = "42501"
    public static let undefinedTable = "42P01"
    public static let invalidPassword = "28P01"
    public static let invalidCatalogName = "3D000"
    public static let lockNotAvailable = "55P03"
    public static let queryCanceled = "57014"
    public static let adminShutdown = "57P01"
    public static let diskFull = "53100"

    public var description: String {
        if let sqlstate { return "\(message) (SQLSTATE \(sqlstate))" }
        return message
    }
}

/// Removes what would make an error message unsafe or unreadable on one
/// line: the password, if it appears, and everything after the first line.
func sanitize(_ message: String, hiding password: String?) -> String {
    var line = message.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
    if line.hasPrefix("ERROR:") { line.removeFirst("ERROR:".count) }
    line = line.trimmingCharacters(in: .whitespaces)
    if let password, !password.isEmpty {
        line = line.replacingOccurrences(of: password, with: "***")
    }
    return line
}

/// Builds the error a failed result describes.
func error(from result: OpaquePointer, statement: String?, hiding password: String?) -> PostgresError {
    func field(_ code: UInt8) -> String? {
        // PG_DIAG_* are character-literal macros Swift does not import:
        // PG_DIAG_SQLSTATE is 'C', PG_DIAG_MESSAGE_PRIMARY 'M',
        // PG_DIAG_MESSAGE_DETAIL 'D', PG_DIAG_MESSAGE_HINT 'H'
        // (libpq-exec.html, PQresultErrorField).
        PQresultErrorField(result, Int32(code)).map { String(cString: $0) }
    }
    let primary = field(UInt8(ascii: "M")) ?? String(cString: PQresultErrorMessage(result))
    return PostgresError(
        sqlstate: field(UInt8(ascii: "C")),
        message: sanitize(primary, hiding: password),
        detail: field(UInt8(ascii: "D")).map { sanitize($0, hiding: password) },
        statement: statement,
        hint: field(UInt8(ascii: "H")).map { sanitize($0, hiding: password) }
    )
}

