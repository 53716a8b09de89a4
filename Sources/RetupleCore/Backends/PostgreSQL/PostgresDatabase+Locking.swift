/// PostgreSQL's locks for a migration: a transaction-scoped advisory lock
/// refuses a second retuple on the database; `LOCK TABLE … IN EXCLUSIVE
/// MODE` makes writers of a legacy table wait while readers go on
/// ("EXCLUSIVE … allows only concurrent ACCESS SHARE locks, i.e., only
/// reads from the table can proceed in parallel", explicit-locking.html);
/// `lock_timeout` bounds both waits.
extension PostgresDatabase: TableLocking {
    /// The advisory lock key pair: "retu", "ple".
    static let runLockKey = (Int32(0x7265_7475), Int32(0x0070_6C65))
    /// The key of a parallel run's coordinator: "retu", "jobs".
    static let parallelRunLockKey = (Int32(0x7265_7475), Int32(0x6A6F_6273))

    /// The key as `pg_locks` shows it (`classid`, `objid` are unsigned
    /// there; a two-key lock has `objsubid` 2).
    static var runLockCondition: (sql: String, bindings: [DatabaseValue]) { lockCondition(runLockKey) }

    static func lockCondition(_ key: (Int32, Int32)) -> (sql: String, bindings: [DatabaseValue]) {
        let (classID, objectID) = key
        return (
            """
            l.locktype = 'advisory' AND l.granted AND l.classid = ? AND l.objid = ? AND l.objsubid = 2
              AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
            """,
            [.integer(Int64(UInt32(bitPattern: classID))), .integer(Int64(UInt32(bitPattern: objectID)))]
        )
    }

    /// Nothing to set on the connection: the wait is per transaction, and
    /// a table's holders are named by `lockAgainstWriters`.
    public func setLockWait(_ timeout: Duration?, notice: LockWaitNotice?) {}

    public func configureMigrationTransaction(lockTimeout: Duration?) throws {
        try executeScript("""
            SET LOCAL statement_timeout = 0;
            SET LOCAL idle_in_transaction_session_timeout = 0;
            SET LOCAL lock_timeout = \(lockTimeout.map(DurationText.milliseconds) ?? 0);
            SET LOCAL DateStyle = 'ISO, YMD';
            SET LOCAL TimeZone = 'UTC'
            """)
    }

    public func tryRunLock() throws -> RunLockHolder? {
        let (classID, objectID) = Self.runLockKey
        let acquired = try scalar("SELECT pg_try_advisory_xact_lock(?, ?)", [.integer(Int64(classID)), .integer(Int64(objectID))])
        guard acquired?.isTrue != true else { return nil }
        let (condition, bindings) = Self.runLockCondition
        return RunLockHolder(pid: try scalar("SELECT l.pid FROM pg_catalog.pg_locks l WHERE \(condition)", bindings)?.integer)
    }

    public func tryParallelRunLock(shared: Bool) throws -> RunLockHolder? {
        let key = shared ? Self.runLockKey : Self.parallelRunLockKey
        let function = shared ? "pg_try_advisory_xact_lock_shared" : "pg_try_advisory_xact_lock"
        let acquired = try scalar("SELECT \(function)(?, ?)", [.integer(Int64(key.0)), .integer(Int64(key.1))])
        guard acquired?.isTrue != true else { return nil }
        let (condition, bindings) = Self.lockCondition(key)
        return RunLockHolder(pid: try scalar(
            "SELECT l.pid FROM pg_catalog.pg_locks l WHERE \(condition) AND l.pid <> pg_backend_pid() ORDER BY l.mode DESC LIMIT 1", bindings
        )?.integer)
    }

    public func lockAgainstWriters(_ table: String, _ exclusion: WriterExclusion) throws -> [LockHolder]? {
        // A savepoint keeps the transaction usable to ask who holds the lock.
        try execute("SAVEPOINT retuple_lock_wait")
        do {
            try execute("LOCK TABLE \(quoteIdentifier(table)) IN \(exclusion.rawValue) MODE")
        } catch let error as DatabaseError where error.kind == .lockTimeout {
            try execute("ROLLBACK TO SAVEPOINT retuple_lock_wait")
            return try holders(of: table)
        }
        try execute("RELEASE SAVEPOINT retuple_lock_wait")
        return nil
    }

    /// Waits `notice.after` under a `lock_timeout` of its own (set before
    /// the savepoint, since rolling back to it would undo a `SET LOCAL`
    /// made after it), names the holders to `notice`, then waits the rest
    /// of `timeout`; the transaction's `lock_timeout` is as before after.
    public func lockAgainstWriters(
        _ table: String, _ exclusion: WriterExclusion, timeout: Duration?, notice: LockWaitNotice
    ) throws -> [LockHolder]? {
        guard timeout.map({ $0 > notice.after }) ?? true else { return try lockAgainstWriters(table, exclusion) }
        let full = timeout.map(DurationText.milliseconds) ?? 0
        defer { _ = try? executeScript("SET LOCAL lock_timeout = \(full)") }
        try executeScript("SET LOCAL lock_timeout = \(DurationText.milliseconds(notice.after))")
        try execute("SAVEPOINT retuple_lock_notice")
        do {
            try execute("LOCK TABLE \(quoteIdentifier(table)) IN \(exclusion.rawValue) MODE")
            try execute("RELEASE SAVEPOINT retuple_lock_notice")
            return nil
        } catch let error as DatabaseError where error.kind == .lockTimeout {
            try execute("ROLLBACK TO SAVEPOINT retuple_lock_notice")
            try execute("RELEASE SAVEPOINT retuple_lock_notice")
        }
        notice.notify(try holders(of: table))
        let rest = timeout.map { max(DurationText.milliseconds($0 - notice.after), 1) } ?? 0
        try executeScript("SET LOCAL lock_timeout = \(rest)")
        return try lockAgainstWriters(table, exclusion)
    }

    /// `max_connections` less the superuser-reserved connections and the
    /// sessions open now (this one included), at least 1. A role's own
    /// `rolconnlimit` caps it too when set.
    public func concurrentWriterLimit() throws -> Int {
        let free = try scalar("""
            SELECT current_setting('max_connections')::int
                 - current_setting('superuser_reserved_connections')::int
                 - (SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE backend_type = 'client backend')
            """)?.integer ?? 0
        var limit = Int(free)
        if let roleLimit = try scalar(
            "SELECT rolconnlimit FROM pg_catalog.pg_roles WHERE rolname = current_user AND rolconnlimit >= 0"
        )?.integer {
            let open = try scalar(
                "SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE usename = current_user"
            )?.integer ?? 0
            limit = min(limit, Int(roleLimit - open))
        }
        return max(limit, 1)
    }

    /// The other sessions holding a lock on `table` that keeps writers'
    /// exclusion waiting: every lock but a reader's ACCESS SHARE.
    private func holders(of table: String) throws -> [LockHolder] {
        try allRows("""
            SELECT a.pid, coalesce(a.usename, ''), coalesce(a.application_name, ''), coalesce(a.state, ''), l.mode
            FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
            WHERE l.granted AND l.pid <> pg_backend_pid() AND l.mode <> 'AccessShareLock'
              AND l.relation = to_regclass(?)
              AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
            ORDER BY a.pid
            """, [.text(quoteIdentifier(table))]).map(LockHolder.init(row:))
    }
}

extension LockHolder {
    /// From a row of `pid, user, application, state, mode`.
    init(row: [DatabaseValue]) {
        self.init(
            pid: row[0].integer ?? 0, user: row[1].displayText, application: row[2].displayText,
            state: row[3].displayText, mode: row[4].displayText
        )
    }
}
