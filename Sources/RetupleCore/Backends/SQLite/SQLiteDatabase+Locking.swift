/// SQLite's locks for a migration: the write transaction itself
/// (`BEGIN IMMEDIATE`) is the write lock and so the run lock; the busy
/// timeout is the wait.
extension SQLiteDatabase: TableLocking {
    public func setLockWait(_ timeout: Duration?, notice: LockWaitNotice?) {
        let limit = timeout.map(DurationText.milliseconds) ?? Int64(Int32.max)
        guard let notice else { return connection.setBusyTimeout(milliseconds: Int32(clamping: limit)) }
        connection.setBusyWait(milliseconds: limit, noticeAfter: DurationText.milliseconds(notice.after)) { notice.notify(nil) }
    }

    /// Nothing to set: the busy timeout is the connection's.
    public func configureMigrationTransaction(lockTimeout: Duration?) throws {}

    /// Held already: `BEGIN IMMEDIATE` took the write lock.
    public func tryRunLock() throws -> RunLockHolder? { nil }

    /// Held already, as `tryRunLock`.
    public func tryParallelRunLock(shared: Bool) throws -> RunLockHolder? { nil }

    /// A write transaction holds writers off already. A read-only one does
    /// from its first read, made here so that a busy wait happens now:
    /// "a writer holding PENDING is just waiting on all current SHARED
    /// locks to clear" (lockingv3.html).
    public func lockAgainstWriters(_ table: String, _ exclusion: WriterExclusion) throws -> [LockHolder]? {
        if exclusion == .share { _ = try scalar("SELECT count(*) FROM sqlite_master") }
        return nil
    }

    /// SQLite has no table locks to name holders of: as without a notice.
    public func lockAgainstWriters(
        _ table: String, _ exclusion: WriterExclusion, timeout: Duration?, notice: LockWaitNotice
    ) throws -> [LockHolder]? {
        try lockAgainstWriters(table, exclusion)
    }

    /// One writer at a time: a second write transaction waits for the first.
    public func concurrentWriterLimit() throws -> Int { 1 }
}
