import RetupleSQLite
import RetupleTestSupport
import Testing

@Suite("SQLite errors")
struct SQLiteErrorTests {
    /// A violated constraint: SQLite's extended code from
    /// sqlite.org/rescode.html, and our named constant for it.
    typealias ConstraintCase = StatementErrorCase<Int32>

    static let constraintCases = [
        ConstraintCase("CHECK", statement: "INSERT INTO t (id, name, score) VALUES (2, 'b', -1)", code: 275, constant: SQLiteError.constraintCheck),
        ConstraintCase("PRIMARY KEY", statement: "INSERT INTO t (id, name, score) VALUES (1, 'b', 1)", code: 1555, constant: SQLiteError.constraintPrimaryKey),
        ConstraintCase("UNIQUE", statement: "INSERT INTO t (id, name, score) VALUES (2, 'a', 1)", code: 2067, constant: SQLiteError.constraintUnique),
        ConstraintCase("NOT NULL", statement: "INSERT INTO t (id, name, score) VALUES (2, NULL, 1)", code: 1299, constant: SQLiteError.constraintNotNull),
    ]

    /// A file database with one row in a table carrying each kind of constraint.
    private static func constrainedDatabase(in directory: TemporaryDirectory) throws -> SQLiteConnection {
        let connection = try SQLiteConnection(path: directory.path("constraints.db"))
        try connection.executeScript(
            """
            CREATE TABLE t (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                score INTEGER CHECK (score >= 0)
            );
            INSERT INTO t (id, name, score) VALUES (1, 'a', 0);
            """
        )
        return connection
    }

    @Test("a violated constraint from a prepared statement carries the extended code and the SQL", arguments: constraintCases)
    func preparedConstraintViolation(violation: ConstraintCase) throws {
        let directory = try TemporaryDirectory()
        let connection = try Self.constrainedDatabase(in: directory)
        let statement = try connection.prepare(violation.statement)

        let error = try #require(throws: SQLiteError.self) { try statement.run() }
        #expect(error.code == violation.code)
        #expect(error.code == violation.constant)
        #expect(error.primaryCode == SQLiteError.constraint)
        #expect(error.sql == violation.statement)
        #expect(error.message.contains("constraint failed"))
        #expect(error.description.contains("\(violation.code)"))
    }

    @Test("a violated constraint from executeScript carries the extended code and the script", arguments: constraintCases)
    func scriptConstraintViolation(violation: ConstraintCase) throws {
        let directory = try TemporaryDirectory()
        let connection = try Self.constrainedDatabase(in: directory)

        let error = try #require(throws: SQLiteError.self) { try connection.executeScript(violation.statement) }
        #expect(error.code == violation.code)
        #expect(error.sql == violation.statement)
    }

    @Test("a syntax error fails at prepare with SQLITE_ERROR and names the SQL")
    func syntaxError() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        let sql = "SELEKT 1"
        let error = try #require(throws: SQLiteError.self) { _ = try connection.prepare(sql) }
        #expect(error.code == 1)
        #expect(error.sql == sql)
        #expect(error.message.contains("syntax error"))
    }

    @Test("an empty statement is refused instead of yielding a statement without a handle")
    func emptyStatement() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        #expect(throws: SQLiteError.self) { _ = try connection.prepare("  -- nothing here\n") }
    }

    /// Two connections to a new file `busy.db` in `directory` holding an
    /// empty table `t`; the second waits at most `busyTimeout` for a lock.
    private static func twoConnections(
        in directory: TemporaryDirectory, busyTimeout: Int32
    ) throws -> (first: SQLiteConnection, second: SQLiteConnection) {
        let path = directory.path("busy.db")
        let first = try SQLiteConnection(path: path)
        try first.executeScript("CREATE TABLE t (v INTEGER)")
        let second = try SQLiteConnection(path: path)
        second.setBusyTimeout(milliseconds: busyTimeout)
        return (first, second)
    }

    @Test("BEGIN IMMEDIATE on a second connection fails with busy (5) while the first writes, with timeout 0")
    func busyWithoutTimeout() throws {
        let directory = try TemporaryDirectory()
        let (first, second) = try Self.twoConnections(in: directory, busyTimeout: 0)

        try first.executeScript("BEGIN IMMEDIATE; INSERT INTO t VALUES (1)")
        #expect(!first.isAutocommit)

        let error = try #require(throws: SQLiteError.self) { try second.executeScript("BEGIN IMMEDIATE") }
        #expect(error.code == SQLiteError.busy)
        #expect(error.sql == "BEGIN IMMEDIATE")
        #expect(second.isAutocommit, "the failed BEGIN must not leave a transaction open")

        // Once the writer commits, the second connection may write and sees the row.
        try first.executeScript("COMMIT")
        #expect(first.isAutocommit)
        try second.executeScript("BEGIN IMMEDIATE; INSERT INTO t VALUES (2); COMMIT")
        let count = try second.prepare("SELECT count(*) FROM t")
        #expect(try count.step())
        #expect(count.int64(at: 0) == 2)
    }

    @Test("a busy timeout makes the second writer wait for the lock instead of failing at once")
    func busyTimeoutWaits() throws {
        let directory = try TemporaryDirectory()
        let (first, second) = try Self.twoConnections(in: directory, busyTimeout: 300)

        try first.executeScript("BEGIN IMMEDIATE")
        let clock = ContinuousClock()
        let start = clock.now
        let error = try #require(throws: SQLiteError.self) { try second.executeScript("BEGIN IMMEDIATE") }
        let waited = clock.now - start
        #expect(error.code == SQLiteError.busy)
        #expect(waited >= .milliseconds(250), "waited only \(waited)")
        try first.executeScript("ROLLBACK")
    }
}
