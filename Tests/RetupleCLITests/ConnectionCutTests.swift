import Foundation
import RetupleCore
import RetupleFixtures
import RetupleTestSupport
import Testing

/// retuple's server session ended by `pg_terminate_backend` during a COPY,
/// at the commit of a namespace, and during `broken apply`: one `error:`
/// line, exit 1, nothing half-done, and a re-run completes.
@Suite("fault injection: the connection cut (built binary)", .serialized, .enabled(if: TestBackends.postgresEnabled))
struct ConnectionCutTests {
    static let seed: UInt64 = ProcessInfo.processInfo.environment["RETUPLE_FAULT_SEED"].flatMap { UInt64($0) }
        ?? UInt64.random(in: 1...UInt64.max)

    /// Ends every session of `dsn`'s database that retuple opened.
    static func terminateRetuple(in dsn: String) -> Int {
        let terminated = try? DiskFullTests.withDatabase(TestPostgres.adminDSN ?? "") { admin in
            try admin.scalar(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = ? AND application_name = 'retuple'",
                [.text(String((URLComponents(string: dsn)?.path ?? "").dropFirst()))]
            )?.integer
        }
        return Int(terminated.flatMap { $0 } ?? 0)
    }

    @Test("pg_terminate_backend during a COPY and at a namespace's commit: one line, exit 1, nothing half-done, a re-run completes")
    func migrationCut() throws {
        try KillTrialTemplate.with(.postgres, tuples: 20_000, namespaces: 4, brokenShare: 0.01) { template in
            let recovery = FaultRecovery(template: template)
            let calibration = try KillTrials(template: template, seed: Self.seed).calibrate()
            var random = SeededGenerator(seed: Self.seed)
            var tally: [MigrationStep: FaultTally] = [:]
            let points = (0..<4).map { _ in calibration.killPoint(at: .writing, using: &random) }
                + (0..<4).map { KillPoint(step: .committing, occurrence: $0, delay: .zero) }
            for point in points {
                try template.withCopy { workspace in
                    let dsn = workspace.dsn
                    let cut = try TracedMigration(
                        workspace.commandLine(LegacyWorkspace.migrateLegacyWords, ["-y", "--report", "cut.jsonl"]),
                        in: workspace.directory.url, killAt: point, instead: { _ = Self.terminateRetuple(in: dsn) }
                    ).wait()
                    let context = "seed \(Self.seed): terminate at \(point), last steps \(cut.steps.suffix(3))"
                    let outcome = ProcessOutcome(status: cut.process.status, stdout: cut.process.stdout, stderr: cut.plainStderr)
                    var states: [Int32: NamespaceState]?
                    if outcome.status != 3 {
                        states = try recovery.checkFailed(outcome, of: workspace, mentioning: ["connection"], context: context)
                    }
                    tally[point.step, default: FaultTally()].count(states)
                    try MigrateLegacyConcurrencyTests.waitForSessionsToEnd(of: workspace)
                    try recovery.rerun(workspace, after: states ?? [:], context: context)
                }
            }
            print("connection cut, seed \(Self.seed): COPY \(tally[.writing]?.description ?? "-"); commit \(tally[.committing]?.description ?? "-")")
            #expect((tally[.writing]?.failed ?? 0) >= 3 && (tally[.committing]?.failed ?? 0) >= 2, "\(tally)")
        }
    }

    @Test("pg_terminate_backend during broken apply: one line, exit 1, nothing applied, applying again completes")
    func applyCut() throws {
        try LegacyWorkspace.with(.postgres, .generated(tuples: 40_000, namespaces: 2, brokenShare: 0.5)) { workspace in
            #expect(try workspace.migrateLegacy(["-y", "-q", "--report", "report.jsonl"]).status == 3)
            let fixed = try workspace.reportLines("report.jsonl").enumerated().map { index, line in
                var line = line
                line["recreate"] = ["namespace": line["namespace"] as? String ?? "", "object": "fixed-\(index)", "relation": "viewer", "subject_id": "user-\(index)"]
                return line
            }
            try workspace.writeLines(fixed, to: "fixed.jsonl")
            let before = try workspace.count("SELECT count(*) FROM keto_relation_tuples")
            var cuts = 0
            for trial in 0..<3 {
                let process = try RunningProcess(workspace.commandLine(["broken", "apply"], ["fixed.jsonl", "-y"]), in: workspace.directory.url)
                // Cut as soon as the apply's session is seen, then a little later each trial.
                var terminated = 0
                let deadline = ContinuousClock.now + .seconds(60)
                Thread.sleep(forTimeInterval: 0.2 * Double(trial))
                while terminated == 0, process.isRunning, ContinuousClock.now < deadline {
                    terminated = Self.terminateRetuple(in: workspace.dsn)
                    if terminated == 0 { Thread.sleep(forTimeInterval: 0.005) }
                }
                let outcome = try process.wait()
                let context = "broken apply trial \(trial), \(terminated) sessions terminated"
                if terminated > 0 && outcome.status != 0 {
                    cuts += 1
                    #expect(outcome.status == 1, "\(context): \(outcome.stderr)")
                    #expect(outcome.stderr.split(separator: "\n").count == 1 && outcome.stderr.hasPrefix("error: "), "\(context): \(outcome.stderr)")
                    #expect(try workspace.count("SELECT count(*) FROM keto_relation_tuples") == before, "\(context): something was applied")
                    #expect(try workspace.count("SELECT count(*) FROM retuple_broken_tuples WHERE resolved_at IS NOT NULL") == 0, "\(context)")
                    try MigrateLegacyConcurrencyTests.waitForSessionsToEnd(of: workspace)
                } else {
                    #expect(outcome.status == 0, "\(context): \(outcome.stderr)")
                    break
                }
            }
            let again = try workspace.retuple(["broken", "apply"], ["fixed.jsonl", "-y"])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(try workspace.count("SELECT count(*) FROM keto_relation_tuples") == before + fixed.count)
            #expect(try workspace.retuple(["verify"]).status == 0)
            print("connection cut, broken apply of \(fixed.count) lines: \(cuts) cuts, then applied")
            #expect(cuts >= 1)
        }
    }
}
