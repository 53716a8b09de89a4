import ArgumentParser
import RetupleCore

/// `retuple broken apply FILE`: recreates fixed broken tuples.
struct BrokenApplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Write the tuples of a fixed report (or Keto v0.7 tuples) to keto_relation_tuples, all or nothing.",
        discussion: discussion(
            """
            FILE is JSON Lines: report lines whose recreate objects were filled in or fixed (as \
            `broken export` writes them), or Keto v0.7 tuples {namespace, object, relation, \
            subject_id | subject_set}. Every line is checked as the migration checks a legacy row; \
            when any is rejected, each is printed with its line number and reason and nothing is \
            written (exit 1). Otherwise, after showing the tuples and asking (unless -y), they are \
            written in one transaction and the broken records they replace are marked resolved. \
            Applying the same file again writes nothing new.
            """,
            examples(
                "retuple broken apply broken.jsonl -c keto.yml --dry-run",
                "retuple broken apply broken.jsonl -c keto.yml -y"
            )
        )
    )

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The JSON Lines file to apply.", completion: .file())
    var file: String

    @Flag(help: "Check every line and show what would be written, then roll back.")
    var dryRun = false

    @OptionGroup var answer: YesOption

    func run() throws {
        let context = try CommandContext(options: options)
        let lines = try RecreateLine.read(path: file)
        let configuration = context.configuration ?? Configuration()
        guard !configuration.namespaces.isEmpty else {
            throw RetupleError("no namespaces are configured, so no tuple can be checked: pass Keto's config with -c")
        }
        try context.withDatabase { database in
            let recreator = try BrokenTupleRecreator(database: database, configuration: configuration, logger: context.logger)
            if !answer.yes, !dryRun {
                // Check first, and ask only when there is something to approve.
                let plan = try recreator.apply(lines, dryRun: true)
                guard plan.changesSomething else { return try show(plan, context) }
                showPlan(plan, on: database.location, context)
                let question = "insert \(plan.count(.inserted)) tuples into keto_relation_tuples and mark \(plan.resolved) broken records resolved?"
                guard context.console.confirm(question) else {
                    context.console.info("nothing applied")
                    if context.options.format == .json { try context.console.json(BrokenApplyDocument(declined: file)) }
                    return
                }
            }
            try show(try recreator.apply(lines, dryRun: dryRun), context)
        }
    }

    /// Lists the tuples to be written before the question; shown even with
    /// `-q`, so nobody approves blind; on stderr in `json` format.
    private func showPlan(_ plan: RecreateResult, on location: String, _ context: CommandContext) {
        context.console.notice("tuples to recreate in \(location) from \(file):")
        for line in plan.accepted where line.status == .inserted {
            context.console.notice("  line \(line.line): \(line.tuple.notation)")
        }
        let present = plan.accepted.count - plan.count(.inserted)
        if present > 0 { context.console.notice("  (\(present) more lines are already applied)") }
    }

    /// Prints the outcome of every line and the totals (or the JSON
    /// document); throws when lines were rejected.
    private func show(_ result: RecreateResult, _ context: CommandContext) throws {
        if context.options.format == .json {
            try context.console.json(BrokenApplyDocument(file: file, dryRun: dryRun, result: result))
        } else {
            var lines = result.accepted.map { accepted in
                (accepted.line, keyValueLine(nil, [
                    "line": String(accepted.line), "status": BrokenApplyDocument.status(of: accepted, in: result),
                    "tuple": accepted.tuple.notation,
                ]))
            }
            lines += result.rejected.map { rejection in
                (rejection.line, keyValueLine(nil, [
                    "line": String(rejection.line), "status": "rejected", "reason": rejection.reason.code, "message": rejection.message,
                ]))
            }
            for (_, line) in lines.sorted(by: { $0.0 < $1.0 }) { context.console.result(line) }
            if dryRun { context.console.info("dry run: rolled back; nothing changed") }
            let totals = BrokenApplyDocument.Totals(result)
            context.console.result(keyValueLine("apply finished", [
                "lines": String(totals.lines), "inserted": String(totals.inserted), "already_present": String(totals.alreadyPresent),
                "already_resolved": String(totals.alreadyResolved), "resolved": String(totals.resolved),
                "rejected": String(totals.rejected),
            ]))
        }
        if let first = result.rejected.first {
            throw RetupleError(
                "\(result.rejected.count) of \(result.accepted.count + result.rejected.count) lines of \(file) were rejected (first: line \(first.line), \(first.reason.code): \(first.message)); nothing was applied"
            )
        }
    }
}

/// `broken apply -f json`.
struct BrokenApplyDocument: Encodable {
    struct Line: Encodable {
        let line: Int
        let status: String
        let tuple: KetoRelationTuple?
        let reason: String?
        let message: String?
    }

    /// The figures of a result: when a line was rejected nothing was
    /// applied, so only `lines` and `rejected` are not 0.
    struct Totals: Encodable {
        var lines = 0
        var inserted = 0
        var alreadyPresent = 0
        var alreadyResolved = 0
        var resolved = 0
        var rejected = 0

        init() {}

        init(_ result: RecreateResult) {
            lines = result.accepted.count + result.rejected.count
            rejected = result.rejected.count
            guard result.rejected.isEmpty else { return }
            inserted = result.count(.inserted)
            alreadyPresent = result.count(.alreadyPresent)
            alreadyResolved = result.count(.alreadyResolved)
            resolved = result.resolved
        }
    }

    let file: String
    let dryRun: Bool
    let declined: Bool
    let lines: [Line]
    let totals: Totals

    init(file: String, dryRun: Bool, result: RecreateResult) {
        self.file = file
        self.dryRun = dryRun
        declined = false
        lines = (result.accepted.map { Line(line: $0.line, status: Self.status(of: $0, in: result), tuple: $0.tuple, reason: nil, message: nil) }
            + result.rejected.map { Line(line: $0.line, status: "rejected", tuple: nil, reason: $0.reason.code, message: $0.message) })
            .sorted { $0.line < $1.line }
        totals = Totals(result)
    }

    /// An accepted line's status; `valid` when other lines were rejected,
    /// so that nothing was applied.
    static func status(of line: RecreateResult.Accepted, in result: RecreateResult) -> String {
        result.rejected.isEmpty ? line.status.rawValue : "valid"
    }

    /// The document of a declined apply: nothing was written.
    init(declined file: String) {
        self.file = file
        dryRun = false
        declined = true
        lines = []
        totals = Totals()
    }
}
