/// How the rows of a legacy table are accounted for: the drop guard and
/// `verify` (docs/contract.md).
///
/// A row is accounted for when `keto_relation_tuples` holds a row with its
/// key as `shard_id` (it was migrated) or `retuple_broken_tuples` records
/// its key (it was reported broken). Keys are computed from the rows as
/// they are now, so a row written after the migration is missing.
///
/// Across databases the legacy rows are streamed from the migrator's
/// source and their keys gathered and looked up in its target.
public struct LegacyAccounting: Sendable, Equatable {
    public let table: LegacyTable
    /// Rows in the legacy table.
    public let legacy: Int
    /// Rows whose unified row is present.
    public let migrated: Int
    /// Rows recorded broken (and not migrated).
    public let broken: Int
    /// Rows neither migrated nor recorded broken.
    public var missing: Int { legacy - migrated - broken }

    /// The temporary table the keys are gathered in.
    static let keyTable = "retuple_legacy_keys"

    /// Counts, inside the caller's transaction (on the source and the
    /// target, when they differ): streams the legacy rows, computes their
    /// keys into a temporary table of the target, and looks each up.
    init(of table: LegacyTable, migrator: LegacyMigrator) throws {
        let database = migrator.database
        try database.execute("CREATE TEMPORARY TABLE \(Self.keyTable) (row_key \(database.uuidColumnType) NOT NULL)")
        var transformer = migrator.transformer(for: table)
        var keys: [DatabaseValue] = []
        func writeKeys() throws {
            try database.bulkInsert(into: Self.keyTable, columns: ["row_key"]) { inserter in
                for key in keys { try inserter.insert([key]) }
            }
            keys.removeAll(keepingCapacity: true)
        }
        try migrator.source.forEachRow(migrator.legacyRowsQuery(table), []) { row in
            let key = switch transformer.transform(LegacyTuple(row: row)) {
            case .unified(let tuple): tuple.shardID
            case .broken(let tuple): tuple.rowKey
            }
            keys.append(.text(key.lowercasedString))
            if keys.count >= migrator.batchSize { try writeKeys() }
        }
        try writeKeys()

        let brokenRecorded = try database.tableExists(BrokenTupleTable.name)
            ? "EXISTS (SELECT 1 FROM \(BrokenTupleTable.name) b WHERE b.row_key = k.row_key)"
            : "1 = 0"
        let counts = try database.firstRow("""
            SELECT count(*),
                   coalesce(sum(CASE WHEN migrated THEN 1 ELSE 0 END), 0),
                   coalesce(sum(CASE WHEN NOT migrated AND broken THEN 1 ELSE 0 END), 0)
            FROM (
                SELECT EXISTS (SELECT 1 FROM keto_relation_tuples t WHERE t.shard_id = k.row_key AND t.nid = ?) AS migrated,
                       \(brokenRecorded) AS broken
                FROM \(Self.keyTable) k
            ) AS looked_up
            """, [migrator.networkIDValue]) ?? []
        try database.execute("DROP TABLE \(Self.keyTable)")
        self.table = table
        legacy = Int(counts.first?.integer ?? 0)
        migrated = Int(counts.dropFirst().first?.integer ?? 0)
        broken = Int(counts.dropFirst(2).first?.integer ?? 0)
    }
}
