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

    /// Opens the database (`dsn`, else the one `dataSourceName()` names)
    /// and runs `body` with it, closing it afterwards.
    ///
    /// A database error escaping `body` is reported with the database's
    /// location, so the one error line says where it happened.
    func withDatabase<T>(
        _ dsn: DataSourceName? = nil, intent: OpenIntent = .readWrite, _ body: (any Database) throws -> T
    ) throws -> T {
        let database = try openDatabase(try dsn ?? dataSourceName(), intent: intent, recovered: reportRecovery)
        defer { database.close() }
        return try reportingErrors(at: database.location) { try body(database) }
    }

    /// Opens the source and the target of a command that takes
    /// `--target-dsn` and runs `body` with both, closing them afterwards.
    /// Without `--target-dsn` the one database is both.
    ///
    /// - Parameters:
    ///   - intent: how the target (or the one database) is opened.
    ///   - sourceIntent: how a source of its own is opened: read-only but
    ///     for `--down-only`, which drops from it.
    /// - Throws: `RetupleError` when both name one database, before `body`.
    func withDatabases<T>(
        target: TargetDatabaseOptions, intent: OpenIntent = .readWrite, sourceIntent: OpenIntent = .readOnly,
        _ body: (_ source: any Database, _ target: any Database) throws -> T
    ) throws -> T {
        guard let targetDSN = try target.dataSourceName() else {
            return try withDatabase(intent: intent) { try body($0, $0) }
        }
        return try withDistinctDatabases(source: try dataSourceName(), sourceIntent, target: targetDSN, intent, body)
    }

    /// Refuses a `--target-dsn` naming the database the source DSN names,
    /// when a source is given at all; opens both read-only to tell. A
    /// SQLite target file that does not exist yet is another database.
    /// For `migrate up`, which only writes to the target.
    func ensureTargetIsNotSource(_ targetDSN: DataSourceName) throws {
        let source = try resolveDataSourceNameIfGiven(
            flag: options.dsn, environment: ProcessInfo.processInfo.environment, configuration: configuration
        )
        guard let source else { return }
        if case .sqliteFile(let path) = targetDSN.target, !FileManager.default.fileExists(atPath: path) { return }
        try withDistinctDatabases(source: source, .readOnly, target: targetDSN, .readOnly) { _, _ in }
    }

    /// Opens a source and a target of their own and runs `body` with both,
    /// closing them afterwards: the one place that decides that they are
    /// not one database (`ensureDistinct`), for every command that takes
    /// `--target-dsn`. `LegacyMigrator` relies on it and does not check.
    ///
    /// - Throws: `RetupleError` when both name one database, before `body`.
    private func withDistinctDatabases<T>(
        source sourceDSN: DataSourceName, _ sourceIntent: OpenIntent, target targetDSN: DataSourceName, _ intent: OpenIntent,
        _ body: (_ source: any Database, _ target: any Database) throws -> T
    ) throws -> T {
        let source = try openDatabase(sourceDSN, intent: sourceIntent, recovered: reportRecovery)
        defer { source.close() }
        let target = try openDatabase(targetDSN, intent: intent, recovered: reportRecovery)
        defer { target.close() }
        return try reportingErrors(at: "source \(source.location), target \(target.location)") {
            try ensureDistinct(source: source, target: target)
            return try body(source, target)
        }
    }

    /// One line on stderr, in every format and even with `-q`: the file
    /// changed back to its last commit, and the operator must know.
    func reportRecovery(_ path: String) {
        console.progress("recovered an interrupted transaction in \(path) (rolled back)")
    }

    /// Runs `body`, naming `location` in any error that does not already
    /// say where it happened.
    private func reportingErrors<T>(at location: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as RetupleError {
            throw error
        } catch let error as DatabaseUsageError {
            throw error
        } catch {
            throw RetupleError("\(location): \(error)")
        }
    }
}
