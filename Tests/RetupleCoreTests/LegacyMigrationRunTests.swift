import RetupleCore
import RetupleFixtures
import RetupleTestSupport
import Testing

/// The run policy of `namespace migrate legacy`, without a process: what
/// is asked, when tables are dropped, what is reported.
@Suite("Legacy migration run")
struct LegacyMigrationRunTests {
    /// Answers from a script, in order (no once it runs out), and keeps
    /// every question asked.
    final class ScriptedConfirmation: MigrationConfirmation {
        var answers: [Bool]
        private(set) var questions: [String] = []

        init(_ answers: [Bool]) { self.answers = answers }

        func confirm(_ question: String) -> Bool {
            questions.append(question)
            return answers.isEmpty ? false : answers.removeFirst()
        }
    }

    /// Keeps what the run reports, as short lines.
    final class RecordingObserver: LegacyMigrationObserver {
        private(set) var events: [String] = []
        private(set) var results: [NamespaceMigrationResult] = []
        private(set) var summary: LegacyMigrationSummary?

        func planned(_ lines: [String], beforeQuestion: Bool) { events.append("plan(\(lines.count), beforeQuestion: \(beforeQuestion))") }
        func namespaceFinished(_ result: NamespaceMigrationResult) {
            results.append(result)
            events.append("finished \(result.table.namespace.name)")
        }
        func namespaceFailed(_ failure: NamespaceFailure) { events.append("failed \(failure.table.namespace.name)") }
        func namespaceGone(_ gone: LegacyTableGone) { events.append("gone \(gone.table.namespace.name)") }
        func informed(_ line: String) { events.append("info \(line)") }
        func finished(_ summary: LegacyMigrationSummary) throws { self.summary = summary }
    }

    /// Three generated clean namespaces but for one broken row in the
    /// first (an object over 64 characters), in a SQLite file, the unified
    /// schema applied, and a run over it with `options` (its report in a
    /// temporary directory).
    func withRun(
        _ options: LegacyMigrationRun.Options, answers: [Bool],
        _ body: (LegacyMigrationRun, LegacyMigrator, ScriptedConfirmation, RecordingObserver) throws -> Void
    ) throws {
        try withScratchDatabase(.sqlite) { database, _ in
            let plan = GeneratorPlan(tuples: 300, namespaceCount: 3, seed: 5)
            _ = try LegacyTupleGenerator(plan: plan).generate(into: database)
            try database.execute(
                "INSERT INTO \(LegacyLayout.tupleTable(namespaceID: plan.namespaces[0].id)) (shard_id, object, relation, subject, commit_time) VALUES ('default', ?, 'viewer', 'user-1', ?)",
                [.text(String(repeating: "o", count: 65)), .text(Timestamp(seconds: 1_700_000_000).sqliteText)]
            )
            _ = try SchemaMigrator(database: database, logger: testLogger).applyPending()
            let migrator = try LegacyMigrator(
                database: database, configuration: Configuration(namespaces: plan.namespaces), logger: testLogger, lockTimeout: .seconds(5)
            )
            let directory = try TemporaryDirectory()
            var options = options
            options.report = directory.path("report.jsonl")
            let confirmation = ScriptedConfirmation(answers)
            let observer = RecordingObserver()
            let run = try LegacyMigrationRun(options, confirmation: confirmation, observer: observer)
            try body(run, migrator, confirmation, observer)
        }
    }

    @Test("interactively: one question to migrate, then one drop question per clean namespace, each drop its own choice")
    func interactiveDrops() throws {
        // Yes to migrate, yes to the first drop, no to the rest.
        try withRun(.init(), answers: [true, true]) { run, migrator, confirmation, observer in
            let tables = try migrator.legacyTables(named: nil)
            try run.perform(with: migrator)
            try run.finish()

            let clean = observer.results.filter { $0.broken == 0 }.map(\.table)
            #expect(clean.count == tables.count - 1 && clean.count > 1)
            #expect(confirmation.questions == ["migrate these namespaces?"] + clean.map(LegacyMigrationRun.dropQuestion))
            #expect(observer.events.first == "plan(\(tables.count + 1), beforeQuestion: true)")
            #expect(observer.results.map(\.table) == tables)
            for result in observer.results {
                let dropped = result.table == clean[0]
                #expect(result.dropped == dropped)
                #expect(try migrator.database.tableExists(result.table.name) == !dropped)
            }
            let summary = try #require(observer.summary)
            #expect(summary.failures.isEmpty && !summary.downOnly && summary.reportPath != nil)
            #expect(summary.total(\.broken) > 0)
        }
    }

    @Test("no to the first question migrates nothing and asks nothing more; -y asks nothing at all")
    func declinedAndYes() throws {
        try withRun(.init(), answers: [false, true, true, true]) { run, migrator, confirmation, observer in
            try run.perform(with: migrator)
            try run.finish()
            #expect(confirmation.questions == ["migrate these namespaces?"])
            #expect(observer.events.last == "info nothing migrated")
            #expect(try migrator.database.rowCount(of: "keto_relation_tuples") == 0)
            #expect(observer.summary?.results.isEmpty == true && observer.summary?.reportPath == nil)
        }
        try withRun(.init(yes: true), answers: []) { run, migrator, confirmation, observer in
            try run.perform(with: migrator)
            #expect(confirmation.questions.isEmpty)
            #expect(observer.events.first?.hasSuffix("beforeQuestion: false)") == true)
            // -y drops each clean namespace in its migration's transaction.
            #expect(!observer.results.isEmpty && observer.results.allSatisfy { $0.dropped == ($0.broken == 0) })
        }
    }

    @Test("--down-only: a declined drop reports the rows as they are; an unaccounted table fails alone and the run goes on")
    func downOnly() throws {
        try withRun(.init(downOnly: true), answers: [false] + Array(repeating: true, count: 8)) { run, migrator, confirmation, observer in
            let tables = try migrator.legacyTables(named: nil)
            try run.perform(with: migrator)
            try run.finish()
            #expect(confirmation.questions == tables.map(LegacyMigrationRun.dropQuestion))
            let rows = try migrator.database.rowCount(of: tables[0].name)
            #expect(observer.results.count == 1 && observer.results[0].legacy == rows && !observer.results[0].dropped)
            #expect(observer.events.filter { $0.hasPrefix("failed ") }.count == tables.count - 1, "nothing was migrated, so no drop passes the guard")
            #expect(try tables.allSatisfy { try migrator.database.tableExists($0.name) })
            #expect(observer.summary?.downOnly == true && observer.summary?.reportPath == nil)
        }
    }
}
