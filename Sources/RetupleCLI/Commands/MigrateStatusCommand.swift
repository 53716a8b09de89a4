import Foundation
import ArgumentParser
import RetupleCore

/// `retuple migrate status`: every migration, applied or pending.
struct MigrateStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "List every unified-schema migration, applied or pending.",
        discussion: examples(
                "retuple migrate status -c keto.yml",
                "retuple migrate status --dsn postgres://keto@db/keto -f json"
            )
    )

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let context = try CommandContext(options: options)
        let (states, form) = try context.withDatabase { database in
            let form = try SchemaForm.current(in: database)
            let states = form == .latest
                ? try LatestSchemaMigrator(database: database, logger: context.logger).states()
                : try SchemaMigrator(database: database, logger: context.logger).states()
            return (states, form)
        }
        let pending = states.filter { !$0.isApplied }.count
        if context.options.format == .json {
            try context.console.json(MigrateStatusDocument(
                migrations: states.map { .init(version: $0.migration.version, name: $0.migration.name, applied: $0.isApplied) },
                pending: pending,
                form: form?.rawValue
            ))
            return
        }
        context.console.result("VERSION               NAME            STATUS")
        for state in states {
            let name = state.migration.name.padding(toLength: 15, withPad: " ", startingAt: 0)
            context.console.result("\(state.migration.version)  \(name) \(state.isApplied ? "applied" : "pending")")
        }
        // The v0.7 form's listing stays as it was; `-f json` names either form.
        if form == .latest {
            context.console.result("form: latest, which \(SchemaForm.latest.ketoReleases) read")
        }
        context.console.result(pending == 0 ? "the unified schema is up to date" : "\(pending) of \(states.count) migrations pending")
    }
}

/// `migrate status -f json`.
struct MigrateStatusDocument: Encodable {
    struct Entry: Encodable {
        let version: String
        let name: String
        let applied: Bool
    }

    let migrations: [Entry]
    let pending: Int
    /// `v0.7` or `latest`; absent before the schema is applied.
    let form: String?
}
