import ArgumentParser
import Logging

/// How results are printed.
public enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case text
    case json
}

/// The options every command takes (docs/contract.md).
struct GlobalOptions: ParsableArguments {
    @Option(help: "The database: sqlite://PATH, memory, postgres://… or a libpq key=value string. Default: $DSN, then dsn: in the config file.")
    var dsn: String?

    @Option(name: [.short, .customLong("config")], help: "A Keto configuration file (YAML or JSON) with namespaces: [{id, name}] and optionally dsn:.", completion: .file())
    var config: String?

    @Option(name: [.short, .customLong("format")], help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Flag(name: [.short, .long], help: "Print only results and errors.")
    var quiet = false

    @Option(help: "Log level on stderr: trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .warning

    func validate() throws {
        if let dsn, dsn.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--dsn is empty")
        }
        if let config, config.isEmpty {
            throw ValidationError("--config is empty")
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
