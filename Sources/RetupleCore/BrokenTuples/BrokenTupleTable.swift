import Foundation

/// `retuple_broken_tuples`: the durable record of legacy rows that could
/// not be carried over, one row per legacy row however often the migration
/// runs (its primary key is the row key).
///
/// The table belongs to retuple, not to Keto. It is created by the first
/// migration transaction that needs it, so a dry run or a failed
/// namespace leaves no trace of it. The legacy values are kept as stored
/// (`LegacyValueStorage`): on SQLite the columns have no type, so a number
/// stays a number and invalid UTF-8 stays bytes; on PostgreSQL they are
/// `JSONB` holding the report's JSON shape of the value (`{"hex": …}` for
/// bytes), so a record moved across databases keeps every byte. A table an
/// earlier retuple made on PostgreSQL has `TEXT` columns: it is read and
/// written as before (bytes as `\x…` text).
public enum BrokenTupleTable {
    public static let name = "retuple_broken_tuples"

    /// The columns `record` writes, in order.
    static let columns = [
        "row_key", "nid", "namespace", "namespace_id", "legacy_table",
        "shard_id", "object", "relation", "subject", "commit_time",
        "reason", "message", "recreate", "recorded_at",
    ]

    /// Creates the table when it does not exist.
    ///
    /// Asks first rather than relying on `IF NOT EXISTS`: PostgreSQL checks
    /// CREATE on the schema before it looks for the table, so a role
    /// granted the table but not the schema would be refused.
    public static func create(in database: any Database) throws {
        guard try !database.tableExists(name) else { return }
        let (key, legacy, time) = (database.uuidColumnType, database.legacyValueColumnType, database.timestampColumnType)
        try database.executeScript("""
            CREATE TABLE IF NOT EXISTS \(name) (
                row_key      \(key) NOT NULL PRIMARY KEY,
                nid          \(key) NOT NULL,
                namespace    TEXT NOT NULL,
                namespace_id INTEGER NOT NULL,
                legacy_table TEXT NOT NULL,
                shard_id     \(legacy),
                object       \(legacy),
                relation     \(legacy),
                subject      \(legacy),
                commit_time  \(legacy),
                reason       TEXT NOT NULL,
                message      TEXT NOT NULL,
                recreate     TEXT NULL,
                recorded_at  \(time) NOT NULL,
                resolved_at  \(time) NULL
            )
            """)
    }

    /// Marks resolved the records of `namespace` whose legacy row is now
    /// migrated (a later configuration could read it, or an operator
    /// recreated it under its key).
    ///
    /// - Returns: how many records were marked.
    @discardableResult
    static func resolveMigrated(in namespace: Namespace, networkID: String, database: any Database) throws -> Int {
        try database.execute("""
            UPDATE \(name) SET resolved_at = ?
            WHERE namespace_id = ? AND resolved_at IS NULL AND EXISTS (
                SELECT 1 FROM keto_relation_tuples t WHERE t.shard_id = \(name).row_key AND t.nid = ?
            )
            """, [.text(database.timestampText(.now())), .integer(Int64(namespace.id)), .text(networkID)])
    }

    /// Records broken rows of one legacy table; rows recorded before are
    /// left as they are.
    ///
    /// - Returns: how many were recorded now (not before).
    @discardableResult
    static func record(
        _ rows: [BrokenTuple], of table: LegacyTable, networkID: String, in database: any Database
    ) throws -> Int {
        guard !rows.isEmpty else { return 0 }
        let now = DatabaseValue.text(database.timestampText(.now()))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let storage = try database.legacyValueStorage(ofColumn: "object", in: name)
        func stored(_ value: DatabaseValue) throws -> DatabaseValue { try storedValue(value, as: storage) }
        return try database.bulkInsert(into: name, columns: columns, skippingConflictsOn: ["row_key"]) { inserter in
            for row in rows {
                let recreate = try row.recreate.map { DatabaseValue.text(String(decoding: try encoder.encode($0), as: UTF8.self)) } ?? .null
                try inserter.insert([
                    .text(row.rowKey.lowercasedString), .text(networkID), .text(table.namespace.name),
                    .integer(Int64(table.namespace.id)), .text(table.name),
                    try stored(row.legacy.shardID), try stored(row.legacy.object), try stored(row.legacy.relation),
                    try stored(row.legacy.subject), try stored(row.legacy.commitTime),
                    .text(row.reason.rawValue), .text(row.message), recreate, now,
                ])
            }
        }
    }

    /// A legacy value as a column of `storage` keeps it.
    static func storedValue(_ value: DatabaseValue, as storage: LegacyValueStorage) throws -> DatabaseValue {
        switch (storage, value) {
        case (.asStored, _), (.reportJSON, .null): return value
        case (.reportJSON, _):
            return .text(String(decoding: try JSONEncoder().encode(ReportValue(value)), as: UTF8.self))
        }
    }

    /// The legacy value a column of `storage` keeps as `stored`; nil when
    /// it is not what retuple writes there.
    static func legacyValue(_ stored: DatabaseValue, from storage: LegacyValueStorage) -> DatabaseValue? {
        switch (storage, stored) {
        case (.asStored, _), (.reportJSON, .null): return stored
        case (.reportJSON, .text(let json)):
            return (try? JSONDecoder().decode(ReportValue.self, from: Data(json.utf8)))?.databaseValue
        case (.reportJSON, _): return nil
        }
    }
}
