import Foundation
import RetupleCore
import RetupleFixtures
import RetupleTestSupport
import Testing

/// `namespace migrate legacy -y` killed with SIGKILL at random moments,
/// over and over (issue 6): after every kill each namespace is exactly as
/// before or completely migrated, and a re-run completes the rest with
/// exact figures.
///
/// How the moments are drawn, so that they land in every step: an
/// uninterrupted run of a copy of the database (`--log-level trace`, which
/// logs each `MigrationStep` as it begins) is timed first. Each trial then
/// aims at one step kind, in turn reading, writing, recording broken rows,
/// committing and dropping: a seeded generator picks one of that kind's
/// occurrences in the timed run and, for the long steps (reading,
/// writing), a delay within its measured length; SIGKILL follows the
/// chosen step line by that delay. Where the process really died is the
/// last step line it wrote, and that is what the coverage counts: after
/// the planned trials, further ones (at most `extraTrialsAtMost`) aim at
/// any step not yet hit, and the test fails unless every one was.
///
/// Replay: every message names the seed; `RETUPLE_FAULT_SEED=N` reruns the
/// same aims (the exact instants still depend on the machine's timing).
@Suite("fault injection: SIGKILL at random steps of namespace migrate legacy (built binary)", .serialized)
struct FaultInjectionTests {
    /// Trials per backend in every run.
    static let trials = 20
    /// Trials added when a step was not hit by the planned ones.
    static let extraTrialsAtMost = 10
    /// The steps the kills must land in.
    static let requiredSteps: [MigrationStep] = [.reading, .writing, .recording, .committing, .dropping]
    /// The generated database: rows over four namespaces (the odd ones
    /// clean), a share of broken rows. 44,000 rows (two batches per
    /// namespace) keep 20 trials per backend near two minutes on a debug
    /// build; `RETUPLE_FAULT_TUPLES=200000` runs the full size the trials were designed for
    /// (about 13 s per uninterrupted run, ten minutes per backend).
    static let tuples = ProcessInfo.processInfo.environment["RETUPLE_FAULT_TUPLES"].flatMap { Int($0) } ?? 44_000
    static let namespaces = 4
    static let brokenShare = 0.005

    /// `RETUPLE_FAULT_SEED`, else a new seed per test process.
    static let seed: UInt64 = ProcessInfo.processInfo.environment["RETUPLE_FAULT_SEED"].flatMap { UInt64($0) }
        ?? UInt64.random(in: 1...UInt64.max)

    @Test("SIGKILL at random steps leaves every namespace as it was or migrated; a re-run completes with exact figures", arguments: TestBackends.all)
    func randomKills(backend: DatabaseBackend) throws {
        try KillTrialTemplate.with(backend, tuples: Self.tuples, namespaces: Self.namespaces, brokenShare: Self.brokenShare) { template in
            let runner = KillTrials(template: template, seed: Self.seed)
            let calibration = try runner.calibrate()
            var random = SeededGenerator(seed: Self.seed ^ UInt64(backend == .sqlite ? 0x51 : 0x96))
            var landed: [String: Int] = [:]
            var log: [String] = []
            func trial(aimingAt step: MigrationStep) throws {
                let point = calibration.killPoint(at: step, using: &random)
                let outcome = try runner.killAndRecover(at: point, trial: log.count)
                landed[outcome, default: 0] += 1
                log.append("\(point)->\(outcome)")
            }
            for number in 0..<Self.trials {
                try trial(aimingAt: Self.requiredSteps[number % Self.requiredSteps.count])
            }
            var missing: [MigrationStep] { Self.requiredSteps.filter { landed[$0.rawValue] == nil } }
            while let step = missing.first, log.count < Self.trials + Self.extraTrialsAtMost {
                try trial(aimingAt: step)
            }
            let coverage = (Self.requiredSteps.map(\.rawValue) + landed.keys.filter { key in !Self.requiredSteps.contains { $0.rawValue == key } }.sorted())
                .map { "\($0)=\(landed[$0, default: 0])" }.joined(separator: " ")
            print("""
                fault injection \(backend.rawValue): seed \(Self.seed), \(template.namespaces.map(\.legacy).reduce(0, +)) legacy rows, \
                uninterrupted run \(String(format: "%.1f", calibration.seconds)) s, \(log.count) trials survived; killed in: \(coverage)
                  trials (aim -> landed): \(log.joined(separator: " "))
                """)
            #expect(missing.isEmpty, "seed \(Self.seed), \(backend): no kill landed in \(missing.map(\.rawValue)) after \(log.count) trials: \(coverage)")
        }
    }
}

/// The kill trials of one backend: fresh copies of the template, killed and
/// re-run, each checked against the invariants.
struct KillTrials {
    let template: KillTrialTemplate
    let seed: UInt64
    /// Added to the migration's arguments in every run (e.g. `--jobs 2`).
    var arguments: [String] = []

    var invariants: KillTrialInvariants { KillTrialInvariants(template: template) }

    /// The timed steps of an uninterrupted run.
    struct Calibration {
        let steps: [StepEvent]
        let ended: ContinuousClock.Instant
        let seconds: Double

        /// Picks one occurrence of `step` and a delay within it (none for
        /// the short steps, which may be over by the time the kill lands).
        func killPoint(at step: MigrationStep, using random: inout SeededGenerator) -> KillPoint {
            let indexes = steps.indices.filter { steps[$0].step == step }
            let occurrence = Int.random(in: 0..<indexes.count, using: &random)
            let index = indexes[occurrence]
            let length = (index + 1 < steps.count ? steps[index + 1].at : ended) - steps[index].at
            let fraction = [.reading, .writing].contains(step) ? Double.random(in: 0..<1, using: &random) : 0
            return KillPoint(step: step, occurrence: occurrence, delay: length * fraction)
        }
    }

    /// The first-run figures of the template (`-y`: clean namespaces dropped).
    var firstRunFigures: [NamespaceFigures] {
        template.namespaces.map {
            NamespaceFigures(
                name: $0.namespace.name, id: $0.namespace.id, legacy: $0.legacy, migrated: $0.unified,
                alreadyPresent: 0, broken: $0.broken, dropped: $0.isClean
            )
        }
    }

    /// Runs the migration of a copy uninterrupted and times its steps; it
    /// must end with every namespace migrated and every step kind seen.
    func calibrate() throws -> Calibration {
        try template.withCopy { workspace in
            let run = try TracedMigration(
                workspace.commandLine(LegacyWorkspace.migrateLegacyWords, ["-y", "--report", "calibration.jsonl"] + arguments),
                in: workspace.directory.url, killAt: nil
            ).wait()
            let context = "seed \(seed), \(template.backend) uninterrupted run"
            #expect(run.process.status == 3, "\(context): \(run.plainStderr)")
            #expect(run.plainStderr.isEmpty, "\(context): \(run.plainStderr)")
            #expect(run.process.namespaceFigures == firstRunFigures, "\(context)")
            let findings = try invariants.check(workspace)
            #expect(findings.violations.isEmpty, "\(context): \(findings.violations)")
            #expect(findings.states.values.allSatisfy { $0 == .migrated } && findings.states.count == template.namespaces.count, "\(context): \(findings.states)")
            let seen = Set(run.steps.map(\.step))
            for step in FaultInjectionTests.requiredSteps {
                try #require(seen.contains(step), "\(context) never logged the step \(step.rawValue)")
            }
            return Calibration(steps: run.steps, ended: run.ended, seconds: (run.ended - run.started).seconds)
        }
    }

    /// Kills the migration of a fresh copy at `point`, checks the
    /// invariants, re-runs it to completion and checks again.
    ///
    /// - Returns: the step the kill landed in (`finished` when the run
    ///   ended before the kill point).
    func killAndRecover(at point: KillPoint, trial: Int) throws -> String {
        try template.withCopy { workspace in
            let killed = try TracedMigration(
                workspace.commandLine(LegacyWorkspace.migrateLegacyWords, ["-y", "--report", "killed.jsonl"] + arguments),
                in: workspace.directory.url, killAt: point
            ).wait()
            let landed = killed.killed ? killed.lastStep?.rawValue ?? "start" : "finished"
            let context = "seed \(seed), \(template.backend) trial \(trial): kill at \(point) landed in \(landed) (last steps \(killed.steps.suffix(3)))"
            if killed.killed {
                #expect(killed.process.status == SIGKILL, "\(context): \(killed.plainStderr)")
            } else {
                #expect(killed.process.status == 3, "\(context): \(killed.plainStderr)")
            }
            try MigrateLegacyConcurrencyTests.waitForSessionsToEnd(of: workspace)

            let afterKill = try invariants.check(workspace)
            #expect(afterKill.violations.isEmpty, "\(context): after the kill: \(afterKill.violations)")
            for printed in killed.process.namespaceFigures {
                #expect(afterKill.states[printed.id] == .migrated, "\(context): \(printed) was printed but is \(afterKill.states[printed.id].map(\.rawValue) ?? "neither")")
            }

            let rerun = try workspace.migrateLegacy(["-y", "-q", "--report", "rerun.jsonl"] + arguments)
            let expected = template.namespaces.compactMap { namespace -> NamespaceFigures? in
                let committed = afterKill.states[namespace.namespace.id] == .migrated
                if committed && namespace.isClean { return nil } // dropped: nothing left to migrate
                return NamespaceFigures(
                    name: namespace.namespace.name, id: namespace.namespace.id, legacy: namespace.legacy,
                    migrated: committed ? 0 : namespace.unified, alreadyPresent: committed ? namespace.unified : 0,
                    broken: namespace.broken, dropped: namespace.isClean
                )
            }
            #expect(rerun.status == 3, "\(context): the re-run exited \(rerun.status): \(rerun.stderr)")
            #expect(rerun.stderr.isEmpty, "\(context): \(rerun.stderr)")
            #expect(rerun.namespaceFigures == expected, "\(context)")
            #expect(rerun.fields(ofLineStartingWith: "migration finished")?.filter { $0.key != "duration" && $0.key != "rows_per_s" } == [
                "namespaces": String(expected.count), "migrated": String(expected.map(\.migrated).reduce(0, +)),
                "already_present": String(expected.map(\.alreadyPresent).reduce(0, +)),
                "broken": String(expected.map(\.broken).reduce(0, +)), "failed": "0",
            ], "\(context): \(rerun.stdout)")
            let reported = try workspace.reportLines("rerun.jsonl")
            #expect(reported.count == expected.map(\.broken).reduce(0, +), "\(context)")

            let final = try invariants.check(workspace)
            #expect(final.violations.isEmpty, "\(context): after the re-run: \(final.violations)")
            #expect(final.states.count == template.namespaces.count && final.states.values.allSatisfy { $0 == .migrated }, "\(context): \(final.states)")
            return landed
        }
    }
}
