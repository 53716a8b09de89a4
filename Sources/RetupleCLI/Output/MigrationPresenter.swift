import ArgumentParser
import RetupleCore

/// How a `namespace migrate legacy` run is shown: a `key=value` line per
/// namespace as it finishes, then a final line; or one JSON document at the
/// end (the shapes are docs/contract.md's). It also ends the command with
/// the run's exit status.
struct MigrationPresenter: LegacyMigrationObserver {
    let console: Console

    /// Shown even with `-q` when a question follows, so nobody approves
    /// blind; on stderr in `json` format.
    func planned(_ lines: [String], beforeQuestion: Bool) {
        for line in lines {
            if beforeQuestion { console.notice(line) } else { console.info(line) }
        }
    }

    func namespaceFinished(_ result: NamespaceMigrationResult) {
        guard console.format == .text else { return }
        console.result(keyValueLine(nil, [
            "namespace": result.table.namespace.name, "id": String(result.table.namespace.id),
            "legacy": String(result.legacy), "migrated": String(result.migrated),
            "already_present": String(result.alreadyPresent), "broken": String(result.broken),
            "dropped": result.dropped.yesNo,
        ]))
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
                    alreadyPresent: summary.total(\.alreadyPresent), broken: broken, failed: summary.failures.count
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
                "failed": String(summary.failures.count),
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

        init(_ result: NamespaceMigrationResult) {
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
