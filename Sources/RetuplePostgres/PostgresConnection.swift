import Foundation
internal import CRetupleLibPQ

/// One libpq connection: the sole owner of its `PGconn*`.
///
/// The connection string goes to libpq unchanged, so `PG*` environment
/// variables, `.pgpass`, service files and `sslmode` behave as for `psql`.
/// The handle is closed by `close()` or, at the latest, in `deinit`.
public final class PostgresConnection {
    private var handle: OpaquePointer?
    /// The password in use, kept only to scrub it from error messages.
    private let password: String?

    /// Connects and waits until the connection is ready.
    ///
    /// - Parameters:
    ///   - conninfo: a `postgres://` URI or `key=value` string.
    ///   - fallbackApplicationName: the `application_name` the server shows
    ///     in `pg_stat_activity` when `conninfo` names none.
    /// - Throws: `PostgresError` without SQLSTATE when the string is malformed
    ///   or the server cannot be reached or refuses us; its message names
    ///   the host and port as libpq does, never the password.
    public init(conninfo: String, fallbackApplicationName: String = "retuple") throws {
        password = try Self.password(in: conninfo)
        // "If expand_dbname is non-zero, the value for the first dbname key
        // word is checked to see if it is a connection string" (libpq-connect.html).
        let connection = withArrayOfCStrings(["dbname", "fallback_application_name"]) { keywords in
            withArrayOfCStrings([conninfo, fallbackApplicationName]) { values in
                PQconnectdbParams(keywords, values, 1)
            }
        }
        guard let connection, PQstatus(connection) == CONNECTION_OK else {
            let message = connection.map { String(cString: PQerrorMessage($0)) } ?? "out of memory"
            // "Note that when PQconnectdb returns a null pointer ... [otherwise]
            // you should call PQfinish to free the memory" (libpq-connect.html).
            PQfinish(connection)
            throw PostgresError(sqlstate: nil, message: sanitize(message, hiding: password))
        }
        // libpq prints server NOTICEs on stderr by default; we report through
        // our own channels only.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
        handle = connection
        guard PQsetClientEncoding(connection, "UTF8") == 0 else {
            throw lastError(statement: nil)
        }
    }

    deinit {
        close()
    }

    /// Closes the connection now. Later calls on it are programmer errors.
    public func close() {
        if let handle {
            PQfinish(handle)
            self.handle = nil
        }
    }

    var openHandle: OpaquePointer {
        guard let handle else { preconditionFailure("PostgreSQL connection used after close()") }
        return handle
    }

    /// Checks a connection string without connecting and returns its password.
    private static func password(in conninfo: String) throws -> String? {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &errorMessage) else {
            let message = errorMessage.map { String(cString: $0) } ?? "invalid connection string"
            PQfreemem(errorMessage)
            throw PostgresError(sqlstate: nil, message: sanitize(message, hiding: nil))
        }
        defer { PQconninfoFree(options) }
        var option = options
        while let keyword = option.pointee.keyword {
            if String(cString: keyword) == "password", let value = option.pointee.val {
                return String(cString: value)
            }
            option += 1
        }
        return nil
    }

    // MARK: Running statements

    /// Runs one statement with its parameters bound by the server
    /// (`PQexecParams`, text format), never spliced into the SQL.
    ///
    /// - Parameters:
    ///   - sql: one statement, parameters written `$1`, `$2`, …
    ///   - parameters: values in PostgreSQL's text form; nil is SQL NULL.
    /// - Returns: the result, rows included.
    /// - Throws: `PostgresError` with the server's SQLSTATE.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [String?] = []) throws -> PostgresResult {
        let strings = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { strings.forEach { free($0) } }
        let values = strings.map { UnsafePointer($0) }
        return try exec(sql) { PQsendQueryParams($0, sql, Int32(values.count), nil, values, nil, nil, 0) }
    }

    /// Runs a script of `;`-separated statements (`PQexec`), none bound.
    /// They run in one implicit transaction unless the script says otherwise.
    public func executeScript(_ sql: String) throws {
        try exec(sql) { PQsendQuery($0, sql) }
    }

    /// Sends a statement with `send` and reads its results as `PQexec`
    /// does (the last one; it stops at a COPY or a lost connection), except
    /// that a failure is reported by the first failed result.
    ///
    /// `PQexec` returns the last result. When the server sends an error
    /// and then ends the session (a PANIC: it could not write WAL; a
    /// FATAL), that last result is libpq's own "server closed the
    /// connection unexpectedly", and the server's message, which says
    /// why, would be lost.
    @discardableResult
    private func exec(_ sql: String, expecting expected: ExecStatusType? = nil, _ send: (OpaquePointer) -> Int32) throws -> PostgresResult {
        guard send(openHandle) == 1 else { throw lastError(statement: sql) }
        var last: PostgresResult?
        var firstFailure: Error?
        while let result = PQgetResult(openHandle) {
            let status = PQresultStatus(result)
            do {
                last = try checked(result, statement: sql, expecting: expected)
            } catch {
                if firstFailure == nil { firstFailure = error }
            }
            if status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH || PQstatus(openHandle) == CONNECTION_BAD {
                break
            }
        }
        if let firstFailure { throw firstFailure }
        guard let last else { throw lastError(statement: sql) }
        return last
    }

    /// Takes ownership of a result and throws when it reports a failure.
    @discardableResult
    func checked(_ result: OpaquePointer?, statement: String?, expecting expected: ExecStatusType? = nil) throws -> PostgresResult {
        guard let result else { throw lastError(statement: statement) }
        let owned = PostgresResult(owning: result)
        let status = PQresultStatus(result)
        let succeeded = expected.map { status == $0 } ?? (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
        guard succeeded else {
            throw error(from: result, statement: statement, hiding: password)
        }
        return owned
    }

    /// The error libpq holds for the connection (lost connection and the like).
    func lastError(statement: String?) -> PostgresError {
        let message = handle.map { String(cString: PQerrorMessage($0)) } ?? "connection closed"
        return PostgresError(sqlstate: nil, message: sanitize(message, hiding: password), statement: statement)
    }

    // MARK: State

    /// Whether a transaction block is open on the server.
    public var transactionStatus: TransactionStatus {
        switch PQtransactionStatus(openHandle) {
        case PQTRANS_IDLE: .idle
        case PQTRANS_INTRANS: .inTransaction
        case PQTRANS_INERROR: .failedTransaction
        case PQTRANS_ACTIVE: .active
        default: .unknown
        }
    }

    public enum TransactionStatus: Sendable {
        case idle, active, inTransaction, failedTransaction, unknown
    }

    /// The server version as an integer, e.g. `150018` for 15.18.
    public var serverVersion: Int {
        Int(PQserverVersion(openHandle))
    }

    /// The host the connection reached (a socket directory for Unix sockets).
    public var host: String {
        PQhost(openHandle).map { String(cString: $0) } ?? ""
    }

    /// The port the connection reached.
    public var port: String {
        PQport(openHandle).map { String(cString: $0) } ?? ""
    }

    // MARK: COPY

    /// Runs `COPY … FROM STDIN` (text format) and streams the rows that
    /// `body` writes.
    ///
    /// The copy ends normally when `body` returns. When `body` throws, the
    /// copy is ended with an error (`PQputCopyEnd` with a message, so the
    /// server discards everything sent), every pending result is drained
    /// and the caller's error is rethrown.
    ///
    /// - Parameters:
    ///   - sql: the `COPY table (columns) FROM STDIN` statement.
    ///   - body: writes rows through the writer; must not use this
    ///     connection otherwise while the copy is open.
    /// - Returns: the number of rows the server stored.
    @discardableResult
    public func copyIn(_ sql: String, _ body: (PostgresCopyWriter) throws -> Void) throws -> Int {
        try exec(sql, expecting: PGRES_COPY_IN) { PQsendQuery($0, sql) }
        let writer = PostgresCopyWriter(connection: self)
        do {
            try body(writer)
            try writer.flush()
        } catch {
            PQputCopyEnd(openHandle, "retuple aborted the copy: \(error)")
            drainResults()
            throw error
        }
        guard PQputCopyEnd(openHandle, nil) == 1 else {
            let failure = lastError(statement: sql)
            drainResults()
            throw failure
        }
        // "After successfully calling PQputCopyEnd, call PQgetResult to obtain
        // the final result status of the COPY command. One can wait for this
        // result to be available in the usual way. Then return to normal
        // operation." (libpq-copy.html) — and PQgetResult until it is NULL.
        var firstFailure: Error?
        var stored = 0
        while let result = PQgetResult(openHandle) {
            do {
                let owned = try checked(result, statement: sql)
                stored = owned.affectedRows
            } catch {
                if firstFailure == nil { firstFailure = error }
            }
        }
        if let firstFailure { throw firstFailure }
        return stored
    }

    func putCopyData(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        let sent = PQputCopyData(openHandle, base.assumingMemoryBound(to: CChar.self), Int32(bytes.count))
        guard sent == 1 else { throw lastError(statement: "COPY") }
    }

    private func drainResults() {
        while let result = PQgetResult(openHandle) {
            PQclear(result)
        }
    }
}

extension PostgresConnection {
    /// The database name the connection uses.
    public var databaseName: String {
        PQdb(openHandle).map { String(cString: $0) } ?? ""
    }
}

/// Calls `body` with a NULL-terminated array of C strings, as libpq's
/// `…Params` functions take them.
private func withArrayOfCStrings<T>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> T) -> T {
    let duplicates = strings.map { strdup($0) }
    defer { duplicates.forEach { free($0) } }
    return body(duplicates.map { UnsafePointer($0) } + [nil])
}
