import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

/// What every fault trial (a full disk, a cut connection) checks on a
/// fresh copy of a kill-trial template: the failed run, the database after
/// it, and a re-run to completion.
struct FaultRecovery {
    let template: KillTrialTemplate

    var invariants: KillTrialInvariants { KillTrialInvariants(template: template) }

    /// Checks a run that failed: exit 1, exactly one `error:` line on
    /// stderr besides progress lines, containing each of `mentions`, every namespace exactly as
    /// before or completely migrated (the printed ones migrated), the
    /// reports whole lines.
    ///
    /// - Returns: the state of each namespace.
    func checkFailed(
        _ outcome: ProcessOutcome, of workspace: LegacyWorkspace, mentioning mentions: [String], context: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> [Int32: NamespaceState] {
        #expect(outcome.status == 1, "\(context): exited \(outcome.status): \(outcome.stderr)", sourceLocation: sourceLocation)
        let lines = outcome.stderrLines.filter { !ProcessOutcome.isProgressLine($0) }
        #expect(lines.count == 1 && lines.first?.hasPrefix("error: ") == true, "\(context): stderr is not one error line: \(outcome.stderr)", sourceLocation: sourceLocation)
        for mention in mentions {
            #expect(outcome.stderr.contains(mention), "\(context): the error does not say \(mention): \(outcome.stderr)", sourceLocation: sourceLocation)
        }
        let findings = try invariants.check(workspace)
        #expect(findings.violations.isEmpty, "\(context): after the fault: \(findings.violations)", sourceLocation: sourceLocation)
        for printed in outcome.namespaceFigures {
            #expect(findings.states[printed.id] == .migrated, "\(context): \(printed) was printed but is \(findings.states[printed.id].map(\.rawValue) ?? "neither")", sourceLocation: sourceLocation)
        }
        return findings.states
    }

    /// Re-runs the migration after the fault was removed: exact figures
    /// (committed namespaces already present, the rest migrated), every
    /// namespace migrated, the invariants, and `verify` passes.
    /// What the namespaces' states are is read from the database first
    /// (`states` is ignored when the database says otherwise: a run that
    /// finished despite the fault committed everything).
    func rerun(_ workspace: LegacyWorkspace, after states: [Int32: NamespaceState], context: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let states = try invariants.check(workspace).states
        let rerun = try workspace.migrateLegacy(["-y", "-q", "--report", "rerun.jsonl"])
        let expected = template.namespaces.compactMap { namespace -> NamespaceFigures? in
            let committed = states[namespace.namespace.id] == .migrated
            if committed && namespace.isClean { return nil } // dropped: nothing left to migrate
            return NamespaceFigures(
                name: namespace.namespace.name, id: namespace.namespace.id, legacy: namespace.legacy,
                migrated: committed ? 0 : namespace.unified, alreadyPresent: committed ? namespace.unified : 0,
                broken: namespace.broken, dropped: namespace.isClean
            )
        }
        #expect(rerun.status == 3, "\(context): the re-run exited \(rerun.status): \(rerun.stderr)", sourceLocation: sourceLocation)
        #expect(rerun.stderr.isEmpty, "\(context): \(rerun.stderr)", sourceLocation: sourceLocation)
        #expect(rerun.namespaceFigures == expected, "\(context)", sourceLocation: sourceLocation)
        #expect(try workspace.reportLines("rerun.jsonl").count == expected.map(\.broken).reduce(0, +), "\(context)", sourceLocation: sourceLocation)
        let final = try invariants.check(workspace)
        #expect(final.violations.isEmpty, "\(context): after the re-run: \(final.violations)", sourceLocation: sourceLocation)
        #expect(final.states.count == template.namespaces.count && final.states.values.allSatisfy { $0 == .migrated }, "\(context): \(final.states)", sourceLocation: sourceLocation)
        let verify = try workspace.retuple(["verify"])
        #expect(verify.status == 0, "\(context): verify exited \(verify.status): \(verify.stdout)\(verify.stderr)", sourceLocation: sourceLocation)
    }
}

/// How many trials of a fault ended how, for the line a fault test prints.
struct FaultTally {
    var failed = 0
    var failedAfterACommit = 0
    var finished = 0

    var description: String { "\(failed + finished) trials: \(failed) failed (\(failedAfterACommit) after committing a namespace), \(finished) finished" }

    mutating func count(_ states: [Int32: NamespaceState]?) {
        guard let states else { finished += 1; return }
        failed += 1
        if states.values.contains(.migrated) { failedAfterACommit += 1 }
    }
}
