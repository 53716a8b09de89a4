/// The two shapes of Keto's tuple table retuple writes (docs/contract.md).
public enum SchemaForm: String, Sendable, CaseIterable, Codable {
    /// Keto v0.7 and v0.8: namespace ids, strings of at most 64 characters.
    case v07 = "v0.7"
    /// Keto v0.9 and later, unchanged through v26.2.0: namespace names,
    /// object and subjects as UUIDs, their strings in `keto_uuid_mappings`.
    case latest

    /// The Keto releases that read this form.
    public var ketoReleases: String {
        switch self {
        case .v07: "Keto v0.7 and v0.8"
        case .latest: "Keto v0.11.1 and later (through v26.2.0)"
        }
    }

    /// `relation` and `subject_set_relation`, in characters, in either form.
    public static let relationLimit = 64
    /// `namespace` and `subject_set_namespace` in the latest form.
    public static let namespaceNameLimit = 200

    /// The first value of a row that the latest form's columns cannot hold,
    /// with its column and that column's limit. Object and subjects never
    /// are: they are stored as UUIDs, their text in `keto_uuid_mappings`.
    static func firstOverlongLatestColumn(namespace: String, relation: String, subject: LegacySubject) -> (String, String, Int)? {
        if exceeds(namespace, namespaceNameLimit) { return ("namespace", namespace, namespaceNameLimit) }
        if exceeds(relation, relationLimit) { return ("relation", relation, relationLimit) }
        if case .set(let setNamespace, _, let setRelation) = subject {
            if exceeds(setNamespace, namespaceNameLimit) { return ("subject_set_namespace", setNamespace, namespaceNameLimit) }
            if exceeds(setRelation, relationLimit) { return ("subject_set_relation", setRelation, relationLimit) }
        }
        return nil
    }

    /// Whether `value` has more Unicode scalars than `limit` (as
    /// PostgreSQL's `VARCHAR(n)` counts characters in a UTF-8 database).
    private static func exceeds(_ value: String, _ limit: Int) -> Bool {
        value.utf8.count > limit && value.unicodeScalars.count > limit
    }
}
