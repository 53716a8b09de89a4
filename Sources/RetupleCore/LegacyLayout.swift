/// Names of the Keto v0.6 table-per-namespace layout (PRODUCT §1.1).
public enum LegacyLayout {
    /// `keto_0000000007_relation_tuples` for namespace 7: the tuples.
    public static func tupleTable(namespaceID: Int32) -> String {
        "keto_\(paddedID(namespaceID))_relation_tuples"
    }

    /// `keto_namespace_0000000007_migrations`: that table's bookkeeping.
    public static func migrationTable(namespaceID: Int32) -> String {
        "keto_namespace_\(paddedID(namespaceID))_migrations"
    }

    /// The legacy tuple columns, in table order.
    public static let tupleColumns = ["shard_id", "object", "relation", "subject", "commit_time"]

    /// The id as `%010d`.
    static func paddedID(_ id: Int32) -> String {
        let digits = String(id)
        return String(repeating: "0", count: max(0, 10 - digits.count)) + digits
    }
}
