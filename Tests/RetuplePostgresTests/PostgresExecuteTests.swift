import RetuplePostgres
import RetupleTestSupport
import Testing

@Suite("PostgreSQL execute", .enabled(if: TestBackends.postgresEnabled))
struct PostgresExecuteTests {
    static let texts = [
        "",
        "it's a \"quoted\" 'value'",
        "'); DROP TABLE t; --",
        "ünïcödé 漢字 Ελληνικά 🧑‍💻🇩🇰",
        "back\\slash \\\\ and \\N and \\x41",
        "tab\there",
        "new\nline\r\nand carriage return",
        "$1 is not a parameter in a value",
    ]

    @Test("PostgreSQL: text parameters are stored and read back exactly")
    func textRoundTrip() throws {
        try withFreshConnection { connection in
            try connection.execute("CREATE TABLE t (id int4 PRIMARY KEY, v text)")
            for (id, text) in Self.texts.enumerated() {
                let inserted = try connection.execute("INSERT INTO t (id, v) VALUES ($1, $2)", [String(id), text])
                #expect(inserted.affectedRows == 1)
            }
            let rows = try connection.execute("SELECT v FROM t ORDER BY id")
            #expect(rows.rowCount == Self.texts.count)
            for (index, text) in Self.texts.enumerated() {
                #expect(rows.string(row: index, column: 0) == text)
                let bytes = rows.withUnsafeBytes(row: index, column: 0) { Array($0) }
                #expect(bytes == Array(text.utf8))
            }
            #expect(try connection.execute("SELECT count(*) FROM t").string(row: 0, column: 0) == "\(Self.texts.count)")
        }
    }

    @Test("PostgreSQL: a nil parameter is NULL, distinct from the empty string")
    func nullRoundTrip() throws {
        try withFreshConnection { connection in
            let result = try connection.execute("SELECT $1::text, $2::text, $1::text IS NULL", [nil, ""])
            #expect(result.isNull(row: 0, column: 0))
            #expect(result.string(row: 0, column: 0) == nil)
            #expect(!result.isNull(row: 0, column: 1))
            #expect(result.string(row: 0, column: 1) == "")
            #expect(result.string(row: 0, column: 2) == "t")
        }
    }

    @Test("PostgreSQL: 64-bit integers round-trip through text parameters")
    func integerRoundTrip() throws {
        try withFreshConnection { connection in
            try connection.execute("CREATE TABLE n (id int4, v int8)")
            let values = [Int64.min, -1, 0, Int64(Int32.max) + 1, Int64.max]
            for (id, value) in values.enumerated() {
                try connection.execute("INSERT INTO n VALUES ($1, $2)", [String(id), String(value)])
            }
            let rows = try connection.execute("SELECT v FROM n ORDER BY id")
            #expect(rows.columnType(0) == 20)  // int8
            let read = (0..<rows.rowCount).map { rows.string(row: $0, column: 0) }
            let expected = values.map { String($0) }
            #expect(read == expected)
        }
    }

    @Test("PostgreSQL: a timestamp given as text comes back identical")
    func timestampRoundTrip() throws {
        try withFreshConnection { connection in
            try connection.execute("CREATE TABLE ts (id int4, at timestamp)")
            let stamps = ["2021-09-14 13:46:24.123456", "1999-12-31 23:59:59", "2038-01-19 03:14:08.000001"]
            for (id, stamp) in stamps.enumerated() {
                try connection.execute("INSERT INTO ts (id, at) VALUES ($1, $2)", [String(id), stamp])
            }
            let rows = try connection.execute("SELECT at FROM ts ORDER BY id")
            #expect(rows.columnName(0) == "at")
            #expect(rows.columnType(0) == 1114)  // timestamp
            let read = (0..<rows.rowCount).map { rows.string(row: $0, column: 0) }
            #expect(read == stamps)
        }
    }

    @Test("PostgreSQL: affectedRows counts the rows an UPDATE or DELETE changed, 0 for DDL")
    func affectedRows() throws {
        try withFreshConnection { connection in
            try connection.executeScript("CREATE TABLE t (v int4); INSERT INTO t SELECT generate_series(1, 10)")
            #expect(try connection.execute("UPDATE t SET v = v + 1 WHERE v > $1", ["6"]).affectedRows == 4)
            #expect(try connection.execute("DELETE FROM t").affectedRows == 10)
            #expect(try connection.execute("CREATE INDEX t_v ON t (v)").affectedRows == 0)
        }
    }

    /// A failing statement: its SQLSTATE, and our named constant for it.
    typealias ErrorCase = StatementErrorCase<String>

    static let errorCases = [
        ErrorCase("undefined table", statement: "SELECT * FROM no_such_table", code: "42P01", constant: PostgresError.undefinedTable),
        ErrorCase("check violation", statement: "INSERT INTO t (id, score) VALUES (2, -1)", code: "23514", constant: PostgresError.checkViolation),
        ErrorCase("unique violation", statement: "INSERT INTO t (id, score) VALUES (1, 5)", code: "23505", constant: PostgresError.uniqueViolation),
        ErrorCase("not-null violation", statement: "INSERT INTO t (id, score) VALUES (NULL, 5)", code: "23502", constant: PostgresError.notNullViolation),
    ]

    @Test("PostgreSQL: SQL errors carry the SQLSTATE, one-line message and statement", arguments: errorCases)
    func sqlErrors(errorCase: ErrorCase) throws {
        try withFreshConnection { connection in
            try connection.execute("CREATE TABLE t (id int4 PRIMARY KEY, score int4 CHECK (score >= 0))")
            try connection.execute("INSERT INTO t VALUES (1, 0)")

            let thrown = errorThrown { try connection.execute(errorCase.statement) }
            let error = try #require(thrown as? PostgresError, "got \(String(describing: thrown))")
            #expect(error.sqlstate == errorCase.code)
            #expect(error.sqlstate == errorCase.constant)
            #expect(error.statement == errorCase.statement)
            #expect(!error.message.isEmpty)
            #expect(!error.message.contains("\n"))
            #expect(!error.message.hasPrefix("ERROR"))
            #expect(error.description.contains("SQLSTATE \(errorCase.code)"))

            // Outside a transaction block the connection is usable at once.
            #expect(connection.transactionStatus == .idle)
            #expect(try connection.execute("SELECT count(*) FROM t").string(row: 0, column: 0) == "1")
        }
    }

    @Test("PostgreSQL: a unique violation's DETAIL names the duplicate key")
    func uniqueViolationDetail() throws {
        try withFreshConnection { connection in
            try connection.execute("CREATE TABLE t (id int4 PRIMARY KEY)")
            try connection.execute("INSERT INTO t VALUES ($1)", ["41"])
            let thrown = errorThrown { try connection.execute("INSERT INTO t VALUES ($1)", ["41"]) }
            let error = try #require(thrown as? PostgresError, "got \(String(describing: thrown))")
            #expect(error.sqlstate == PostgresError.uniqueViolation)
            #expect(error.detail?.contains("(id)=(41)") == true, "detail: \(String(describing: error.detail))")
        }
    }

    @Test("PostgreSQL: executeScript runs several statements and reports the failing one's SQLSTATE")
    func scripts() throws {
        try withFreshConnection { connection in
            try connection.executeScript("CREATE TABLE a (v int4); CREATE TABLE b (v int4); INSERT INTO a VALUES (1)")
            #expect(try connection.execute("SELECT count(*) FROM a").string(row: 0, column: 0) == "1")

            let script = "INSERT INTO b VALUES (1); INSERT INTO missing VALUES (1)"
            let thrown = errorThrown { try connection.executeScript(script) }
            let error = try #require(thrown as? PostgresError, "got \(String(describing: thrown))")
            #expect(error.sqlstate == PostgresError.undefinedTable)
            #expect(error.statement == script)
            // A multi-statement PQexec is one implicit transaction: b stays empty.
            #expect(try connection.execute("SELECT count(*) FROM b").string(row: 0, column: 0) == "0")
        }
    }

    /// The server reports an error and then ends the session (here a FATAL;
    /// a PANIC for want of WAL space behaves alike): the error thrown is the
    /// server's, not libpq's "server closed the connection unexpectedly"
    /// that follows it.
    @Test("PostgreSQL: the server's error before it ends the session is the one thrown", arguments: [false, true])
    func errorBeforeTheSessionEnds(script: Bool) throws {
        try withFreshConnection { connection in
            let sql = "SELECT pg_terminate_backend(pg_backend_pid())"
            let thrown = errorThrown {
                if script { try connection.executeScript(sql) } else { try connection.execute(sql) }
            }
            let error = try #require(thrown as? PostgresError, "got \(String(describing: thrown))")
            #expect(error.sqlstate == PostgresError.adminShutdown, "\(error)")
            #expect(error.message == "terminating connection due to administrator command", "\(error)")
        }
    }
}
