import Logging

/// Converts Keto v0.7 rows into the latest form: Keto's strings-to-UUIDs
/// step, run by `LatestSchemaMigrator` inside its transaction.
public protocol LatestTupleConversion {
    /// Refuses, before anything changes, rows it could not convert
    /// faithfully: a namespace id the configuration lacks, a `nid` that is
    /// no network.
    func check(_ database: any Database, rowsIn table: String) throws

    /// Writes the rows of `table` (v0.7 form) into `target` (latest form)
    /// and their strings into `keto_uuid_mappings`.
    ///
    /// - Returns: the number of rows converted.
    func convert(_ database: any Database, rowsIn table: String, into target: String) throws -> Int
}

extension SchemaForm {
    /// The form of the database's tuple table, read from the versions in
    /// `schema_migration`: latest once Keto's rename step is recorded, v0.7
    /// while Keto v0.7's migrations are, nil before (empty or v0.6).
    public static func current(in database: any Database) throws -> SchemaForm? {
        guard try database.tableExists(UnifiedSchema.bookkeepingTable) else { return nil }
        let recorded = Set(try database.allRows("SELECT version FROM schema_migration").compactMap { $0.first?.text })
        if recorded.contains(LatestSchema.renameVersion) { return .latest }
        let v07 = try SchemaMigrator(database: database, logger: Logger(label: "retuple.form")).states()
        return v07.allSatisfy(\.isApplied) ? .v07 : nil
    }
}

/// Applies the latest form (`LatestSchema`): Keto v0.7's migrations when
/// pending, then Keto's later steps, converting the rows of a v0.7 table,
/// all in one transaction, so that a run changes everything or nothing.
///
/// Keto's order is kept but for the rows: the v0.7 table is moved aside
/// first, the latest table is built empty, and the rows are converted into
/// it once at the end, instead of into the intermediary table and copied
/// again. The steps that change only the v0.7 table are recorded, not run.
/// The result is the same: one transaction, nobody sees the order.
public struct LatestSchemaMigrator {
    let database: any Database
    let logger: Logger

    public init(database: any Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Every migration of the latest form, oldest first, with whether it
    /// is applied: Keto v0.7's as `SchemaMigrator` counts them, the later
    /// ones by their version. Every version is recorded in full when
    /// applied, so Keto's migrator finds each (it would also count a
    /// 14-digit prefix, which only Keto v0.6's base migration has).
    public func states() throws -> [SchemaMigrationState] {
        let recorded = try recordedVersions()
        let v07 = try SchemaMigrator(database: database, logger: logger).states()
        return v07 + LatestSchema.steps.map { SchemaMigrationState(migration: $0.migration, isApplied: recorded.contains($0.version)) }
    }

    public func pendingMigrations() throws -> [SchemaMigration] {
        try states().filter { !$0.isApplied }.map(\.migration)
    }

    /// Whether `keto_relation_tuples` holds v0.7 rows that the pending steps
    /// would convert, and how many.
    public func rowsToConvert() throws -> Int {
        guard try SchemaForm.current(in: database) == .v07, try database.tableExists("keto_relation_tuples") else { return 0 }
        return try database.rowCount(of: "keto_relation_tuples")
    }

    /// What `applyPending(conversion:)` did.
    public struct UpResult: Sendable {
        public let applied: [SchemaMigration]
        public let networkID: String
        public let createdNetwork: Bool
        /// v0.7 rows converted into the latest form.
        public let converted: Int
    }

    /// Applies every pending migration, converting v0.7 rows with
    /// `conversion`, and makes sure one network exists, in one transaction.
    ///
    /// - Throws: `RetupleError` when v0.7 rows are there and no conversion
    ///   is given (it needs Keto's namespaces), or the conversion refuses
    ///   them; nothing is changed then.
    public func applyPending(conversion: (any LatestTupleConversion)?) throws -> UpResult {
        try database.transaction {
            // Created as Keto's migrator creates it on an empty database,
            // with its index on version_self; one that exists is left as
            // it is, as that migrator leaves it.
            if try !database.tableExists(UnifiedSchema.bookkeepingTable) {
                try database.executeScript(UnifiedSchema.bookkeepingDDL)
                try database.executeScript(LatestSchema.bookkeepingSelfIndex)
            }
            let pending = try pendingMigrations()
            let pendingVersions = Set(pending.map(\.version))
            for migration in UnifiedSchema.migrations where pendingVersions.contains(migration.version) {
                logger.info("applying migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                if case let sql = migration.up(database), !sql.isEmpty {
                    try database.executeScript(sql)
                }
                try record(migration.version)
            }
            let recorded = try recordedVersions()
            if recorded.contains(UnifiedSchema.legacyBaseVersion) && !recorded.contains(UnifiedSchema.baseVersion) {
                try record(UnifiedSchema.baseVersion)
            }

            let later = LatestSchema.steps.filter { pendingVersions.contains($0.version) }
            let tupleTableThere = try database.tableExists("keto_relation_tuples")
            let converting = later.contains { $0.version == LatestSchema.conversionVersion } && tupleTableThere
            var rows = 0
            if converting {
                rows = try database.rowCount(of: "keto_relation_tuples")
                if rows > 0 {
                    guard let conversion else {
                        throw RetupleError("keto_relation_tuples holds \(rows) Keto v0.7 tuples; converting them needs Keto's namespaces: pass Keto's configuration with -c")
                    }
                    try conversion.check(database, rowsIn: "keto_relation_tuples")
                }
                try database.execute("ALTER TABLE keto_relation_tuples RENAME TO \(LatestSchema.v07TableAside)")
            }
            let network = try Network.ensure(in: database)
            for step in later {
                logger.info("applying migration", metadata: ["version": "\(step.version)", "name": "\(step.name)"])
                if case .sql(let statements) = step.action {
                    try database.executeScript(statements(database))
                }
                try record(step.version)
            }
            var converted = 0
            if converting {
                if rows > 0, let conversion {
                    // The new table is empty: its five indexes are built once
                    // after the rows, by the same statements that made them,
                    // instead of growing row by row.
                    for name in LatestSchema.tupleIndexNames {
                        try database.execute("DROP INDEX \(name)")
                    }
                    converted = try conversion.convert(database, rowsIn: LatestSchema.v07TableAside, into: "keto_relation_tuples")
                    try database.executeScript(LatestSchema.tupleIndexes(on: "keto_relation_tuples"))
                }
                guard converted == rows else {
                    throw RetupleError("keto_relation_tuples: converted \(converted) of \(rows) rows; rolled back")
                }
                try database.execute("DROP TABLE \(LatestSchema.v07TableAside)")
            }
            return UpResult(applied: pending, networkID: network.id, createdNetwork: network.created, converted: converted)
        }
    }

    private func record(_ version: String) throws {
        try database.execute("INSERT INTO schema_migration (version, version_self) VALUES (?, 0)", [.text(version)])
    }

    private func recordedVersions() throws -> Set<String> {
        guard try database.tableExists(UnifiedSchema.bookkeepingTable) else { return [] }
        return Set(try database.allRows("SELECT version FROM schema_migration").compactMap { $0.first?.text })
    }
}
