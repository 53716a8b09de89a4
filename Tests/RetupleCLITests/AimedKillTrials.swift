import Foundation
import RetupleCore
import RetupleFixtures
import RetupleTestSupport
import Testing

/// SIGKILL trials aimed at the steps of a command other than an in-place
/// migration (`broken apply`, `--target-dsn`, `--down-only`), the way
/// `FaultInjectionTests` aims them: an uninterrupted traced run is timed,
/// then each trial aims, in turn, at one of `requiredSteps` (an occurrence
/// and a delay within it drawn by a seeded generator), and the step it
/// landed in is the last step line the process wrote. Further trials, at
/// most `extraTrialsAtMost`, aim at a step not yet hit.
struct AimedKillTrials {
    /// Trials per backend: 20 unless `RETUPLE_FAULT_TRIALS` says otherwise
    /// (fewer for a quick local look; CI runs the default).
    static let trials = ProcessInfo.processInfo.environment["RETUPLE_FAULT_TRIALS"].flatMap { Int($0) } ?? 20
    static let extraTrialsAtMost = 10

    let name: String
    let seed: UInt64
    let requiredSteps: [MigrationStep]

    /// What the trials did, for the line a suite prints.
    struct Summary: CustomStringConvertible {
        var landed: [String: Int] = [:]
        var log: [String] = []
        var missing: [MigrationStep] = []
        let seconds: Double

        var description: String {
            let steps = landed.keys.sorted().map { "\($0)=\(landed[$0, default: 0])" }.joined(separator: " ")
            return "\(log.count) trials, uninterrupted run \(String(format: "%.2f", seconds)) s; killed in: \(steps)\n  trials (aim -> landed): \(log.joined(separator: " "))"
        }
    }

    /// Runs the trials: `trial` kills one fresh run at the point given and
    /// returns where it landed (`KillTrials`' words: a step, `start`,
    /// `finished`).
    func run(calibration: KillTrials.Calibration, trial: (KillPoint, Int) throws -> String) throws -> Summary {
        var random = SeededGenerator(seed: seed ^ UInt64(truncatingIfNeeded: name.utf8.reduce(5381) { ($0 &* 33) &+ Int($1) }))
        var summary = Summary(seconds: calibration.seconds)
        func aim(at step: MigrationStep) throws {
            let point = calibration.killPoint(at: step, using: &random)
            let landed = try trial(point, summary.log.count)
            summary.landed[landed, default: 0] += 1
            summary.log.append("\(point)->\(landed)")
        }
        for number in 0..<Self.trials {
            try aim(at: requiredSteps[number % requiredSteps.count])
        }
        var missing: [MigrationStep] { requiredSteps.filter { summary.landed[$0.rawValue] == nil } }
        while let step = missing.first, summary.log.count < Self.trials + Self.extraTrialsAtMost {
            try aim(at: step)
        }
        summary.missing = missing
        return summary
    }

    /// Times an uninterrupted traced run; it must log every required step.
    static func calibrate(_ run: TracedMigration.Outcome, requiredSteps: [MigrationStep], context: String) throws -> KillTrials.Calibration {
        let seen = Set(run.steps.map(\.step))
        for step in requiredSteps {
            try #require(seen.contains(step), "\(context) never logged the step \(step.rawValue): \(run.process.stderr.suffix(2000))")
        }
        return KillTrials.Calibration(steps: run.steps, ended: run.ended, seconds: (run.ended - run.started).seconds)
    }

    /// Where a traced run that was aimed at ended.
    static func landed(_ run: TracedMigration.Outcome) -> String {
        run.killed ? run.lastStep?.rawValue ?? "start" : "finished"
    }
}
