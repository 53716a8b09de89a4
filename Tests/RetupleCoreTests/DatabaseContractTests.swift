import Foundation
import RetupleCore
import RetuplePostgres
import RetupleSQLite
import RetupleTestSupport
import Testing

/// The backends the `Database` contract is checked against: `TestBackends.all`.
/// Each case prints as the backend's name, so the test log shows
/// "argument backend → PostgreSQL" for every contract test it ran there.
enum ContractBackend: String, CaseIterable, CustomStringConvertible, Sendable {
    case sqlite
    case postgres

    var description: String {
        switch self {
        case .sqlite: "SQLite"
        case .postgres: "PostgreSQL"
        }
    }

    static var available: [ContractBackend] {
        TestBackends.all.compactMap { ContractBackend(rawValue: $0.rawValue) }
    }
}

/// A fresh, empty database of one backend, opened through `openDatabase`.
private struct ContractDatabase {
    let backend: ContractBackend
    let dsn: DataSourceName
    let database: any Database

    /// A second, independent connection to the same database.
    func openSecondConnection() throws -> any Database {
        try openDatabase(dsn, intent: .readWrite)
    }

    /// `count(*)` of `table` as seen by `database`.
    func count(_ table: String, on database: (any Database)? = nil) throws -> Int64? {
        try (database ?? self.database).scalar("SELECT count(*) FROM \(quoteIdentifier(table))")?.integer
    }
}

/// Runs `body` against a new empty `ScratchDatabase` of `backend`, opened
/// through `openDatabase`. The connection is closed afterwards.
private func withEmptyDatabase(_ backend: ContractBackend, _ body: (ContractDatabase) throws -> Void) throws {
    try ScratchDatabase.with(try #require(DatabaseBackend(rawValue: backend.rawValue)), file: "contract.db") { scratch in
        let dsn = try DataSourceName(parsing: scratch.dsn)
        let database = try openDatabase(dsn, intent: .readWriteCreatingFile)
        defer { database.close() }
        #expect(database.backend.rawValue == backend.rawValue)
        try body(ContractDatabase(backend: backend, dsn: dsn, database: database))
    }
}

/// An error of the caller's own, to check that exactly it is rethrown.
private struct ContractError: Error, Equatable {
    let code: Int
}

/// The contract every `Database` implementation promises
/// (see `Database.swift`), checked against SQLite and PostgreSQL alike.
@Suite("Database contract on SQLite and PostgreSQL", .serialized)
struct DatabaseContractTests {
    // MARK: Binding and round trips

    @Test("? parameters are bound as values, never spliced into the SQL", arguments: ContractBackend.available)
    func parametersAreBoundLiterally(backend: ContractBackend) throws {
        try withEmptyDatabase(backend) { fixture in
            let database = fixture.database
            try database.executeScript("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
            let hostile = ["x'; DROP TABLE notes; --", "'); DELETE FROM notes; --", "\"; DROP TABLE notes; --"]
            for (offset, text) in hostile.enumerated() {
                #expect(try database.execute("INSERT INTO notes (id, body) VALUES (?, ?)", [.integer(Int64(offset + 1)), .text(text)]) == 1)
            }
            #expect(try fixture.count("notes") == 3)
            for (offset, text) in hostile.enumerated() {
                #expect(try database.scalar("SELECT id FROM notes WHERE body = ?", [.text(text)]) == .integer(Int64(offset + 1)))
            }
            // A `?` inside a string literal is text, not a placeholder.
            try database.execute("INSERT INTO notes (id, body) VALUES (?, 'why? how? ' || ?)", [4, "this"])
            #expect(try database.scalar("SELECT body FROM notes WHERE id = ?", [4]) == .text("why? how? this"))
        }
    }

    @Test("text, unicode, quotes, NULL, integers, reals and timestamp text round-trip", arguments: ContractBackend.available)
    func valuesRoundTrip(backend: ContractBackend) throws {
        try withEmptyDatabase(backend) { fixture in
            let database = fixture.database
            try database.executeScript(
                "CREATE TABLE vals (id INTEGER PRIMARY KEY, t TEXT, n BIGINT, ts TIMESTAMP, r DOUBLE PRECISION)"
            )
            let rows: [[DatabaseValue]] = [
                [1, "it's \"quoted\" 'twice'", .integer(.max), "2021-09-14 13:46:24.123456", .real(0.1)],
                [2, "ünïcödé 漢字 Ελληνικά 🧑‍💻🇩🇰", .integer(.min), "1970-01-01 00:00:00", .real(-2.5)],
                [3, "tab\tnew\nline \\N back\\slash", 0, "2038-01-19 03:14:08.000001", .real(1e300)],
                [4, "", -1, "1999-12-31 23:59:59", .real(0)],
                [5, nil, nil, nil, nil],
            ]
            for row in rows {
                #expect(try database.execute("INSERT INTO vals (id, t, n, ts, r) VALUES (?, ?, ?, ?, ?)", row) == 1)
            }
            #expect(try database.allRows("SELECT id, t, n, ts, r FROM vals ORDER BY id") == rows)
            // NULL and the empty string stay distinct.
            #expect(try database.scalar("SELECT count(*) FROM vals WHERE t IS NULL") == .integer(1))
            #expect(try database.scalar("SELECT count(*) FROM vals WHERE t = ?", [""]) == .integer(1))
        }
    }

    @Test("execute returns the number of rows changed, 0 for DDL", arguments: ContractBackend.available)
    func executeCountsChangedRows(backend: ContractBackend) throws {
        try withEmptyDatabase(backend) { fixture in
            let database = fixture.database
            let changed = [
                try database.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)"),
                try database.execute("INSERT INTO t (id, v) VALUES (?, 1), (?, 2), (?, 3)", [1, 2, 3]),
                try database.execute("UPDATE t SET v = v * 10 WHERE v >= ?", [2]),
                try database.execute("DELETE FROM t WHERE id = ?", [42]),
                try database.execute("DELETE FROM t"),
            ]
            #expect(changed == [0, 3, 2, 0, 3])
        }
    }

    // MARK: Transactions

    @Test("a transaction's rows become visible to other connections on commit", arguments: ContractBackend.available)
    func commitMakesRowsVisible(backend: ContractBackend) throws {
        try withEmptyDatabase(backend) { fixture in
            let database = fixture.database
            try database.executeScript("CREATE TABLE t (id INTEGER PRIMARY KEY)")
            let other = try fixture.openSecondConnection()
            defer { other.close() }

            #expect(!database.isInTransaction)
            let returned = try database.transaction {
                #expect(database.isInTransaction)
                for id in 1...3 {
                    try database.execute("INSERT INTO t (id) VALUES (?)", [.integer(Int64(id))])
                }
                #expect(try fixture.count("t") == 3, "the transaction sees its own rows")
                #expect(try fixture.count("t", on: other) == 0, "others must not see uncommitted rows")
                return "body result"
            }
            #expect(returned == "body result")
            #expect(!database.isInTransaction)
            #expect(try fixture.count("t", on: other) == 3)
        }
    }

    @Test("a throwing body rolls back everything and the same error is rethrown", arguments: ContractBackend.available)
    func rollbackOnThrow(backend: ContractBackend) throws {
        try withEmptyDatabase(backend) { fixture in
            let database = fixture.database
            try database.executeScript("CREATE TABLE t (id INTEGER PRIMARY KEY)")
            try database.execute("INSERT INTO t (id) VALUES (1)")

            let error = errorThrown {
                try database.transaction {
                    try database.execute("INSERT INTO t (id) VALUES (2)")
                    try database.execute("DELETE FROM t WHERE id = 1")
                    throw ContractError(code: 7)
                }
            }
            #expect(error as? ContractError == ContractError(code: 7), "got \(String(describing: error))")
            #expect(!database.isInTransaction)
            #expect(try database.allRows("SELECT id FROM t") == [[1]])

            // The connection is ready for the next transaction.
            let inserted = try database.transaction { try database.execute("INSERT INTO t (id) VALUES (3)") }
            #expect(inserted == 1)
            #expect(try database.allRows("SELECT id FROM t ORDER BY id") == [[1], [3]])
        }
    }

    @Test("a nested transaction is refused with nestedTransaction and runs nothing", arguments: ContractBackend.available)
    func nestedTransactionIsRefused(backend: ContractBackend) throws {
        try withEmptyDatabase(backend) { fixture in
            let database = fixture.database
            try database.executeScript("CREATE TABLE t (id INTEGER PRIMARY KEY)")
            var nestedBodyRan = false
            try database.transaction {
                try database.execute("INSERT INTO t (id) VALUES (1)")
                let nestedError = errorThrown {
                    try database.transaction {
                        nestedBodyRan = true
                        try database.execute("INSERT INTO t (id) VALUES (2)")
                    }
                }
                #expect(nestedError as? DatabaseUsageError == .nestedTransaction, "got \(String(describing: nestedError))")
                // The refusal leaves the outer transaction open and working.
                #expect(database.isInTransaction)
                try database.execute("INSERT INTO t (id) VALUES (3)")
            }
            #expect(!nestedBodyRan)
            #expect(!database.isInTransaction)
            #expect(try database.allRows("SELECT id FROM t ORDER BY id") == [[1], [3]])
        }
    }

    @Test("a read-only transaction refuses writes and reads one state while others write", arguments: ContractBackend.available)
    func readOnlyTransaction(backend: ContractBackend) throws {
        try withEmptyDatabase(backend) { fixture in
            let database = fixture.database
            try database.executeScript("CREATE TABLE t (id INTEGER PRIMARY KEY)")
            try database.execute("INSERT INTO t (id) VALUES (1)")
            let other = try fixture.openSecondConnection()
            defer { other.close() }
            if let sqlite = other as? SQLiteDatabase { sqlite.connection.setBusyTimeout(milliseconds: 50) }

            let seen = try database.readOnlyTransaction {
                #expect(database.isInTransaction)
                let first = try fixture.count("t")
                let nested = errorThrown { try database.transaction {} }
                #expect(nested as? DatabaseUsageError == .nestedTransaction)

                // Another connection's write: PostgreSQL commits it unseen
                // here; SQLite (rollback journal) cannot commit until we end.
                let otherWrite = errorThrown { try other.execute("INSERT INTO t (id) VALUES (3)") }
                switch backend {
                case .sqlite:
                    #expect((otherWrite as? DatabaseError)?.kind == .busy, "got \(String(describing: otherWrite))")
                    #expect(((otherWrite as? DatabaseError)?.underlying as? SQLiteError)?.primaryCode == SQLiteError.busy)
                case .postgres: #expect(otherWrite == nil)
                }
                let second = try fixture.count("t")

                // Last: on PostgreSQL a failed statement ends the transaction's use.
                let write = errorThrown { try database.execute("INSERT INTO t (id) VALUES (2)") }
                switch backend {
                case .sqlite: #expect(((write as? DatabaseError)?.underlying as? SQLiteError)?.primaryCode == SQLiteError.readOnly, "got \(String(describing: write))")
                case .postgres: #expect(((write as? DatabaseError)?.underlying as? PostgresError)?.sqlstate == "25006", "got \(String(describing: write))")
                }
                #expect((write as? DatabaseError)?.kind == .readOnly)
                return (first, second)
            }
            #expect(seen.0 == 1 && seen.1 == 1)
            #expect(!database.isInTransaction)
            // Writes work again once it ends.
            try database.execute("INSERT INTO t (id) VALUES (4)")
            #expect(try fixture.count("t") == (backend == .sqlite ? 2 : 3))
        }
    }

    // MARK: Bulk insert

    @Test("bulkInsert of 10k rows inside a transaction stores every value", arguments: ContractBackend.available)
    func bulkInsertTenThousandRows(backend: ContractBackend) throws {
        try withEmptyDatabase(backend) { fixture in
            let database = fixture.database
            try database.executeScript("CREATE TABLE bulk (id INTEGER PRIMARY KEY, label TEXT, note TEXT)")
            let specials = ["tab\there", "line\nbreak", "back\\slash", "\\N", "ünïcödé 🧑‍💻", "it's", ""]
            let rows: [[DatabaseValue]] = (1...10_000).map { id in
                let label = DatabaseValue.text(id % 100 == 0 ? specials[(id / 100) % specials.count] : "row \(id)")
                let note: DatabaseValue = id.isMultiple(of: 3) ? .null : .text("note \(id)")
                return [.integer(Int64(id)), label, note]
            }

            let inserted = try database.transaction {
                try database.bulkInsert(into: "bulk", columns: ["id", "label", "note"]) { inserter in
                    for row in rows { try inserter.insert(row) }
                }
            }
            #expect(inserted == 10_000)
            #expect(try fixture.count("bulk") == 10_000)
            #expect(try database.scalar("SELECT count(*) FROM bulk WHERE note IS NULL") == .integer(3_333))
            #expect(try database.allRows("SELECT id, label, note FROM bulk ORDER BY id") == rows)
        }
    }

    @Test("a throw inside bulkInsert stores nothing and the caller's error comes back", arguments: ContractBackend.available)
    func bulkInsertThrowStoresNothing(backend: ContractBackend) throws {
        try withEmptyDatabase(backend) { fixture in
            let database = fixture.database
            try database.executeScript("CREATE TABLE bulk (id INTEGER PRIMARY KEY, label TEXT)")

            let error = errorThrown {
                _ = try database.transaction {
                    try database.bulkInsert(into: "bulk", columns: ["id", "label"]) { inserter in
                        for id in 1...2_000 { try inserter.insert([.integer(Int64(id)), .text(String(repeating: "y", count: 64))]) }
                        throw ContractError(code: 2_000)
                    }
                }
            }
            #expect(error as? ContractError == ContractError(code: 2_000), "got \(String(describing: error))")
            #expect(!database.isInTransaction)
            #expect(try fixture.count("bulk") == 0)

            let inserted = try database.transaction {
                try database.bulkInsert(into: "bulk", columns: ["id", "label"]) { inserter in try inserter.insert([1, "after"]) }
            }
            #expect(inserted == 1)
            #expect(try database.allRows("SELECT id, label FROM bulk") == [[1, "after"]])
        }
    }

    // MARK: Streaming

    /// Memory staying flat is measured on the built binary, in a process of
    /// its own (MigrationMemoryTests): this process's memory moves with
    /// every test running beside this one.
    @Test("forEachRow streams 100k wide rows in order", arguments: ContractBackend.available)
    func streamingInOrder(backend: ContractBackend) throws {
        let rowCount: Int64 = 100_000
        let payloadBytes = 1_032  // "0000042:" and 1024 x's
        try withEmptyDatabase(backend) { fixture in
            let database = fixture.database
            try database.executeScript("CREATE TABLE wide (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)")
            // Rows are made by the database itself: nothing of them is in
            // this process before streaming starts.
            switch backend {
            case .sqlite:
                try database.execute(
                    """
                    INSERT INTO wide (id, payload)
                    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
                    SELECT i, printf('%07d:', i) || replace(hex(zeroblob(512)), '0', 'x') FROM n
                    """,
                    [.integer(rowCount)]
                )
            case .postgres:
                try database.execute(
                    """
                    INSERT INTO wide (id, payload)
                    SELECT i, lpad(i::text, 7, '0') || ':' || repeat('x', 1024) FROM generate_series(1, ?::int) AS i
                    """,
                    [.integer(rowCount)]
                )
            }

            var nextID: Int64 = 1
            var outOfOrder = 0
            var wrongPayloads = 0
            var streamedBytes = 0
            try database.forEachRow("SELECT id, payload FROM wide WHERE id > ? ORDER BY id", [0]) { row in
                guard case .integer(let id) = row[0], case .text(let payload) = row[1] else {
                    wrongPayloads += 1
                    return
                }
                if id != nextID { outOfOrder += 1 }
                nextID = id + 1
                if payload.utf8.count != payloadBytes || !payload.hasPrefix(String(format: "%07d:", id)) {
                    wrongPayloads += 1
                }
                streamedBytes += payload.utf8.count
            }

            #expect(nextID == rowCount + 1, "rows streamed: \(nextID - 1)")
            #expect(outOfOrder == 0)
            #expect(wrongPayloads == 0)
            #expect(streamedBytes == Int(rowCount) * payloadBytes)
            #expect(!database.isInTransaction)
        }
    }

    @Test(
        "forEachRow's body may run statements on the same connection between rows (PostgreSQL in batches of 1000)",
        arguments: ContractBackend.available
    )
    func bodyWritesBetweenRows(backend: ContractBackend) throws {
        try withEmptyDatabase(backend) { fixture in
            let database = fixture.database
            if let postgres = database as? PostgresDatabase {
                postgres.fetchBatchSize = 1_000
            }
            try database.executeScript(
                """
                CREATE TABLE source (id INTEGER PRIMARY KEY, label TEXT NOT NULL);
                CREATE TABLE copied (id INTEGER PRIMARY KEY, label TEXT NOT NULL, seen_before BIGINT NOT NULL)
                """
            )
            // 5000 rows: exactly five batches, so the last FETCH comes back empty.
            let rowCount = 5_000
            let inserted = try database.transaction {
                try database.bulkInsert(into: "source", columns: ["id", "label"]) { inserter in
                    for id in 1...rowCount { try inserter.insert([.integer(Int64(id)), .text("label \(id)")]) }
                }
            }
            #expect(inserted == rowCount)

            var streamed = 0
            try database.transaction {
                try database.forEachRow("SELECT id, label FROM source ORDER BY id", []) { row in
                    // Reads and writes on the connection that is streaming.
                    let seenBefore = try database.scalar("SELECT count(*) FROM copied") ?? .null
                    try database.execute("INSERT INTO copied (id, label, seen_before) VALUES (?, ?, ?)", [row[0], row[1], seenBefore])
                    streamed += 1
                }
            }
            #expect(streamed == rowCount)
            #expect(try fixture.count("copied") == Int64(rowCount))
            // Row n saw the n - 1 rows copied before it: no row twice, none skipped.
            #expect(try database.scalar("SELECT count(*) FROM copied WHERE seen_before <> id - 1") == .integer(0))
            #expect(
                try database.scalar("SELECT count(*) FROM copied JOIN source USING (id) WHERE copied.label = source.label")
                    == .integer(Int64(rowCount))
            )
        }
    }

    @Test("a throw from forEachRow's body stops the stream and is rethrown", arguments: ContractBackend.available)
    func bodyThrowStopsStreaming(backend: ContractBackend) throws {
        try withEmptyDatabase(backend) { fixture in
            let database = fixture.database
            if let postgres = database as? PostgresDatabase {
                postgres.fetchBatchSize = 1_000
            }
            try database.executeScript("CREATE TABLE t (id INTEGER PRIMARY KEY)")
            _ = try database.transaction {
                try database.bulkInsert(into: "t", columns: ["id"]) { inserter in
                    for id in 1...3_000 { try inserter.insert([.integer(Int64(id))]) }
                }
            }

            var seen = 0
            let error = errorThrown {
                try database.forEachRow("SELECT id FROM t ORDER BY id", []) { _ in
                    seen += 1
                    if seen == 1_500 { throw ContractError(code: 1_500) }
                }
            }
            #expect(error as? ContractError == ContractError(code: 1_500), "got \(String(describing: error))")
            #expect(seen == 1_500)
            #expect(!database.isInTransaction)
            // The connection is usable: a query and a transaction both work.
            #expect(try fixture.count("t") == 3_000)
            let deleted = try database.transaction { try database.execute("DELETE FROM t WHERE id > ?", [10]) }
            #expect(deleted == 2_990)
            #expect(try fixture.count("t") == 10)
        }
    }

    // MARK: Errors

    @Test("a CHECK violation surfaces the backend's native code and the statement", arguments: ContractBackend.available)
    func checkViolationCarriesNativeCode(backend: ContractBackend) throws {
        try withEmptyDatabase(backend) { fixture in
            let database = fixture.database
            try database.executeScript("CREATE TABLE scores (id INTEGER PRIMARY KEY, score INTEGER CHECK (score >= 0))")

            let insert = "INSERT INTO scores (id, score) VALUES (?, ?)"
            let fromExecute = errorThrown { try database.execute(insert, [1, -1]) }
            expectCheckViolation(fromExecute, on: backend, statementContaining: "INSERT INTO scores")

            let fromBulkInsert = errorThrown {
                _ = try database.transaction {
                    try database.bulkInsert(into: "scores", columns: ["id", "score"]) { inserter in
                        try inserter.insert([2, 5])
                        try inserter.insert([3, -5])
                    }
                }
            }
            expectCheckViolation(fromBulkInsert, on: backend, statementContaining: "scores")
            #expect(try fixture.count("scores") == 0)
        }
    }

    /// Checks that `error` is the backend's own error type with its code for
    /// a CHECK violation (SQLite 275, PostgreSQL SQLSTATE 23514).
    private func expectCheckViolation(
        _ error: (any Error)?,
        on backend: ContractBackend,
        statementContaining fragment: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        switch backend {
        case .sqlite:
            #expect((error as? DatabaseError)?.kind == .constraint, sourceLocation: sourceLocation)
            let sqliteError = (error as? DatabaseError)?.underlying as? SQLiteError
            #expect(sqliteError?.code == 275, "got \(String(describing: error))", sourceLocation: sourceLocation)
            #expect(sqliteError?.sql?.contains(fragment) == true, "got \(String(describing: error))", sourceLocation: sourceLocation)
        case .postgres:
            #expect((error as? DatabaseError)?.kind == .constraint, sourceLocation: sourceLocation)
            let postgresError = (error as? DatabaseError)?.underlying as? PostgresError
            #expect(postgresError?.sqlstate == "23514", "got \(String(describing: error))", sourceLocation: sourceLocation)
            #expect(postgresError?.statement?.contains(fragment) == true, "got \(String(describing: error))", sourceLocation: sourceLocation)
        }
    }
}
