import Foundation

/// Writes tuples into `keto_relation_tuples` in one form, a batch per bulk
/// insert, counting the ones already present.
protocol TupleRowWriter: AnyObject {
    /// Writes the tuples `produce` emits. `produce` must not run
    /// statements on the connection: a bulk insert is open while it runs.
    func write(_ produce: (_ emit: (UnifiedTuple) throws -> Void) throws -> Void) throws
    /// Rows inserted so far, and rows skipped as already present.
    var counts: (inserted: Int, skipped: Int) { get }
}

extension UnifiedTupleWriter: TupleRowWriter {}

/// Writes latest-form rows (`LatestTuple`) and their strings: each batch
/// of tuples in one bulk insert (COPY on PostgreSQL, one prepared INSERT
/// on SQLite), then the batch's mappings, each once, in another that skips
/// ids already present, so that no mapping is ever written twice.
final class LatestTupleWriter: TupleRowWriter {
    static let columns = [
        "shard_id", "nid", "namespace", "object", "relation", "subject_id",
        "subject_set_namespace", "subject_set_object", "subject_set_relation", "commit_time",
    ]
    static let mappingTable = "keto_uuid_mappings"

    private let database: any Database
    private let table: String
    private let mapper: LatestTupleMapper
    /// The network of every tuple `write(_:)` is given; nil when each
    /// tuple brings its own (`writeLatest(_:)`).
    private let networkID: UUID?
    private let conflictColumns: [String]?
    private var row = [DatabaseValue](repeating: .null, count: columns.count)
    private var batchMappings: [UUID: String] = [:]
    private var written = 0
    private var inserted = 0
    /// Mappings inserted (not those already present).
    private(set) var mappingsInserted = 0

    /// - Parameters:
    ///   - table: where the tuples go.
    ///   - skipsPresentRows: check each row against the primary key and
    ///     skip the ones present (always on SQLite, where it costs nothing).
    init(database: any Database, table: String = "keto_relation_tuples", configuration: Configuration, networkID: UUID?, skipsPresentRows: Bool) {
        self.database = database
        self.table = table
        mapper = LatestTupleMapper(configuration: configuration)
        self.networkID = networkID
        conflictColumns = skipsPresentRows || database.skipsPresentRowsCheaply ? ["shard_id", "nid"] : nil
    }

    func write(_ produce: (_ emit: (UnifiedTuple) throws -> Void) throws -> Void) throws {
        guard let networkID else { preconditionFailure("a writer without a network takes latest tuples") }
        let mapper = mapper
        try writeLatest { emit in
            try withoutActuallyEscaping(emit) { emit in
                try produce { tuple in try emit(mapper.map(tuple, networkID: networkID)) }
            }
        }
    }

    /// Writes the latest tuples `produce` emits, then their mappings.
    func writeLatest(_ produce: (_ emit: (LatestTuple) throws -> Void) throws -> Void) throws {
        inserted += try database.bulkInsert(into: table, columns: Self.columns, skippingConflictsOn: conflictColumns) { inserter in
            try produce { tuple in
                try inserter.insert(values(of: tuple))
                for mapping in tuple.mappings where batchMappings[mapping.id] == nil {
                    batchMappings[mapping.id] = mapping.string
                }
                written += 1
            }
        }
        guard !batchMappings.isEmpty else { return }
        mappingsInserted += try database.bulkInsert(into: Self.mappingTable, columns: ["id", "string_representation"], skippingConflictsOn: ["id"]) { inserter in
            for (id, string) in batchMappings {
                try inserter.insert([.text(id.lowercasedString), .text(string)])
            }
        }
        batchMappings.removeAll(keepingCapacity: true)
    }

    var counts: (inserted: Int, skipped: Int) {
        (inserted, written - inserted)
    }

    private func values(of tuple: LatestTuple) -> [DatabaseValue] {
        row[0] = .text(tuple.shardID.lowercasedString)
        row[1] = .text(tuple.networkID.lowercasedString)
        row[2] = .text(tuple.namespace)
        row[3] = .text(tuple.object.lowercasedString)
        row[4] = .text(tuple.relation)
        switch tuple.subject {
        case .id(let id):
            (row[5], row[6], row[7], row[8]) = (.text(id.lowercasedString), .null, .null, .null)
        case .set(let namespace, let object, let relation):
            (row[5], row[6], row[7], row[8]) = (.null, .text(namespace), .text(object.lowercasedString), .text(relation))
        }
        row[9] = .text(database.timestampText(tuple.commitTime))
        return row
    }
}

extension LegacyMigrator {
    /// The writer for `namespace`'s rows in the target's form.
    func tupleWriter(for namespace: Namespace) throws -> any TupleRowWriter {
        let skips = try mayHoldRows(of: namespace)
        switch form {
        case .v07:
            return UnifiedTupleWriter(database: database, networkID: networkIDValue.text ?? "", skipsPresentRows: skips)
        case .latest:
            return LatestTupleWriter(
                database: database, configuration: configuration,
                networkID: UUID(uuidString: networkIDValue.text ?? ""), skipsPresentRows: skips
            )
        }
    }

    /// Whether `keto_relation_tuples` may already hold rows of this
    /// namespace; when it holds none, rows are written without the
    /// conflict check (on PostgreSQL, COPY straight into the table).
    private func mayHoldRows(of namespace: Namespace) throws -> Bool {
        let (column, value): (String, DatabaseValue) = switch form {
        case .v07: ("namespace_id", .integer(Int64(namespace.id)))
        case .latest: ("namespace", .text(namespace.name))
        }
        return try database.scalar(
            "SELECT 1 FROM keto_relation_tuples WHERE nid = ? AND \(column) = ? LIMIT 1", [networkIDValue, value]
        ) != nil
    }
}
