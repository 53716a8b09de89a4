import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

/// `broken apply` killed with SIGKILL at each step of its transaction
/// (staging and looking up the lines, writing the tuples, resolving the
/// records, committing): after each kill either every line was applied or
/// none, and applying the file again completes with exact figures.
@Suite("fault injection: SIGKILL at the steps of broken apply (built binary)", .serialized)
struct BrokenApplyKillTests {
    static let requiredSteps: [MigrationStep] = [.reading, .writing, .finishing, .committing]

    @Test("SIGKILL at every step of broken apply: all lines applied or none; applying again completes", arguments: TestBackends.all)
    func randomKills(backend: DatabaseBackend) throws {
        let seed = FaultInjectionTests.seed
        try LegacyWorkspace.with(backend, .generated(tuples: 10_000, namespaces: 2, brokenShare: 0.5)) { template in
            let migrated = try template.migrateLegacy(["-y", "-q", "--report", "report.jsonl"])
            try #require(migrated.status == 3, "\(migrated.stderr)")
            let fixed = try template.reportLines("report.jsonl").enumerated().map { index, line in
                var line = line
                line["recreate"] = ["namespace": line["namespace"] as? String ?? "", "object": "fixed-\(index)", "relation": "viewer", "subject_id": "user-\(index)"]
                return line
            }
            try template.writeLines(fixed, to: "fixed.jsonl")
            let file = template.directory.path("fixed.jsonl")
            let before = try template.count("SELECT count(*) FROM keto_relation_tuples")
            try MigrateLegacyConcurrencyTests.waitForSessionsToEnd(of: template)

            let calibration = try template.withCopy { workspace in
                let run = try TracedMigration(workspace.commandLine(["broken", "apply"], [file, "-y"]), in: workspace.directory.url, killAt: nil).wait()
                #expect(run.process.status == 0, "\(run.plainStderr)")
                return try AimedKillTrials.calibrate(run, requiredSteps: Self.requiredSteps, context: "\(backend) uninterrupted broken apply")
            }
            let trials = AimedKillTrials(name: "broken apply \(backend.rawValue)", seed: seed, requiredSteps: Self.requiredSteps)
            var outcomes: [String: Int] = [:]
            let summary = try trials.run(calibration: calibration) { point, number in
                try template.withCopy { workspace in
                    let killed = try TracedMigration(workspace.commandLine(["broken", "apply"], [file, "-y"]), in: workspace.directory.url, killAt: point).wait()
                    let landed = AimedKillTrials.landed(killed)
                    let context = "seed \(seed), \(backend) trial \(number): kill at \(point) landed in \(landed)"
                    #expect(killed.process.status == (killed.killed ? SIGKILL : 0), "\(context): \(killed.plainStderr)")
                    try MigrateLegacyConcurrencyTests.waitForSessionsToEnd(of: workspace)

                    let rows = try workspace.count("SELECT count(*) FROM keto_relation_tuples")
                    let resolved = try workspace.count("SELECT count(*) FROM retuple_broken_tuples WHERE resolved_at IS NOT NULL")
                    let applied = rows == before + fixed.count && resolved == fixed.count
                    let none = rows == before && resolved == 0
                    #expect(applied || none, "\(context): \(rows - before) tuples written, \(resolved) records resolved")
                    outcomes[applied ? "all applied" : "none applied", default: 0] += 1
                    if backend == .sqlite, let check = try workspace.withDatabase({ try $0.scalar("PRAGMA integrity_check")?.text }) {
                        #expect(check == "ok", "\(context): \(check)")
                    }

                    let again = try workspace.retuple(["broken", "apply"], [file, "-y"])
                    #expect(again.status == 0, "\(context): \(again.stderr)")
                    #expect(again.stderr.isEmpty, "\(context): \(again.stderr)")
                    let count = String(fixed.count)
                    #expect(again.fields(ofLineStartingWith: "apply finished") == [
                        "lines": count, "inserted": applied ? "0" : count, "already_present": "0",
                        "already_resolved": applied ? count : "0", "resolved": applied ? "0" : count, "rejected": "0",
                    ], "\(context): \(again.stdout.suffix(500))")
                    #expect(try workspace.count("SELECT count(*) FROM keto_relation_tuples") == before + fixed.count, "\(context)")
                    #expect(try workspace.count("SELECT count(*) FROM retuple_broken_tuples WHERE resolved_at IS NULL") == 0, "\(context)")
                    let verify = try workspace.retuple(["verify"])
                    #expect(verify.status == 0, "\(context): \(verify.stdout)\(verify.stderr)")
                    return landed
                }
            }
            print("broken apply kills, \(backend.rawValue), seed \(seed), \(fixed.count) lines: \(outcomes); \(summary)")
            #expect(summary.missing.isEmpty, "seed \(seed), \(backend): no kill landed in \(summary.missing.map(\.rawValue)): \(summary)")
            #expect((outcomes["none applied"] ?? 0) >= Self.requiredSteps.count, "\(outcomes)")
        }
    }
}
