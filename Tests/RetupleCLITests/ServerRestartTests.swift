import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

/// `namespace migrate legacy` while its PostgreSQL server restarts with a
/// fast shutdown (issue 6).
///
/// Runs on a cluster of its own (`ScratchPostgresCluster`), not on the
/// shared test server: a restart ends every session on the server, and the
/// other suites run in parallel on it. A cluster of its own costs this
/// test a few seconds; serializing every PostgreSQL test around it would
/// cost the whole suite far more.
@Suite("namespace migrate legacy: PostgreSQL server restarted mid-migration (built binary)")
struct ServerRestartTests {
    @Test(
        "a fast shutdown mid-namespace: one error line, exit 1, that namespace as it was; a re-run after the restart completes",
        .enabled(if: TestBackends.postgresEnabled)
    )
    func fastShutdownMidMigration() throws {
        try ScratchPostgresCluster.with(fastShutdownMidMigration)
    }

    private func fastShutdownMidMigration(on cluster: ScratchPostgresCluster) throws {
        let admin = try openDatabase(try DataSourceName(parsing: cluster.adminDSN))
        try admin.execute("CREATE DATABASE keto")
        admin.close()
        let directory = try TemporaryDirectory()
        let configPath = directory.path("keto.yml")
        let dsn = cluster.dsn(forDatabase: "keto")
        let generated = try run(
            ["generate", "--dsn", dsn, "--tuples", "400000", "--namespaces", "2", "--broken-share", "0.0005", "--config-out", configPath],
            executable: "retuple-fixtures"
        )
        try #require(generated.status == 0, "\(generated.stderr)")
        let workspace = LegacyWorkspace(backend: .postgres, dsn: dsn, directory: directory, configPath: configPath)
        try #require(try workspace.retuple(["migrate", "up"], ["-y"]).status == 0)
        // ns0 shrinks to its first hour so the run is soon inside ns1.
        try workspace.shrinkFirstNamespaceToItsFirstHour()
        let firstLegacy = try #require(try workspace.legacyRows(namespaceID: 0))
        let interrupted = LegacyLayout.tupleTable(namespaceID: 1)
        let before = try workspace.rows(of: interrupted)

        let process = try workspace.startMigrateLegacy(["-y"])
        let midway = try MigrateLegacyConcurrencyTests.waitUntilMidNamespace(of: interrupted, process: process, workspace)
        try #require(midway && process.isRunning, "the migration never got to copying \(interrupted)'s rows")
        try cluster.restartFast()
        guard let failed = try process.wait(timeout: .seconds(60)) else {
            process.send(SIGKILL)
            Issue.record("retuple still runs 60 s after its server restarted")
            return
        }
        #expect(failed.status == 1)
        #expect(failed.stderrLines.count == 1, "\(failed.stderr)")
        #expect(failed.stderr.hasPrefix("error: \(workspace.locationText): "), "\(failed.stderr)")
        // libpq's words, as the connection ended mid-statement or between two.
        #expect(["server closed the connection unexpectedly", "terminating connection due to administrator command"].contains { failed.stderr.contains($0) }, "\(failed.stderr)")

        // The interrupted namespace is as it was; the one before it committed whole.
        #expect(try workspace.rows(of: interrupted) == before)
        #expect(try workspace.unifiedRows(namespaceID: 1) == 0)
        #expect(try workspace.brokenRecords(namespaceID: 1) == 0)
        #expect(try workspace.unifiedRows(namespaceID: 0) + workspace.brokenRecords(namespaceID: 0) == firstLegacy)

        let rerun = try workspace.migrateLegacy(["-y", "-q"])
        #expect([0, 3].contains(rerun.status), "\(rerun.stderr)")
        #expect(rerun.stderr.isEmpty, "\(rerun.stderr)")
        let resumed = try #require(rerun.namespaceFigures.first { $0.id == 1 }, "\(rerun.stdout)")
        #expect(resumed.legacy == before.count && resumed.alreadyPresent == 0 && resumed.migrated + resumed.broken == before.count, "\(resumed)")
        #expect(rerun.fields(ofLineStartingWith: "migration finished")?["failed"] == "0")
        #expect(rerun.status == (rerun.namespaceFigures.contains { $0.broken > 0 } ? 3 : 0))
        let verify = try workspace.retuple(["verify"])
        #expect(verify.status == 0, "\(verify.stderr)")
    }
}

extension LegacyWorkspace {
    /// How retuple names this workspace's database in messages
    /// (`Database.location`).
    var locationText: String {
        (try? withDatabase { $0.location }) ?? dsn
    }
}
