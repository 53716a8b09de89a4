import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

/// `namespace migrate legacy` against the world around it: killed half-way,
/// a client writing to the legacy table while it runs, another session
/// holding the table. The largest fixtures of the suite; its tests run one
/// at a time so their timing does not depend on each other.
@Suite("namespace migrate legacy: kills, concurrent writers and locks (built binary)", .serialized)
struct MigrateLegacyConcurrencyTests {
    /// One namespace at a time, and two at once (PostgreSQL; on SQLite a
    /// second thread transforms), whatever the machine's cores make of
    /// the default `auto`.
    static let jobs = ["1", "2"]

    // MARK: SIGKILL

    @Test("SIGKILL in the middle of a namespace leaves it as it was; a re-run completes it with exact figures", arguments: TestBackends.all, Self.jobs)
    func killMidNamespace(backend: DatabaseBackend, jobs: String) throws {
        try LegacyWorkspace.with(backend, .generated(tuples: 400_000, namespaces: 2, brokenShare: 0.0005)) { workspace in
            // ns0 shrinks to its first hour (about 1,800 rows) so the run is
            // soon inside ns1's 200,000 rows.
            try workspace.shrinkFirstNamespaceToItsFirstHour()
            let firstLegacy = try #require(try workspace.legacyRows(namespaceID: 0))
            let killedTable = LegacyLayout.tupleTable(namespaceID: 1)
            let killedLegacy = try #require(try workspace.legacyRows(namespaceID: 1))
            #expect(killedLegacy == 200_000)
            let before = try workspace.rows(of: killedTable)

            let process = try workspace.startMigrateLegacy(["-y", "--jobs", jobs])
            let midway = try Self.waitUntilMidNamespace(of: killedTable, process: process, workspace)
            #expect(process.isRunning, "the migration ended before it could be killed")
            process.send(SIGKILL)
            let killed = try process.wait()
            try #require(midway, "the migration never got inside \(killedTable)'s transaction: \(killed.stderr)")
            #expect(killed.status == SIGKILL)
            try Self.waitForSessionsToEnd(of: workspace)

            // The killed namespace is exactly as it was; nothing of it is visible.
            #expect(try workspace.rows(of: killedTable) == before)
            #expect(try workspace.unifiedRows(namespaceID: 1) == 0)
            #expect(try workspace.brokenRecords(namespaceID: 1) == 0)
            // The namespace before it committed whole.
            #expect(try workspace.unifiedRows(namespaceID: 0) > 0)
            #expect(try workspace.unifiedRows(namespaceID: 0) + workspace.brokenRecords(namespaceID: 0) == firstLegacy)
            if backend == .sqlite {
                let check = try workspace.withDatabase { try $0.scalar("PRAGMA integrity_check") }
                #expect(check == "ok")
            }

            let rerun = try workspace.migrateLegacy(["-y", "--jobs", jobs])
            #expect([0, 3].contains(rerun.status), "\(rerun.stderr)")
            let figures = rerun.namespaceFigures
            let second = try #require(figures.first { $0.id == 1 })
            #expect(second.legacy == killedLegacy)
            #expect(second.alreadyPresent == 0)
            #expect(second.migrated + second.broken == killedLegacy)
            for namespace in figures {
                #expect(namespace.migrated + namespace.alreadyPresent + namespace.broken == namespace.legacy, "\(namespace)")
                #expect(try workspace.unifiedRows(namespaceID: namespace.id) == namespace.migrated + namespace.alreadyPresent, "\(namespace)")
                #expect(try workspace.brokenRecords(namespaceID: namespace.id) == namespace.broken, "\(namespace)")
                #expect(namespace.id == 1 || namespace.migrated == 0, "\(namespace) was committed before the kill")
            }
            #expect(rerun.status == (figures.contains { $0.broken > 0 } ? 3 : 0))
        }
    }

    /// Waits until `process` is writing the rows of `table`'s namespace:
    /// on PostgreSQL its session holds the table's lock and is copying rows
    /// into `keto_relation_tuples`; on SQLite the rollback journal has
    /// existed for two seconds (the small namespace before commits far
    /// sooner, the large one takes many times longer).
    static func waitUntilMidNamespace(of table: String, process: RunningProcess, _ workspace: LegacyWorkspace) throws -> Bool {
        switch workspace.backend {
        case .postgres:
            return try workspace.withDatabase { database in
                try eventually(timeout: .seconds(60)) {
                    guard process.isRunning else { return true }
                    return try database.scalar("""
                        SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                        WHERE a.datname = current_database() AND a.application_name = 'retuple'
                          AND l.granted AND l.mode = 'ExclusiveLock' AND l.relation = to_regclass(?)
                          AND a.query LIKE 'COPY%'
                        """, [.text(table)])?.integer == 1
                } && process.isRunning
            }
        case .sqlite:
            let journal = workspace.directory.path("keto.db-journal")
            var present: ContinuousClock.Instant?
            return eventually(timeout: .seconds(60)) {
                guard process.isRunning else { return true }
                guard FileManager.default.fileExists(atPath: journal) else {
                    present = nil
                    return false
                }
                let since = present ?? .now
                present = since
                return ContinuousClock.now - since >= .seconds(2)
            } && process.isRunning
        }
    }

    /// Waits until the server has ended the sessions of killed retuple
    /// processes (it notices the closed socket on its next read).
    static func waitForSessionsToEnd(of workspace: LegacyWorkspace) throws {
        guard workspace.backend == .postgres else { return }
        let ended = try workspace.withDatabase { database in
            try eventually(timeout: .seconds(30)) {
                try database.scalar(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'retuple'"
                )?.integer == 0
            }
        }
        #expect(ended, "the killed run's server session is still there")
    }

    // MARK: A concurrent writer

    /// A valid row written while (or after) the migration runs.
    static let lateInsert = """
        INSERT INTO keto_0000000000_relation_tuples (shard_id, object, relation, subject, commit_time)
        VALUES ('default', 'late-object', 'viewer', 'user-late', '2021-09-20 10:00:00')
        """

    @Test("a write to the legacy table during the migration waits (or is refused busy); the drop guard then sees the late row", arguments: TestBackends.all, Self.jobs)
    func concurrentWriter(backend: DatabaseBackend, jobs: String) throws {
        let rows = 50_000
        try LegacyWorkspace.with(backend, .generated(tuples: rows, namespaces: 1, brokenShare: 0)) { workspace in
            // Yes to the migration, end of input declines the drop.
            let process = try workspace.startMigrateLegacy(["--jobs", jobs], stdin: "y\n")
            switch backend {
            case .postgres: try Self.writeWhileLocked(process, workspace, rows: rows)
            case .sqlite: try Self.writeWhileWriting(process, workspace, rows: rows)
            }
            let outcome = try process.wait()
            #expect(outcome.status == 0, "\(outcome.stderr)")
            #expect(outcome.namespaceFigures == [
                NamespaceFigures(name: "ns0", id: 0, legacy: rows, migrated: rows, alreadyPresent: 0, broken: 0, dropped: false),
            ])
            #expect(try workspace.legacyRows(namespaceID: 0) == rows + 1)
            #expect(try workspace.unifiedRows(namespaceID: 0) == rows)

            let refused = try workspace.migrateLegacy(["--down-only", "-y"])
            #expect(refused.status == 1)
            #expect(refused.stderrLines.count == 1)
            #expect(refused.stderr.hasPrefix(
                "error: refusing to drop keto_0000000000_relation_tuples: 1 of its \(rows + 1) rows are neither migrated nor recorded broken"
            ))
            #expect(try workspace.legacyRows(namespaceID: 0) == rows + 1)
            let verify = try workspace.retuple(["verify"])
            #expect(verify.status == 1)
            #expect(verify.stderr == "error: 1 legacy rows are neither migrated nor recorded broken (ns0: 1); run `retuple namespace migrate legacy`\n")
        }
    }

    /// PostgreSQL: once the migration holds its lock on the legacy table, a
    /// second session's INSERT must wait for the migration's commit.
    static func writeWhileLocked(_ process: RunningProcess, _ workspace: LegacyWorkspace, rows: Int) throws {
        let locked = try workspace.withDatabase { database in
            try eventually(timeout: .seconds(60)) {
                try database.scalar("""
                    SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                    WHERE a.datname = current_database() AND a.application_name = 'retuple'
                      AND l.granted AND l.mode = 'ExclusiveLock' AND l.relation = to_regclass('keto_0000000000_relation_tuples')
                    """)?.integer == 1
            }
        }
        try #require(locked, "the migration never locked the legacy table")
        let writer = ConcurrentSession(dsn: workspace.dsn(applicationName: "retuple-test-writer")) { database -> Int in
            try database.execute(Self.lateInsert, [])
            // Whatever the migration committed is visible now; had the
            // INSERT gone through before its commit, this would be 0.
            return Int(try database.scalar("SELECT count(*) FROM keto_relation_tuples WHERE namespace_id = 0")?.integer ?? -1)
        }
        let waiting = try workspace.withDatabase { database in
            try eventually(timeout: .seconds(30)) {
                try database.scalar("""
                    SELECT count(*) FROM pg_stat_activity
                    WHERE datname = current_database() AND application_name = 'retuple-test-writer' AND wait_event_type = 'Lock'
                    """)?.integer == 1
            }
        }
        #expect(waiting, "the INSERT was never seen waiting for a lock")
        #expect(process.isRunning && !writer.isFinished, "the INSERT finished while the migration was still running")
        let seen = try #require(writer.wait(timeout: .seconds(120)), "the INSERT never finished").get()
        #expect(seen == rows, "the INSERT finished before the migration committed")
    }

    /// SQLite: while the migration's transaction is writing, a second
    /// connection's INSERT fails busy after its short busy timeout (or, had
    /// it waited, finds the migration committed); the file stays sound and
    /// the row is written once the migration is done.
    static func writeWhileWriting(_ process: RunningProcess, _ workspace: LegacyWorkspace, rows: Int) throws {
        let journal = workspace.directory.path("keto.db-journal")
        try #require(eventually(timeout: .seconds(60)) { FileManager.default.fileExists(atPath: journal) || !process.isRunning })
        #expect(process.isRunning, "the migration ended before the concurrent write")
        var written = false
        do {
            try workspace.withDatabase { database in
                (database as? SQLiteDatabase)?.connection.setBusyTimeout(milliseconds: 100)
                try database.execute(Self.lateInsert, [])
                written = true
                #expect(try database.scalar("SELECT count(*) FROM keto_relation_tuples")?.integer == Int64(rows),
                        "the INSERT went through before the migration committed")
            }
        } catch {
            #expect("\(error)".contains("database is locked"), "\(error)")
        }
        _ = try process.wait()
        try workspace.withDatabase { database in
            #expect(try database.scalar("PRAGMA integrity_check") == "ok")
            if !written { try database.execute(Self.lateInsert, []) }
        }
    }

    // MARK: --lock-timeout

    @Test(
        "PostgreSQL: --lock-timeout ends the wait for a legacy table another session holds, naming the holder",
        .enabled(if: TestBackends.postgresEnabled),
        arguments: ["ROW EXCLUSIVE", "ACCESS EXCLUSIVE"], Self.jobs
    )
    func lockTimeout(mode: String, jobs: String) throws {
        try LegacyWorkspace.with(.postgres, .demo) { workspace in
            let table = "keto_0000000000_relation_tuples"
            let holder = try openDatabase(try DataSourceName(parsing: workspace.dsn(applicationName: "retuple-test-holder")))
            defer { holder.close() }
            var holderPID: Int64 = -1
            let outcome = try holder.transaction { () throws -> ProcessOutcome? in
                try holder.execute("LOCK TABLE \(table) IN \(mode) MODE", [])
                holderPID = try holder.scalar("SELECT pg_backend_pid()")?.integer ?? -1
                let process = try workspace.startMigrateLegacy(["-y", "--lock-timeout", "1s", "--jobs", jobs])
                guard let outcome = try process.wait(timeout: .seconds(8)) else {
                    process.send(SIGKILL)
                    _ = try process.wait()
                    return nil
                }
                return outcome
            }
            try Self.waitForSessionsToEnd(of: workspace)
            let finished = try #require(outcome, "with --lock-timeout 1s, retuple still waited 8s for a table held IN \(mode) MODE")
            #expect(finished.status == 1)
            #expect(finished.stderrLines.count == 1)
            let lockName = mode.split(separator: " ").map { $0.prefix(1) + $0.dropFirst().lowercased() }.joined() + "Lock"
            #expect(finished.stderr.hasPrefix("error: timed out after 1s waiting for a lock on \(table), held by pid \(holderPID) (user "), "\(finished.stderr)")
            #expect(finished.stderr.contains("application retuple-test-holder, idle in transaction, \(lockName))"), "\(finished.stderr)")

            // That namespace failed and is untouched; the others went on.
            let failed = finished.allFields(ofLinesStartingWith: "namespace=").filter { $0["failed"] != nil }
            #expect(failed.map { $0["namespace"] } == ["files"])
            #expect(finished.namespaceFigures == DemoDataset.firstRunFigures(on: .postgres).filter { $0.name != "files" })
            #expect(finished.fields(ofLineStartingWith: "migration finished")?["failed"] == "1")
            #expect(try workspace.legacyRows(namespaceID: 0) == 9)
            #expect(try workspace.unifiedRows(namespaceID: 0) == 0)
            #expect(try workspace.brokenRecords(namespaceID: 0) == 0)
        }
    }
}
