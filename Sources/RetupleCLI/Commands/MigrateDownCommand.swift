import ArgumentParser
import RetupleCore

/// `retuple migrate down`: rolls the unified schema back.
struct MigrateDownCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "down",
        abstract: "Roll the unified schema back (shows the plan and asks first unless -y).",
        discussion: discussion(
            """
            Without --steps every migration retuple applied is rolled back. Refuses while \
            keto_relation_tuples holds rows unless --force. A base migration that Keto v0.6 \
            recorded is left in place.
            """,
            examples(
                "retuple migrate down -c keto.yml --steps 1",
                "retuple migrate down --dsn postgres://keto@db/keto --force -y"
            )
        )
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: "How many applied migrations to roll back, newest first (default: all).")
    var steps: Int?

    @OptionGroup var answer: YesOption

    @Flag(help: "Roll back even while keto_relation_tuples holds rows (they are lost).")
    var force = false

    func validate() throws {
        if let steps, steps < 1 {
            throw ValidationError("--steps must be at least 1, got \(steps)")
        }
    }

    func run() throws {
        let context = try CommandContext(options: options)
        try context.withDatabase { database in
            let migrator = SchemaMigrator(database: database, logger: context.logger)
            let plan = try migrator.rollbackPlan(steps: steps)
            guard !plan.isEmpty else {
                context.console.info("nothing to roll back")
                if context.options.format == .json { try context.console.json(DownReport(rolledBack: [], declined: false)) }
                return
            }
            // Refuse before asking, so the operator is not asked in vain.
            if !force { try migrator.ensureNoTuplesWouldBeLost() }
            context.console.info("migrations to roll back on \(database.location):")
            for migration in plan {
                context.console.info("  \(migration.version)  \(migration.name)")
            }
            guard answer.yes || context.console.confirm("roll back \(plan.count) migrations?") else {
                context.console.info("nothing rolled back")
                if context.options.format == .json { try context.console.json(DownReport(rolledBack: [], declined: true)) }
                return
            }
            let undone = try migrator.rollBack(steps: steps, force: force)
            if context.options.format == .json {
                try context.console.json(DownReport(rolledBack: undone.map(MigrationEntry.init), declined: false))
            } else {
                context.console.info("rolled back \(undone.count) migrations")
            }
        }
    }
}

/// `migrate down -f json`.
struct DownReport: Encodable {
    let rolledBack: [MigrationEntry]
    let declined: Bool
}
