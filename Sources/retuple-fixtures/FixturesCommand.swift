import ArgumentParser
import Foundation
import RetupleCore
import RetupleFixtures

/// `retuple-fixtures`: makes Keto v0.6 databases for tests, demos and the
/// benchmark.
@main
struct FixturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retuple-fixtures",
        abstract: "Create Keto v0.6 (legacy layout) databases on SQLite or PostgreSQL.",
        subcommands: [GenerateCommand.self, LoadCommand.self]
    )
}

/// `retuple-fixtures generate`: N tuples over K namespaces.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate a v0.6 database of any size with a fixed seed.",
        discussion: "Namespaces are named ns0, ns1, …; --config-out writes the matching Keto configuration."
    )

    @Option(help: "The database to create the v0.6 schema in (sqlite://PATH creates the file).")
    var dsn: String

    @Option(help: "Total number of legacy tuples.")
    var tuples: Int

    @Option(help: "Number of namespaces the tuples are spread over.")
    var namespaces: Int = 3

    @Option(help: "Seed; the same seed gives the same database.")
    var seed: UInt64 = 1

    @Option(help: "Share (0…1) of tuples made broken, spread evenly over every reason the backend can hold.")
    var brokenShare: Double = 0

    @Option(name: .customLong("broken"), help: "REASON=SHARE, e.g. too_long=0.001; repeatable; overrides --broken-share for that reason.")
    var brokenByReason: [String] = []

    @Option(help: "Write the Keto configuration (namespaces) for the generated database here.")
    var configOut: String?

    @Option(help: "Share (0…1) of the tuples in the first namespace, the rest spread over the others (a skewed shape); default: all spread evenly.")
    var firstNamespaceShare: Double?

    func run() throws {
        try reportingErrors {
            let dsn = try DataSourceName(parsing: dsn)
            var plan = GeneratorPlan(tuples: tuples, namespaceCount: namespaces, seed: seed)
            if let firstNamespaceShare {
                guard (0...1).contains(firstNamespaceShare) else { throw RetupleError("--first-namespace-share must be between 0 and 1") }
                plan.firstNamespaceShare = firstNamespaceShare
            }
            let possible = GeneratorPlan.possibleReasons(on: dsn.backend)
            for reason in possible where brokenShare > 0 {
                plan.brokenShares[reason] = brokenShare / Double(possible.count)
            }
            for entry in brokenByReason {
                let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, let reason = BrokenReason(rawValue: parts[0]), let share = Double(parts[1]) else {
                    throw RetupleError("--broken \(entry): expected REASON=SHARE with a reason among \(BrokenReason.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                plan.brokenShares[reason] = share
            }
            let started = Date()
            let database = try openDatabase(dsn, intent: .readWriteCreatingFile)
            defer { database.close() }
            let summary = try LegacyTupleGenerator(plan: plan).generate(into: database)
            let seconds = Date().timeIntervalSince(started)
            if let configOut {
                try KetoConfigurationFile.write(namespaces: plan.namespaces, to: configOut)
            }
            let reasons = BrokenReason.allCases.compactMap { reason in
                summary.brokenPerReason[reason].map { " \(reason.rawValue)=\($0)" }
            }.joined()
            print("generated tuples=\(summary.totalRows) namespaces=\(namespaces) broken=\(summary.totalBroken)\(reasons) seconds=\(String(format: "%.1f", seconds))")
        }
    }
}

/// `retuple-fixtures load`: a configuration plus a file of INSERTs.
struct LoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Create the v0.6 schema for a configuration's namespaces and run a file of INSERTs.",
        discussion: "Example: retuple-fixtures load --dsn sqlite://./demo.db -c legacy-fixtures/demo/keto.yml legacy-fixtures/demo/sqlite.sql"
    )

    @Option(help: "The database to create (sqlite://PATH creates the file).")
    var dsn: String

    @Option(name: [.short, .customLong("config")], help: "The Keto configuration listing the namespaces.")
    var config: String

    @Argument(help: "The SQL file of INSERTs into the v0.6 tables.")
    var sqlFile: String

    func run() throws {
        try reportingErrors {
            let configuration = try Configuration.load(path: config)
            let database = try openDatabase(try DataSourceName(parsing: dsn), intent: .readWriteCreatingFile)
            defer { database.close() }
            try FixtureLoader.load(sqlFile: sqlFile, configuration: configuration, into: database)
            print("loaded \(sqlFile) into \(database.location)")
        }
    }
}

/// Turns any failure into one `error: …` line and exit code 1.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode.failure
    }
}
