import ArgumentParser
import RetupleCore

/// `retuple doctor`: can the other commands run against this database, and
/// what fixes what stands in their way.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check connectivity, privileges, schema state, namespaces, broken tuples, locks and server settings.",
        discussion: discussion(
            """
            One line per check: ok, warn, fail or skip, its name, what was found, and for warn \
            and fail the command or SQL that fixes it. Exits 1 when a check fails; warnings \
            alone exit 0. Changes nothing.
            """,
            examples(
                "retuple doctor -c keto.yml",
                "retuple doctor --dsn postgres://keto@db/keto -c keto.yml -f json"
            )
        )
    )

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let context = try CommandContext(options: options)
        let diagnosis = Diagnosis(dsn: try context.dataSourceName(), configuration: context.configuration, logger: context.logger)
        let count = { (status: DoctorCheck.Status) in diagnosis.checks.filter { $0.status == status }.count }
        if let recovery = diagnosis.checks.first(where: { $0.name == .recovery }) {
            // As every command says it, besides the finding.
            context.console.progress((recovery.found.components(separatedBy: " (rolled back)").first ?? recovery.found) + " (rolled back)")
        }
        if context.options.format == .json {
            try context.console.json(DoctorDocument(
                checks: diagnosis.checks.map(DoctorDocument.Check.init), failed: count(.fail), warnings: count(.warn)
            ))
        } else {
            for check in diagnosis.checks {
                context.console.result(Self.line(check))
            }
            context.console.info(keyValueLine("doctor finished", [
                "ok": String(count(.ok)), "warn": String(count(.warn)), "fail": String(count(.fail)), "skip": String(count(.skip)),
            ]))
        }
        let failures = diagnosis.failures
        guard failures.isEmpty else {
            throw RetupleError("\(failures.count) doctor checks failed: \(failures.map(\.name.rawValue).joined(separator: ", "))")
        }
    }

    /// `fail privileges     as keto: no CREATE on schema public; fix: GRANT …`.
    static func line(_ check: DoctorCheck) -> String {
        let status = check.status.rawValue.padding(toLength: 4, withPad: " ", startingAt: 0)
        let name = check.name.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0)
        return "\(status) \(name) \(check.found)" + (check.fix.map { "; fix: \($0)" } ?? "")
    }
}

/// `doctor -f json`.
struct DoctorDocument: Encodable {
    struct Check: Encodable {
        let name: String
        let status: String
        let found: String
        let fix: String?

        init(_ check: DoctorCheck) {
            name = check.name.rawValue
            status = check.status.rawValue
            found = check.found
            fix = check.fix
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(status, forKey: .status)
            try container.encode(found, forKey: .found)
            try container.encode(fix, forKey: .fix) // null when there is none
        }

        enum CodingKeys: String, CodingKey { case name, status, found, fix }
    }

    let checks: [Check]
    let failed: Int
    let warnings: Int
}
