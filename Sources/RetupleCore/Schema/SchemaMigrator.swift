import Foundation
import Logging

/// Applies and rolls back the unified schema, keeping Keto's bookkeeping
/// in `schema_migration` so that Keto v0.7 sees the same state.
///
/// `applyPending()` and `rollBack(steps:force:)` each run in one
/// transaction: they change everything they plan or nothing.
public struct SchemaMigrator {
    let database: any Database
    let logger: Logger

    public init(database: any Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Every migration, oldest first, with whether it is applied.
    public func states() throws -> [SchemaMigrationState] {
        let applied = try appliedVersions()
        return UnifiedSchema.migrations.map {
            SchemaMigrationState(migration: $0, isApplied: applied.contains($0.version))
        }
    }

    /// The migrations `applyPending()` would run, oldest first.
    public func pendingMigrations() throws -> [SchemaMigration] {
        try states().filter { !$0.isApplied }.map(\.migration)
    }

    /// Whether every migration is applied.
    public func isUpToDate() throws -> Bool {
        try pendingMigrations().isEmpty
    }

    /// The network the tuples belong to, once every migration is applied:
    /// what the commands that write tuples need before they change anything.
    ///
    /// - Returns: `networks.id` exactly as stored, and as a UUID.
    /// - Throws: `RetupleError` ("run `retuple migrate up` first") when a
    ///   migration is pending or no network exists; when the id is not a UUID.
    /// - Parameter fix: the command the refusal tells the operator to run.
    public func requireApplied(fix: String = "retuple migrate up") throws -> (id: String, uuid: UUID) {
        let pending = try pendingMigrations()
        guard pending.isEmpty, let network = try Network.currentID(in: database) else {
            throw RetupleError(
                "the unified schema is not applied to \(database.location) (\(pending.count) migrations pending); run `\(fix)` first"
            )
        }
        guard let uuid = UUID(uuidString: network) else {
            throw RetupleError("networks.id \(network) in \(database.location) is not a UUID")
        }
        return (network, uuid)
    }

    /// What `applyPending()` did.
    public struct UpResult: Sendable {
        public let applied: [SchemaMigration]
        /// The network the tuples belong to.
        public let networkID: String
        /// Whether that network was created by this run.
        public let createdNetwork: Bool
    }

    /// Applies every pending migration and makes sure a network exists, in
    /// one transaction.
    public func applyPending() throws -> UpResult {
        try database.transaction {
            // Only when missing: on PostgreSQL even `IF NOT EXISTS` needs
            // CREATE on the schema and ownership of the table, which an
            // up-to-date database's `migrate up` should not ask for.
            if try !database.tableExists(UnifiedSchema.bookkeepingTable) {
                try database.executeScript(UnifiedSchema.bookkeepingDDL)
            }
            let pending = try pendingMigrations()
            for migration in pending {
                logger.info("applying migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                if case let sql = migration.up(database), !sql.isEmpty {
                    try database.executeScript(sql)
                }
                try database.execute(
                    "INSERT INTO schema_migration (version, version_self) VALUES (?, 0)",
                    [.text(migration.version)]
                )
            }
            // A v0.6 database counts its base migration as applied; record
            // it under the v0.7 id too, so Keto v0.7 does not run it again.
            let recorded = try recordedVersions()
            if recorded.contains(UnifiedSchema.legacyBaseVersion) && !recorded.contains(UnifiedSchema.baseVersion) {
                try database.execute(
                    "INSERT INTO schema_migration (version, version_self) VALUES (?, 0)",
                    [.text(UnifiedSchema.baseVersion)]
                )
            }
            let network = try Network.ensure(in: database)
            return UpResult(applied: pending, networkID: network.id, createdNetwork: network.created)
        }
    }

    /// The migrations `rollBack(steps:force:)` would undo, newest first.
    ///
    /// - Parameter steps: how many applied migrations to undo; nil for all.
    /// A base migration applied only through Keto v0.6's record is not
    /// retuple's to undo and is left out.
    /// - Throws: `RetupleError` on a database in the latest form, which
    ///   retuple does not roll back.
    public func rollbackPlan(steps: Int?) throws -> [SchemaMigration] {
        if try SchemaForm.current(in: database) == .latest {
            throw RetupleError("\(database.location) is in the latest form; retuple does not roll it back: restore the backup taken before `migrate up --to latest`")
        }
        let recorded = try recordedVersions()
        let undoable = UnifiedSchema.migrations.filter { recorded.contains($0.version) }.reversed()
        return Array(undoable.prefix(steps ?? undoable.count))
    }

    /// Undoes the newest applied migrations, in one transaction.
    ///
    /// The base migration of a database that Keto v0.6 created is left to
    /// v0.6: only the v0.7 record of it is removed, never its table.
    ///
    /// - Parameters:
    ///   - steps: how many to undo; nil for all.
    ///   - force: undo even while `keto_relation_tuples` holds rows.
    /// - Throws: `RetupleError` naming the row count when tuples would be
    ///   lost and `force` is false; nothing is changed then.
    @discardableResult
    public func rollBack(steps: Int?, force: Bool) throws -> [SchemaMigration] {
        try database.transaction {
            let plan = try rollbackPlan(steps: steps)
            if !force { try ensureNoTuplesWouldBeLost() }
            let inheritedFromV06 = try recordedVersions().contains(UnifiedSchema.legacyBaseVersion)
            for migration in plan {
                logger.info("rolling back migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                let keptForV06 = inheritedFromV06 && migration.version == UnifiedSchema.baseVersion
                if !keptForV06, case let sql = migration.down(database), !sql.isEmpty {
                    try database.executeScript(sql)
                }
                try database.execute("DELETE FROM schema_migration WHERE version = ?", [.text(migration.version)])
            }
            return plan
        }
    }

    /// Throws unless `keto_relation_tuples` is missing or empty, so that a
    /// rollback without `--force` never drops tuples.
    ///
    /// - Throws: `RetupleError` naming the number of rows.
    public func ensureNoTuplesWouldBeLost() throws {
        guard try database.tableExists("keto_relation_tuples") else { return }
        let rows = try database.rowCount(of: "keto_relation_tuples")
        if rows > 0 {
            throw RetupleError("keto_relation_tuples holds \(rows) rows; refusing to roll back the unified schema (pass --force to roll back anyway)")
        }
    }

    /// The versions recorded in `schema_migration`, as stored.
    private func recordedVersions() throws -> Set<String> {
        guard try database.tableExists(UnifiedSchema.bookkeepingTable) else { return [] }
        return Set(try database.allRows("SELECT version FROM schema_migration").compactMap { $0.first?.text })
    }

    /// The applied versions, with the v0.6 base counted as its v0.7 id.
    private func appliedVersions() throws -> Set<String> {
        var versions = try recordedVersions()
        if versions.contains(UnifiedSchema.legacyBaseVersion) {
            versions.insert(UnifiedSchema.baseVersion)
        }
        return versions
    }
}
