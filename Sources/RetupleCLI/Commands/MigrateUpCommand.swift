import ArgumentParser
import Foundation
import RetupleCore

/// `retuple migrate up`: applies pending unified-schema migrations.
struct MigrateUpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Apply pending unified-schema migrations (shows them and asks first unless -y).",
        discussion: discussion(
            """
            A missing SQLite file is created, but only once the migrations are approved. With \
            --target-dsn the schema goes into that database, for a cross-database migration; the \
            source (--dsn) is only opened, read-only, to make sure it is another database.
            """,
            examples(
                "retuple migrate up -c keto.yml",
                "retuple migrate up --dsn sqlite:///var/lib/keto/keto.sqlite -y",
                "retuple migrate up --dsn sqlite://keto.sqlite --target-dsn postgres://keto@db/keto -y"
            )
        )
    )

    @OptionGroup var options: GlobalOptions
    @OptionGroup var target: TargetDatabaseOptions

    @OptionGroup var answer: YesOption

    @Option(help: "The schema to land on: v0.7 (Keto v0.7/v0.8) or latest (Keto v0.11.1 through v26.2.0; converts Keto v0.7 tuples, with -c).")
    var to: SchemaForm = .v07

    func run() throws {
        let context = try CommandContext(options: options)
        if to == .latest { return try runLatest(context) }
        try withApproval(context, creating: UnifiedSchema.migrations) { database in
            // An up-to-date schema still goes through `apply`: a networks
            // table emptied by hand needs a network again.
            try SchemaMigrator(database: database, logger: context.logger).pendingMigrations()
        } apply: { try apply(on: $0, context) }
    }

    /// Opens the database the schema goes into (`--target-dsn`, else the
    /// source), shows what `pending` finds there and asks, then runs
    /// `apply`, also when nothing is pending. A missing SQLite file is
    /// asked about with `creating` before it exists, so that "no" creates
    /// nothing at all.
    func withApproval(
        _ context: CommandContext, creating migrations: [SchemaMigration],
        pending: (any Database) throws -> [SchemaMigration], apply: (any Database) throws -> Void
    ) throws {
        let dsn: DataSourceName
        if let targetDSN = try target.dataSourceName() {
            try context.ensureTargetIsNotSource(targetDSN)
            dsn = targetDSN
        } else {
            dsn = try context.dataSourceName()
        }
        if case .sqliteFile(let path) = dsn.target, !FileManager.default.fileExists(atPath: path) {
            guard approve(migrations, on: "new sqlite database \(path)", context) else { return }
            try context.withDatabase(dsn, intent: .readWriteCreatingFile, apply)
            return
        }
        try context.withDatabase(dsn) { database in
            let pending = try pending(database)
            if pending.isEmpty || approve(pending, on: database.location, context) {
                try apply(database)
            }
        }
    }

    /// Shows the plan and asks, unless `-y`.
    private func approve(_ pending: [SchemaMigration], on location: String, _ context: CommandContext) -> Bool {
        // Before a question the list is shown even with -q, and on stderr
        // with -f json: nobody approves blind.
        let show = answer.yes ? context.console.info : context.console.notice
        show("pending migrations on \(location):")
        for migration in pending {
            show("  \(migration.version)  \(migration.name)")
        }
        if answer.yes || context.console.confirm("apply \(pending.count) migrations?") {
            return true
        }
        context.console.info("nothing applied")
        if context.options.format == .json {
            try? context.console.json(UpReport(applied: [], network: nil, declined: true))
        }
        return false
    }

    private func apply(on database: any Database, _ context: CommandContext) throws {
        let result = try SchemaMigrator(database: database, logger: context.logger).applyPending()
        if context.options.format == .json {
            try context.console.json(UpReport(
                applied: result.applied.map(MigrationEntry.init),
                network: .init(id: result.networkID, created: result.createdNetwork),
                declined: false
            ))
            return
        }
        if result.applied.isEmpty {
            context.console.info("nothing to apply: the unified schema is up to date")
        } else {
            context.console.info("applied \(result.applied.count) migrations")
        }
        if result.createdNetwork {
            context.console.info("created network \(result.networkID)")
        }
    }
}

/// `migrate up -f json`.
struct UpReport: Encodable {
    struct NetworkEntry: Encodable {
        let id: String
        let created: Bool
    }

    let applied: [MigrationEntry]
    let network: NetworkEntry?
    let declined: Bool
}

/// A migration in JSON output.
struct MigrationEntry: Encodable {
    let version: String
    let name: String

    init(_ migration: SchemaMigration) {
        version = migration.version
        name = migration.name
    }
}
