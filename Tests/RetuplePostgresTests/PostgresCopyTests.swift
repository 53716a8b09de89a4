import RetuplePostgres
import RetupleTestSupport
import Testing

@Suite("PostgreSQL COPY FROM STDIN", .enabled(if: TestBackends.postgresEnabled))
struct PostgresCopyTests {
    /// An error of the caller's own, to check it is the one rethrown.
    struct CallerError: Error, Equatable {
        let reason: String
    }

    static let tricky: [String?] = [
        "plain",
        "",
        nil,
        "tab\tinside\tfields",
        "line\nbreaks\r\nand\rreturns",
        "back\\slash, double \\\\ and trailing \\",
        "\\N",  // the text `\N`, not NULL
        "\\.",  // COPY's old end-of-data marker, as text
        "ünïcödé 漢字 🧑‍💻🇩🇰",
        "'quotes' and \"double quotes\"",
        "\\t\\n literally",
    ]

    @Test("PostgreSQL: copyIn stores text with tabs, newlines, backslashes, \\N, unicode and NULLs exactly")
    func trickyTextRoundTrip() throws {
        try withFreshConnection { connection in
            try connection.execute("CREATE TABLE t (id int8, a text, b text)")
            let stored = try connection.copyIn("COPY t (id, a, b) FROM STDIN") { writer in
                for (id, value) in Self.tricky.enumerated() {
                    writer.append(Int64(id))
                    if let value { writer.append(value) } else { writer.appendNull() }
                    // The same value again, next to another field.
                    if let value { writer.append(value) } else { writer.appendNull() }
                    try writer.endRow()
                }
            }
            #expect(stored == Self.tricky.count)

            let rows = try connection.execute("SELECT id, a, b FROM t ORDER BY id")
            #expect(rows.rowCount == Self.tricky.count)
            for (index, expected) in Self.tricky.enumerated() {
                #expect(rows.string(row: index, column: 0) == String(index))
                #expect(rows.string(row: index, column: 1) == expected, "row \(index)")
                #expect(rows.string(row: index, column: 2) == expected, "row \(index)")
                #expect(rows.isNull(row: index, column: 1) == (expected == nil))
            }
        }
    }

    @Test("PostgreSQL: copyIn streams many rows across several chunks")
    func manyRows() throws {
        try withFreshConnection { connection in
            try connection.execute("CREATE TABLE t (id int8, v text)")
            let rowCount = 20_000
            let payload = String(repeating: "é\t", count: 20)  // 60 bytes escaped, multibyte included
            let stored = try connection.copyIn("COPY t (id, v) FROM STDIN") { writer in
                for id in 1...rowCount {
                    writer.append(Int64(id))
                    writer.append(payload + String(id))
                    try writer.endRow()
                }
            }
            #expect(stored == rowCount)
            let summary = try connection.execute("SELECT count(*), sum(id), count(DISTINCT v), min(length(v)) FROM t")
            #expect(summary.string(row: 0, column: 0) == String(rowCount))
            #expect(summary.string(row: 0, column: 1) == String(rowCount * (rowCount + 1) / 2))
            #expect(summary.string(row: 0, column: 2) == String(rowCount))
            #expect(summary.string(row: 0, column: 3) == String(payload.count + 1))
            let last = try connection.execute("SELECT v FROM t WHERE id = $1", [String(rowCount)])
            #expect(last.string(row: 0, column: 0) == payload + String(rowCount))
        }
    }

    @Test("PostgreSQL: a throw inside copyIn aborts the copy, rethrows the caller's error, and the connection stays usable")
    func throwAbortsCopy() throws {
        try withFreshConnection { connection in
            try connection.execute("CREATE TABLE t (id int8, v text)")
            let thrown = CallerError(reason: "stop after 5000 rows")

            let error = errorThrown {
                try connection.copyIn("COPY t (id, v) FROM STDIN") { writer in
                    // More than one 64 KiB chunk, so the server has received
                    // rows by the time the copy is abandoned.
                    for id in 1...5_000 {
                        writer.append(Int64(id))
                        writer.append(String(repeating: "x", count: 40))
                        try writer.endRow()
                    }
                    throw thrown
                }
            }
            #expect(error as? CallerError == thrown, "got \(String(describing: error))")
            #expect(connection.transactionStatus == .idle)
            #expect(try connection.execute("SELECT count(*) FROM t").string(row: 0, column: 0) == "0")

            // Both a plain statement and another copy work afterwards.
            let stored = try connection.copyIn("COPY t (id, v) FROM STDIN") { writer in
                writer.append(1)
                writer.append("after")
                try writer.endRow()
            }
            #expect(stored == 1)
            #expect(try connection.execute("SELECT v FROM t").string(row: 0, column: 0) == "after")
        }
    }

    @Test("PostgreSQL: a throw inside copyIn within a transaction leaves the earlier work to roll back")
    func throwInsideTransaction() throws {
        try withFreshConnection { connection in
            try connection.execute("CREATE TABLE t (id int8)")
            try connection.execute("BEGIN")
            try connection.execute("INSERT INTO t VALUES (0)")
            let error = errorThrown {
                try connection.copyIn("COPY t (id) FROM STDIN") { writer in
                    writer.append(1)
                    try writer.endRow()
                    throw CallerError(reason: "abandon")
                }
            }
            #expect(error as? CallerError == CallerError(reason: "abandon"), "got \(String(describing: error))")
            // The aborted COPY fails the transaction block; ROLLBACK ends it.
            #expect(connection.transactionStatus == .failedTransaction)
            try connection.execute("ROLLBACK")
            #expect(try connection.execute("SELECT count(*) FROM t").string(row: 0, column: 0) == "0")
        }
    }

    @Test("PostgreSQL: data the server rejects fails the copy with its SQLSTATE and stores nothing")
    func serverRejectsData() throws {
        try withFreshConnection { connection in
            try connection.execute("CREATE TABLE t (id int8, score int4 CHECK (score >= 0))")
            let copy = "COPY t (id, score) FROM STDIN"

            let badNumberError = errorThrown {
                try connection.copyIn(copy) { writer in
                    writer.append(1)
                    writer.append("not a number")
                    try writer.endRow()
                }
            }
            let badNumber = try #require(badNumberError as? PostgresError, "got \(String(describing: badNumberError))")
            #expect(badNumber.sqlstate == "22P02")  // invalid_text_representation
            #expect(badNumber.statement == copy)

            let negativeError = errorThrown {
                try connection.copyIn(copy) { writer in
                    writer.append(1)
                    writer.append(5)
                    try writer.endRow()
                    writer.append(2)
                    writer.append(-5)
                    try writer.endRow()
                }
            }
            let negative = try #require(negativeError as? PostgresError, "got \(String(describing: negativeError))")
            #expect(negative.sqlstate == PostgresError.checkViolation)

            #expect(connection.transactionStatus == .idle)
            #expect(try connection.execute("SELECT count(*) FROM t").string(row: 0, column: 0) == "0")
        }
    }

    @Test("PostgreSQL: a COPY statement naming a missing table throws before the body runs")
    func missingTable() throws {
        try withFreshConnection { connection in
            var bodyRan = false
            let thrown = errorThrown {
                try connection.copyIn("COPY missing (id) FROM STDIN") { _ in bodyRan = true }
            }
            let error = try #require(thrown as? PostgresError, "got \(String(describing: thrown))")
            #expect(error.sqlstate == PostgresError.undefinedTable)
            #expect(!bodyRan)
            #expect(try connection.execute("SELECT 1").string(row: 0, column: 0) == "1")
        }
    }

    /// The server ends the session in the middle of a copy (here another
    /// session terminates it; a PANIC for want of WAL space behaves alike):
    /// the write that finds the connection gone reports the server's error,
    /// which libpq had received but not yet read, not its own "server
    /// closed the connection unexpectedly".
    @Test("PostgreSQL: the session ended during copyIn: the server's error is thrown")
    func sessionEndedDuringCopy() throws {
        try ScratchDatabase.with(.postgres) { scratch in
            let connection = try PostgresConnection(conninfo: scratch.dsn)
            defer { connection.close() }
            let other = try PostgresConnection(conninfo: scratch.dsn)
            defer { other.close() }
            try connection.execute("CREATE TABLE t (v text)")
            let pid = try #require(connection.execute("SELECT pg_backend_pid()").string(row: 0, column: 0))
            let thrown = errorThrown {
                try connection.copyIn("COPY t (v) FROM STDIN") { writer in
                    try other.execute("SELECT pg_terminate_backend($1::int)", [pid])
                    let row = String(repeating: "x", count: 1000)
                    for _ in 0..<1_000_000 {
                        writer.append(row)
                        try writer.endRow()
                    }
                }
            }
            let error = try #require(thrown as? PostgresError, "got \(String(describing: thrown))")
            #expect(error.sqlstate == PostgresError.adminShutdown, "\(error)")
            #expect(error.message == "terminating connection due to administrator command", "\(error)")
        }
    }
}
