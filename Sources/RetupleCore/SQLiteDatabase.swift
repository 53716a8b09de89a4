import RetupleSQLite

/// `Database` over one SQLite connection (libsqlite3).
///
/// Transactions start with `BEGIN IMMEDIATE`, which takes the write lock at
/// once: "IMMEDIATE causes the database connection to start a new write
/// immediately, without waiting for a write statement" (lang_transaction.html),
/// so a second writer waits (busy timeout) or fails up front, never half-way.
public final class SQLiteDatabase: Database {
    public let connection: SQLiteConnection
    public var backend: DatabaseBackend { .sqlite }
    public private(set) var isInTransaction = false

    /// How long a statement waits for another connection's lock.
    public static let defaultBusyTimeoutMilliseconds: Int32 = 5_000

    public init(connection: SQLiteConnection) {
        self.connection = connection
        connection.setBusyTimeout(milliseconds: Self.defaultBusyTimeoutMilliseconds)
    }

    public var location: String {
        connection.path == ":memory:" ? "in-memory sqlite database" : "sqlite database \(connection.path)"
    }

    @discardableResult
    public func execute(_ sql: String, _ bindings: [DatabaseValue]) throws -> Int {
        let statement = try connection.prepare(sql)
        bind(bindings, to: statement)
        let before = connection.totalChanges
        try statement.run()
        return connection.totalChanges - before
    }

    public func executeScript(_ sql: String) throws {
        try connection.executeScript(sql)
    }

    public func forEachRow(_ sql: String, _ bindings: [DatabaseValue], _ body: (any DatabaseRow) throws -> Void) throws {
        let statement = try connection.prepare(sql)
        bind(bindings, to: statement)
        let row = SQLiteRow(statement: statement)
        while try statement.step() {
            try body(row)
        }
    }

    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try transaction(beginningWith: "BEGIN IMMEDIATE", body)
    }

    public func readOnlyTransaction<T>(_ body: () throws -> T) throws -> T {
        guard !isInTransaction else { throw DatabaseUsageError.nestedTransaction }
        try connection.executeScript("PRAGMA query_only = 1")
        defer { try? connection.executeScript("PRAGMA query_only = 0") }
        return try transaction(beginningWith: "BEGIN DEFERRED", body)
    }

    private func transaction<T>(beginningWith begin: String, _ body: () throws -> T) throws -> T {
        guard !isInTransaction else { throw DatabaseUsageError.nestedTransaction }
        isInTransaction = true
        defer { isInTransaction = false }
        return try runTransaction(
            begin: { try connection.executeScript(begin) },
            commit: { try connection.executeScript("COMMIT") },
            rollBackIfOpen: { if !connection.isAutocommit { try? connection.executeScript("ROLLBACK") } },
            body
        )
    }

    @discardableResult
    public func bulkInsert(
        into table: String, columns: [String], skippingConflictsOn conflictColumns: [String]?,
        _ body: (any BulkInserter) throws -> Void
    ) throws -> Int {
        let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        var sql = "INSERT INTO \(quoteIdentifier(table)) (\(columns.map(quoteIdentifier).joined(separator: ", "))) VALUES (\(placeholders))"
        if let conflictColumns {
            // Not `INSERT OR IGNORE`: that would also skip rows failing NOT NULL or CHECK.
            sql += " ON CONFLICT (\(conflictColumns.map(quoteIdentifier).joined(separator: ", "))) DO NOTHING"
        }
        let inserter = SQLiteBulkInserter(statement: try connection.prepare(sql), columnCount: columns.count, connection: connection)
        try body(inserter)
        return inserter.inserted
    }

    public func close() {
        connection.close()
    }
}

/// Binds values to `?` parameters in order.
private func bind(_ values: [DatabaseValue], to statement: SQLiteStatement) {
    precondition(
        values.count == Int(statement.parameterCount),
        "`\(statement.sql)` takes \(statement.parameterCount) parameters, \(values.count) given"
    )
    for (offset, value) in values.enumerated() {
        let index = Int32(offset + 1)
        switch value {
        case .null: statement.bindNull(at: index)
        case .integer(let integer): statement.bind(integer, at: index)
        case .real(let real): statement.bind(real, at: index)
        case .text(let text): statement.bind(text, at: index)
        case .bytes(let bytes): statement.bind(bytes: bytes, asText: true, at: index)
        }
    }
}

/// The current row of a stepping statement.
private struct SQLiteRow: DatabaseRow {
    let statement: SQLiteStatement

    var count: Int { Int(statement.columnCount) }

    subscript(index: Int) -> DatabaseValue {
        let column = Int32(index)
        switch statement.storageClass(at: column) {
        case .null: return .null
        case .integer: return .integer(statement.int64(at: column))
        case .real: return .real(statement.double(at: column))
        case .blob: return .bytes(statement.bytes(at: column))
        case .text:
            return statement.withUnsafeBytes(at: column) { buffer in
                if let text = String(validating: buffer, as: UTF8.self) { return .text(text) }
                return .bytes(Array(buffer))
            }
        }
    }
}

/// Runs one prepared INSERT per row, resetting it in between, and counts
/// the rows it changed (a row skipped on conflict changes none).
private final class SQLiteBulkInserter: BulkInserter {
    let statement: SQLiteStatement
    let columnCount: Int
    let connection: SQLiteConnection
    var inserted = 0

    init(statement: SQLiteStatement, columnCount: Int, connection: SQLiteConnection) {
        self.statement = statement
        self.columnCount = columnCount
        self.connection = connection
    }

    func insert(_ values: [DatabaseValue]) throws {
        bind(values, to: statement)
        try statement.run()
        inserted += connection.changes
    }
}
