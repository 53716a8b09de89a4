/// One step of the unified (Keto v0.7) schema, with Keto v0.7's version id
/// so that Keto itself sees it as applied.
public struct SchemaMigration: Sendable, Equatable {
    /// Keto v0.7's 20-digit version, as stored in `schema_migration.version`.
    public let version: String
    /// A short name, as in Keto's migration file names.
    public let name: String
    /// The statements that apply it, in the database's dialect; empty for
    /// a step that only records its version.
    let up: @Sendable (any SQLDialect) -> String
    /// The statements that undo it.
    let down: @Sendable (any SQLDialect) -> String

    /// A step written the same for both backends.
    init(_ version: String, _ name: String, up: String, down: String) {
        self.init(version, name, up: { _ in up }, down: { _ in down })
    }

    /// A step whose statements differ by dialect.
    init(_ version: String, _ name: String, up: @escaping @Sendable (any SQLDialect) -> String, down: @escaping @Sendable (any SQLDialect) -> String) {
        self.version = version
        self.name = name
        self.up = up
        self.down = down
    }

    public static func == (lhs: SchemaMigration, rhs: SchemaMigration) -> Bool {
        lhs.version == rhs.version
    }
}

/// A migration and whether the database has it.
public struct SchemaMigrationState: Sendable, Equatable {
    public let migration: SchemaMigration
    public let isApplied: Bool
}
