/// A relation tuple in Keto v0.7's JSON shape, as its REST API and CLI
/// take it: what an operator feeds back to recreate a broken row.
///
/// Exactly one of `subjectID` and `subjectSet` is set.
public struct KetoRelationTuple: Codable, Hashable, Sendable {
    public var namespace: String
    public var object: String
    public var relation: String
    public var subjectID: String?
    public var subjectSet: SubjectSet?

    /// `subject_set` in Keto's JSON.
    public struct SubjectSet: Codable, Hashable, Sendable {
        public var namespace: String
        public var object: String
        public var relation: String

        public init(namespace: String, object: String, relation: String) {
            self.namespace = namespace
            self.object = object
            self.relation = relation
        }
    }

    public init(namespace: String, object: String, relation: String, subjectID: String? = nil, subjectSet: SubjectSet? = nil) {
        self.namespace = namespace
        self.object = object
        self.relation = relation
        self.subjectID = subjectID
        self.subjectSet = subjectSet
    }

    enum CodingKeys: String, CodingKey {
        case namespace, object, relation
        case subjectID = "subject_id"
        case subjectSet = "subject_set"
    }
}
