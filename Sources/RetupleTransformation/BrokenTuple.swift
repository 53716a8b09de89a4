import Foundation

/// A legacy row that cannot be carried over faithfully (docs/contract.md), with
/// everything the report and `retuple_broken_tuples` record about it.
public struct BrokenTuple: Hashable, Sendable {
    /// The row as stored.
    public var legacy: LegacyTuple
    /// `LegacyRowKey` of the row: identifies it across runs, so it is
    /// recorded once however often the migration runs.
    public var rowKey: UUID
    public var reason: BrokenReason
    /// Says what is wrong, naming the column: for the operator.
    public var message: String
    /// The tuple Keto v0.7 would hold, when it can be rebuilt without
    /// guessing: only when the commit time alone is wrong.
    public var recreate: KetoRelationTuple?

    public init(legacy: LegacyTuple, rowKey: UUID, reason: BrokenReason, message: String, recreate: KetoRelationTuple?) {
        self.legacy = legacy
        self.rowKey = rowKey
        self.reason = reason
        self.message = message
        self.recreate = recreate
    }
}
