import ArgumentParser
import RetupleCore

/// `retuple broken …`: the legacy rows the migration could not carry over.
struct BrokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broken",
        abstract: "List, export and recreate the broken rows recorded in retuple_broken_tuples.",
        discussion: discussion(
            """
            The migration records every legacy row it cannot carry over. Export them, fix each \
            line's recreate object (a Keto v0.7 tuple), and apply the file: the tuples are written \
            to keto_relation_tuples and the records marked resolved.
            """,
            examples(
                "retuple broken export -c keto.yml --output broken.jsonl",
                "retuple broken apply broken.jsonl -c keto.yml"
            )
        ),
        subcommands: [BrokenListCommand.self, BrokenExportCommand.self, BrokenApplyCommand.self]
    )
}

/// Which records of `retuple_broken_tuples` `list` and `export` read.
struct BrokenRecordSelection: ParsableArguments {
    @Argument(help: "Only the records of the namespace of this name (as in the configuration).")
    var name: String?

    @Flag(help: "Include the records already resolved (by a later migration or `broken apply`).")
    var all = false

    /// The id of the namespace `NAME` names; nil without `NAME`.
    ///
    /// - Throws: `RetupleError` when `NAME` is not in the configuration.
    func namespaceID(in configuration: Configuration?) throws -> Int32? {
        guard let name else { return nil }
        guard let namespace = configuration?.namespace(named: name) else {
            throw (configuration ?? Configuration()).unknownNamespaceError(name)
        }
        return namespace.id
    }

    /// The selected records, read in one go (they are few: the rows the
    /// migration could not carry over).
    func records(in database: any Database, namespaceID: Int32?) throws -> [BrokenTupleRecord] {
        var records: [BrokenTupleRecord] = []
        try BrokenTupleTable.forEachRecord(in: database, namespaceID: namespaceID, includingResolved: all) { records.append($0) }
        return records
    }
}

extension KetoRelationTuple {
    /// The tuple as one word, `namespace:object#relation@subject`, the
    /// subject a subject id or `namespace:object#relation`.
    var notation: String {
        let subject = subjectID ?? subjectSet.map { "\($0.namespace):\($0.object)#\($0.relation)" } ?? ""
        return "\(namespace):\(object)#\(relation)@\(subject)"
    }
}
