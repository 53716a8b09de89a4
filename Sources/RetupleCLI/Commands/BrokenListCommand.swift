import ArgumentParser
import RetupleCore

/// `retuple broken list`: the records of `retuple_broken_tuples`.
struct BrokenListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the broken rows recorded by the migration (unresolved ones unless --all).",
        discussion: discussion(
            """
            One line per record, then a line with the counts; with -f json one document. Values \
            are shown as stored: NULL as NULL, bytes that are not UTF-8 as x'…' (exact in json, \
            as in the report). Changes nothing.
            """,
            examples(
                "retuple broken list -c keto.yml",
                "retuple broken list files -c keto.yml --all -f json"
            )
        )
    )

    @OptionGroup var options: GlobalOptions
    @OptionGroup var selection: BrokenRecordSelection

    func run() throws {
        let context = try CommandContext(options: options)
        let namespaceID = try selection.namespaceID(in: context.configuration)
        let (records, counts) = try context.withDatabase(intent: .readOnly) { database in
            (try selection.records(in: database, namespaceID: namespaceID),
             try BrokenTupleTable.recordCounts(in: database, namespaceID: namespaceID))
        }
        if context.options.format == .json {
            try context.console.json(BrokenListDocument(
                records: records.map(BrokenRecordDocument.init),
                totals: .init(listed: records.count, unresolved: counts.unresolved, resolved: counts.resolved)
            ))
            return
        }
        for record in records {
            let line = record.line
            context.console.result(keyValueLine("broken", [
                "namespace": line.namespace, "id": String(line.namespaceID), "reason": line.reason.rawValue,
                "object": line.object.shown, "relation": line.relation.shown, "subject": line.subject.shown,
                "commit_time": line.commitTime.shown, "recreate": line.recreate?.notation ?? "-",
                "recorded_at": record.recordedAt?.sqliteText ?? "-", "resolved_at": record.resolvedAt?.sqliteText ?? "-",
                "row_key": record.rowKey, "message": line.message,
            ]))
        }
        context.console.result(keyValueLine("listed", [
            "records": String(records.count), "unresolved": String(counts.unresolved), "resolved": String(counts.resolved),
        ]))
    }
}

extension ReportValue {
    /// The value on a text line: NULL, digits, text, or `x'…'` for bytes
    /// that are not UTF-8.
    var shown: String {
        switch self {
        case .null: "NULL"
        case .integer(let integer): String(integer)
        case .real(let real): String(real)
        case .text(let text): text
        case .hex(let hex): "x'\(hex)'"
        }
    }
}

/// `broken list -f json`.
struct BrokenListDocument: Encodable {
    struct Totals: Encodable {
        /// Records in `records`.
        let listed: Int
        /// Records of the selected namespace (or all) in the table, resolved or not.
        let unresolved: Int
        let resolved: Int
    }

    let records: [BrokenRecordDocument]
    let totals: Totals
}

/// One record in JSON: the report line's keys, then `row_key`,
/// `recorded_at` and `resolved_at` (null while unresolved).
struct BrokenRecordDocument: Encodable {
    let record: BrokenTupleRecord

    enum CodingKeys: CodingKey {
        case rowKey, recordedAt, resolvedAt
    }

    func encode(to encoder: any Encoder) throws {
        try record.line.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(record.rowKey, forKey: .rowKey)
        try container.encode(record.recordedAt?.sqliteText, forKey: .recordedAt)
        try container.encode(record.resolvedAt?.sqliteText, forKey: .resolvedAt) // null, not absent
    }
}
