internal import CRetupleSQLite

/// The storage class of a column value in the current row.
public enum SQLiteStorageClass: Sendable {
    case integer, real, text, blob, null
}

/// A compiled statement: the sole owner of its `sqlite3_stmt*`.
///
/// Reuse it for many executions by binding new values after `reset()`;
/// that is SQLite's fast path for bulk inserts. Column accessors read the
/// current row and are only valid after `step()` returned `true`.
public final class SQLiteStatement {
    private let handle: OpaquePointer
    /// Keeps the connection open for as long as the statement exists.
    private let connection: SQLiteConnection
    /// The SQL text the statement was compiled from.
    public let sql: String

    init(connection: SQLiteConnection, sql: String) throws {
        var compiled: OpaquePointer?
        let db = connection.openHandle
        try check(sqlite3_prepare_v2(db, sql, -1, &compiled, nil), on: db, sql: sql)
        guard let compiled else {
            // sqlite3_prepare_v2 yields NULL for an empty statement.
            throw SQLiteError(code: SQLITE_MISUSE, message: "empty statement", sql: sql)
        }
        self.handle = compiled
        self.connection = connection
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(handle)
    }

    // MARK: Binding (indexes start at 1, as in SQLite)

    /// The number of `?` parameters in the statement.
    public var parameterCount: Int32 { sqlite3_bind_parameter_count(handle) }

    public func bindNull(at index: Int32) {
        checkBind(sqlite3_bind_null(handle, index), index)
    }

    public func bind(_ value: Int64, at index: Int32) {
        checkBind(sqlite3_bind_int64(handle, index, value), index)
    }

    public func bind(_ value: Double, at index: Int32) {
        checkBind(sqlite3_bind_double(handle, index, value), index)
    }

    /// Binds `value` as TEXT; SQLite copies it before returning.
    public func bind(_ value: String, at index: Int32) {
        var value = value
        let resultCode = value.withUTF8 { utf8 in
            sqlite3_bind_text(handle, index, utf8.baseAddress, Int32(utf8.count), retuple_sqlite_transient())
        }
        checkBind(resultCode, index)
    }

    /// Binds `utf8` as TEXT without copying it: SQLite reads it in place, so
    /// the caller must keep the memory valid and unchanged until the
    /// statement has run and been reset or bound anew. For hot loops, where
    /// `bind(_:at:)`'s copy costs an allocation per value.
    public func bindInPlace(text utf8: UnsafeRawBufferPointer, at index: Int32) {
        let base = utf8.baseAddress ?? UnsafeRawPointer(("" as StaticString).utf8Start)
        // A nil destructor is SQLITE_STATIC: "the application remains responsible for disposing of the object" (bind_blob.html).
        checkBind(sqlite3_bind_text(handle, index, base.assumingMemoryBound(to: CChar.self), Int32(utf8.count), nil), index)
    }

    /// Binds raw bytes, as TEXT (which SQLite stores without checking that
    /// they are UTF-8) or as a BLOB.
    public func bind(bytes: [UInt8], asText: Bool, at index: Int32) {
        let resultCode = bytes.withUnsafeBytes { buffer in
            // A zero-length buffer may have no address; SQLite reads NULL as
            // SQL NULL, so give it a valid empty string instead.
            let base = buffer.baseAddress ?? UnsafeRawPointer(("" as StaticString).utf8Start)
            return asText
                ? sqlite3_bind_text(handle, index, base.assumingMemoryBound(to: CChar.self), Int32(buffer.count), retuple_sqlite_transient())
                : sqlite3_bind_blob(handle, index, base, Int32(buffer.count), retuple_sqlite_transient())
        }
        checkBind(resultCode, index)
    }

    /// A bind can only fail through a programmer error (index out of range,
    /// statement in use) or a value over SQLite's size limit; both are bugs.
    private func checkBind(_ resultCode: Int32, _ index: Int32) {
        precondition(
            resultCode == SQLITE_OK,
            "binding parameter \(index) of `\(sql)` failed: \(String(cString: sqlite3_errstr(resultCode)))"
        )
    }

    /// Rewinds the statement so it can run again; bindings are kept.
    public func reset() {
        // The return value repeats the last step's error, already thrown.
        sqlite3_reset(handle)
    }

    /// Sets every parameter back to NULL.
    public func clearBindings() {
        sqlite3_clear_bindings(handle)
    }

    // MARK: Running

    /// Advances to the next row.
    ///
    /// - Returns: `true` when a row is available, `false` when done.
    /// - Throws: `SQLiteError` (for example `SQLITE_CONSTRAINT_CHECK` or
    ///   `SQLITE_BUSY`); the statement is reset so it can be reused.
    public func step() throws -> Bool {
        let resultCode = sqlite3_step(handle)
        switch resultCode {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            // With sqlite3_prepare_v2 the step result code is already the
            // specific error; reset to leave the statement reusable.
            let db = sqlite3_db_handle(handle)
            let error = SQLiteError(
                code: sqlite3_extended_errcode(db),
                message: String(cString: sqlite3_errmsg(db)),
                sql: sql
            )
            sqlite3_reset(handle)
            throw error
        }
    }

    /// Runs the statement to completion, ignoring any rows, then resets it.
    public func run() throws {
        defer { sqlite3_reset(handle) }
        while try step() {}
    }

    // MARK: Reading the current row (indexes start at 0, as in SQLite)

    public var columnCount: Int32 { sqlite3_column_count(handle) }

    public func columnName(at index: Int32) -> String {
        String(cString: sqlite3_column_name(handle, index))
    }

    public func storageClass(at index: Int32) -> SQLiteStorageClass {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER: .integer
        case SQLITE_FLOAT: .real
        case SQLITE_TEXT: .text
        case SQLITE_BLOB: .blob
        default: .null
        }
    }

    public func int64(at index: Int32) -> Int64 {
        sqlite3_column_int64(handle, index)
    }

    public func double(at index: Int32) -> Double {
        sqlite3_column_double(handle, index)
    }

    /// Calls `body` with the value's bytes as stored (TEXT or BLOB), without
    /// copying them. The buffer is only valid inside `body`.
    public func withUnsafeBytes<R>(at index: Int32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        // "call sqlite3_column_text() or sqlite3_column_blob() first to force
        // the result into the desired format, then invoke
        // sqlite3_column_bytes() to find the size" (c3ref/column_blob.html).
        let base = sqlite3_column_blob(handle, index)
        let count = Int(sqlite3_column_bytes(handle, index))
        return try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// The value's bytes as stored (TEXT or BLOB), copied.
    public func bytes(at index: Int32) -> [UInt8] {
        withUnsafeBytes(at: index) { Array($0) }
    }
}
