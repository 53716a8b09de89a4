/// Which database a connection reaches, however its DSN spelled it
/// (`DatabaseCatalog.identity()` says how each backend tells): how a
/// cross-database run (`--target-dsn`) refuses a source and a target that
/// are one database.
public struct DatabaseIdentity: Equatable, Sendable {
    let value: String

    public init(value: String) {
        self.value = value
    }
}

/// Refuses a cross-database run whose source and target are one database:
/// reading the legacy rows in a snapshot while writing the unified ones in
/// another transaction of the same database is what the in-place migration
/// does, safely, in one.
///
/// - Throws: `RetupleError` naming the database.
public func ensureDistinct(source: any Database, target: any Database) throws {
    guard let identity = try source.identity(), try target.identity() == identity else { return }
    throw RetupleError(
        "the source (--dsn) and the target (--target-dsn) are the same database, \(target.location); to migrate in place, leave out --target-dsn"
    )
}
