/// `schema`, `namespaces` and `broken_tuples`: what the database holds,
/// as the migration will see it.
enum SchemaDiagnosis {
    /// The unified schema's migrations and the network they need.
    ///
    /// Pending migrations fail while a legacy table is left
    /// (`namespace migrate legacy` refuses until they are applied) and only
    /// warn once none is (nothing is left for retuple to migrate, but Keto
    /// v0.7 needs the schema).
    static func schema(_ session: DoctorSession) throws -> DoctorCheck {
        let database = session.database
        let form = try SchemaForm.current(in: database)
        let states = form == .latest
            ? try LatestSchemaMigrator(database: database, logger: session.logger).states()
            : try SchemaMigrator(database: database, logger: session.logger).states()
        let pending = states.filter { !$0.isApplied }
        guard pending.isEmpty else {
            let legacy = try session.legacyTables().count
            let found = "\(pending.count) of \(states.count) unified-schema migrations pending (from \(pending[0].migration.version))"
            if legacy > 0 {
                return DoctorCheck(
                    .schema, .fail, found + "; `namespace migrate legacy` refuses to run until they are applied",
                    fix: "retuple migrate up"
                )
            }
            return DoctorCheck(.schema, .warn, found + "; no legacy table is left, but Keto v0.7 needs them", fix: "retuple migrate up")
        }
        guard let network = try Network.currentID(in: database) else {
            return DoctorCheck(.schema, .fail, "every migration is applied but networks holds no row; the tuples need one", fix: "retuple migrate up")
        }
        return try SchemaShape.check(database, form: form ?? .v07, applied: states.count, network: network)
    }

    /// Legacy tables against the configured namespaces (docs/contract.md). A table whose id is not configured fails, as the
    /// migration refuses it; a configured namespace without a table is
    /// normal (migrated and dropped, or never used) and only listed;
    /// legacy-looking tables in other PostgreSQL schemas are never
    /// migrated and only mentioned.
    static func namespaces(_ session: DoctorSession) throws -> DoctorCheck {
        let tables = try session.legacyTables()
        let namespaces = session.configuration?.namespaces ?? []
        let configured = Set(namespaces.map { Int64($0.id) })
        let unconfigured = tables.filter { !configured.contains($0.id) }
        let present = Set(tables.map(\.id))
        let withoutTable = namespaces.filter { !present.contains(Int64($0.id)) }

        var notes: [String] = []
        if !withoutTable.isEmpty {
            notes.append("no legacy table for " + withoutTable.map { "\($0.name) (\($0.id))" }.joined(separator: ", "))
        }
        let elsewhere = try session.database.legacyTablesInOtherSchemas()
        if !elsewhere.isEmpty {
            notes.append("ignored, in other schemas: " + elsewhere.joined(separator: ", "))
        }
        let suffix = notes.isEmpty ? "" : "; " + notes.joined(separator: "; ")

        guard unconfigured.isEmpty else {
            let listed = unconfigured.map { "\($0.table) holds namespace id \($0.id)" }.joined(separator: ", ")
            let fix = session.configuration == nil
                ? "pass Keto's configuration, with every namespace, with -c"
                : "add " + unconfigured.map { "{id: \($0.id), name: …}" }.joined(separator: ", ") + " to namespaces: in the configuration"
            return DoctorCheck(.namespaces, .fail, "not configured: \(listed)\(suffix)", fix: fix)
        }
        for table in tables {
            do {
                try session.database.checkLegacyShape(of: table.table)
            } catch let error as RetupleError {
                return DoctorCheck(.namespaces, .fail, error.description + suffix, fix: "give the table Keto v0.6's columns, or restore it from the backup")
            }
        }
        let found = tables.isEmpty
            ? "no legacy table left"
            : "\(tables.count) legacy tables, every id configured: " + tables.map { table in
                "\(namespaces.first { Int64($0.id) == table.id }?.name ?? "") (\(table.id))"
            }.joined(separator: ", ")
        return DoctorCheck(.namespaces, .ok, found + suffix)
    }

    /// Broken tuples recorded and not yet resolved: each is a tuple Keto
    /// v0.7 does not have until someone recreates it.
    static func brokenTuples(_ session: DoctorSession) throws -> DoctorCheck {
        let database = session.database
        guard try database.tableExists(BrokenTupleTable.name) else {
            return DoctorCheck(.brokenTuples, .ok, "none recorded")
        }
        let rows = try database.allRows("""
            SELECT namespace, namespace_id, count(*) FROM \(BrokenTupleTable.name)
            WHERE resolved_at IS NULL GROUP BY namespace, namespace_id ORDER BY namespace_id, namespace
            """)
        let unresolved = rows.reduce(0) { $0 + Int($1[2].integer ?? 0) }
        guard unresolved > 0 else {
            return DoctorCheck(.brokenTuples, .ok, "every recorded broken tuple is resolved")
        }
        let perNamespace = rows.map { "\($0[0].displayText): \($0[2].displayText)" }.joined(separator: ", ")
        return DoctorCheck(
            .brokenTuples, .warn,
            "\(unresolved) broken tuples unresolved in \(BrokenTupleTable.name) (\(perNamespace)); Keto v0.7 lacks them until they are recreated",
            fix: "retuple broken list"
        )
    }
}
