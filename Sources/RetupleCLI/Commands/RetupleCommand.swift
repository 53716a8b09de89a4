import ArgumentParser

/// The `retuple` command: lists its subcommands, nothing more.
public struct RetupleCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "retuple",
        abstract: "Upgrade a Keto v0.6 permission database to the v0.7 unified tuple table, on SQLite and PostgreSQL.",
        discussion: examples(
                "retuple doctor -c keto.yml",
                "retuple migrate up -c keto.yml -y",
                "retuple namespace migrate legacy -c keto.yml -y",
                "retuple verify -c keto.yml"
            ),
        version: "0.1.0",
        subcommands: [
            MigrateCommand.self, NamespaceCommand.self, StatusCommand.self, VerifyCommand.self, BrokenCommand.self, DoctorCommand.self,
        ]
    )

    public init() {}
}

/// `retuple migrate …`: the unified schema.
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply, inspect or roll back the unified (Keto v0.7) schema.",
        discussion: examples(
                "retuple migrate up -c keto.yml",
                "retuple migrate status -c keto.yml",
                "retuple migrate down -c keto.yml --steps 1"
            ),
        subcommands: [MigrateUpCommand.self, MigrateStatusCommand.self, MigrateDownCommand.self]
    )
}
