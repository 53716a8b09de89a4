import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

/// Who else may use the database while a namespace migrates: readers of the
/// legacy table go on (PostgreSQL), a second retuple is turned away with
/// one clear line on both backends. In the serialized suite of the other
/// concurrency tests, so their timing does not depend on each other.
extension MigrateLegacyConcurrencyTests {
    // MARK: Readers (PostgreSQL)

    @Test(
        "PostgreSQL: readers of the legacy table are never blocked while its namespace migrates (every lookup under 100 ms)",
        .enabled(if: TestBackends.postgresEnabled)
    )
    func readersGoOn() throws {
        let rows = 200_000
        try LegacyWorkspace.with(.postgres, .generated(tuples: rows, namespaces: 1, brokenShare: 0)) { workspace in
            let table = LegacyLayout.tupleTable(namespaceID: 0)
            let objects = try workspace.withDatabase { database in
                try database.allRows("SELECT DISTINCT object FROM \(table) ORDER BY object LIMIT 200").compactMap { $0.first?.text }
            }
            try #require(objects.count == 200)
            let reader = ReaderLoop(dsn: workspace.dsn(applicationName: "retuple-test-reader"), table: table, objects: objects)
            try #require(reader.waitUntilReading(), "the reader never read")

            // Yes to the migration; end of input declines the drop, so the
            // table stays for the readers to the end.
            let process = try workspace.startMigrateLegacy(stdin: "y\n")
            let window = try Self.lockWindow(of: table, while: process, workspace)
            let outcome = try process.wait()
            let readings = try #require(reader.stop(), "the reader did not stop").get()

            #expect(outcome.status == 0, "\(outcome.stderr)")
            #expect(outcome.namespaceFigures == [
                NamespaceFigures(name: "ns0", id: 0, legacy: rows, migrated: rows, alreadyPresent: 0, broken: 0, dropped: false),
            ])
            let held = try #require(window, "the migration was never seen holding its lock on \(table)")
            let during = readings.filter { $0.start <= held.upperBound && $0.start + $0.duration >= held.lowerBound }
            let worst = during.map(\.duration).max() ?? .zero
            #expect(held.upperBound - held.lowerBound >= .milliseconds(500), "the migration held its lock only \(held.upperBound - held.lowerBound)")
            #expect(during.count >= 100, "only \(during.count) lookups overlapped the \(held.upperBound - held.lowerBound) the migration held its lock")
            #expect(worst < .milliseconds(100), "a lookup took \(worst) while the migration held its lock (\(during.count) lookups)")
            #expect(during.allSatisfy { $0.rows > 0 }, "a lookup of a legacy row found nothing while the migration ran")
        }
    }

    /// When `process` held its EXCLUSIVE lock on `table`, as seen by polling
    /// `pg_locks` every 10 ms until it exits; nil when never seen.
    static func lockWindow(
        of table: String, while process: RunningProcess, _ workspace: LegacyWorkspace
    ) throws -> ClosedRange<ContinuousClock.Instant>? {
        try workspace.withDatabase { database in
            var first: ContinuousClock.Instant?
            var last: ContinuousClock.Instant?
            while process.isRunning {
                let now = ContinuousClock.now
                let holding = try database.scalar("""
                    SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                    WHERE a.datname = current_database() AND a.application_name = 'retuple'
                      AND l.granted AND l.mode = 'ExclusiveLock' AND l.relation = to_regclass(?)
                    """, [.text(table)])?.integer == 1
                if holding {
                    first = first ?? now
                    last = now
                }
                Thread.sleep(forTimeInterval: 0.01)
            }
            guard let first, let last else { return nil }
            return first...last
        }
    }

    // MARK: A second retuple

    @Test("PostgreSQL: a second retuple while one migrates is refused at once, naming the server process of the first; it changes nothing", .enabled(if: TestBackends.postgresEnabled))
    func secondRunRefused() throws {
        try LegacyWorkspace.with(.postgres, .clean) { workspace in
            // A writer holds the first legacy table, so the first run waits
            // inside its namespace transaction, holding the run lock.
            let holder = try openDatabase(try DataSourceName(parsing: workspace.dsn(applicationName: "retuple-test-holder")))
            defer { holder.close() }
            let (first, second, firstServerPID) = try holder.transaction { () throws -> (RunningProcess, ProcessOutcome, Int64) in
                try holder.execute("LOCK TABLE keto_0000000000_relation_tuples IN ROW EXCLUSIVE MODE")
                let first = try workspace.startMigrateLegacy(["-y", "--lock-timeout", "0"])
                var waiting: Int64?
                try workspace.withDatabase { database in
                    _ = try eventually(timeout: .seconds(30)) {
                        waiting = try database.scalar("""
                            SELECT pid FROM pg_stat_activity
                            WHERE datname = current_database() AND application_name = 'retuple' AND wait_event_type = 'Lock'
                            """)?.integer
                        return waiting != nil
                    }
                }
                let pid = try #require(waiting, "the first run never waited for the legacy table")
                return (first, try workspace.migrateLegacy(["-y"]), pid)
            }
            #expect(second.status == 1)
            #expect(second.stderrLines.count == 1, "\(second.stderr)")
            #expect(second.stderr.hasPrefix("error: another retuple run is migrating postgres database "), "\(second.stderr)")
            #expect(second.stderr.hasSuffix(" (server process \(firstServerPID)); wait for it to finish, then run again\n"), "\(second.stderr)")

            // The first run did all the work: nothing was there before it.
            let outcome = try #require(try first.wait(timeout: .seconds(60)), "the first run did not finish once the writer let go")
            #expect(outcome.status == 0, "\(outcome.stderr)")
            #expect(outcome.namespaceFigures == LegacyDataset.cleanFirstRunFigures)
            #expect(try workspace.legacyTablesLeft().isEmpty)
        }
    }

    @Test("SQLite: a second retuple while one migrates fails busy in one line after its --lock-timeout; the file stays sound and the figures exact")
    func secondRunBusyOnSQLite() throws {
        let rows = 200_000
        try LegacyWorkspace.with(.sqlite, .generated(tuples: rows, namespaces: 1, brokenShare: 0)) { workspace in
            let first = try Self.startWritingSQLiteRun(in: workspace)

            let second = try workspace.migrateLegacy(["-y", "--lock-timeout", "1s"])
            #expect(first.isRunning, "the first run ended while the second waited: the test proves nothing")
            #expect(second.status == 1)
            #expect(second.stderr == "error: sqlite database \(workspace.directory.path("keto.db")) is locked by another connection (waited 1s); is another retuple or Keto writing to it?\n")

            let outcome = try first.wait()
            #expect(outcome.status == 0, "\(outcome.stderr)")
            #expect(outcome.namespaceFigures == [
                NamespaceFigures(name: "ns0", id: 0, legacy: rows, migrated: rows, alreadyPresent: 0, broken: 0, dropped: true),
            ])
            #expect(try workspace.withDatabase { try $0.scalar("PRAGMA integrity_check") } == "ok")
            #expect(try workspace.unifiedRows(namespaceID: 0) == rows)
            #expect(try workspace.legacyTablesLeft().isEmpty)
        }
    }

    @Test("SQLite: a second run that waits out the first finds the tables gone, says so in one line each, and exits 0")
    func secondRunOutwaitedOnSQLite() throws {
        let rows = 200_000
        try LegacyWorkspace.with(.sqlite, .generated(tuples: rows, namespaces: 1, brokenShare: 0)) { workspace in
            let first = try Self.startWritingSQLiteRun(in: workspace)

            let second = try workspace.migrateLegacy(["-y", "--lock-timeout", "300s"])
            let outcome = try first.wait()
            #expect(outcome.status == 0, "\(outcome.stderr)")
            #expect(second.status == 0, "\(second.stderr)")
            #expect(second.stderrLines == [
                "waiting for a lock on sqlite database \(workspace.directory.path("keto.db")) held by another connection… (up to 300s, --lock-timeout)",
            ], "\(second.stderr)")
            #expect(second.stdout.contains("nothing to do for namespace ns0: its legacy table keto_0000000000_relation_tuples was dropped while this run waited for the lock"), "\(second.stdout)")
            #expect(second.stdout.contains("migration finished namespaces=0 migrated=0 already_present=0 broken=0 failed=0"), "\(second.stdout)")
            #expect(try workspace.unifiedRows(namespaceID: 0) == rows)
            #expect(try workspace.withDatabase { try $0.scalar("PRAGMA integrity_check") } == "ok")
        }
    }

    /// Starts `namespace migrate legacy -y` on the workspace's SQLite file
    /// and returns once it holds the write lock (its rollback journal
    /// exists) and is still running.
    static func startWritingSQLiteRun(in workspace: LegacyWorkspace) throws -> RunningProcess {
        let first = try workspace.startMigrateLegacy(["-y"])
        let journal = workspace.directory.path("keto.db-journal")
        try #require(eventually(timeout: .seconds(60)) { FileManager.default.fileExists(atPath: journal) || !first.isRunning })
        try #require(first.isRunning, "the first run ended before the second started")
        return first
    }
}

extension LegacyDataset {
    /// What a first `-y` run of `clean` reports: every row migrated, every
    /// table dropped.
    static let cleanFirstRunFigures = [("files", Int32(0)), ("directories", 1), ("groups", 2)].map { name, id in
        NamespaceFigures(
            name: name, id: id, legacy: LegacyDataset.cleanRows[name, default: 0], migrated: LegacyDataset.cleanRows[name, default: 0],
            alreadyPresent: 0, broken: 0, dropped: true
        )
    }
}

/// A client reading the legacy table in a loop on a connection of its own,
/// as Keto v0.6 serving permission checks would: one indexed lookup of an
/// object after another, each timed.
final class ReaderLoop: @unchecked Sendable {
    /// One lookup: when it started, how long it took, the rows it counted.
    struct Reading: Sendable {
        let start: ContinuousClock.Instant
        let duration: Duration
        let rows: Int64
    }

    private let lock = NSLock()
    private var stopped = false
    private var started = false
    private var session: ConcurrentSession<[Reading]>!

    /// Connects to `dsn` and starts looking up `objects` in `table`, round
    /// and round, until `stop()`.
    init(dsn: String, table: String, objects: [String]) {
        let sql = "SELECT count(*) FROM \(quoteIdentifier(table)) WHERE object = ?"
        session = ConcurrentSession(dsn: dsn) { [self] database in
            var readings: [Reading] = []
            var index = 0
            while !lock.withLock({ stopped }) {
                let start = ContinuousClock.now
                let rows = try database.scalar(sql, [.text(objects[index % objects.count])])?.integer ?? -1
                readings.append(Reading(start: start, duration: ContinuousClock.now - start, rows: rows))
                lock.withLock { started = true }
                index += 1
            }
            return readings
        }
    }

    /// Waits until the first lookup is done (the connection is up).
    func waitUntilReading() -> Bool {
        eventually(timeout: .seconds(30)) { lock.withLock { started } || session.isFinished }
            && lock.withLock { started }
    }

    /// Stops the loop and returns every reading; nil when it does not stop.
    func stop() -> Result<[Reading], any Error>? {
        lock.withLock { stopped = true }
        return session.wait(timeout: .seconds(30))
    }
}
