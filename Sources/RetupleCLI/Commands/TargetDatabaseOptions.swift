import ArgumentParser
import RetupleCore

/// `--target-dsn`: the database that receives the unified schema when it
/// is not the one holding the legacy tables (a cross-database migration,
/// typically SQLite to PostgreSQL). The DSN of `--dsn`, `DSN` or `dsn:` in
/// the config file then names the source, which is only read (but by
/// `--down-only`'s drops).
struct TargetDatabaseOptions: ParsableArguments {
    @Option(help: "Write the unified schema into this other database (same forms as --dsn); --dsn then names the source of the legacy tables, which is only read.")
    var targetDsn: String?

    func validate() throws {
        if let targetDsn, targetDsn.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--target-dsn is empty")
        }
    }

    /// The target's DSN; nil when `--target-dsn` is not given.
    ///
    /// - Throws: `RetupleError` saying it came from `--target-dsn` when it
    ///   cannot be read.
    func dataSourceName() throws -> DataSourceName? {
        guard let targetDsn else { return nil }
        do {
            return try DataSourceName(parsing: targetDsn)
        } catch let error as RetupleError {
            throw RetupleError("\(error.description) (from --target-dsn)")
        }
    }
}
