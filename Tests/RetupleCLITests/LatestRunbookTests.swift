import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

/// `runbooks/upgrade-keto-v0.6-to-latest.md`, executed on both backends
/// (`RunbookTests.Run`: every `sh` block of the backend in order, `bash
/// -euo pipefail`, the documented variables set to a copy of the demo v0.6
/// database), so that the runbook cannot drift from the tool. Afterwards
/// the database is in the latest form, no legacy table is left, `verify`
/// passes and every legacy row is migrated, recorded broken or recreated.
@Suite("runbook: upgrade Keto v0.6 to the latest form")
struct LatestRunbookTests {
    @Test("every shell block names its backend, and both backends have the whole procedure")
    func conventions() throws {
        let runbook = try Runbook.checkingFences(Runbook.upgradeToLatest)
        for backend in DatabaseBackend.allCases {
            #expect(runbook.blocks(for: backend).count >= 8, "\(backend): \(runbook.blocks(for: backend).count) blocks")
        }
    }

    @Test("SQLite: the runbook takes the demo database to the latest form")
    func sqlite() throws {
        try Self.perform(try RunbookTests.Run.sqliteDemo(requiring: RunbookTests.commonTools))
    }

    @Test("PostgreSQL: the runbook takes the demo database to the latest form", .enabled(if: TestBackends.postgresEnabled))
    func postgres() throws {
        try RunbookTests.requireTools(RunbookTests.commonTools + ["psql", "pg_dump", "pg_restore", "createdb", "dropdb"])
        let run = try RunbookTests.Run(backend: .postgres)
        try run.withPostgresDatabase(on: try .test()) { name in
            run.variables["DSN"] = "dbname=\(name)"
            run.variables["SCRATCH_DB"] = "\(name)_scratch"
            defer { _ = try? run.shell(#"dropdb --if-exists "$SCRATCH_DB""#) }
            try run.writeConfig(dsn: "dbname=\(name)")
            try run.loadDemoFixture(dsn: "dbname=\(name)")
            try Self.perform(run)
        }
    }

    static func perform(_ run: RunbookTests.Run) throws {
        let runbook = try Runbook(contentsOf: Runbook.upgradeToLatest)
        for name in run.variables.keys.sorted() where !runbook.documents(name) {
            Issue.record("the test sets \(name), which the runbook does not document")
        }
        try run.perform(runbook.blocks(for: run.backend))
        let status = try run.shell(#"retuple status -c "$KETO_CONFIG""#)
        #expect(status.stdout.hasPrefix("schema applied=17 pending=0 state=up_to_date form=latest\n"), "\(status.stdout)")
        #expect(status.stdout.contains("legacy tables: none left"))
        let verify = try run.shell(#"retuple verify -c "$KETO_CONFIG""#)
        #expect(verify.status == 0, "\(verify.stderr)")
        let doctor = try run.shell(#"retuple doctor -c "$KETO_CONFIG""#)
        #expect(doctor.stdout.contains("latest form") && doctor.stdout.contains("the catalog matches it"), "\(doctor.stdout)")
    }
}
