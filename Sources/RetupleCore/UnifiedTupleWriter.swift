/// Writes the unified rows of one namespace in batches and counts the ones
/// that were already present.
///
/// `Database.bulkInsert` cannot run while a PostgreSQL cursor's rows are
/// being consumed row by row, so rows are gathered and written between
/// rows, a batch at a time (the connection is free then).
final class UnifiedTupleWriter {
    static let table = "keto_relation_tuples"
    static let columns = [
        "shard_id", "nid", "namespace_id", "object", "relation", "subject_id",
        "subject_set_namespace_id", "subject_set_object", "subject_set_relation", "commit_time",
    ]

    private let database: any Database
    private let networkID: DatabaseValue
    private let batchSize: Int
    private let conflictColumns: [String]?
    private var batch: [[DatabaseValue]] = []
    private var written = 0
    private var inserted = 0

    /// - Parameter skipsPresentRows: check every row against the primary
    ///   key and skip the ones present. Needed when the table may already
    ///   hold rows of this namespace; SQLite always checks, as it costs
    ///   nothing there and a SQLite legacy table can hold one instant
    ///   written in two shapes (two rows, one key).
    init(database: any Database, networkID: String, batchSize: Int, skipsPresentRows: Bool) {
        self.database = database
        self.networkID = .text(networkID)
        self.batchSize = batchSize
        conflictColumns = skipsPresentRows || database.backend == .sqlite ? ["shard_id", "nid"] : nil
        batch.reserveCapacity(batchSize)
    }

    func write(_ tuple: UnifiedTuple) throws {
        let subject: (DatabaseValue, DatabaseValue, DatabaseValue, DatabaseValue) = switch tuple.subject {
        case .id(let id): (.text(id), .null, .null, .null)
        case .set(let namespaceID, let object, let relation): (.null, .integer(Int64(namespaceID)), .text(object), .text(relation))
        }
        batch.append([
            .text(tuple.shardID.lowercasedString), networkID, .integer(Int64(tuple.namespaceID)),
            .text(tuple.object), .text(tuple.relation), subject.0, subject.1, subject.2, subject.3,
            .text(tuple.commitTime.text(for: database.backend)),
        ])
        if batch.count >= batchSize { try flush() }
    }

    /// Writes what is left.
    /// - Returns: rows inserted, and rows skipped as already present.
    func finish() throws -> (inserted: Int, skipped: Int) {
        try flush()
        return (inserted, written - inserted)
    }

    private func flush() throws {
        guard !batch.isEmpty else { return }
        inserted += try database.bulkInsert(into: Self.table, columns: Self.columns, skippingConflictsOn: conflictColumns) { inserter in
            for row in batch { try inserter.insert(row) }
        }
        written += batch.count
        batch.removeAll(keepingCapacity: true)
    }
}
