import Foundation
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
    /// Cancels from another thread, never during COMMIT (`QueryCancelling`).
    let commitGuard: SQLiteCanceller

    /// How long a statement waits for another connection's lock.
    public static let defaultBusyTimeoutMilliseconds: Int32 = 5_000

    public init(connection: SQLiteConnection) {
        self.connection = connection
        commitGuard = SQLiteCanceller(connection: connection)
        connection.setBusyTimeout(milliseconds: Self.defaultBusyTimeoutMilliseconds)
    }

    public var location: String {
        connection.path == ":memory:" ? "in-memory sqlite database" : "sqlite database \(connection.path)"
    }

    @discardableResult
    public func execute(_ sql: String, _ bindings: [DatabaseValue]) throws -> Int {
        try mappingSQLiteErrors(file: connection.path) {
            let statement = try connection.prepare(sql)
            bind(bindings, to: statement)
            let before = connection.totalChanges
            try statement.run()
            return connection.totalChanges - before
        }
    }

    public func executeScript(_ sql: String) throws {
        try mappingSQLiteErrors(file: connection.path) { try connection.executeScript(sql) }
    }

    public func forEachRow(_ sql: String, _ bindings: [DatabaseValue], _ body: (any DatabaseRow) throws -> Void) throws {
        try mappingSQLiteErrors(file: connection.path) {
            let statement = try connection.prepare(sql)
            bind(bindings, to: statement)
            let row = SQLiteRow(statement: statement)
            while try statement.step() {
                try body(row)
            }
        }
    }

    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try transaction(beginningWith: "BEGIN IMMEDIATE", body)
    }

    public func readOnlyTransaction<T>(_ body: () throws -> T) throws -> T {
        guard !isInTransaction else { throw DatabaseUsageError.nestedTransaction }
        try executeScript("PRAGMA query_only = 1")
        defer { try? connection.executeScript("PRAGMA query_only = 0") }
        return try transaction(beginningWith: "BEGIN DEFERRED", body)
    }

    private func transaction<T>(beginningWith begin: String, _ body: () throws -> T) throws -> T {
        guard !isInTransaction else { throw DatabaseUsageError.nestedTransaction }
        isInTransaction = true
        defer { isInTransaction = false }
        return try runTransaction(
            begin: { try executeScript(begin) },
            commit: { try commitGuard.committing { try executeScript("COMMIT") } },
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
        return try mappingSQLiteErrors(file: connection.path) {
            let inserter = SQLiteBulkInserter(statement: try connection.prepare(sql), columnCount: columns.count, connection: connection)
            try body(inserter)
            return inserter.inserted
        }
    }

    public func close() {
        commitGuard.close()
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
        bind(value, to: statement, at: Int32(offset + 1))
    }
}

/// Binds one value to the `?` parameter at `index` (from 1).
private func bind(_ value: DatabaseValue, to statement: SQLiteStatement, at index: Int32) {
    switch value {
    case .null: statement.bindNull(at: index)
    case .integer(let integer): statement.bind(integer, at: index)
    case .real(let real): statement.bind(real, at: index)
    case .text(let text): statement.bind(text, at: index)
    case .bytes(let bytes):
        // `.bytes` is what reads back as bytes: TEXT that is not valid
        // UTF-8, or a BLOB. Invalid UTF-8 is bound as TEXT (as Keto v0.6
        // stored it); valid UTF-8 only comes from a BLOB and is bound as
        // one, since as TEXT it would read back as `.text`.
        statement.bind(bytes: bytes, asText: String(validating: bytes, as: UTF8.self) == nil, at: index)
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
                // Decoding replaces invalid UTF-8, so the text equals the
                // stored bytes exactly when they are valid. (Not
                // `String(validating:as:)`: generic, it looks up type
                // metadata on every call, and this runs for every value read.)
                var text = String(decoding: buffer, as: UTF8.self)
                let isExact = text.withUTF8 { decoded in
                    decoded.count == buffer.count && (buffer.isEmpty || memcmp(decoded.baseAddress!, buffer.baseAddress!, buffer.count) == 0)
                }
                return isExact ? .text(text) : .bytes(Array(buffer))
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

    /// The current row's text values laid end to end, bound in place: a
    /// copy into reused memory instead of one allocation per value in SQLite.
    /// Only `insert(_:)` touches it, so run-time exclusivity checks (which
    /// would cost more than the copies) are turned off.
    @exclusivity(unchecked) private var rowText: [UInt8] = []

    func insert(_ values: [DatabaseValue]) throws {
        precondition(values.count == columnCount, "INSERT row has \(values.count) values for \(columnCount) columns")
        rowText.removeAll(keepingCapacity: true)
        for case .text(var text) in values {
            text.withUTF8 { rowText.append(contentsOf: $0) }
        }
        try rowText.withUnsafeBytes { texts in
            var start = 0
            for (offset, value) in values.enumerated() {
                let index = Int32(offset + 1)
                guard case .text(let text) = value else {
                    bind(value, to: statement, at: index)
                    continue
                }
                let end = start + text.utf8.count
                statement.bindInPlace(text: UnsafeRawBufferPointer(rebasing: texts[start..<end]), at: index)
                start = end
            }
            try statement.run()
        }
        inserted += connection.changes
    }
}
