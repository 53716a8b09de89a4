import Foundation

/// Chooses the DSN by precedence: `--dsn`, then the `DSN` environment
/// variable, then `dsn:` in the config file.
///
/// - Throws: `RetupleError` when none is given, or the chosen one is invalid
///   (the message says which source it came from).
public func resolveDataSourceName(
    flag: String?,
    environment: [String: String],
    configuration: Configuration?
) throws -> DataSourceName {
    guard let dsn = try resolveDataSourceNameIfGiven(flag: flag, environment: environment, configuration: configuration) else {
        // libpq reads PGHOST and friends, but only when asked to connect.
        let libpq = ["PGHOST", "PGDATABASE", "PGSERVICE"].filter { !(environment[$0] ?? "").isEmpty }
        let hint = libpq.isEmpty ? "" : " (--dsn postgres:// uses your PG* environment)"
        throw RetupleError("no database given: pass --dsn URL, set DSN, or put dsn: in the config file (-c)\(hint)")
    }
    return dsn
}

/// `resolveDataSourceName`, nil when no DSN is given at all.
public func resolveDataSourceNameIfGiven(
    flag: String?,
    environment: [String: String],
    configuration: Configuration?
) throws -> DataSourceName? {
    let candidates: [(String?, String)] = [
        (flag, "--dsn"),
        (environment["DSN"], "the DSN environment variable"),
        (configuration?.dsn, "dsn: in the config file"),
    ]
    for (value, source) in candidates {
        guard let value, !value.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
        do {
            return try DataSourceName(parsing: value)
        } catch let error as RetupleError {
            throw RetupleError("\(error.description) (from \(source))")
        }
    }
    return nil
}
