import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

/// `namespace migrate legacy --down-only -y` killed with SIGKILL at each
/// step of a table's transaction (accounting for its rows, dropping,
/// committing), after a migration that kept every legacy table: each
/// legacy table is either there with all its rows (and its
/// `keto_namespace_N_migrations`) or dropped with it, never partly; the
/// unified rows and broken records are untouched; a re-run drops the rest.
@Suite("fault injection: SIGKILL at the steps of --down-only (built binary)", .serialized)
struct DownOnlyKillTests {
    static let requiredSteps: [MigrationStep] = [.reading, .dropping, .committing]

    @Test("SIGKILL at every step of --down-only: each legacy table whole or dropped; a re-run drops the rest", arguments: TestBackends.all)
    func randomKills(backend: DatabaseBackend) throws {
        let seed = FaultInjectionTests.seed
        try KillTrialTemplate.with(backend, tuples: 20_000, namespaces: 4, brokenShare: 0.01) { template in
            // Migrated, every table kept: yes to the migration, no to each drop.
            try template.withCopy { migrated in
                let run = try migrated.migrateLegacy(["-q"], stdin: "y\n" + String(repeating: "n\n", count: template.namespaces.count))
                try #require(run.status == 3, "\(run.stdout)\(run.stderr)")
                let everyTable = template.namespaces.flatMap { [$0.table.name, $0.table.migrationTable] }.sorted()
                try #require(try migrated.legacyTablesLeft().sorted() == everyTable, "\(run.stdout)")
                try MigrateLegacyConcurrencyTests.waitForSessionsToEnd(of: migrated)

                let words = LegacyWorkspace.migrateLegacyWords
                let calibration = try migrated.withCopy { workspace in
                    let run = try TracedMigration(workspace.commandLine(words, ["--down-only", "-y"]), in: workspace.directory.url, killAt: nil).wait()
                    #expect(run.process.status == 0, "\(run.plainStderr)")
                    #expect(try workspace.legacyTablesLeft().isEmpty)
                    return try AimedKillTrials.calibrate(run, requiredSteps: Self.requiredSteps, context: "\(backend) uninterrupted --down-only")
                }
                let trials = AimedKillTrials(name: "down-only \(backend.rawValue)", seed: seed, requiredSteps: Self.requiredSteps)
                var droppedByKilledRuns = 0
                let summary = try trials.run(calibration: calibration) { point, number in
                    try migrated.withCopy { workspace in
                        let killed = try TracedMigration(workspace.commandLine(words, ["--down-only", "-y"]), in: workspace.directory.url, killAt: point).wait()
                        let landed = AimedKillTrials.landed(killed)
                        let context = "seed \(seed), \(backend) trial \(number): kill at \(point) landed in \(landed)"
                        #expect(killed.process.status == (killed.killed ? SIGKILL : 0), "\(context): \(killed.plainStderr)")
                        try MigrateLegacyConcurrencyTests.waitForSessionsToEnd(of: workspace)

                        let states = try Self.check(workspace, template, context: context)
                        droppedByKilledRuns += states.values.filter { !$0 }.count
                        for printed in killed.process.namespaceFigures {
                            #expect(states[printed.id] == false, "\(context): \(printed) was printed dropped but is still there")
                        }

                        let rerun = try workspace.migrateLegacy(["--down-only", "-y"])
                        let expected = template.namespaces.filter { states[$0.namespace.id] == true }.map { namespace in
                            NamespaceFigures(
                                name: namespace.namespace.name, id: namespace.namespace.id, legacy: namespace.legacy,
                                migrated: 0, alreadyPresent: namespace.unified, broken: namespace.broken, dropped: true
                            )
                        }
                        #expect(rerun.status == 0, "\(context): the re-run exited \(rerun.status): \(rerun.stderr)")
                        #expect(rerun.stderr.isEmpty, "\(context): \(rerun.stderr)")
                        #expect(rerun.namespaceFigures == expected, "\(context): \(rerun.stdout)")
                        let after = try Self.check(workspace, template, context: "\(context), re-run")
                        #expect(after.values.allSatisfy { !$0 }, "\(context): tables left after the re-run: \(after)")
                        return landed
                    }
                }
                print("--down-only kills, \(backend.rawValue), seed \(seed), \(droppedByKilledRuns) tables dropped before the kills: \(summary)")
                #expect(summary.missing.isEmpty, "seed \(seed), \(backend): no kill landed in \(summary.missing.map(\.rawValue)): \(summary)")
            }
        }
    }

    /// Checks every namespace: its legacy table is there with exactly its
    /// rows and its migrations table, or both are gone; its unified rows and
    /// broken records are the migration's, untouched. On SQLite the file is
    /// sound.
    ///
    /// - Returns: for each namespace id, whether its legacy table is there.
    static func check(_ workspace: LegacyWorkspace, _ template: KillTrialTemplate, context: String) throws -> [Int32: Bool] {
        try workspace.withDatabase { database in
            func count(_ sql: String, _ bindings: [DatabaseValue] = []) throws -> Int { Int(try database.scalar(sql, bindings)?.integer ?? -1) }
            var present: [Int32: Bool] = [:]
            for expected in template.namespaces {
                let table = expected.table
                let pristine = KillTrialTemplate.pristineTable(expected.namespace)
                let legacy = try database.tableExists(table.name)
                let migrations = try database.tableExists(table.migrationTable)
                #expect(legacy == migrations, "\(context): \(expected): legacy table \(legacy ? "there" : "dropped"), migrations table \(migrations ? "there" : "dropped")")
                if legacy {
                    let whole = try KillTrialInvariants.isIdentical(table.name, pristine, rows: expected.legacy, in: database)
                    #expect(whole, "\(context): \(expected): the legacy table is there but not whole")
                }
                present[expected.namespace.id] = legacy
                let id = DatabaseValue.integer(Int64(expected.namespace.id))
                let unified = try count("""
                    SELECT count(*) FROM keto_relation_tuples t JOIN \(KillTrialTemplate.expectedTable) e ON e.key = t.shard_id AND e.broken = 0
                    WHERE t.namespace_id = ?
                    """, [id])
                let records = try count("""
                    SELECT count(*) FROM \(BrokenTupleTable.name) b JOIN \(KillTrialTemplate.expectedTable) e ON e.key = b.row_key AND e.broken = 1
                    WHERE b.namespace_id = ?
                    """, [id])
                #expect(unified == expected.unified && records == expected.broken, "\(context): \(expected): \(unified) unified rows, \(records) records")
                #expect(try count("SELECT count(*) FROM keto_relation_tuples WHERE namespace_id = ?", [id]) == expected.unified, "\(context): \(expected)")
            }
            if database.backend == .sqlite, let check = try database.scalar("PRAGMA integrity_check")?.text {
                #expect(check == "ok", "\(context): \(check)")
            }
            return present
        }
    }
}
