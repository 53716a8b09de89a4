import ArgumentParser

/// `retuple namespace …`: namespaces and their legacy tables.
struct NamespaceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "namespace",
        abstract: "Work on namespaces and their legacy tables.",
        subcommands: [NamespaceMigrateCommand.self]
    )
}

/// `retuple namespace migrate …`.
struct NamespaceMigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Migrate namespaces between layouts.",
        subcommands: [MigrateLegacyCommand.self]
    )
}
