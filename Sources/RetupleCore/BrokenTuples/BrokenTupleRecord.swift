import Foundation

/// One record of `retuple_broken_tuples`, as `retuple broken list` and
/// `retuple broken export` read it.
public struct BrokenTupleRecord: Sendable {
    /// The record as a line of the report (docs/contract.md): the same keys,
    /// the legacy values as stored, the namespace name the migration used.
    public let line: BrokenTupleReportLine
    /// The legacy row's key (`LegacyRowKey`), lowercase.
    public let rowKey: String
    /// When the migration first recorded the row.
    public let recordedAt: Timestamp?
    /// When it was resolved (migrated by a later run, or recreated by
    /// `retuple broken apply`); nil while unresolved.
    public let resolvedAt: Timestamp?
}

extension BrokenTupleTable {
    /// Streams the records of `retuple_broken_tuples` to `body`, by
    /// namespace id, then in the order the migration reads legacy rows.
    /// No table (no migration ever recorded a broken row) is no record.
    ///
    /// - Parameters:
    ///   - namespaceID: only this namespace's records; nil for all.
    ///   - includingResolved: also the records already resolved.
    /// - Throws: the database's error; `RetupleError` for a record retuple
    ///   did not write (an unknown reason, a `recreate` that is not a tuple).
    public static func forEachRecord(
        in database: any Database, namespaceID: Int32?, includingResolved: Bool, _ body: (BrokenTupleRecord) throws -> Void
    ) throws {
        guard try database.tableExists(name) else { return }
        let (filter, bindings) = selection(namespaceID: namespaceID, includingResolved: includingResolved)
        let time = database.timestampAsText
        let decoder = JSONDecoder()
        let storage = try database.legacyValueStorage(ofColumn: "object", in: name)
        try database.forEachRow("""
            SELECT row_key, namespace, namespace_id, shard_id, object, relation, subject, commit_time,
                   reason, message, recreate, \(time("recorded_at")), \(time("resolved_at"))
            FROM \(name) \(filter)
            ORDER BY namespace_id, object, relation, subject, commit_time, row_key
            """, bindings) { row in
            let rowKey = row[0].text ?? ""
            guard let key = UUID(uuidString: rowKey), let namespace = row[1].text, let id = row[2].integer.flatMap(Int32.init(exactly:)),
                  let reason = row[8].text.flatMap(BrokenReason.init(rawValue:)), let message = row[9].text
            else {
                throw RetupleError("\(name) in \(database.location) holds a record retuple did not write (row_key \(rowKey))")
            }
            let recreate: KetoRelationTuple?
            switch row[10] {
            case .null:
                recreate = nil
            case .text(let json):
                guard let tuple = try? decoder.decode(KetoRelationTuple.self, from: Data(json.utf8)) else {
                    throw RetupleError("\(name) in \(database.location): the recreate of row_key \(rowKey) is not a tuple")
                }
                recreate = tuple
            default:
                throw RetupleError("\(name) in \(database.location): the recreate of row_key \(rowKey) is not a tuple")
            }
            var legacy: [DatabaseValue] = []
            for column in 3...7 {
                guard let value = legacyValue(row[column], from: storage) else {
                    throw RetupleError("\(name) in \(database.location): a legacy column of row_key \(rowKey) is not what retuple writes there")
                }
                legacy.append(value)
            }
            let broken = BrokenTuple(
                legacy: LegacyTuple(shardID: legacy[0], object: legacy[1], relation: legacy[2], subject: legacy[3], commitTime: legacy[4]),
                rowKey: key, reason: reason, message: message, recreate: recreate
            )
            try body(BrokenTupleRecord(
                line: BrokenTupleReportLine(broken, in: LegacyTable(namespace: Namespace(id: id, name: namespace))),
                rowKey: key.lowercasedString,
                recordedAt: LegacyCommitTime.parse(row[11]),
                resolvedAt: LegacyCommitTime.parse(row[12])
            ))
        }
    }

    /// How many records of the namespace (or all) are unresolved and resolved.
    public static func recordCounts(in database: any Database, namespaceID: Int32?) throws -> (unresolved: Int, resolved: Int) {
        guard try database.tableExists(name) else { return (0, 0) }
        let (filter, bindings) = selection(namespaceID: namespaceID, includingResolved: true)
        let counts = try database.firstRow("""
            SELECT coalesce(sum(CASE WHEN resolved_at IS NULL THEN 1 ELSE 0 END), 0),
                   coalesce(sum(CASE WHEN resolved_at IS NULL THEN 0 ELSE 1 END), 0)
            FROM \(name) \(filter)
            """, bindings) ?? []
        return (Int(counts.first?.integer ?? 0), Int(counts.dropFirst().first?.integer ?? 0))
    }

    /// The WHERE clause (possibly empty) and its bindings selecting records.
    private static func selection(namespaceID: Int32?, includingResolved: Bool) -> (String, [DatabaseValue]) {
        var conditions: [String] = []
        var bindings: [DatabaseValue] = []
        if let namespaceID {
            conditions.append("namespace_id = ?")
            bindings.append(.integer(Int64(namespaceID)))
        }
        if !includingResolved { conditions.append("resolved_at IS NULL") }
        return (conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "), bindings)
    }
}
