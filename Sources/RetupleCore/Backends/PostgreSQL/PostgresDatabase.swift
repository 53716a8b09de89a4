import RetuplePostgres

/// `Database` over one libpq connection.
///
/// Statements use `?` placeholders like SQLite's; they are rewritten to
/// PostgreSQL's `$1, $2, …` and bound by the server. Queries stream through
/// a server-side cursor fetched in batches, so the connection is free
/// between batches for the statements that write what was read.
public final class PostgresDatabase: Database {
    public let connection: PostgresConnection
    public var backend: DatabaseBackend { .postgres }
    public private(set) var isInTransaction = false
    private var cursorCount = 0
    /// Cancels from another thread, never during COMMIT (`QueryCancelling`).
    let commitGuard: PostgresCanceller

    /// Rows fetched per round trip when streaming a query.
    public var fetchBatchSize = 10_000

    public init(connection: PostgresConnection) {
        self.connection = connection
        commitGuard = PostgresCanceller(connection: connection)
    }

    public var location: String {
        "postgres database \(connection.databaseName) at \(connection.host):\(connection.port)"
    }

    @discardableResult
    public func execute(_ sql: String, _ bindings: [DatabaseValue]) throws -> Int {
        try mappingPostgresErrors { try connection.execute(numberedPlaceholders(sql), bindings.map(parameterText)).affectedRows }
    }

    public func executeScript(_ sql: String) throws {
        try mappingPostgresErrors { try connection.executeScript(sql) }
    }

    public func forEachRow(_ sql: String, _ bindings: [DatabaseValue], _ body: (any DatabaseRow) throws -> Void) throws {
        if !isInTransaction {
            // A cursor lives in a transaction; give this query a short one.
            return try transaction { try forEachRow(sql, bindings, body) }
        }
        cursorCount += 1
        let cursor = "retuple_cursor_\(cursorCount)"
        try mappingPostgresErrors { try streamRows(through: cursor, sql, bindings, body) }
    }

    /// Declares `cursor` for the query and fetches its rows in batches.
    private func streamRows(through cursor: String, _ sql: String, _ bindings: [DatabaseValue], _ body: (any DatabaseRow) throws -> Void) throws {
        try connection.execute("DECLARE \(cursor) NO SCROLL CURSOR FOR \(numberedPlaceholders(sql))", bindings.map(parameterText))
        do {
            while true {
                let batch = try connection.execute("FETCH FORWARD \(fetchBatchSize) FROM \(cursor)")
                for index in 0..<batch.rowCount {
                    try body(PostgresRow(result: batch, row: index))
                }
                if batch.rowCount < fetchBatchSize { break }
            }
        } catch {
            // Best effort: the enclosing transaction is usually rolled back.
            _ = try? connection.execute("CLOSE \(cursor)")
            throw error
        }
        try connection.execute("CLOSE \(cursor)")
    }

    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try transaction(beginningWith: "BEGIN", body)
    }

    public func readOnlyTransaction<T>(_ body: () throws -> T) throws -> T {
        try transaction(beginningWith: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    private func transaction<T>(beginningWith begin: String, _ body: () throws -> T) throws -> T {
        guard !isInTransaction else { throw DatabaseUsageError.nestedTransaction }
        isInTransaction = true
        defer { isInTransaction = false }
        return try runTransaction(
            begin: { try execute(begin) },
            commit: { try commitGuard.committing { _ = try execute("COMMIT") } },
            rollBackIfOpen: { if connection.transactionStatus != .idle { _ = try? connection.execute("ROLLBACK") } },
            body
        )
    }

    @discardableResult
    public func bulkInsert(
        into table: String, columns: [String], skippingConflictsOn conflictColumns: [String]?,
        _ body: (any BulkInserter) throws -> Void
    ) throws -> Int {
        try mappingPostgresErrors { try copyIn(into: table, columns: columns, skippingConflictsOn: conflictColumns, body) }
    }

    private func copyIn(
        into table: String, columns: [String], skippingConflictsOn conflictColumns: [String]?,
        _ body: (any BulkInserter) throws -> Void
    ) throws -> Int {
        let columnList = columns.map(quoteIdentifier).joined(separator: ", ")
        guard let conflictColumns else {
            return try connection.copyIn("COPY \(quoteIdentifier(table)) (\(columnList)) FROM STDIN") { writer in
                try body(PostgresCopyInserter(writer: writer, columnCount: columns.count))
            }
        }
        // COPY cannot skip conflicts: stage the rows, then insert what is new.
        let staging = quoteIdentifier("retuple_staging_\(table)")
        try connection.execute("CREATE TEMPORARY TABLE \(staging) AS SELECT \(columnList) FROM \(quoteIdentifier(table)) WITH NO DATA")
        defer { _ = try? connection.execute("DROP TABLE IF EXISTS \(staging)") }
        try connection.copyIn("COPY \(staging) (\(columnList)) FROM STDIN") { writer in
            try body(PostgresCopyInserter(writer: writer, columnCount: columns.count))
        }
        return try connection.execute("""
            INSERT INTO \(quoteIdentifier(table)) (\(columnList)) SELECT \(columnList) FROM \(staging)
            ON CONFLICT (\(conflictColumns.map(quoteIdentifier).joined(separator: ", "))) DO NOTHING
            """).affectedRows
    }

    public func close() {
        connection.close()
    }
}

/// A value in PostgreSQL's text input form; nil is SQL NULL.
private func parameterText(_ value: DatabaseValue) -> String? {
    switch value {
    case .null: nil
    case .integer(let integer): String(integer)
    case .real(let real): String(real)
    case .text(let text): text
    case .bytes(let bytes): "\\x" + hexString(bytes)
    }
}

/// Rewrites `?` placeholders as `$1, $2, …`, leaving quoted text alone.
func numberedPlaceholders(_ sql: String) -> String {
    guard sql.contains("?") else { return sql }
    var result = ""
    var number = 0
    var quote: Character?
    for character in sql {
        if let open = quote {
            if character == open { quote = nil }
            result.append(character)
        } else if character == "'" || character == "\"" {
            quote = character
            result.append(character)
        } else if character == "?" {
            number += 1
            result += "$\(number)"
        } else {
            result.append(character)
        }
    }
    return result
}

/// One row of a fetched batch.
private struct PostgresRow: DatabaseRow {
    let result: PostgresResult
    let row: Int

    var count: Int { result.columnCount }

    subscript(index: Int) -> DatabaseValue {
        guard let text = result.string(row: row, column: index) else { return .null }
        switch result.columnType(index) {
        case PostgresTypeOID.int2, PostgresTypeOID.int4, PostgresTypeOID.int8:
            return Int64(text).map(DatabaseValue.integer) ?? .text(text)
        case PostgresTypeOID.float4, PostgresTypeOID.float8:
            return Double(text).map(DatabaseValue.real) ?? .text(text)
        case PostgresTypeOID.bool:
            return .integer(text == "t" ? 1 : 0) // libpq's text form is t or f
        default:
            return .text(text)
        }
    }
}

/// Type OIDs from `pg_type` that map to non-text values.
private enum PostgresTypeOID {
    static let bool: UInt32 = 16
    static let int8: UInt32 = 20
    static let int2: UInt32 = 21
    static let int4: UInt32 = 23
    static let float4: UInt32 = 700
    static let float8: UInt32 = 701
}

/// Sends each row as one line of COPY text format.
private struct PostgresCopyInserter: BulkInserter {
    let writer: PostgresCopyWriter
    let columnCount: Int

    func insert(_ values: [DatabaseValue]) throws {
        precondition(values.count == columnCount, "COPY row has \(values.count) values for \(columnCount) columns")
        for value in values {
            switch value {
            case .null: writer.appendNull()
            case .integer(let integer): writer.append(integer)
            case .real(let real): writer.append(String(real))
            case .text(let text): writer.append(text)
            case .bytes(let bytes): writer.append("\\x" + hexString(bytes))
            }
        }
        try writer.endRow()
    }
}
