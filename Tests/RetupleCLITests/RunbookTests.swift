import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

/// `runbooks/upgrade-keto-v0.6-to-v0.7.md`, then `runbooks/rollback.md`,
/// executed, so that the runbooks cannot drift from the tool.
///
/// Every ```` ```sh sqlite ````, ```` ```sh postgres ```` and
/// ```` ```sh both ```` block runs, in the runbooks' order, once per backend:
/// each with `bash -euo pipefail` under a time limit, in one scratch
/// directory per backend, with the variables the runbook documents set to a
/// fresh copy of the demo v0.6 database (`legacy-fixtures/demo/`) and the
/// package's executables first on `PATH`. Every block must exit 0 (a
/// migration that finds broken rows is written `… || [ $? -eq 3 ]`).
/// ```` ```console ```` and ```` ```text ```` blocks are not run.
///
/// The upgrade runbook's blocks run first, and the upgraded database is
/// checked: no legacy table left, `retuple verify` green, the 12
/// clean rows migrated, the broken rows reported and recorded, the one
/// rebuildable tuple written for Keto, the restore test's row counts
/// compared; on PostgreSQL, Keto v0.6's role cannot write and v0.7's role
/// reads the tuples. Then the rollback runbook's blocks run, in the same
/// directory with the same variables, and the restored v0.6 database is
/// checked.
///
/// PostgreSQL: a fresh database on the test server, owned by a new role
/// that loads the fixture, as a Keto v0.6 deployment's role does; the
/// runbook itself creates the v0.7 role. Role names are unique per run, and
/// both roles and the scratch database are dropped afterwards. The test runs
/// whenever the server is there or required (`RETUPLE_REQUIRE_POSTGRES=1`),
/// so CI never skips it silently.
@Suite("runbook: upgrade Keto v0.6 to v0.7")
struct RunbookTests {
    @Test("every shell block names its backend, and both backends have an upgrade and a rollback")
    func conventions() throws {
        let upgrade = try Runbook.checkingFences(Runbook.upgrade), rollback = try Runbook.checkingFences(Runbook.rollback)
        for backend in DatabaseBackend.allCases {
            #expect(upgrade.blocks(for: backend).count >= 5, "\(backend): the upgrade has \(upgrade.blocks(for: backend).count) blocks")
            #expect(!rollback.blocks(for: backend).isEmpty, "\(backend): no rollback block")
        }
        #expect(upgrade.text.contains("](rollback.md)"), "the upgrade runbook does not link to the rollback")
    }

    @Test("SQLite: the runbook upgrades the demo database, then rolls it back")
    func sqlite() throws {
        try Self.perform(try Run.sqliteDemo(requiring: Self.commonTools))
    }

    @Test(
        "PostgreSQL: the runbook freezes v0.6's role, upgrades with a v0.7 role, then rolls back",
        .enabled(if: TestBackends.postgresEnabled)
    )
    func postgres() throws {
        try Self.requireTools(Self.commonTools + ["psql", "pg_dump", "pg_restore", "createdb", "dropdb"])
        let server = try Server.test()
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let run = try Run(backend: .postgres)
        run.variables["KETO_V06_ROLE"] = "keto_v06_\(suffix)"
        run.variables["KETO_V06_PASSWORD"] = "v06-\(UUID().uuidString)"
        run.variables["KETO_V07_ROLE"] = "keto_v07_\(suffix)"
        run.variables["KETO_V07_PASSWORD"] = "v07-\(UUID().uuidString)"
        defer { run.dropRolesAndScratchDatabase(on: server) }
        try run.withPostgresDatabase(on: server) { name in
            run.variables["DSN"] = "dbname=\(name)"
            run.variables["SCRATCH_DB"] = "\(name)_scratch"
            try run.setUpKetoV06Role(on: server)
            try Self.perform(run)
        }
    }

    // MARK: - The run

    /// The tools the blocks of either backend call besides `retuple`.
    static let commonTools = ["bash", "timeout", "jq", "split", "sha256sum", "sqlite3"]

    /// Fails the test, naming them, when `tools` are not all on `PATH`.
    static func requireTools(_ tools: [String]) throws {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        let missing = tools.filter { tool in
            !directories.contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
        }
        try #require(missing.isEmpty, "not on PATH: \(missing.joined(separator: ", ")); scripts/test installs them")
    }

    /// Runs the upgrade runbook, checks the upgraded database, runs the
    /// rollback runbook in the same directory with the same variables,
    /// checks the restored one.
    static func perform(_ run: Run) throws {
        let upgrade = try Runbook(contentsOf: Runbook.upgrade), rollback = try Runbook(contentsOf: Runbook.rollback)
        for name in run.variables.keys.sorted() where !upgrade.documents(name) {
            Issue.record("the test sets \(name), which the upgrade runbook does not document")
        }
        let rollbackBlocks = rollback.blocks(for: run.backend)
        for name in run.variables.keys.sorted() where !rollback.documents(name)
            && rollbackBlocks.contains(where: { $0.script.contains("$\(name)") }) {
            Issue.record("the rollback runbook uses \(name) without documenting it")
        }
        try run.perform(upgrade.blocks(for: run.backend))
        try checkUpgraded(run)
        try run.perform(rollbackBlocks)
        try checkRolledBack(run)
    }

    /// The database after step 6, and the files the runbook left in `BACKUP_DIR`.
    static func checkUpgraded(_ run: Run) throws {
        let demo = DemoFixture(backend: run.backend)
        let status = try run.status()
        #expect(status.legacy.isEmpty, "legacy tables left: \(status.legacy)")
        #expect(status.schema.pending == 0)
        #expect(status.unified.map(\.rows).reduce(0, +) == DemoFixture.migratedRows)
        #expect(status.broken.map(\.recorded).reduce(0, +) == demo.brokenRows)

        let verify = try run.shell(#"retuple verify -c "$KETO_CONFIG""#)
        #expect(verify.status == 0, "retuple verify: \(verify.stderr)")
        #expect(verify.stdout.contains("no legacy table is left"))

        let report = try String(contentsOfFile: run.backupPath("broken-tuples.jsonl"), encoding: .utf8)
        #expect(report.split(separator: "\n").count == demo.brokenRows)
        let mode = try FileManager.default.attributesOfItem(atPath: run.backupPath("broken-tuples.jsonl"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let recreate = try FileManager.default.contentsOfDirectory(atPath: run.backupPath("recreate"))
        #expect(recreate.count == 1)
        if let file = recreate.first {
            let tuple = try String(contentsOfFile: run.backupPath("recreate/\(file)"), encoding: .utf8)
            #expect(tuple == DemoFixture.recreatedTuple + "\n")
        }

        let live = try String(contentsOfFile: run.backupPath("row-counts-live.txt"), encoding: .utf8)
        let restored = try String(contentsOfFile: run.backupPath("row-counts-restored.txt"), encoding: .utf8)
        #expect(live == restored)
        for (id, rows) in demo.legacyRows.enumerated() {
            let table = DemoFixture.tupleTable(id)
            let line = [Substring(table), Substring(String(rows))]
            #expect(live.split(separator: "\n").contains { $0.split(whereSeparator: { " |".contains($0) }) == line }, "\(table) \(rows) not in \(live)")
        }

        if run.backend == .postgres {
            try checkRoles(run)
        }
    }

    /// On PostgreSQL after step 6: Keto v0.6's login cannot write, even in a
    /// read-write transaction; Keto v0.7's login reads every tuple.
    static func checkRoles(_ run: Run) throws {
        let writes = [
            "INSERT INTO keto_relation_tuples (shard_id, nid, namespace_id, object, relation, subject_id, commit_time) SELECT gen_random_uuid(), id, 0, 'probe', 'probe', 'probe', now() FROM networks",
            "INSERT INTO schema_migration (version) VALUES ('probe')",
            "DELETE FROM networks",
        ]
        for write in writes {
            let outcome = try run.psql(as: "KETO_V06", "BEGIN READ WRITE", write, "ROLLBACK")
            #expect(outcome.status != 0, "Keto v0.6's role could run: \(write)")
            #expect(outcome.stderr.contains("permission denied"), "\(outcome.stderr)")
        }
        let readOnly = try run.psql(as: "KETO_V06", "SHOW default_transaction_read_only")
        #expect(readOnly.stdout == "on\n")
        let count = try run.psql(as: "KETO_V07", "SELECT count(*) FROM keto_relation_tuples")
        #expect(count.stdout == "\(DemoFixture.migratedRows)\n", "\(count.stderr)")
    }

    /// The database after the rollback: the v0.6 database as it was, and
    /// on PostgreSQL Keto v0.6's role writing again.
    static func checkRolledBack(_ run: Run) throws {
        let demo = DemoFixture(backend: run.backend)
        let status = try run.status()
        #expect(status.legacy.map(\.rows) == demo.legacyRows)
        #expect(status.unified.isEmpty)
        #expect(status.schema.pending > 0, "the unified schema is still applied")
        if run.backend == .postgres {
            let table = DemoFixture.tupleTable(0)
            let write = try run.psql(
                as: "KETO_V06", "BEGIN", "INSERT INTO \(table) VALUES ('default', 'probe', 'probe', 'probe', now())", "ROLLBACK"
            )
            #expect(write.status == 0, "Keto v0.6's role cannot write after the rollback: \(write.stderr)")
        }
    }
}

extension RunbookTests {
    /// What the demo fixture holds on each backend (`legacy-fixtures/demo/`).
    struct DemoFixture {
        let backend: DatabaseBackend

        /// Rows per namespace, ids 0, 1, 2.
        var legacyRows: [Int] { backend == .sqlite ? [9, 5, 4] : [9, 4, 3] }
        /// Rows that cannot be carried over: one per reason the backend can hold.
        var brokenRows: Int { backend == .sqlite ? 6 : 4 }
        /// The clean rows, the same on both backends.
        static let migratedRows = 12
        /// The one broken row whose tuple can be rebuilt (its commit time is
        /// unreadable), in Keto v0.7's JSON shape as the report gives it.
        static let recreatedTuple = #"{"namespace":"files","object":"notes.txt","relation":"editor","subject_id":"user-erin"}"#
        /// The v0.6 tuple table of namespace `id`.
        static func tupleTable(_ id: Int) -> String {
            "keto_" + String(repeating: "0", count: 10 - String(id).count) + String(id) + "_relation_tuples"
        }
        /// `legacy-fixtures/demo/` in this repository.
        static let directory = repositoryRoot.appendingPathComponent("legacy-fixtures/demo")
    }

    /// `retuple status -f json`, as far as the runbook test reads it.
    struct StatusDocument: Decodable {
        struct Rows: Decodable, CustomStringConvertible {
            let id: Int
            let rows: Int
            var description: String { "\(id): \(rows) rows" }
        }
        struct Broken: Decodable {
            let id: Int
            let recorded: Int
        }
        struct Schema: Decodable {
            let applied: Int
            let pending: Int
        }
        let legacy: [Rows]
        let unified: [Rows]
        let broken: [Broken]
        let schema: Schema
    }
}
