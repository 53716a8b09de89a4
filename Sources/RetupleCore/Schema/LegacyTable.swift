/// A legacy `keto_N_relation_tuples` table and the configured namespace
/// it belongs to.
public struct LegacyTable: Hashable, Sendable {
    public let namespace: Namespace
    /// The table name, `keto_<id as %010d>_relation_tuples`.
    public var name: String { LegacyLayout.tupleTable(namespaceID: namespace.id) }
    /// Its bookkeeping table, `keto_namespace_<id>_migrations`.
    public var migrationTable: String { LegacyLayout.migrationTable(namespaceID: namespace.id) }

    public init(namespace: Namespace) {
        self.namespace = namespace
    }
}

extension Database {
    /// The legacy tuple tables in the current schema (docs/contract.md),
    /// in namespace id order.
    ///
    /// Only names of exactly `keto_` + 10 digits + `_relation_tuples` count;
    /// tables in other PostgreSQL schemas are never seen.
    ///
    /// - Throws: `RetupleError` naming the table and id when a table's id is
    ///   not in `configuration`: its subject sets could not be resolved and
    ///   its namespace name would be a guess; naming the table and column
    ///   when a table is not shaped as Keto v0.6 made it (`checkLegacyShape`).
    public func legacyTables(configuredBy configuration: Configuration) throws -> [LegacyTable] {
        let tables = try tableNames().compactMap(LegacyLayout.namespaceID(ofTupleTable:)).sorted().map { id in
            guard let namespaceID = Int32(exactly: id), let namespace = configuration.namespace(id: namespaceID) else {
                let hint = configuration.namespaces.isEmpty ? "no namespaces are configured: pass Keto's config with -c" : "add it to namespaces"
                throw RetupleError(
                    "legacy table \(LegacyLayout.tupleTable(paddedID: id)) holds namespace id \(id), which the configuration does not define; \(hint)"
                )
            }
            return LegacyTable(namespace: namespace)
        }
        for table in tables { try checkLegacyShape(of: table.name) }
        return tables
    }
}
