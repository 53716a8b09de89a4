import ArgumentParser
import RetupleCore

/// `retuple verify`: is every legacy row still present accounted for?
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Exit 0 only if every legacy row still present is migrated or recorded broken.",
        discussion: discussion(
            """
            The same check --down-only makes before dropping. Changes nothing. With --target-dsn \
            the legacy rows of the source (--dsn) are looked up in the target.
            """,
            examples(
                "retuple verify -c keto.yml",
                "retuple verify files -c keto.yml -f json",
                "retuple verify -c keto.yml --dsn sqlite://keto.sqlite --target-dsn postgres://keto@db/keto"
            )
        )
    )

    @OptionGroup var options: GlobalOptions
    @OptionGroup var target: ReadTargetDatabaseOptions

    @Argument(help: "Only the namespace of this name.")
    var name: String?

    func run() throws {
        let context = try CommandContext(options: options)
        let accountings = try context.withDatabases(target: target.options) { source, database in
            let migrator = try LegacyMigrator(
                database: database, source: source, configuration: context.configuration ?? Configuration(),
                logger: context.logger, lockTimeout: .seconds(30)
            )
            return try migrator.legacyTables(named: name).map(migrator.accounting(of:))
        }
        let missing = accountings.reduce(0) { $0 + $1.missing }
        if context.options.format == .json {
            try context.console.json(VerifyDocument(namespaces: accountings.map(VerifyDocument.Namespace.init), missing: missing))
        } else {
            for accounting in accountings {
                context.console.result(keyValueLine(nil, [
                    "namespace": accounting.table.namespace.name, "id": String(accounting.table.namespace.id),
                    "legacy": String(accounting.legacy), "migrated": String(accounting.migrated),
                    "broken": String(accounting.broken), "missing": String(accounting.missing),
                ]))
            }
            if accountings.isEmpty { context.console.info("nothing to verify: no legacy table is left") }
        }
        guard missing == 0 else {
            let where_ = accountings.filter { $0.missing > 0 }.map { "\($0.table.namespace.name): \($0.missing)" }.joined(separator: ", ")
            throw RetupleError("\(missing) legacy rows are neither migrated nor recorded broken (\(where_)); run `retuple namespace migrate legacy`")
        }
        context.console.info("verify ok: every legacy row is accounted for")
    }
}

/// `verify -f json`.
struct VerifyDocument: Encodable {
    struct Namespace: Encodable {
        let name: String
        let id: Int32
        let legacy: Int
        let migrated: Int
        let broken: Int
        let missing: Int

        init(_ accounting: LegacyAccounting) {
            name = accounting.table.namespace.name
            id = accounting.table.namespace.id
            legacy = accounting.legacy
            migrated = accounting.migrated
            broken = accounting.broken
            missing = accounting.missing
        }
    }

    let namespaces: [Namespace]
    let missing: Int
    /// No row is missing: what the exit status says.
    let ok: Bool

    init(namespaces: [Namespace], missing: Int) {
        self.namespaces = namespaces
        self.missing = missing
        ok = missing == 0
    }
}
