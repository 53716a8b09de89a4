import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

/// `namespace migrate legacy --target-dsn` from SQLite to PostgreSQL killed
/// with SIGKILL at each step of a namespace's transaction (reading,
/// writing, recording broken rows, committing): the source file stays the
/// same byte for byte, each namespace in the target is as before (nothing
/// of it) or complete (exactly the rows and records an uninterrupted run
/// writes), and a re-run completes with exact figures.
@Suite("fault injection: SIGKILL at the steps of a SQLite to PostgreSQL migration (built binary)", .serialized, .enabled(if: TestBackends.postgresEnabled))
struct CrossDatabaseKillTests {
    static let requiredSteps: [MigrationStep] = [.reading, .writing, .recording, .committing]

    /// What one namespace holds in the target: its unified rows and broken
    /// records, each rendered and sorted.
    struct Contents: Equatable {
        var unified: [String]
        var records: [String]
        var isEmpty: Bool { unified.isEmpty && records.isEmpty }
    }

    static func contents(of namespace: Namespace, in dsn: String) throws -> Contents {
        try DiskFullTests.withDatabase(dsn) { database in
            let id = DatabaseValue.integer(Int64(namespace.id))
            let unified = try database.allRows("""
                SELECT shard_id::text, nid::text, object, relation, subject_id, subject_set_namespace_id, subject_set_object, subject_set_relation, commit_time::text
                FROM keto_relation_tuples WHERE namespace_id = ?
                """, [id]).map(renderedRow).sorted()
            let records = try database.tableExists(BrokenTupleTable.name)
                ? database.allRows("""
                    SELECT row_key::text, nid::text, namespace, legacy_table, shard_id::text, object::text, relation::text, subject::text, commit_time::text, reason, message, recreate
                    FROM \(BrokenTupleTable.name) WHERE namespace_id = ?
                    """, [id]).map(renderedRow).sorted()
                : []
            return Contents(unified: unified, records: records)
        }
    }

    @Test("SIGKILL at every step: the source unchanged byte for byte, each target namespace as before or complete, a re-run exact")
    func randomKills() throws {
        let seed = FaultInjectionTests.seed
        try KillTrialTemplate.with(.sqlite, tuples: 20_000, namespaces: 4, brokenShare: 0.01) { template in
            let source = template.workspace
            let sourceFile = source.directory.path("keto.db")
            let original = try Data(contentsOf: URL(fileURLWithPath: sourceFile))
            func expectSourceUnchanged(_ context: String) throws {
                #expect(try Data(contentsOf: URL(fileURLWithPath: sourceFile)) == original, "\(context): the source file changed")
                let companions = try FileManager.default.contentsOfDirectory(atPath: source.directory.url.path).filter { $0.hasPrefix("keto.db-") }
                #expect(companions.isEmpty, "\(context): beside the source: \(companions)")
            }
            let words = LegacyWorkspace.migrateLegacyWords
            // An empty target with the unified schema; every trial's target is a copy of it, so all share one network.
            try ScratchDatabase.with(.postgres) { targetTemplate in
                let up = try source.retuple(["migrate", "up"], ["--target-dsn", targetTemplate.dsn, "-y"])
                try #require(up.status == 0, "\(up.stderr)")
                try expectSourceUnchanged("migrate up")

                let complete = try ScratchDatabase.with(.postgres, copying: targetTemplate.dsn) { target in
                    let run = try TracedMigration(
                        source.commandLine(words, ["--target-dsn", target.dsn, "-y", "--report", target.directory.path("calibration.jsonl")]),
                        in: target.directory.url, killAt: nil
                    ).wait()
                    #expect(run.process.status == 3, "\(run.plainStderr)")
                    let calibration = try AimedKillTrials.calibrate(run, requiredSteps: Self.requiredSteps, context: "uninterrupted SQLite to PostgreSQL run")
                    let contents = try template.namespaces.map { try Self.contents(of: $0.namespace, in: target.dsn) }
                    for (expected, namespace) in zip(template.namespaces, contents) {
                        #expect(namespace.unified.count == expected.unified && namespace.records.count == expected.broken, "\(expected)")
                    }
                    return (calibration, contents)
                }
                try expectSourceUnchanged("an uninterrupted run")

                let trials = AimedKillTrials(name: "cross-database", seed: seed, requiredSteps: Self.requiredSteps)
                let summary = try trials.run(calibration: complete.0) { point, number in
                    try ScratchDatabase.with(.postgres, copying: targetTemplate.dsn) { target in
                        let killed = try TracedMigration(
                            source.commandLine(words, ["--target-dsn", target.dsn, "-y", "--report", target.directory.path("killed.jsonl")]),
                            in: target.directory.url, killAt: point
                        ).wait()
                        let landed = AimedKillTrials.landed(killed)
                        let context = "seed \(seed), cross-database trial \(number): kill at \(point) landed in \(landed)"
                        #expect(killed.process.status == (killed.killed ? SIGKILL : 3), "\(context): \(killed.plainStderr)")
                        try MigrateLegacyConcurrencyTests.waitForSessionsToEnd(of: LegacyWorkspace(
                            backend: .postgres, dsn: target.dsn, directory: target.directory, configPath: source.configPath
                        ))
                        try expectSourceUnchanged(context)

                        var committed: Set<Int32> = []
                        for (expected, whole) in zip(template.namespaces, complete.1) {
                            let now = try Self.contents(of: expected.namespace, in: target.dsn)
                            if now == whole {
                                committed.insert(expected.namespace.id)
                            } else {
                                #expect(now.isEmpty, "\(context): \(expected) is neither as before nor complete in the target: \(now.unified.count) unified rows, \(now.records.count) records")
                            }
                        }
                        for printed in killed.process.namespaceFigures {
                            #expect(committed.contains(printed.id), "\(context): \(printed) was printed but is not complete")
                        }

                        let rerun = try source.retuple(words, ["--target-dsn", target.dsn, "-y", "-q", "--report", target.directory.path("rerun.jsonl")])
                        let expected = template.namespaces.map { namespace in
                            let done = committed.contains(namespace.namespace.id)
                            return NamespaceFigures(
                                name: namespace.namespace.name, id: namespace.namespace.id, legacy: namespace.legacy,
                                migrated: done ? 0 : namespace.unified, alreadyPresent: done ? namespace.unified : 0,
                                broken: namespace.broken, dropped: false
                            )
                        }
                        #expect(rerun.status == 3, "\(context): the re-run exited \(rerun.status): \(rerun.stderr)")
                        #expect(rerun.stderr.isEmpty, "\(context): \(rerun.stderr)")
                        #expect(rerun.namespaceFigures == expected, "\(context): \(rerun.stdout)")
                        for (expected, whole) in zip(template.namespaces, complete.1) {
                            #expect(try Self.contents(of: expected.namespace, in: target.dsn) == whole, "\(context): \(expected) after the re-run")
                        }
                        try expectSourceUnchanged("\(context), re-run")
                        let verify = try source.retuple(["verify"], ["--target-dsn", target.dsn])
                        #expect(verify.status == 0, "\(context): verify exited \(verify.status): \(verify.stdout)\(verify.stderr)")
                        return landed
                    }
                }
                print("SQLite to PostgreSQL kills, seed \(seed): \(summary)")
                #expect(summary.missing.isEmpty, "seed \(seed): no kill landed in \(summary.missing.map(\.rawValue)): \(summary)")
            }
        }
    }
}
