import Foundation
import Logging
import RetupleCore

/// What a running command needs besides its own flags: the configuration,
/// the DSN, a logger, and the channels to the operator.
struct CommandContext {
    let options: GlobalOptions
    let configuration: Configuration?
    let logger: Logger
    let console: Console

    init(options: GlobalOptions) throws {
        self.options = options
        configuration = try options.config.map(Configuration.load(path:))
        var logger = Logger(label: "retuple") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = options.logLevel
        self.logger = logger
        console = Console(format: options.format, quiet: options.quiet)
    }

    /// The DSN by precedence: `--dsn`, `DSN`, then the config file.
    func dataSourceName() throws -> DataSourceName {
        try resolveDataSourceName(
            flag: options.dsn,
            environment: ProcessInfo.processInfo.environment,
            configuration: configuration
        )
    }

    /// Opens the database and runs `body` with it, closing it afterwards.
    ///
    /// A database error escaping `body` is reported with the database's
    /// location, so the one error line says where it happened.
    func withDatabase<T>(intent: OpenIntent = .readWrite, _ body: (any Database) throws -> T) throws -> T {
        let database = try openDatabase(try dataSourceName(), intent: intent)
        defer { database.close() }
        do {
            return try body(database)
        } catch let error as RetupleError {
            throw error
        } catch let error as DatabaseUsageError {
            throw error
        } catch {
            throw RetupleError("\(database.location): \(error)")
        }
    }
}
