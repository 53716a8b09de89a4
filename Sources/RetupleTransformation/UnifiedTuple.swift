import Foundation

/// One row of Keto v0.7's `keto_relation_tuples` (docs/contract.md), minus the
/// network id, which is the same for every row of a run.
public struct UnifiedTuple: Hashable, Sendable {
    /// The deterministic row id: `LegacyRowKey` of the legacy row.
    public var shardID: UUID
    public var namespaceID: Int32
    public var object: String
    public var relation: String
    public var subject: TupleSubject
    public var commitTime: Timestamp

    public init(shardID: UUID, namespaceID: Int32, object: String, relation: String, subject: TupleSubject, commitTime: Timestamp) {
        self.shardID = shardID
        self.namespaceID = namespaceID
        self.object = object
        self.relation = relation
        self.subject = subject
        self.commitTime = commitTime
    }
}

/// Who a tuple grants to: a subject id, or everyone in a subject set.
public enum TupleSubject: Hashable, Sendable {
    /// `subject_id`.
    case id(String)
    /// `subject_set_namespace_id`, `subject_set_object`, `subject_set_relation`.
    case set(namespaceID: Int32, object: String, relation: String)
}
