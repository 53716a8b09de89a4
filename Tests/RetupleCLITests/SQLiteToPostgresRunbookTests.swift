import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

/// `runbooks/sqlite-to-postgres.md`, executed, so that the runbook cannot
/// drift from the tool.
///
/// Every shell block runs in the runbook's order (the fence names the side
/// a block works on, not a choice of backend: this move uses both), with
/// `RunbookTests.Run`: `bash -euo pipefail` under a time limit in one
/// scratch directory, the variables the runbook documents set to a copy of
/// the demo v0.6 SQLite database (`legacy-fixtures/demo/`) and an empty
/// database on the test PostgreSQL server, and the package's executables
/// first on `PATH`.
///
/// Before the last section (which drops the file's legacy tables) the file
/// must be byte for byte what it was, and PostgreSQL must hold every legacy
/// row (`verify --target-dsn` green, the 12 clean rows migrated, the 6
/// broken rows recorded and reported) and the runbook's own count
/// comparison must have been written. After it, no legacy table is left in
/// the file and PostgreSQL holds the same rows.
@Suite("runbook: SQLite to PostgreSQL")
struct SQLiteToPostgresRunbookTests {
    @Test("every shell block names the side it works on, and the move ends by retiring the file")
    func conventions() throws {
        let runbook = try Runbook.checkingFences(Runbook.sqliteToPostgres)
        for target in [Runbook.Target.sqlite, .postgres, .both] {
            #expect(runbook.blocks.contains { $0.target == target }, "no ```sh \(target.rawValue) block")
        }
        let (move, retirement) = Self.phases(of: runbook)
        #expect(move.count >= 8, "the move has \(move.count) blocks")
        #expect(retirement.count == 1)
    }

    @Test("the runbook moves the demo SQLite database into PostgreSQL, then retires the file", .enabled(if: TestBackends.postgresEnabled))
    func move() throws {
        let run = try RunbookTests.Run.sqliteDemo(requiring: RunbookTests.commonTools + ["psql"])
        let file = run.variables["KETO_DB", default: ""]
        let original = try Data(contentsOf: URL(fileURLWithPath: file))

        try run.withPostgresDatabase(on: try .test()) { name in
            run.variables["TARGET_DSN"] = "dbname=\(name)"
            let runbook = try Runbook(contentsOf: Runbook.sqliteToPostgres)
            for variable in run.variables.keys.sorted() where !runbook.documents(variable) {
                Issue.record("the test sets \(variable), which the runbook does not document")
            }
            let (move, retirement) = Self.phases(of: runbook)

            try run.perform(move)
            #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == original, "the SQLite file changed")
            let demo = RunbookTests.DemoFixture(backend: .sqlite)
            let moved = try status(run)
            #expect(moved.legacy.map(\.rows) == demo.legacyRows)
            #expect(moved.schema.pending == 0)
            #expect(moved.unified.map(\.rows).reduce(0, +) == RunbookTests.DemoFixture.migratedRows)
            #expect(moved.broken.map(\.recorded).reduce(0, +) == demo.brokenRows)
            let report = try String(contentsOfFile: run.backupPath("broken-tuples.jsonl"), encoding: .utf8)
            #expect(report.split(separator: "\n").count == demo.brokenRows)
            let legacyCounts = try String(contentsOfFile: run.backupPath("legacy-counts.txt"), encoding: .utf8)
            #expect(legacyCounts == (try String(contentsOfFile: run.backupPath("target-counts.txt"), encoding: .utf8)))
            #expect(legacyCounts.split(separator: "\n").map { $0.split(separator: " ").last.map(String.init) } == demo.legacyRows.map(String.init))

            try run.perform(retirement)
            let retired = try status(run)
            #expect(retired.legacy.isEmpty, "legacy tables left in the file: \(retired.legacy)")
            #expect(retired.unified.map(\.rows) == moved.unified.map(\.rows))
            let tables = try run.shell(#"sqlite3 -readonly "$KETO_DB" "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name""#)
            #expect(tables.stdout.split(separator: "\n").allSatisfy { LegacyLayout.namespaceID(ofTupleTable: String($0)) == nil }, "\(tables.stdout)")
        }
    }

    /// The runbook's blocks before the section retiring the file, and those in it.
    static func phases(of runbook: Runbook) -> (move: [Runbook.Block], retirement: [Runbook.Block]) {
        let isRetirement = { (block: Runbook.Block) in block.section.localizedCaseInsensitiveContains("retire the file") }
        return (runbook.blocks.filter { !isRetirement($0) }, runbook.blocks.filter(isRetirement))
    }

    /// `retuple status --target-dsn -f json`: the file's legacy tables and
    /// PostgreSQL's unified and broken rows.
    func status(_ run: RunbookTests.Run) throws -> RunbookTests.StatusDocument {
        let outcome = try run.shell(#"retuple status -f json -c "$KETO_CONFIG" --target-dsn "$TARGET_DSN""#)
        try #require(outcome.status == 0, "retuple status: \(outcome.stderr)")
        return try JSONDecoder().decode(RunbookTests.StatusDocument.self, from: Data(outcome.stdout.utf8))
    }
}
