/// The locks a namespace migration holds, all scoped to its transaction so
/// they work through a pooler in transaction mode: the run lock, which
/// refuses a second retuple on the database, and a lock that makes the
/// legacy table's writers wait while readers go on, each bounded by the
/// lock timeout. How each backend takes them is its `TableLocking`.
///
/// The source of a cross-database migration is read in a read-only
/// transaction set up the same way, holding writers off with a SHARE lock
/// (PostgreSQL) or the SHARED lock of its first read (SQLite), without the
/// run lock: that belongs to the target.
struct MigrationLock {
    let database: any Database
    /// How long to wait for a lock; nil waits as long as it takes.
    let timeout: Duration?
    /// Told when a table lock is not granted within a second; nil: quiet.
    var onWait: ((LockWait) -> Void)?
    /// Which run lock each transaction takes: `.exclusive` one namespace
    /// at a time; `.shared` the workers of a run with `--jobs` above 1;
    /// `.coordinator` that run's coordinator (`ParallelLegacyMigration`).
    enum RunLockMode { case exclusive, shared, coordinator }
    var runLockMode = RunLockMode.exclusive

    /// Sets the transaction up and takes the run lock; call first thing in
    /// the transaction.
    ///
    /// - Throws: `RetupleError` when another retuple holds the run lock.
    func acquireRunLock() throws {
        try database.configureMigrationTransaction(lockTimeout: timeout)
        let refused = switch runLockMode {
        case .exclusive: try database.tryRunLock()
        case .shared: try database.tryParallelRunLock(shared: true)
        case .coordinator: try database.tryParallelRunLock(shared: false)
        }
        guard let holder = refused else { return }
        let who = holder.pid.map { " (server process \($0))" } ?? ""
        throw RetupleError("another retuple run is migrating \(database.location)\(who); wait for it to finish, then run again")
    }

    /// Makes writers of `table` wait until the transaction ends
    /// (`TableLocking.lockAgainstWriters`).
    ///
    /// - Throws: `NamespaceFailure` naming the holders when the wait runs out.
    func lockAgainstWriters(_ table: LegacyTable, _ exclusion: WriterExclusion = .exclusive) throws {
        let holders = try onWait.map { onWait in
            try database.lockAgainstWriters(
                table.name, exclusion, timeout: timeout,
                notice: LockWaitNotice(after: .seconds(1)) { onWait(LockWait(table: table.name, holders: $0, timeout: timeout)) }
            )
        } ?? database.lockAgainstWriters(table.name, exclusion)
        guard let holders else { return }
        let named = holders.isEmpty ? "a session that has since let go" : holders.map(\.description).joined(separator: ", ")
        throw NamespaceFailure(
            table: table,
            description: "timed out after \(DurationText.describe(timeout)) waiting for a lock on \(table.name), held by \(named)"
        )
    }

    /// Runs `body` in a transaction with the run lock held, turning a
    /// busy wait that ran out into a clear error.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try waitingAtMostTimeout {
            try database.transaction {
                try acquireRunLock()
                return try body()
            }
        }
    }

    /// Runs `body` in a read-only transaction (`Database.readOnlyTransaction`)
    /// set up as a migration's, without the run lock: how the source of a
    /// cross-database migration is read.
    func readOnlyTransaction<T>(_ body: () throws -> T) throws -> T {
        try waitingAtMostTimeout {
            try database.readOnlyTransaction {
                try database.configureMigrationTransaction(lockTimeout: timeout)
                return try body()
            }
        }
    }

    /// Runs `body` with the lock wait set, telling `onWait` when the
    /// database itself (SQLite's lock) is waited for, and turning a busy
    /// wait that ran out into a clear error.
    private func waitingAtMostTimeout<T>(_ body: () throws -> T) throws -> T {
        database.setLockWait(timeout, notice: onWait.map { onWait in
            LockWaitNotice(after: .seconds(1)) { [database, timeout] in
                onWait(LockWait(table: database.location, holders: $0, timeout: timeout))
            }
        })
        do {
            return try body()
        } catch let error as DatabaseError where error.kind == .busy {
            throw RetupleError("\(database.location) is locked by another connection (waited \(DurationText.describe(timeout))); is another retuple or Keto writing to it?")
        }
    }
}

extension LockHolder: CustomStringConvertible {
    /// `pid 4242 (user keto, application keto, idle in transaction, RowExclusiveLock)`.
    /// Empty fields are left out.
    public var description: String {
        let fields = [user.isEmpty ? "" : "user \(user)", application.isEmpty ? "" : "application \(application)", state, mode]
            .filter { !$0.isEmpty }
        return fields.isEmpty ? "pid \(pid)" : "pid \(pid) (\(fields.joined(separator: ", ")))"
    }
}

/// A lock on a legacy table (on SQLite, the database) not granted within a
/// second: who holds it, and
/// how long the run will wait in all (nil: without limit).
public struct LockWait: Sendable {
    /// The table, or on SQLite the database.
    public let table: String
    /// Who holds it; nil when the backend cannot name them (SQLite).
    public let holders: [LockHolder]?
    public let timeout: Duration?
}

/// The legacy table was dropped while the run waited for its lock: by
/// another retuple run, most likely, which migrated it first. Nothing was
/// changed; there is nothing left to do for the namespace.
public struct LegacyTableGone: Error, Sendable {
    public let table: LegacyTable
}

/// A failure confined to one namespace: it was rolled back (or left alone)
/// and the run goes on with the next.
public struct NamespaceFailure: Error, CustomStringConvertible, Sendable {
    public let table: LegacyTable
    public let description: String
}
