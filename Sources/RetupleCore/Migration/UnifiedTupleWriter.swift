/// Writes the unified rows of one namespace, a batch per bulk insert, and
/// counts the ones that were already present.
///
/// `Database.bulkInsert` cannot run while a PostgreSQL cursor's rows are
/// being consumed row by row, so the migrator gathers a batch of legacy
/// rows and hands it over between rows (the connection is free then).
final class UnifiedTupleWriter {
    static let table = "keto_relation_tuples"
    static let columns = [
        "shard_id", "nid", "namespace_id", "object", "relation", "subject_id",
        "subject_set_namespace_id", "subject_set_object", "subject_set_relation", "commit_time",
    ]

    private let database: any Database
    private let networkID: DatabaseValue
    private let conflictColumns: [String]?
    /// The row handed to the bulk insert, reused so that no row allocates.
    /// Written ten times per row: Swift's run-time exclusivity checks on a
    /// class's stored property would cost more than the writes, and only
    /// `values(of:)` ever accesses it.
    @exclusivity(unchecked) private var row = [DatabaseValue](repeating: .null, count: columns.count)
    private var written = 0
    private var inserted = 0

    /// - Parameter skipsPresentRows: check every row against the primary
    ///   key and skip the ones present. Needed when the table may already
    ///   hold rows of this namespace; a backend where the check costs
    ///   nothing always checks (`SQLDialect.skipsPresentRowsCheaply`),
    ///   which also absorbs one instant written in two shapes in a SQLite
    ///   legacy table (two rows, one key).
    init(database: any Database, networkID: String, skipsPresentRows: Bool) {
        self.database = database
        self.networkID = .text(networkID)
        conflictColumns = skipsPresentRows || database.skipsPresentRowsCheaply ? ["shard_id", "nid"] : nil
    }

    /// Writes the tuples `produce` emits, in one bulk insert.
    ///
    /// `produce` must not run statements on the connection: the bulk
    /// insert (a COPY on PostgreSQL) is open while it runs.
    func write(_ produce: (_ emit: (UnifiedTuple) throws -> Void) throws -> Void) throws {
        let insertedNow = try database.bulkInsert(into: Self.table, columns: Self.columns, skippingConflictsOn: conflictColumns) { inserter in
            try produce { tuple in
                try inserter.insert(values(of: tuple))
                written += 1
            }
        }
        inserted += insertedNow
    }

    /// Rows inserted so far, and rows skipped as already present.
    var counts: (inserted: Int, skipped: Int) {
        (inserted, written - inserted)
    }

    private func values(of tuple: UnifiedTuple) -> [DatabaseValue] {
        row[0] = .text(tuple.shardID.lowercasedString)
        row[1] = networkID
        row[2] = .integer(Int64(tuple.namespaceID))
        row[3] = .text(tuple.object)
        row[4] = .text(tuple.relation)
        switch tuple.subject {
        case .id(let id):
            (row[5], row[6], row[7], row[8]) = (.text(id), .null, .null, .null)
        case .set(let namespaceID, let object, let relation):
            (row[5], row[6], row[7], row[8]) = (.null, .integer(Int64(namespaceID)), .text(object), .text(relation))
        }
        row[9] = .text(database.timestampText(tuple.commitTime))
        return row
    }
}
