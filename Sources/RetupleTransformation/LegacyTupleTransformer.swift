import Foundation

/// Turns legacy rows of one namespace into unified rows, or into broken-row
/// records when a row cannot be carried over faithfully (docs/contract.md).
///
/// Pure: it reads nothing but its arguments, so the same row always gives
/// the same outcome and the same `shard_id`. When a row has several
/// defects, the first in this order is reported: `null_field`,
/// `invalid_utf8`, `malformed_subject`, `too_long`,
/// `unknown_subject_namespace`, `invalid_commit_time`; so `recreate` is
/// only given when the commit time is the one defect.
///
/// How stored values are read, as Keto v0.6's Go driver read them:
/// - the legacy `shard_id` is not carried over (the unified one is the row
///   key), so its value never makes a row broken;
/// - an INTEGER in a text column is its decimal digits; a BLOB is its
///   bytes, if they are UTF-8;
/// - a REAL in a text column is reported `invalid_utf8` (it is not text,
///   and its digits would be a guess);
/// - lengths count Unicode scalars, as PostgreSQL's `VARCHAR(64)` counts
///   characters in a UTF-8 database.
public struct LegacyTupleTransformer {
    /// The namespace whose legacy table the rows come from.
    public let namespace: Namespace
    /// The longest value, in characters, the unified text columns take.
    public static let maximumLength = 64

    /// The schema the rows are written to; it decides which values are
    /// too long (`SchemaForm.limits`).
    public let form: SchemaForm
    private let namespaceIDs: [NamespaceName: Int32]
    private var rowKey: LegacyRowKey

    /// - Parameters:
    ///   - namespace: the namespace of the legacy table.
    ///   - networkID: the network the unified rows belong to (`nid`).
    ///   - configuration: resolves subject-set namespace names to ids.
    ///   - form: the schema the rows are written to; Keto v0.7's unless given.
    public init(namespace: Namespace, networkID: UUID, configuration: Configuration, form: SchemaForm = .v07) {
        self.namespace = namespace
        self.form = form
        namespaceIDs = Dictionary(configuration.namespaces.map { (NamespaceName($0.name), $0.id) }, uniquingKeysWith: { first, _ in first })
        rowKey = LegacyRowKey(networkID: networkID, namespaceID: namespace.id)
    }

    /// What becomes of one legacy row.
    public enum Outcome: Hashable, Sendable {
        case unified(UnifiedTuple)
        case broken(BrokenTuple)
    }

    public mutating func transform(_ legacy: LegacyTuple) -> Outcome {
        let commitTime = LegacyCommitTime.parse(legacy.commitTime)
        let key = rowKey.key(of: legacy, commitTime: commitTime)
        func broken(_ reason: BrokenReason, _ message: String, recreate: KetoRelationTuple? = nil) -> Outcome {
            .broken(BrokenTuple(legacy: legacy, rowKey: key, reason: reason, message: message, recreate: recreate))
        }

        // The column lists are only built for a broken row, off the hot path.
        func carriedColumns() -> [(String, DatabaseValue)] {
            [("object", legacy.object), ("relation", legacy.relation), ("subject", legacy.subject), ("commit_time", legacy.commitTime)]
        }
        if legacy.object.isNull || legacy.relation.isNull || legacy.subject.isNull || legacy.commitTime.isNull {
            let column = carriedColumns().first { $0.1 == .null }!.0
            return broken(.nullField, "\(column) is NULL")
        }
        let object: String, relation: String, subjectText: String
        switch (text(of: legacy.object), text(of: legacy.relation), text(of: legacy.subject)) {
        case (.some(let o), .some(let r), .some(let s)):
            (object, relation, subjectText) = (o, r, s)
        default:
            let column = carriedColumns().first { text(of: $0.1) == nil }!.0
            return broken(.invalidUTF8, "\(column) is not valid UTF-8 text")
        }

        let subject = LegacySubject(parsing: subjectText)
        if subject == .malformed {
            return broken(.malformedSubject, "subject \(quoted(subjectText)) contains # but is not namespace:object#relation")
        }
        if form == .v07, let (column, value) = firstOverlongColumn(object: object, relation: relation, subject: subject) {
            return broken(.tooLong, "\(column) is \(value.unicodeScalars.count) characters, over the \(Self.maximumLength) keto_relation_tuples.\(column) holds")
        }
        if form == .latest, let (column, value, limit) = SchemaForm.firstOverlongLatestColumn(namespace: namespace.name, relation: relation, subject: subject) {
            return broken(.tooLong, "\(column) is \(value.unicodeScalars.count) characters, over the \(limit) keto_relation_tuples.\(column) holds")
        }

        let unifiedSubject: TupleSubject
        let recreateSubject: (id: String?, set: KetoRelationTuple.SubjectSet?)
        switch subject {
        case .id(let id):
            unifiedSubject = .id(id)
            recreateSubject = (id, nil)
        case .set(let name, let setObject, let setRelation):
            guard let id = namespaceIDs[NamespaceName(name)] else {
                return broken(.unknownSubjectNamespace, "subject set namespace \(quoted(name)) is not in the configuration")
            }
            unifiedSubject = .set(namespaceID: id, object: setObject, relation: setRelation)
            recreateSubject = (nil, .init(namespace: name, object: setObject, relation: setRelation))
        case .malformed:
            preconditionFailure("malformed subjects were reported above")
        }

        guard let commitTime else {
            let recreate = KetoRelationTuple(
                namespace: namespace.name, object: object, relation: relation,
                subjectID: recreateSubject.id, subjectSet: recreateSubject.set
            )
            return broken(.invalidCommitTime, "commit_time \(describe(legacy.commitTime)) is not a time", recreate: recreate)
        }
        return .unified(UnifiedTuple(
            shardID: key, namespaceID: namespace.id, object: object, relation: relation,
            subject: unifiedSubject, commitTime: commitTime
        ))
    }
}

/// A namespace name as Keto (Go) compares names: byte for byte.
///
/// Swift's `String` equality and hashing follow Unicode canonical
/// equivalence, under which `é` and `e` + U+0301 are one string; to Keto
/// v0.6 a subject set naming one never referred to the other, so mapping
/// it to the other's id would grant what v0.6 did not.
private struct NamespaceName: Hashable {
    let text: String

    init(_ text: String) {
        self.text = text
    }

    static func == (lhs: NamespaceName, rhs: NamespaceName) -> Bool {
        lhs.text.utf8.elementsEqual(rhs.text.utf8)
    }

    func hash(into hasher: inout Hasher) {
        var text = text
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

/// The text a legacy text column holds, as Keto v0.6 read it; nil when it
/// is not text (invalid UTF-8, REAL) or NULL.
private func text(of value: DatabaseValue) -> String? {
    switch value {
    case .text(let text): text
    case .integer(let integer): String(integer)
    case .bytes(let bytes): String(validating: bytes, as: UTF8.self)
    case .real, .null: nil
    }
}

/// The first unified text column, in table order, whose value is longer
/// than it holds, with that value; nil when all fit.
private func firstOverlongColumn(object: String, relation: String, subject: LegacySubject) -> (String, String)? {
    if exceedsMaximumLength(object) { return ("object", object) }
    if exceedsMaximumLength(relation) { return ("relation", relation) }
    switch subject {
    case .id(let id):
        if exceedsMaximumLength(id) { return ("subject_id", id) }
    case .set(_, let setObject, let setRelation):
        if exceedsMaximumLength(setObject) { return ("subject_set_object", setObject) }
        if exceedsMaximumLength(setRelation) { return ("subject_set_relation", setRelation) }
    case .malformed:
        break
    }
    return nil
}

/// Whether `value` has more Unicode scalars than a unified column holds.
/// Scalars are never more than UTF-8 bytes, so short strings are not counted.
private func exceedsMaximumLength(_ value: String) -> Bool {
    value.utf8.count > LegacyTupleTransformer.maximumLength
        && value.unicodeScalars.count > LegacyTupleTransformer.maximumLength
}

/// A value for a message, shortened so one bad row cannot flood a line.
private func describe(_ value: DatabaseValue) -> String {
    switch value {
    case .null: "NULL"
    case .integer(let integer): String(integer)
    case .real(let real): String(real)
    case .text(let text): quoted(text)
    case .bytes(let bytes): "x'\(hexString(Array(bytes.prefix(32))))'"
    }
}

/// `text` in double quotes for a message, shortened to 80 characters,
/// control characters escaped (`Unicode.Scalar.controlCharacterEscape`).
public func quoted(_ text: String) -> String {
    var quoted = "\""
    for scalar in text.unicodeScalars.prefix(80) {
        if let escape = scalar.controlCharacterEscape {
            quoted += escape
        } else {
            quoted.unicodeScalars.append(scalar)
        }
    }
    return quoted + (text.unicodeScalars.count > 80 ? "…\"" : "\"")
}
