import Foundation

/// One row of the latest form's `keto_relation_tuples` (docs/contract.md),
/// and the strings its UUIDs stand for.
public struct LatestTuple: Hashable, Sendable {
    public var shardID: UUID
    public var networkID: UUID
    public var namespace: String
    public var object: UUID
    public var relation: String
    public var subject: LatestSubject
    public var commitTime: Timestamp
    /// `keto_uuid_mappings` rows this tuple needs: its object and its
    /// subject id or subject-set object, each as `(id, string)`.
    public var mappings: [(id: UUID, string: String)]

    public static func == (lhs: LatestTuple, rhs: LatestTuple) -> Bool {
        lhs.shardID == rhs.shardID && lhs.networkID == rhs.networkID && lhs.namespace == rhs.namespace
            && lhs.object == rhs.object && lhs.relation == rhs.relation && lhs.subject == rhs.subject
            && lhs.commitTime == rhs.commitTime
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(shardID)
        hasher.combine(networkID)
    }
}

/// Who a latest-form tuple grants to.
public enum LatestSubject: Hashable, Sendable {
    /// `subject_id`.
    case id(UUID)
    /// `subject_set_namespace`, `subject_set_object`, `subject_set_relation`.
    case set(namespace: String, object: UUID, relation: String)
}

/// Turns a Keto v0.7 tuple into its latest form, as Keto's own
/// strings-to-UUIDs step does: the same `shard_id`, `nid` and commit time;
/// namespace ids become the configured names; object, subject id and
/// subject-set object become `uuid5(nid, string)` (`UUID.nameBased`), each
/// string kept in a mapping.
public struct LatestTupleMapper: Sendable {
    private let names: [Int32: String]

    public init(configuration: Configuration) {
        names = Dictionary(configuration.namespaces.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
    }

    /// The configured name of namespace `id`; nil when it is not configured.
    public func name(of id: Int32) -> String? { names[id] }

    /// - Throws: `RetupleError` naming a namespace id the configuration lacks.
    public func map(_ tuple: UnifiedTuple, networkID: UUID) throws -> LatestTuple {
        guard let namespace = names[tuple.namespaceID] else {
            throw RetupleError("namespace id \(tuple.namespaceID) is not in the configuration; add it to namespaces")
        }
        let object = UUID.nameBased(namespace: networkID, name: tuple.object.utf8)
        var mappings = [(id: object, string: tuple.object)]
        let subject: LatestSubject
        switch tuple.subject {
        case .id(let id):
            let uuid = UUID.nameBased(namespace: networkID, name: id.utf8)
            mappings.append((uuid, id))
            subject = .id(uuid)
        case .set(let namespaceID, let setObject, let relation):
            guard let setNamespace = names[namespaceID] else {
                throw RetupleError("subject set namespace id \(namespaceID) is not in the configuration; add it to namespaces")
            }
            let uuid = UUID.nameBased(namespace: networkID, name: setObject.utf8)
            mappings.append((uuid, setObject))
            subject = .set(namespace: setNamespace, object: uuid, relation: relation)
        }
        return LatestTuple(
            shardID: tuple.shardID, networkID: networkID, namespace: namespace, object: object,
            relation: tuple.relation, subject: subject, commitTime: tuple.commitTime, mappings: mappings
        )
    }
}
