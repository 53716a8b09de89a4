import Logging

/// What `retuple status` reports (docs/contract.md): the legacy tables
/// left, unified and broken rows per namespace, and the unified schema's
/// state.
///
/// Reading it changes nothing and needs no configuration: names are shown
/// where the configuration gives them, and a legacy table of an
/// unconfigured id is listed rather than refused. Across databases the
/// legacy tables are the source's, everything else the target's.
public struct StatusReport: Sendable {
    public struct LegacyTableStatus: Sendable {
        public let namespaceID: Int64
        public let table: String
        public let rows: Int
    }

    public struct NamespaceRows: Sendable {
        /// The namespace id in the v0.7 form; -1 in the latest form, which
        /// stores names (`namespace`).
        public let namespaceID: Int64
        public let rows: Int
        /// The namespace name in the latest form; nil in the v0.7 form.
        public var namespace: String? = nil
    }

    public struct BrokenRows: Sendable {
        public let namespaceID: Int64
        public let recorded: Int
        public let unresolved: Int
    }

    /// The form of the tuple table; nil before the schema is applied.
    public let form: SchemaForm?
    public let appliedMigrations: Int
    public let pendingMigrations: Int
    public let legacyTables: [LegacyTableStatus]
    public let unifiedRows: [NamespaceRows]
    public let brokenRows: [BrokenRows]

    /// Reads the status of `database`, or of the legacy tables of `source`
    /// and the rest of `database` when a source is given.
    public init(of database: any Database, legacyTablesIn source: (any Database)? = nil, logger: Logger) throws {
        form = try SchemaForm.current(in: database)
        let states = form == .latest
            ? try LatestSchemaMigrator(database: database, logger: logger).states()
            : try SchemaMigrator(database: database, logger: logger).states()
        appliedMigrations = states.filter(\.isApplied).count
        pendingMigrations = states.count - appliedMigrations
        let tables = try database.tableNames()
        let source = source ?? database
        legacyTables = try (source === database ? tables : source.tableNames()).compactMap { name in
            try LegacyLayout.namespaceID(ofTupleTable: name).map {
                LegacyTableStatus(namespaceID: $0, table: name, rows: try source.rowCount(of: name))
            }
        }
        unifiedRows = !tables.contains("keto_relation_tuples") ? [] : form == .latest ? try database.allRows(
            "SELECT namespace, count(*) FROM keto_relation_tuples GROUP BY namespace ORDER BY namespace"
        ).map { NamespaceRows(namespaceID: -1, rows: Int($0[1].integer ?? 0), namespace: $0[0].text) } : try database.allRows(
            "SELECT namespace_id, count(*) FROM keto_relation_tuples GROUP BY namespace_id ORDER BY namespace_id"
        ).map { NamespaceRows(namespaceID: $0[0].integer ?? -1, rows: Int($0[1].integer ?? 0)) }
        brokenRows = !tables.contains(BrokenTupleTable.name) ? [] : try database.allRows("""
            SELECT namespace_id, count(*), coalesce(sum(CASE WHEN resolved_at IS NULL THEN 1 ELSE 0 END), 0)
            FROM \(BrokenTupleTable.name) GROUP BY namespace_id ORDER BY namespace_id
            """).map { BrokenRows(namespaceID: $0[0].integer ?? -1, recorded: Int($0[1].integer ?? 0), unresolved: Int($0[2].integer ?? 0)) }
    }
}
