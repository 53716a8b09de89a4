import Foundation
import RetuplePostgres
import RetupleSQLite

/// The locks a namespace migration holds, all scoped to its transaction so
/// they work through pgbouncer in transaction mode (PRODUCT §2.2 point 9).
///
/// PostgreSQL: an advisory lock refuses a second retuple on the database;
/// `LOCK TABLE … IN EXCLUSIVE MODE` makes writers of the legacy table wait
/// while readers go on ("EXCLUSIVE … allows only concurrent ACCESS SHARE
/// locks, i.e., only reads from the table can proceed in parallel",
/// explicit-locking.html). `lock_timeout` bounds both waits; the
/// server's `statement_timeout` and `idle_in_transaction_session_timeout`
/// are lifted for the transaction, and times are read in ISO form and UTC.
///
/// SQLite: the transaction itself (`BEGIN IMMEDIATE`) is the write lock;
/// the busy timeout is the wait.
///
/// The source of a cross-database migration is read in a read-only
/// transaction set up the same way, holding writers off with a SHARE lock
/// (PostgreSQL) or the SHARED lock of its first read (SQLite), without the
/// run lock: that belongs to the target.
struct MigrationLock {
    let database: any Database
    /// How long to wait for a lock; nil waits as long as it takes.
    let timeout: Duration?

    /// The advisory lock key pair: "retu", "ple".
    static let advisoryKey = (Int32(0x7265_7475), Int32(0x0070_6C65))

    /// Sets the busy timeout; call before opening the transaction.
    func prepareConnection() {
        if let sqlite = database as? SQLiteDatabase {
            sqlite.connection.setBusyTimeout(milliseconds: Int32(clamping: timeout.map(DurationText.milliseconds) ?? Int64(Int32.max)))
        }
    }

    /// Sets the transaction up (PostgreSQL): no statement or idle timeout,
    /// `lock_timeout` from the timeout, times read in ISO form and UTC.
    /// Call first thing in the transaction.
    func configureTransaction() throws {
        guard database.backend == .postgres else { return }
        try database.executeScript("""
            SET LOCAL statement_timeout = 0;
            SET LOCAL idle_in_transaction_session_timeout = 0;
            SET LOCAL lock_timeout = \(timeout.map(DurationText.milliseconds) ?? 0);
            SET LOCAL DateStyle = 'ISO, YMD';
            SET LOCAL TimeZone = 'UTC'
            """)
    }

    /// Sets the transaction up and takes the run lock; call first thing in
    /// the transaction.
    ///
    /// - Throws: `RetupleError` when another retuple holds the run lock.
    func acquireRunLock() throws {
        guard database.backend == .postgres else { return }
        try configureTransaction()
        let (classID, objectID) = Self.advisoryKey
        let acquired = try database.scalar("SELECT pg_try_advisory_xact_lock(?, ?)", [.integer(Int64(classID)), .integer(Int64(objectID))])
        guard acquired?.text == "t" else {
            let holder = try database.scalar(
                """
                SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = ? AND objid = ? AND objsubid = 2
                  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                """,
                [.integer(Int64(UInt32(bitPattern: classID))), .integer(Int64(UInt32(bitPattern: objectID)))]
            )
            let who = holder?.integer.map { " (server process \($0))" } ?? ""
            throw RetupleError("another retuple run is migrating \(database.location)\(who); wait for it to finish, then run again")
        }
    }

    /// How a table lock holds writers off.
    enum WriterExclusion: String {
        /// In a transaction that writes: "allows only concurrent ACCESS
        /// SHARE locks, i.e., only reads from the table can proceed".
        case exclusive = "EXCLUSIVE"
        /// In a read-only transaction: "protects a table against concurrent
        /// data changes" (explicit-locking.html), and may be taken there.
        case share = "SHARE"
    }

    /// Makes writers of `table` wait until the transaction ends. On SQLite
    /// a write transaction already does; a read-only one does from its
    /// first read, which `.share` makes here, so a busy wait happens now.
    ///
    /// - Throws: `NamespaceFailure` naming the holders when the wait runs out.
    func lockAgainstWriters(_ table: LegacyTable, _ exclusion: WriterExclusion = .exclusive) throws {
        guard database.backend == .postgres else {
            if exclusion == .share { _ = try database.scalar("SELECT count(*) FROM sqlite_master") }
            return
        }
        // A savepoint keeps the transaction usable to ask who holds the lock.
        try database.execute("SAVEPOINT retuple_lock_wait")
        do {
            try database.execute("LOCK TABLE \(quoteIdentifier(table.name)) IN \(exclusion.rawValue) MODE")
        } catch let error as PostgresError where error.sqlstate == PostgresError.lockNotAvailable {
            try database.execute("ROLLBACK TO SAVEPOINT retuple_lock_wait")
            throw NamespaceFailure(
                table: table,
                description: "timed out after \(DurationText.describe(timeout)) waiting for a lock on \(table.name), held by \(try holders(of: table))"
            )
        }
        try database.execute("RELEASE SAVEPOINT retuple_lock_wait")
    }

    /// The other sessions holding a lock on `table` that blocks writers'
    /// exclusion, for the timeout message.
    private func holders(of table: LegacyTable) throws -> String {
        let rows = try database.allRows("""
            SELECT a.pid, coalesce(a.usename, ''), coalesce(a.application_name, ''), coalesce(a.state, ''), l.mode
            FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
            WHERE l.granted AND l.pid <> pg_backend_pid() AND l.mode <> 'AccessShareLock'
              AND l.relation = to_regclass(?)
              AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
            ORDER BY a.pid
            """, [.text(quoteIdentifier(table.name))])
        guard !rows.isEmpty else { return "a session that has since let go" }
        return rows.map { row in
            let text = row.map { $0.text ?? $0.integer.map(String.init) ?? "" }
            return "pid \(text[0]) (user \(text[1]), application \(text[2].isEmpty ? "unnamed" : text[2]), \(text[3]), \(text[4]))"
        }.joined(separator: ", ")
    }

    /// Runs `body` in a transaction with the run lock held, turning a
    /// SQLite busy timeout into a clear error.
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
                try configureTransaction()
                return try body()
            }
        }
    }

    /// Runs `body` with the busy timeout set, turning a SQLite busy timeout
    /// into a clear error.
    private func waitingAtMostTimeout<T>(_ body: () throws -> T) throws -> T {
        prepareConnection()
        do {
            return try body()
        } catch let error as SQLiteError where error.primaryCode == SQLiteError.busy {
            throw RetupleError("\(database.location) is locked by another connection (waited \(DurationText.describe(timeout))); is another retuple or Keto writing to it?")
        }
    }
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
