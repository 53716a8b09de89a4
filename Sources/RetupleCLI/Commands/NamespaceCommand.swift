import ArgumentParser

/// `retuple namespace …`: namespaces and their legacy tables.
struct NamespaceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "namespace",
        abstract: "Work on namespaces and their legacy tables.",
        discussion: examples(
                "retuple namespace migrate legacy -c keto.yml --dry-run",
                "retuple namespace migrate legacy -c keto.yml -y"
            ),
        subcommands: [NamespaceMigrateCommand.self]
    )
}

/// `retuple namespace migrate …`.
struct NamespaceMigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Migrate namespaces between layouts.",
        discussion: examples(
                "retuple namespace migrate legacy -c keto.yml",
                "retuple namespace migrate legacy groups -c keto.yml -y"
            ),
        subcommands: [MigrateLegacyCommand.self]
    )
}
