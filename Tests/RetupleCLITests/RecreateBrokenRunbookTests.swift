import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

/// `runbooks/recreate-broken-tuples.md`, executed as `RunbookTests` runs the
/// upgrade runbook: every ```` ```sh sqlite ````, ```` ```sh postgres ```` and
/// ```` ```sh both ```` block in order, once per backend, with the variables
/// the runbook documents, on the demo v0.6 database migrated as the upgrade
/// runbook's step 4 leaves it (broken rows recorded, legacy tables kept).
///
/// Afterwards every broken row of the demo (one per reason the backend can
/// hold) must be recreated as the runbook's `jq` rules decide, under its
/// legacy row's key, its record resolved, `retuple verify` green, no legacy
/// table left, and exactly one unified row per legacy row.
///
/// PostgreSQL: a fresh database on the test server, used as its superuser
/// (the runbook's admin role). Runs whenever the server is there or
/// required (`RETUPLE_REQUIRE_POSTGRES=1`), so CI never skips it silently.
@Suite("runbook: recreate the broken tuples")
struct RecreateBrokenRunbookTests {
    @Test("every shell block names its backend, and each backend has the whole procedure")
    func conventions() throws {
        let runbook = try Runbook.checkingFences(Runbook.recreateBroken)
        #expect(Set(runbook.blocks.compactMap(\.target)) == [.sqlite, .postgres, .both])
        for backend in DatabaseBackend.allCases {
            let scripts = runbook.blocks(for: backend).map(\.script).joined()
            for command in ["retuple broken export", "retuple broken apply", "retuple verify", "--down-only"] {
                #expect(scripts.contains(command), "\(backend): no block runs \(command)")
            }
        }
    }

    @Test("SQLite: the runbook recreates every broken row of the demo database, then drops the legacy tables")
    func sqlite() throws {
        try Self.perform(try RunbookTests.Run.sqliteDemo(requiring: ["bash", "timeout", "jq", "sqlite3"]))
    }

    @Test(
        "PostgreSQL: the runbook recreates every broken row of the demo database, then drops the legacy tables",
        .enabled(if: TestBackends.postgresEnabled)
    )
    func postgres() throws {
        try RunbookTests.requireTools(["bash", "timeout", "jq", "psql", "pg_dump", "pg_restore"])
        let run = try RunbookTests.Run(backend: .postgres)
        try run.withPostgresDatabase(on: try .test()) { name in
            run.variables["DSN"] = "dbname=\(name)"
            try run.writeConfig(dsn: "dbname=\(name)")
            try run.loadDemoFixture(dsn: "dbname=\(name)")
            try Self.perform(run)
        }
    }

    // MARK: - The run

    /// Migrates as the upgrade runbook's step 4 does, runs the runbook's
    /// blocks, and checks the outcome.
    static func perform(_ run: RunbookTests.Run) throws {
        let runbook = try Runbook(contentsOf: Runbook.recreateBroken)
        for name in run.variables.keys.sorted() where !runbook.documents(name) {
            Issue.record("the test sets \(name), which the runbook does not document")
        }
        let migrated = try run.shell(#"""
            retuple migrate up -y -q -c "$KETO_CONFIG"
            retuple namespace migrate legacy -c "$KETO_CONFIG" <<< y || [ $? -eq 3 ]
            """#)
        try #require(migrated.status == 0, "the upgrade's step 4: \(migrated.stderr)")
        try run.perform(runbook.blocks(for: run.backend))
        try checkRecreated(run)
    }

    /// The database and files after the runbook.
    static func checkRecreated(_ run: RunbookTests.Run) throws {
        let demo = RunbookTests.DemoFixture(backend: run.backend)
        let status = try run.status()
        #expect(status.legacy.isEmpty, "legacy tables left: \(status.legacy)")
        // Nothing lost: every legacy row is in the unified table, once.
        #expect(status.unified.map(\.rows).reduce(0, +) == demo.legacyRows.reduce(0, +))
        #expect(status.broken.map(\.recorded).reduce(0, +) == demo.brokenRows)

        let list = try run.shell(#"retuple broken list --all -f json -c "$KETO_CONFIG""#)
        #expect(list.status == 0, "\(list.stderr)")
        let totals = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])["totals"]
        #expect(totals as? [String: Int] == ["listed": demo.brokenRows, "unresolved": 0, "resolved": demo.brokenRows])

        let verify = try run.shell(#"retuple verify -c "$KETO_CONFIG""#)
        #expect(verify.status == 0, "retuple verify: \(verify.stderr)")

        // Each broken row became the tuple the runbook's rules decided, under its key.
        let query = """
            SELECT t.namespace_id || '|' || t.object || '|' || t.relation || '|' ||
                   coalesce(t.subject_id, t.subject_set_namespace_id || ':' || t.subject_set_object || '#' || t.subject_set_relation)
            FROM retuple_broken_tuples b JOIN keto_relation_tuples t ON t.shard_id = b.row_key
            """
        let recreated = try run.shell(
            run.backend == .sqlite ? #"sqlite3 "$KETO_DB" "$QUERY""# : #"psql -X -A -t -v ON_ERROR_STOP=1 -c "$QUERY""#,
            with: ["QUERY": query]
        )
        #expect(recreated.status == 0, "\(recreated.stderr)")
        #expect(recreated.stdout.split(separator: "\n").map(String.init).sorted() == recreatedTuples(on: run.backend).sorted())

        for file in ["broken-export.jsonl", "broken-recreate.jsonl"] {
            let text = try String(contentsOfFile: run.backupPath(file), encoding: .utf8)
            #expect(text.split(separator: "\n").count == demo.brokenRows, "\(file)")
        }
        let mode = try FileManager.default.attributesOfItem(atPath: run.backupPath("broken-export.jsonl"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let backup = run.backupPath(run.backend == .sqlite ? "before-broken-apply.sqlite" : "before-broken-apply.dump")
        #expect(FileManager.default.fileExists(atPath: backup))
    }

    /// `namespace_id|object|relation|subject` of each recreated demo row.
    static func recreatedTuples(on backend: DatabaseBackend) -> [String] {
        let common = ["0|notes.txt|editor|user-erin", "0|notes.txt|viewer|2:admins#member", "0|report.pdf|viewer|2:core#member"]
        return switch backend {
        case .sqlite: common + ["1|archive|viewer|user-frank", "1|archive-2021|viewer|user-frank", "2|ops|member|user-grace"]
        case .postgres: common + ["1|docs|viewer|user-with-a-long-name"]
        }
    }
}
