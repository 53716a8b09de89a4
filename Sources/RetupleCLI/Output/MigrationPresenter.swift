import ArgumentParser
import RetupleCore

/// How a `namespace migrate legacy` run is shown: a `key=value` line per
/// namespace as it finishes, then a final line; or one JSON document at the
/// end (the shapes are docs/contract.md's). It also ends the command with
/// the run's exit status.
struct MigrationPresenter: LegacyMigrationObserver {
    let console: Console
    /// Told which namespaces committed, for the line an interrupt prints;
    /// nil when nothing listens.
    var interrupts: Interrupts?

    /// Shown even with `-q` when a question follows, so nobody approves
    /// blind; on stderr in `json` format.
    func planned(_ lines: [String], beforeQuestion: Bool) {
        for line in lines {
            if beforeQuestion { console.notice(line) } else { console.info(line) }
        }
    }

    /// Printed (and flushed: stdout is line-buffered) as the namespace's
    /// transaction ends, so a log file holds it even if the run is killed
    /// next.
    func namespaceFinished(_ result: NamespaceMigrationResult) {
        interrupts?.noteCommitted(result.table.namespace.name)
        guard console.format == .text else { return }
        console.result(keyValueLine(nil, [
            "namespace": result.table.namespace.name, "id": String(result.table.namespace.id),
            "legacy": String(result.legacy), "migrated": String(result.migrated),
            "already_present": String(result.alreadyPresent), "broken": String(result.broken),
            "dropped": result.dropped.yesNo, "duration": seconds(result.seconds),
        ]))
    }

    /// After its drop question: `dropped namespace=… id=… table=…`.
    func namespaceDropped(_ result: NamespaceMigrationResult) {
        guard console.format == .text else { return }
        console.result(keyValueLine("dropped", [
            "namespace": result.table.namespace.name, "id": String(result.table.namespace.id), "table": result.table.name,
        ]))
    }

    /// `waiting for a lock on TABLE held by pid N (…)… (up to 30s, --lock-timeout)`
    /// on stderr, unless `-q`.
    func lockWait(_ wait: LockWait) {
        guard !console.quiet else { return }
        let holders = switch wait.holders {
        case nil: "another connection"
        case let holders? where holders.isEmpty: "a session that has since let go"
        case let holders?: holders.map(\.description).joined(separator: ", ")
        }
        let limit = wait.timeout.map { "up to \(DurationText.describe($0)), --lock-timeout" } ?? "without limit, --lock-timeout 0"
        console.progress("waiting for a lock on \(wait.table) held by \(holders)… (\(limit))")
    }

    func namespaceFailed(_ failure: NamespaceFailure) {
        guard console.format == .text else { return }
        console.result(keyValueLine(nil, [
            "namespace": failure.table.namespace.name, "id": String(failure.table.namespace.id), "failed": failure.description,
        ]))
    }

    /// Says what a run started after the drop would have said ("nothing to
    /// do"), since it is not a failure.
    func namespaceGone(_ gone: LegacyTableGone) {
        console.info(
            "nothing to do for namespace \(gone.table.namespace.name): its legacy table \(gone.table.name) was dropped while this run waited for the lock (by another retuple run, most likely)"
        )
    }

    func informed(_ line: String) {
        console.info(line)
    }

    /// Prints the final line (or the JSON document) and ends the command
    /// with the run's exit status: 0 clean, 3 when broken rows were found
    /// (by a migration: `--down-only` only reports how rows are accounted
    /// for), 1 when a namespace failed.
    func finished(_ summary: LegacyMigrationSummary) throws {
        let broken = summary.total(\.broken)
        if console.format == .json {
            try console.json(MigrationDocument(
                namespaces: summary.results.map(MigrationDocument.Namespace.init),
                totals: .init(
                    namespaces: summary.results.count, migrated: summary.total(\.migrated),
                    alreadyPresent: summary.total(\.alreadyPresent), broken: broken, failed: summary.failures.count,
                    seconds: summary.seconds, rowsPerSecond: summary.rowsPerSecond
                ),
                report: summary.reportPath,
                dryRun: summary.dryRun,
                failures: summary.failures.map { .init(name: $0.table.namespace.name, id: $0.table.namespace.id, message: $0.description) }
            ))
        } else {
            if let reportPath = summary.reportPath { console.result(keyValueLine(nil, ["report": reportPath])) }
            if summary.dryRun { console.info("dry run: every namespace was rolled back; nothing changed") }
            console.result(keyValueLine("migration finished", [
                "namespaces": String(summary.results.count), "migrated": String(summary.total(\.migrated)),
                "already_present": String(summary.total(\.alreadyPresent)), "broken": String(broken),
                "failed": String(summary.failures.count), "duration": seconds(summary.seconds),
                "rows_per_s": String(summary.rowsPerSecond),
            ]))
        }
        if let first = summary.failures.first {
            let others = summary.failures.count > 1 ? " (and \(summary.failures.count - 1) more namespaces failed)" : ""
            throw RetupleError(first.description + others)
        }
        if broken > 0, !summary.downOnly { throw ExitCode(3) }
    }
}

/// `namespace migrate legacy -f json`.
struct MigrationDocument: Encodable {
    struct Namespace: Encodable {
        let name: String
        let id: Int32
        let legacy: Int
        let migrated: Int
        let alreadyPresent: Int
        let broken: Int
        let dropped: Bool
        let seconds: Double

        init(_ result: NamespaceMigrationResult) {
            seconds = roundedSeconds(result.seconds)
            name = result.table.namespace.name
            id = result.table.namespace.id
            legacy = result.legacy
            migrated = result.migrated
            alreadyPresent = result.alreadyPresent
            broken = result.broken
            dropped = result.dropped
        }
    }

    struct Totals: Encodable {
        let namespaces: Int
        let migrated: Int
        let alreadyPresent: Int
        let broken: Int
        let failed: Int
        let seconds: Double
        let rowsPerSecond: Int

        init(namespaces: Int, migrated: Int, alreadyPresent: Int, broken: Int, failed: Int, seconds: Double, rowsPerSecond: Int) {
            self.namespaces = namespaces
            self.migrated = migrated
            self.alreadyPresent = alreadyPresent
            self.broken = broken
            self.failed = failed
            self.seconds = roundedSeconds(seconds)
            self.rowsPerSecond = rowsPerSecond
        }
    }

    /// A namespace that was rolled back or left alone, and why.
    struct Failure: Encodable {
        let name: String
        let id: Int32
        let message: String
    }

    let namespaces: [Namespace]
    let totals: Totals
    let report: String?
    let dryRun: Bool
    let failures: [Failure]

    enum CodingKeys: CodingKey {
        case namespaces, totals, report, dryRun, failures
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(namespaces, forKey: .namespaces)
        try container.encode(totals, forKey: .totals)
        try container.encode(report, forKey: .report) // null when there is none
        try container.encode(dryRun, forKey: .dryRun)
        try container.encode(failures, forKey: .failures)
    }
}

/// `1.23s`: a duration as lines show it, to the hundredth of a second.
func seconds(_ value: Double) -> String {
    String(format: "%.2fs", value)
}

/// Seconds to the millisecond, as JSON documents carry them.
func roundedSeconds(_ value: Double) -> Double {
    (value * 1000).rounded() / 1000
}

extension LegacyMigrationSummary {
    /// The time spent in the namespaces' transactions (questions not
    /// counted), in seconds.
    var seconds: Double { results.reduce(0) { $0 + $1.seconds } }

    /// Legacy rows handled per second of `seconds`; 0 when none.
    var rowsPerSecond: Int {
        let rows = total(\.legacy)
        return seconds > 0 ? Int((Double(rows) / seconds).rounded()) : 0
    }
}
