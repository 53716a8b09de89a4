internal import CRetupleSQLite

/// An error reported by SQLite, with its extended result code.
///
/// Result codes are kept as plain integers with named constants rather than a
/// closed enum: SQLite adds codes over time and callers mostly test a few.
/// See <https://www.sqlite.org/rescode.html>.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    /// The extended result code (`sqlite3_extended_errcode`).
    public let code: Int32
    /// SQLite's own message (`sqlite3_errmsg`).
    public let message: String
    /// The statement that failed, when there was one.
    public let sql: String?

    public init(code: Int32, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// The primary result code: the low 8 bits of the extended code.
    public var primaryCode: Int32 { code & 0xFF }

    public static let busy: Int32 = 5
    public static let locked: Int32 = 6
    public static let readOnly: Int32 = 8
    public static let cantOpen: Int32 = 14
    public static let constraint: Int32 = 19
    public static let notADatabase: Int32 = 26
    public static let constraintCheck: Int32 = 275
    public static let constraintNotNull: Int32 = 1299
    public static let constraintPrimaryKey: Int32 = 1555
    public static let constraintUnique: Int32 = 2067

    public var description: String {
        "\(message) (SQLite result code \(code))"
    }
}

/// Throws a `SQLiteError` unless `resultCode` is one of `accepted`.
///
/// The one checking helper of this module: every C call whose result code
/// matters goes through it, so errors always carry code, message and SQL.
@discardableResult
func check(
    _ resultCode: Int32,
    on handle: OpaquePointer?,
    sql: String? = nil,
    accepting accepted: Int32...
) throws -> Int32 {
    if resultCode == SQLITE_OK || accepted.contains(resultCode) {
        return resultCode
    }
    let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(resultCode))
    let code = handle.map { sqlite3_extended_errcode($0) } ?? resultCode
    throw SQLiteError(code: code, message: message, sql: sql)
}
