import ArgumentParser
import RetupleCore

/// `--target-dsn`: the database that receives the unified schema when it
/// is not the one holding the legacy tables (a cross-database migration,
/// typically SQLite to PostgreSQL). The DSN of `--dsn`, `DSN` or `dsn:` in
/// the config file then names the source, which is only read (but by
/// `--down-only`'s drops).
struct TargetDatabaseOptions: ParsableArguments {
    @Option(help: "Apply the unified schema to this other database (same forms as --dsn), the target of a cross-database migration; --dsn, when given, names the source, only opened read-only to check it is another database.")
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

/// The same `--target-dsn`, declared again by a command whose help must
/// say what the option does there (argument-parser takes an option's help
/// from its declaration only).
protocol RewordedTargetDatabaseOptions: ParsableArguments {
    var targetDsn: String? { get }
}

extension RewordedTargetDatabaseOptions {
    func validate() throws {
        try options.validate()
    }

    /// As the shared option group, for `CommandContext.withDatabases`.
    var options: TargetDatabaseOptions {
        var options = TargetDatabaseOptions()
        options.targetDsn = targetDsn
        return options
    }
}

/// `--target-dsn` for the commands that only read (`status`, `verify`).
struct ReadTargetDatabaseOptions: RewordedTargetDatabaseOptions {
    @Option(help: "Read the unified tuples and broken records from this other database (same forms as --dsn), where a --target-dsn migration wrote them; --dsn then names the source holding the legacy tables. Both are only read.")
    var targetDsn: String?
}

/// `--target-dsn` for `namespace migrate legacy`: where the tuples go.
struct MigrationTargetDatabaseOptions: RewordedTargetDatabaseOptions {
    @Option(help: "Write the unified tuples and the broken records into this other database (same forms as --dsn; run `retuple migrate up --target-dsn` first); --dsn then names the source of the legacy tables, which is only read and keeps its tables.")
    var targetDsn: String?
}
