import Foundation
import RetupleCore
import RetupleFixtures
import RetupleTestSupport
import Testing

/// `--jobs 2`: the SIGKILL trials of `FaultInjectionTests` with namespaces
/// migrating at once (PostgreSQL) or rows transformed on a second thread
/// (SQLite), a second retuple turned away while such a run goes on, and a
/// run into the latest form.
@Suite("namespace migrate legacy --jobs 2: kill trials and a second run (built binary)", .serialized)
struct MigrateLegacyJobsTests {
    static let trials = 10

    @Test("--jobs 2: SIGKILL at random steps leaves every namespace as it was or migrated; a re-run completes with exact figures", arguments: TestBackends.all)
    func randomKillsWithJobs(backend: DatabaseBackend) throws {
        try KillTrialTemplate.with(
            backend, tuples: FaultInjectionTests.tuples, namespaces: FaultInjectionTests.namespaces, brokenShare: FaultInjectionTests.brokenShare
        ) { template in
            let runner = KillTrials(template: template, seed: FaultInjectionTests.seed, arguments: ["--jobs", "2"])
            let calibration = try runner.calibrate()
            var random = SeededGenerator(seed: FaultInjectionTests.seed ^ UInt64(backend == .sqlite ? 0x52 : 0x97))
            var landed: [String: Int] = [:]
            var log: [String] = []
            let steps = FaultInjectionTests.requiredSteps
            for number in 0..<(Self.trials) {
                let point = calibration.killPoint(at: steps[number % steps.count], using: &random)
                let outcome = try runner.killAndRecover(at: point, trial: number)
                landed[outcome, default: 0] += 1
                log.append("\(point)->\(outcome)")
            }
            print("fault injection --jobs 2 \(backend.rawValue): seed \(FaultInjectionTests.seed), \(log.count) trials survived: \(log.joined(separator: " "))")
            #expect(landed["finished", default: 0] < Self.trials, "seed \(FaultInjectionTests.seed): no kill landed before the end")
        }
    }

    @Test("PostgreSQL --jobs 2: a second retuple, one job or two, is refused at once while the first runs; the first then finishes exactly", .enabled(if: TestBackends.postgresEnabled))
    func secondRunRefusedWhileJobsRun() throws {
        try LegacyWorkspace.with(.postgres, .clean) { workspace in
            let holder = try openDatabase(try DataSourceName(parsing: workspace.dsn(applicationName: "retuple-test-holder")))
            defer { holder.close() }
            let (first, seconds) = try holder.transaction { () throws -> (RunningProcess, [ProcessOutcome]) in
                // The first run's worker waits for this table inside its
                // namespace transaction, holding the run lock shared.
                try holder.execute("LOCK TABLE keto_0000000000_relation_tuples IN ROW EXCLUSIVE MODE")
                let first = try workspace.startMigrateLegacy(["-y", "--lock-timeout", "0", "--jobs", "2"])
                try workspace.withDatabase { database in
                    _ = try eventually(timeout: .seconds(30)) {
                        try database.scalar("""
                            SELECT pid FROM pg_stat_activity
                            WHERE datname = current_database() AND application_name = 'retuple' AND wait_event_type = 'Lock'
                            """)?.integer != nil
                    }
                }
                return (first, [try workspace.migrateLegacy(["-y", "--jobs", "1"]), try workspace.migrateLegacy(["-y", "--jobs", "2"])])
            }
            for second in seconds {
                #expect(second.status == 1, "\(second.stdout) \(second.stderr)")
                #expect(second.stderrLines.count == 1, "\(second.stderr)")
                #expect(second.stderr.hasPrefix("error: another retuple run is migrating postgres database "), "\(second.stderr)")
                #expect(second.stderr.contains("(server process "), "\(second.stderr)")
            }
            let outcome = try #require(try first.wait(timeout: .seconds(60)), "the first run did not finish once the writer let go")
            #expect(outcome.status == 0, "\(outcome.stderr)")
            #expect(outcome.namespaceFigures == LegacyDataset.cleanFirstRunFigures)
            #expect(try workspace.legacyTablesLeft().isEmpty)
        }
    }

    @Test("PostgreSQL --jobs 2 into the latest form: namespaces sharing subject ids (one mapping each) migrate without a deadlock, one after the other", .enabled(if: TestBackends.postgresEnabled))
    func latestFormWithJobs() throws {
        // Two namespaces of several batches each, their subjects drawn from one pool of user ids.
        try LegacyWorkspace.with(.postgres, .generated(tuples: 120_000, namespaces: 2, brokenShare: 0)) { workspace in
            let up = try workspace.retuple(["migrate", "up"], ["--to", "latest", "-y", "-q"])
            try #require(up.status == 0, "\(up.stderr)")
            let outcome = try workspace.migrateLegacy(["-y", "-q", "--jobs", "2"])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            #expect(outcome.namespaceFigures.map(\.migrated) == [60_000, 60_000], "\(outcome.stdout)")
            #expect(try workspace.legacyTablesLeft().isEmpty)
        }
    }
}
