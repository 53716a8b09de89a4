extension LegacyTupleTransformer {
    /// Why a tuple given to recreate cannot be written, in the terms of
    /// the migration's broken rows.
    public struct TupleDefect: Error, Equatable, Sendable {
        public let reason: BrokenReason
        public let message: String
    }

    /// Checks a Keto v0.7 tuple of this transformer's namespace by the very
    /// rules the migration applies to a legacy row, and gives its unified row.
    ///
    /// The tuple is written as the legacy row that would have held it (the
    /// subject in v0.6's notation, `subject_id` or `namespace:object#relation`)
    /// and that row is transformed: lengths, the subject's shape and its
    /// namespace are checked exactly as in the migration. A subject that the
    /// notation cannot hold, because it reads back as another subject (a
    /// `subject_id` with `#`, a subject set whose parts hold `:` or `#`), is
    /// `malformed_subject`: written, it would mean something else to every
    /// reader of v0.6's notation, Keto's CLI included.
    ///
    /// - Parameters:
    ///   - tuple: its `namespace` must be this transformer's.
    ///   - commitTime: the unified row's commit time.
    /// - Returns: the unified row, keyed as that legacy row would be; the
    ///   caller sets the `shardID` it stores.
    public mutating func transform(recreating tuple: KetoRelationTuple, commitTime: Timestamp) -> Result<UnifiedTuple, TupleDefect> {
        precondition(tuple.namespace == namespace.name, "the tuple belongs to another namespace's transformer")
        guard let subject = tuple.legacySubject, let encoded = subject.encoded else {
            let has = tuple.subjectID == nil ? "neither" : "both"
            return .failure(TupleDefect(reason: .malformedSubject, message: "the tuple has \(has) subject_id and subject_set; it needs exactly one"))
        }
        guard LegacySubject(parsing: encoded) == subject else {
            let message = tuple.subjectID != nil
                ? "subject_id \(quoted(encoded)) holds #, which marks a subject set (namespace:object#relation); it would read as another subject"
                : "subject_set \(quoted(encoded)) holds : or # inside a part; as namespace:object#relation it would read as another subject"
            return .failure(TupleDefect(reason: .malformedSubject, message: message))
        }
        let legacy = LegacyTuple(
            shardID: .null, object: .text(tuple.object), relation: .text(tuple.relation),
            subject: .text(encoded), commitTime: .text(commitTime.sqliteText)
        )
        switch transform(legacy) {
        case .unified(let unified): return .success(unified)
        case .broken(let broken): return .failure(TupleDefect(reason: broken.reason, message: broken.message))
        }
    }
}

extension KetoRelationTuple {
    /// The subject as Keto v0.6 held it; nil when the tuple has neither or
    /// both of `subject_id` and `subject_set`.
    public var legacySubject: LegacySubject? {
        switch (subjectID, subjectSet) {
        case (let id?, nil): .id(id)
        case (nil, let set?): .set(namespace: set.namespace, object: set.object, relation: set.relation)
        default: nil
        }
    }
}
