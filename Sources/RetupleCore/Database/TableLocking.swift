/// How a backend holds other sessions off while a namespace migrates.
///
/// All of it is scoped to the transaction, so it works through a pooler
/// in transaction mode, and ends with the transaction however it ends.
public protocol TableLocking {
    /// How long a statement may wait for another connection's lock from now
    /// on (nil: without limit). SQLite sets its busy wait, which also tells
    /// `notice` (with no holders: SQLite cannot name them) when a wait for
    /// the database's lock lasts `notice.after`; PostgreSQL takes the wait
    /// per transaction in `configureMigrationTransaction` and tells who
    /// holds a table in `lockAgainstWriters(_:_:timeout:notice:)`. Call
    /// before opening the transaction.
    func setLockWait(_ timeout: Duration?, notice: LockWaitNotice?)

    /// Sets a migration's transaction up; call first thing in it.
    /// PostgreSQL: `lock_timeout` from `lockTimeout`, no statement or idle
    /// timeout, times read in ISO form and UTC. SQLite: nothing to do.
    func configureMigrationTransaction(lockTimeout: Duration?) throws

    /// Takes the run lock, which refuses a second retuple on the database,
    /// for the rest of the transaction; call after
    /// `configureMigrationTransaction`.
    ///
    /// - Returns: nil when it is held now; else the server process of the
    ///   run that holds it, when it can be named.
    func tryRunLock() throws -> RunLockHolder?

    /// The run lock for a run whose namespaces migrate at once: `shared`
    /// false, the run's own lock, held by its coordinator for the whole run
    /// and refusing another such run; `shared` true, the run lock of
    /// `tryRunLock` taken in shared mode by each worker's namespace
    /// transaction, so that the workers of one run go on side by side while
    /// a run taking it exclusively (one namespace at a time) is refused,
    /// and refuses them. Where one writer at a time is the rule the write
    /// transaction is the lock, as for `tryRunLock`.
    func tryParallelRunLock(shared: Bool) throws -> RunLockHolder?

    /// Makes writers of `table` wait until the transaction ends, readers
    /// going on. On SQLite a write transaction already does; a read-only
    /// one does from its first read, which `.share` makes here.
    ///
    /// - Returns: nil when granted; the sessions holding the table when the
    ///   wait ran out (the transaction stays usable).
    func lockAgainstWriters(_ table: String, _ exclusion: WriterExclusion) throws -> [LockHolder]?

    /// `lockAgainstWriters(_:_:)`, telling `notice` who holds the table when
    /// the lock is not granted within `notice.after`, then waiting on up to
    /// `timeout` in all (the transaction's lock wait, nil without limit).
    /// A backend that cannot name holders (SQLite) never calls it.
    func lockAgainstWriters(
        _ table: String, _ exclusion: WriterExclusion, timeout: Duration?, notice: LockWaitNotice
    ) throws -> [LockHolder]?

    /// How many write transactions of one run may be open on this
    /// database at once, each on a connection of its own, besides the one
    /// connection asking (which may hold the run lock for them): 1 where
    /// one writer at a time is the rule (SQLite), else what the server
    /// still accepts (PostgreSQL: `max_connections` less the reserved
    /// connections and those open now), at least 1.
    func concurrentWriterLimit() throws -> Int
}

/// Who to tell, and after how long, that a lock is being waited for.
public struct LockWaitNotice {
    /// How long to wait quietly before telling.
    public let after: Duration
    /// Called once, with the sessions holding the lock then; nil when the
    /// backend cannot name them (SQLite).
    public let notify: ([LockHolder]?) -> Void

    public init(after: Duration, notify: @escaping ([LockHolder]?) -> Void) {
        self.after = after
        self.notify = notify
    }
}

/// How a table lock holds writers off.
public enum WriterExclusion: String, Sendable {
    /// In a transaction that writes: only reads go on.
    case exclusive = "EXCLUSIVE"
    /// In a read-only transaction: protects the table against concurrent
    /// changes, and may be taken there.
    case share = "SHARE"
}

/// The retuple run holding the run lock; `pid` nil when it let go before
/// it could be named.
public struct RunLockHolder: Sendable, Equatable {
    public let pid: Int64?
}

/// Another session holding a lock, for a message that names it.
public struct LockHolder: Sendable, Equatable {
    public let pid: Int64
    public let user: String
    public let application: String
    public let state: String
    public let mode: String
}
