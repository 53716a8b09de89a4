/// One step of the unified (Keto v0.7) schema, with Keto v0.7's version id
/// so that Keto itself sees it as applied.
public struct SchemaMigration: Sendable, Equatable {
    /// Keto v0.7's 20-digit version, as stored in `schema_migration.version`.
    public let version: String
    /// A short name, as in Keto's migration file names.
    public let name: String
    /// The statements that apply it, per backend; empty for a step that
    /// only records its version.
    let up: [DatabaseBackend: String]
    /// The statements that undo it, per backend.
    let down: [DatabaseBackend: String]

    init(_ version: String, _ name: String, up: String, down: String) {
        self.init(version, name, up: [.sqlite: up, .postgres: up], down: [.sqlite: down, .postgres: down])
    }

    init(_ version: String, _ name: String, up: [DatabaseBackend: String], down: [DatabaseBackend: String]) {
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
