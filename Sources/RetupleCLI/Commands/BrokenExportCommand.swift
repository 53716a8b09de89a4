import ArgumentParser
import Foundation
import RetupleCore

/// `retuple broken export`: the records as report lines, to fix and apply.
struct BrokenExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the broken rows recorded by the migration as JSON Lines in the report's format.",
        discussion: discussion(
            """
            Unresolved records unless --all. Each line is a report line, as the migration writes it; fill in or \
            fix its recreate object and give the file to `retuple broken apply`. With --output the \
            file is created mode 0600 (replacing one at the path, and empty when nothing is \
            recorded) and a summary is printed; otherwise the lines go to stdout and nothing else \
            does, whatever -f says. Changes nothing in the database.
            """,
            examples(
                "retuple broken export -c keto.yml --output broken.jsonl",
                "retuple broken export files -c keto.yml > files-broken.jsonl"
            )
        )
    )

    @OptionGroup var options: GlobalOptions
    @OptionGroup var selection: BrokenRecordSelection

    @Option(help: "Write to this file (mode 0600) instead of stdout.", completion: .file())
    var output: String?

    func validate() throws {
        if let output, output.isEmpty {
            throw ValidationError("--output is empty")
        }
    }

    func run() throws {
        let context = try CommandContext(options: options)
        let namespaceID = try selection.namespaceID(in: context.configuration)
        let file = output.map(BrokenTupleReport.init(path:))
        try file?.checkWritable()
        let records = try context.withDatabase(intent: .readOnly) { try selection.records(in: $0, namespaceID: namespaceID) }
        guard let file else {
            let encoder = BrokenTupleReport.lineEncoder()
            var lines = Data()
            for record in records {
                lines.append(try encoder.encode(record.line))
                lines.append(UInt8(ascii: "\n"))
            }
            FileHandle.standardOutput.write(lines)
            return
        }
        try file.create()
        for record in records { try file.add(record.line) }
        try file.flush()
        if context.options.format == .json {
            try context.console.json(BrokenExportDocument(output: file.path, records: records.count))
        } else {
            context.console.result(keyValueLine("exported", ["records": String(records.count), "output": file.path]))
        }
    }
}

/// `broken export --output PATH -f json`.
struct BrokenExportDocument: Encodable {
    let output: String
    let records: Int
}
