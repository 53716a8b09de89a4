internal import CRetupleSQLite

/// One open SQLite database: the sole owner of its `sqlite3*` handle.
///
/// The handle is closed by `close()` or, at the latest, in `deinit`. It uses
/// `sqlite3_close_v2`, which "will not fail with SQLITE_BUSY if there are
/// unfinalized prepared statements" but defers the close until they are
/// finalized (sqlite.org/c3ref/close.html); statements keep their connection
/// alive, so no statement ever outlives its handle.
public final class SQLiteConnection {
    private var handle: OpaquePointer?
    /// The busy handler `setBusyWait` installed, kept alive while it is.
    var busyWait: BusyWait?
    /// The path the database was opened with (`:memory:` for in-memory).
    public let path: String

    /// How `init(path:mode:)` opens the file.
    public enum OpenMode: Sendable {
        /// Read and write; create the file when it does not exist.
        case readWriteCreate
        /// Read and write an existing file; a missing file is an error.
        case readWrite
        /// Read only; a missing file is an error.
        case readOnly
    }

    /// Opens (or creates) the database at `path`.
    ///
    /// - Parameters:
    ///   - path: a file path, `:memory:`, or a `file:` URI.
    ///   - mode: whether to create a missing file and whether to allow writes.
    /// - Throws: `SQLiteError` when SQLite cannot open the file. The handle
    ///   SQLite allocates even for a failed open is closed before throwing.
    public init(path: String, mode: OpenMode = .readWriteCreate) throws {
        self.path = path
        var flags = SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX
        switch mode {
        case .readWriteCreate: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        case .readWrite: flags |= SQLITE_OPEN_READWRITE
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        }
        var opened: OpaquePointer?
        let resultCode = sqlite3_open_v2(path, &opened, flags, nil)
        do {
            try check(resultCode, on: opened)
            try check(sqlite3_extended_result_codes(opened, 1), on: opened)
        } catch {
            // "Whether or not an error occurs when it is opened, resources
            // associated with the database connection handle should be
            // released by passing it to sqlite3_close()" (c3ref/open.html).
            sqlite3_close_v2(opened)
            throw error
        }
        handle = opened
    }

    deinit {
        close()
    }

    /// Closes the connection now. Later calls on it are programmer errors.
    public func close() {
        if let handle {
            sqlite3_close_v2(handle)
            self.handle = nil
        }
    }

    /// The handle, nil once closed.
    var currentHandle: OpaquePointer? { handle }

    var openHandle: OpaquePointer {
        guard let handle else { preconditionFailure("SQLite connection to \(path) used after close()") }
        return handle
    }

    /// Runs one or more `;`-separated statements that bind nothing and
    /// return no rows, such as DDL scripts.
    public func executeScript(_ sql: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let resultCode = sqlite3_exec(openHandle, sql, nil, nil, &errorMessage)
        sqlite3_free(errorMessage)
        try check(resultCode, on: openHandle, sql: sql)
    }

    /// Compiles one statement for repeated execution.
    public func prepare(_ sql: String) throws -> SQLiteStatement {
        try SQLiteStatement(connection: self, sql: sql)
    }

    /// Sets how long a statement waits for another connection's lock before
    /// failing with `SQLITE_BUSY`.
    public func setBusyTimeout(milliseconds: Int32) {
        sqlite3_busy_timeout(openHandle, milliseconds)
        busyWait = nil
    }

    /// The number of rows changed by the most recent INSERT, UPDATE or DELETE.
    public var changes: Int {
        Int(sqlite3_changes64(openHandle))
    }

    /// False while a transaction is open on this connection.
    public var isAutocommit: Bool {
        sqlite3_get_autocommit(openHandle) != 0
    }

    /// The version of the SQLite library in use, e.g. `3.40.1`.
    public static var libraryVersion: String {
        String(cString: sqlite3_libversion())
    }
}

extension SQLiteConnection {
    /// Rows changed by INSERT, UPDATE and DELETE since the connection opened.
    public var totalChanges: Int {
        Int(sqlite3_total_changes64(openHandle))
    }

    /// The absolute path of the main database file; nil for an in-memory
    /// or temporary database ("If there is no attached database N on the
    /// database connection D, or if database N is a temporary or in-memory
    /// database, then this function will return either a NULL pointer or
    /// an empty string", c3ref/db_filename.html).
    public var filename: String? {
        guard let name = sqlite3_db_filename(openHandle, "main") else { return nil }
        let path = String(cString: name)
        return path.isEmpty ? nil : path
    }
}

extension SQLiteConnection {
    /// Makes the statement running on this connection fail with
    /// `SQLITE_INTERRUPT` as soon as it can (`sqlite3_interrupt`), and a
    /// wait for another connection's lock (`setBusyWait`) give up with
    /// `SQLITE_BUSY` at its next retry, which `sqlite3_interrupt` alone
    /// does not stop; safe from another thread while the connection is open.
    public func interrupt() {
        busyWait?.giveUp()
        if let handle = currentHandle { sqlite3_interrupt(handle) }
    }
}
