import Foundation
import RetupleCore

/// The Keto-v0.7-style reference (d): Keto v0.7's own `namespace migrate
/// legacy` algorithm, as Keto v0.7 runs it.
///
/// Per namespace, one transaction that reads the legacy table in pages of
/// 100 rows, `ORDER BY object, relation, subject, commit_time LIMIT 100
/// OFFSET k` (so every page sorts and skips all rows before it: quadratic),
/// and writes each row with its own `INSERT` (one round trip per row).
/// Like Keto's `getOldRelationTuples`, which pages with pop's `Paginate`,
/// every page also counts the table's rows: pop's `Query.All` runs
/// `SELECT COUNT(*) … FROM (the query without order or limit)` to learn
/// the number of pages, and Keto reads on while the page is not the last.
/// Rows are transformed by retuple's own `LegacyTupleTransformer`, so the
/// broken rows are left out exactly as retuple leaves them out; the
/// `shard_id` is a random UUID, as Keto v0.7 made it.
struct KetoStyleMigration {
    let database: any Database
    let configuration: Configuration

    static let pageSize = 100

    func run() throws {
        guard let networkText = try Network.currentID(in: database), let networkID = UUID(uuidString: networkText) else {
            throw BenchError("no network in \(database.location): run retuple migrate up first")
        }
        let columns = TransformationSQL.unifiedColumns
        let insert = "INSERT INTO keto_relation_tuples (\(columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        for namespace in configuration.namespaces {
            var transformer = LegacyTupleTransformer(namespace: namespace, networkID: networkID, configuration: configuration)
            let select = """
                SELECT \(LegacyLayout.tupleColumns.joined(separator: ", "))
                FROM \(quoteIdentifier(LegacyLayout.tupleTable(namespaceID: namespace.id)))
                """
            let page = select + " ORDER BY object, relation, subject, commit_time LIMIT \(Self.pageSize) OFFSET ?"
            let count = "SELECT COUNT(*) AS row_count FROM (\(select)) a"
            try database.transaction {
                var offset = 0
                while true {
                    var rows: [LegacyTuple] = []
                    try database.forEachRow(page, [.integer(Int64(offset))]) { rows.append(LegacyTuple(row: $0)) }
                    let total = try database.scalar(count)?.integer ?? 0
                    for legacy in rows {
                        guard case .unified(let tuple) = transformer.transform(legacy) else { continue }
                        try database.execute(insert, values(of: tuple, networkID: networkText))
                    }
                    offset += Self.pageSize
                    guard offset < total else { break }
                }
            }
        }
    }

    /// The unified row as Keto v0.7 wrote it: a random `shard_id`.
    private func values(of tuple: UnifiedTuple, networkID: String) -> [DatabaseValue] {
        let subject: [DatabaseValue] = switch tuple.subject {
        case .id(let id): [.text(id), .null, .null, .null]
        case .set(let namespaceID, let object, let relation): [.null, .integer(Int64(namespaceID)), .text(object), .text(relation)]
        }
        return [.text(UUID().uuidString.lowercased()), .text(networkID), .integer(Int64(tuple.namespaceID)), .text(tuple.object), .text(tuple.relation)]
            + subject + [.text(database.timestampText(tuple.commitTime))]
    }
}
