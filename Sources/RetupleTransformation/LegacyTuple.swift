/// One row of a legacy `keto_N_relation_tuples` table, its values exactly
/// as the database returned them.
///
/// SQLite enforces neither types nor lengths, so every column may hold
/// NULL, text of any length, invalid UTF-8 (`.bytes`) or a number; nothing
/// is interpreted here. `LegacyTupleTransformer` decides what the row means.
public struct LegacyTuple: Hashable, Sendable {
    public var shardID: DatabaseValue
    public var object: DatabaseValue
    public var relation: DatabaseValue
    public var subject: DatabaseValue
    public var commitTime: DatabaseValue

    public init(shardID: DatabaseValue, object: DatabaseValue, relation: DatabaseValue, subject: DatabaseValue, commitTime: DatabaseValue) {
        self.shardID = shardID
        self.object = object
        self.relation = relation
        self.subject = subject
        self.commitTime = commitTime
    }
}
