import Foundation
import RetupleCore

/// Builds a v0.6 database from a configuration and a file of INSERTs,
/// such as the demo dataset in `legacy-fixtures/demo/`.
public enum FixtureLoader {
    /// Creates the v0.6 schema for every configured namespace, then runs
    /// the SQL file's statements, all in one transaction.
    ///
    /// - Throws: `RetupleError` naming the file when it cannot be read;
    ///   the backend's error when a statement fails (nothing is kept then).
    public static func load(sqlFile path: String, configuration: Configuration, into database: any Database) throws {
        guard let sql = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw RetupleError("cannot read fixture file \(path)")
        }
        try database.transaction {
            try LegacySchema.create(in: database, namespaceIDs: configuration.namespaces.map(\.id))
            try database.executeScript(sql)
        }
    }
}
