import ArgumentParser
import RetupleCore

/// The figures of a `namespace migrate legacy` run and how they are shown:
/// a `key=value` line per namespace as it finishes, then a final line; or
/// one JSON document at the end (PRODUCT §2.3).
struct MigrationRun {
    let dryRun: Bool
    /// Whether broken rows make the run exit 3: they do for a migration;
    /// `--down-only` only reports how rows are accounted for.
    let brokenRowsExitThree: Bool
    private(set) var results: [NamespaceMigrationResult] = []
    private(set) var failures: [NamespaceFailure] = []

    init(dryRun: Bool, brokenRowsExitThree: Bool) {
        self.dryRun = dryRun
        self.brokenRowsExitThree = brokenRowsExitThree
    }

    mutating func add(_ result: NamespaceMigrationResult, _ console: Console) {
        results.append(result)
        guard console.format == .text else { return }
        console.result(keyValueLine(nil, [
            "namespace": result.table.namespace.name, "id": String(result.table.namespace.id),
            "legacy": String(result.legacy), "migrated": String(result.migrated),
            "already_present": String(result.alreadyPresent), "broken": String(result.broken),
            "dropped": result.dropped.yesNo,
        ]))
    }

    mutating func fail(_ failure: NamespaceFailure, _ console: Console) {
        failures.append(failure)
        guard console.format == .text else { return }
        console.result(keyValueLine(nil, [
            "namespace": failure.table.namespace.name, "id": String(failure.table.namespace.id), "failed": failure.description,
        ]))
    }

    private func total(_ figure: KeyPath<NamespaceMigrationResult, Int>) -> Int {
        results.reduce(0) { $0 + $1[keyPath: figure] }
    }

    /// Prints the final line (or the JSON document) and ends the command
    /// with the run's exit status: 0 clean, 3 broken rows found (when
    /// `brokenRowsExitThree`), 1 when a namespace failed.
    func finish(report: BrokenTupleReport, _ console: Console) throws {
        let reportPath = report.isCreated ? report.path : nil
        let broken = total(\.broken)
        if console.format == .json {
            try console.json(MigrationDocument(
                namespaces: results.map(MigrationDocument.Namespace.init),
                totals: .init(
                    namespaces: results.count, migrated: total(\.migrated), alreadyPresent: total(\.alreadyPresent),
                    broken: broken, failed: failures.count
                ),
                report: reportPath,
                dryRun: dryRun,
                failures: failures.map { .init(name: $0.table.namespace.name, id: $0.table.namespace.id, message: $0.description) }
            ))
        } else {
            if let reportPath { console.result(keyValueLine(nil, ["report": reportPath])) }
            if dryRun { console.info("dry run: every namespace was rolled back; nothing changed") }
            console.result(keyValueLine("migration finished", [
                "namespaces": String(results.count), "migrated": String(total(\.migrated)),
                "already_present": String(total(\.alreadyPresent)), "broken": String(broken),
                "failed": String(failures.count),
            ]))
        }
        if let first = failures.first {
            let others = failures.count > 1 ? " (and \(failures.count - 1) more namespaces failed)" : ""
            throw RetupleError(first.description + others)
        }
        if broken > 0, brokenRowsExitThree { throw ExitCode(3) }
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

        enum CodingKeys: String, CodingKey {
            case name, id, legacy, migrated, broken, dropped
            case alreadyPresent = "already_present"
        }
    }

    struct Totals: Encodable {
        let namespaces: Int
        let migrated: Int
        let alreadyPresent: Int
        let broken: Int
        let failed: Int

        enum CodingKeys: String, CodingKey {
            case namespaces, migrated, broken, failed
            case alreadyPresent = "already_present"
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

    enum CodingKeys: String, CodingKey {
        case namespaces, totals, report, failures
        case dryRun = "dry_run"
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
