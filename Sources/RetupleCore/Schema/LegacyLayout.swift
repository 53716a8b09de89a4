/// Names of the Keto v0.6 table-per-namespace layout (docs/contract.md).
public enum LegacyLayout {
    /// `keto_0000000007_relation_tuples` for namespace 7: the tuples.
    public static func tupleTable(namespaceID: Int32) -> String {
        tupleTable(paddedID: Int64(namespaceID))
    }

    static func tupleTable(paddedID id: Int64) -> String {
        "keto_\(paddedID(id))_relation_tuples"
    }

    /// `keto_namespace_0000000007_migrations`: that table's bookkeeping.
    public static func migrationTable(namespaceID: Int32) -> String {
        migrationTable(paddedID: Int64(namespaceID))
    }

    static func migrationTable(paddedID id: Int64) -> String {
        "keto_namespace_\(paddedID(id))_migrations"
    }

    /// Keto v0.6's list of namespaces, which the unified schema's
    /// legacy-cleanup migration drops.
    static let ketoNamespaceTable = "keto_namespace"

    /// The namespace id in a legacy tuple table's name: `keto_` followed
    /// by exactly 10 ASCII digits and `_relation_tuples`; nil for any
    /// other name.
    public static func namespaceID(ofTupleTable name: String) -> Int64? {
        let prefix = "keto_", suffix = "_relation_tuples"
        guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return nil }
        let digits = name.utf8.dropFirst(prefix.utf8.count).dropLast(suffix.utf8.count)
        guard digits.count == 10, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        return Int64(String(decoding: digits, as: UTF8.self))
    }

    /// The legacy tuple columns, in table order.
    public static let tupleColumns = ["shard_id", "object", "relation", "subject", "commit_time"]

    /// Refuses a legacy tuple table that lacks one of the five v0.6
    /// columns, given its columns' names (and types).
    ///
    /// - Throws: `RetupleError` naming the table and the column.
    static func requireTupleColumns(in columns: [String: String], of table: String) throws {
        for column in tupleColumns where columns[column] == nil {
            throw RetupleError("legacy table \(table) has no column \(column), so it is not the table Keto v0.6 made (\(tupleColumns.joined(separator: ", ")))")
        }
    }

    /// The id as `%010d`.
    static func paddedID(_ id: Int64) -> String {
        let digits = String(id)
        return String(repeating: "0", count: max(0, 10 - digits.count)) + digits
    }
}
