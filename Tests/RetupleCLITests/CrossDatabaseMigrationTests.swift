import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

/// `--target-dsn` through the built binary: `migrate up`, `namespace
/// migrate legacy` (with `--dry-run` and `--down-only`), `verify` and
/// `status` reading the legacy tables from one database and writing the
/// unified schema into another, the source left byte for byte as it was.
@Suite("cross-database migration: --target-dsn (built binary)")
struct CrossDatabaseMigrationTests {
    /// The database a cross-database run writes into.
    struct Target {
        let dsn: String

        /// A new empty target beside `workspace`: a SQLite file in its
        /// directory, or a fresh database on the test server.
        static func with(_ backend: DatabaseBackend, beside workspace: LegacyWorkspace, _ body: (Target) throws -> Void) throws {
            try ScratchDatabase.with(backend, file: "target.db", in: workspace.directory) { try body(Target(dsn: $0.dsn)) }
        }

        func withDatabase<T>(_ body: (any Database) throws -> T) throws -> T {
            let database = try openDatabase(try DataSourceName(parsing: dsn))
            defer { database.close() }
            return try body(database)
        }

        func count(_ sql: String) throws -> Int {
            try withDatabase { Int(try $0.scalar(sql)?.integer ?? -1) }
        }

        func tableExists(_ name: String) throws -> Bool {
            try withDatabase { try $0.tableExists(name) }
        }
    }

    /// Runs `retuple WORDS --dsn SOURCE -c … --target-dsn TARGET ARGUMENTS`
    /// and checks neither DSN's password is in its output.
    func retuple(
        _ workspace: LegacyWorkspace, _ target: Target, _ words: [String], _ arguments: [String] = [],
        stdin: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> ProcessOutcome {
        let outcome = try workspace.retuple(words, ["--target-dsn", target.dsn] + arguments, stdin: stdin, sourceLocation: sourceLocation)
        if let password = URLComponents(string: target.dsn)?.password, !password.isEmpty {
            #expect(!outcome.stdout.contains(password) && !outcome.stderr.contains(password), "the password is in the output", sourceLocation: sourceLocation)
        }
        return outcome
    }

    // MARK: SQLite to PostgreSQL

    @Test(
        "SQLite to PostgreSQL, 50k rows: the source file unchanged, the rows an in-place run writes, re-runs idempotent, the guarded --down-only",
        .enabled(if: TestBackends.postgresEnabled)
    )
    func sqliteToPostgres() throws {
        try LegacyWorkspace.with(.sqlite, .generated(tuples: 50_000, namespaces: 4, brokenShare: 0.002), applyingSchema: false) { source in
            let sourceFile = source.directory.path("keto.db")
            let original = try Data(contentsOf: URL(fileURLWithPath: sourceFile))
            func expectSourceUnchanged(_ when: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
                #expect(try Data(contentsOf: URL(fileURLWithPath: sourceFile)) == original, "the source file changed \(when)", sourceLocation: sourceLocation)
                let companions = try FileManager.default.contentsOfDirectory(atPath: source.directory.url.path).filter { $0.hasPrefix("keto.db-") }
                #expect(companions.isEmpty, "beside the source: \(companions)", sourceLocation: sourceLocation)
            }
            let inPlaceFile = source.directory.path("in-place.db")
            try FileManager.default.copyItem(atPath: sourceFile, toPath: inPlaceFile)

            try Target.with(.postgres, beside: source) { target in
                let up = try retuple(source, target, ["migrate", "up"], ["-y"])
                #expect(up.status == 0, "\(up.stderr)")
                #expect(up.stdout.contains("pending migrations on postgres database "))
                try expectSourceUnchanged("by migrate up")

                let dry = try retuple(source, target, migrateLegacy, ["-y", "--dry-run", "--report", "dry.jsonl"])
                #expect(dry.status == 3, "\(dry.stderr)")
                #expect(try target.count("SELECT count(*) FROM keto_relation_tuples") == 0)
                #expect(try !target.tableExists(BrokenTupleTable.name))
                try expectSourceUnchanged("by the dry run")

                let first = try retuple(source, target, migrateLegacy, ["-y", "--report", "cross.jsonl"])
                #expect(first.status == 3, "\(first.stderr)")
                #expect(first.stderr.isEmpty)
                #expect(first.namespaceFigures.count == 4)
                #expect(first.namespaceFigures.allSatisfy { $0.legacy == $0.migrated + $0.alreadyPresent + $0.broken && !$0.dropped })
                #expect(first.namespaceFigures == dry.namespaceFigures)
                #expect(first.stdout.contains("only read; once the target serves, drop its legacy tables with --down-only --target-dsn"))
                let migrated = first.namespaceFigures.reduce(0) { $0 + $1.migrated }
                let broken = first.namespaceFigures.reduce(0) { $0 + $1.broken }
                #expect(broken > 0)
                #expect(try source.reportLines("cross.jsonl").count == broken)
                #expect(try target.count("SELECT count(*) FROM keto_relation_tuples") == migrated)
                #expect(try target.count("SELECT count(*) FROM retuple_broken_tuples") == broken)
                try expectSourceUnchanged("by the migration")

                // The same file migrated in place, into a network of the target's id.
                let network = try #require(try target.withDatabase { try Network.currentID(in: $0) })
                let inPlace = try run(["migrate", "up", "--dsn", "sqlite://" + inPlaceFile, "-y"], in: source.directory.url)
                #expect(inPlace.status == 0)
                let inPlaceDatabase = try openDatabase(try DataSourceName(parsing: "sqlite://" + inPlaceFile))
                defer { inPlaceDatabase.close() }
                try inPlaceDatabase.execute("UPDATE networks SET id = ?", [.text(network)])
                let expected = try run(
                    migrateLegacy + ["--dsn", "sqlite://" + inPlaceFile, "-c", source.configPath, "-y", "--report", "in-place.jsonl"],
                    in: source.directory.url
                )
                #expect(expected.status == 3)
                #expect(expected.namespaceFigures.map { $0.with(dropped: false) } == first.namespaceFigures)
                #expect(try target.withDatabase(unifiedRows) == (try unifiedRows(of: inPlaceDatabase)))
                // The PostgreSQL target migrates namespaces at once (--jobs auto), the SQLite file one after the other.
                #expect(try source.reportLinesByNamespace("cross.jsonl") == (try source.reportLinesByNamespace("in-place.jsonl")))

                let again = try retuple(source, target, migrateLegacy, ["-y", "-q"])
                #expect(again.status == 3)
                #expect(again.namespaceFigures == first.namespaceFigures.map(\.rerun))
                #expect(try target.count("SELECT count(*) FROM keto_relation_tuples") == migrated)
                #expect(try target.count("SELECT count(*) FROM retuple_broken_tuples") == broken)

                let verify = try retuple(source, target, ["verify"])
                #expect(verify.status == 0, "\(verify.stderr)")
                #expect(verify.lines.filter { $0.hasPrefix("namespace=") && $0.hasSuffix(" missing=0") }.count == 4)
                let status = try retuple(source, target, ["status"], ["-f", "json"])
                let document = try status.jsonDocument()
                #expect((document["legacy"] as? [[String: Any]])?.compactMap { $0["rows"] as? Int } == first.namespaceFigures.map(\.legacy))
                #expect((document["unified"] as? [[String: Any]])?.compactMap { $0["rows"] as? Int } == first.namespaceFigures.map(\.migrated))
                try expectSourceUnchanged("by the re-run, verify and status")

                // A unified row lost in the target: the guard keeps that namespace's table.
                let lost = try target.withDatabase { database in
                    try database.execute(
                        "DELETE FROM keto_relation_tuples WHERE shard_id = (SELECT shard_id FROM keto_relation_tuples WHERE namespace_id = 1 LIMIT 1)"
                    )
                }
                #expect(lost == 1)
                let ns1 = try #require(first.namespaceFigures.first { $0.name == "ns1" })
                let refused = try retuple(source, target, migrateLegacy, ["--down-only", "-y", "ns1"])
                #expect(refused.status == 1)
                #expect(refused.stderr == "error: refusing to drop keto_0000000001_relation_tuples: 1 of its \(ns1.legacy) rows are neither migrated nor recorded broken; run `retuple namespace migrate legacy ns1 --target-dsn …` first, or pass --force to drop them\n")
                let failedVerify = try retuple(source, target, ["verify"])
                #expect(failedVerify.status == 1)
                #expect(failedVerify.stderrLines == ["error: 1 legacy rows are neither migrated nor recorded broken (ns1: 1); run `retuple namespace migrate legacy`"])
                try expectSourceUnchanged("by a refused --down-only")

                let repaired = try retuple(source, target, migrateLegacy, ["-y", "ns1", "--report", "repair.jsonl"])
                #expect(repaired.namespaceFigures.map { [$0.migrated, $0.alreadyPresent] } == [[1, ns1.migrated - 1]])
                let dropped = try retuple(source, target, migrateLegacy, ["--down-only", "-y"])
                #expect(dropped.status == 0, "\(dropped.stderr)")
                #expect(dropped.namespaceFigures.count == 4 && dropped.namespaceFigures.allSatisfy(\.dropped))
                #expect(try source.legacyTablesLeft().isEmpty)
                #expect(try target.count("SELECT count(*) FROM keto_relation_tuples") == migrated)
                let gate = try retuple(source, target, ["status"], ["--wait", "--timeout", "5s"])
                #expect(gate.status == 0)
                #expect(gate.lines.contains("legacy tables: none left"))
            }
        }
    }

    // MARK: Every pair of backends

    @Test("every pair of backends: the demo's figures in json, the source unchanged, its rows in the target; --down-only then drops from the source", arguments: TestBackends.all, TestBackends.all)
    func pairs(sourceBackend: DatabaseBackend, targetBackend: DatabaseBackend) throws {
        try LegacyWorkspace.with(sourceBackend, .demo, applyingSchema: false) { source in
            let before = try source.dump()
            try Target.with(targetBackend, beside: source) { target in
                #expect(try retuple(source, target, ["migrate", "up"], ["-y", "-q"]).status == 0)
                let outcome = try retuple(source, target, migrateLegacy, ["-y", "-f", "json", "--report", "cross.jsonl"])
                #expect(outcome.status == 3, "\(outcome.stderr)")
                #expect(outcome.stderr.isEmpty)
                let document = try outcome.jsonDocument()
                let figures = (document["namespaces"] as? [[String: Any]] ?? []).compactMap(NamespaceFigures.init(json:))
                let expected = DemoDataset.figures(on: sourceBackend)
                #expect(figures == expected)
                #expect(document["report"] as? String == "cross.jsonl")
                #expect(document["dry_run"] as? Bool == false)
                try MigrateLegacyCommandTests.expectDemoReport(try source.reportLines("cross.jsonl"), on: sourceBackend)
                #expect(try source.dump() == before, "the source changed")
                for namespace in expected {
                    #expect(try target.count("SELECT count(*) FROM keto_relation_tuples WHERE namespace_id = \(namespace.id)") == namespace.migrated)
                    #expect(try target.count("SELECT count(*) FROM retuple_broken_tuples WHERE namespace_id = \(namespace.id)") == namespace.broken)
                }
                let targetTables = try target.withDatabase { try $0.tableNames() }
                #expect(targetTables.allSatisfy { LegacyLayout.namespaceID(ofTupleTable: $0) == nil }, "legacy tables in the target: \(targetTables)")

                let dropped = try retuple(source, target, migrateLegacy, ["--down-only", "-y"])
                #expect(dropped.status == 0, "\(dropped.stderr)")
                #expect(dropped.namespaceFigures.map(\.name) == expected.map(\.name) && dropped.namespaceFigures.allSatisfy(\.dropped))
                #expect(try source.legacyTablesLeft().isEmpty)
                #expect(try target.count("SELECT count(*) FROM keto_relation_tuples") == expected.reduce(0) { $0 + $1.migrated })
            }
        }
    }

    // MARK: Refusals

    @Test("a target that is the source, spelled another way, is refused by every command, changing nothing", arguments: TestBackends.all)
    func sameDatabase(backend: DatabaseBackend) throws {
        try LegacyWorkspace.with(backend, .clean) { workspace in
            let before = try workspace.dump()
            let sameDatabase: String
            switch backend {
            case .sqlite:
                try FileManager.default.createSymbolicLink(atPath: workspace.directory.path("link.db"), withDestinationPath: workspace.directory.path("keto.db"))
                sameDatabase = "sqlite://./link.db?_fk=true"
            case .postgres:
                let url = try #require(URLComponents(string: workspace.dsn))
                sameDatabase = "host=localhost port=\(url.port ?? 5432) dbname=\(url.path.dropFirst()) user=\(url.user ?? "") password=\(url.password ?? "") sslmode=disable"
            }
            let target = Target(dsn: sameDatabase)
            for words in [["migrate", "up"], migrateLegacy, ["verify"], ["status"]] {
                let outcome = try retuple(workspace, target, words, words == ["status"] || words == ["verify"] ? [] : ["-y"])
                #expect(outcome.status == 1, "\(words)")
                #expect(outcome.stderrLines.count == 1)
                #expect(outcome.stderr.hasPrefix("error: the source (--dsn) and the target (--target-dsn) are the same database, "), "\(outcome.stderr)")
                #expect(outcome.stderr.hasSuffix("; to migrate in place, leave out --target-dsn\n"))
            }
            #expect(try workspace.dump() == before)
        }
    }

    @Test("an unreachable target, a target without the unified schema and a bad --target-dsn: one error line, nothing changed", arguments: TestBackends.all)
    func badTargets(backend: DatabaseBackend) throws {
        try LegacyWorkspace.with(backend, .clean, applyingSchema: false) { source in
            let before = try source.dump()
            let unreachable = try retuple(
                source, Target(dsn: "postgresql://keto:secret-pw@127.0.0.1:1/keto?connect_timeout=5"), migrateLegacy, ["-y"]
            )
            #expect(unreachable.status == 1)
            #expect(unreachable.stderrLines.count == 1)
            #expect(unreachable.stderr.hasPrefix("error: cannot connect to PostgreSQL (postgresql://keto:***@127.0.0.1:1/keto?connect_timeout=5): "))
            #expect(!unreachable.stderr.contains("secret-pw"))

            let unsupported = try retuple(source, Target(dsn: "mysql://db/keto"), migrateLegacy, ["-y"])
            #expect(unsupported.stderr == "error: unsupported database `mysql` in DSN mysql://db/keto: retuple works with sqlite:// and postgres:// (from --target-dsn)\n")
            let empty = try retuple(source, Target(dsn: " "), migrateLegacy, ["-y"])
            #expect(empty.status == 64)
            #expect(empty.stderr == "error: --target-dsn is empty\n")

            try Target.with(backend, beside: source) { target in
                if backend == .sqlite {
                    let missing = try retuple(source, target, migrateLegacy, ["-y"])
                    #expect(missing.stderr.hasSuffix("target.db does not exist (run `retuple migrate up` to create a new one)\n"), "\(missing.stderr)")
                    #expect(try retuple(source, target, ["migrate", "up"], ["-y", "-q"]).status == 0)
                    #expect(try run(["migrate", "down", "--dsn", target.dsn, "--steps", "1", "-y"]).status == 0)
                }
                let unapplied = try retuple(source, target, migrateLegacy, ["-y"])
                #expect(unapplied.status == 1)
                #expect(unapplied.stderrLines.count == 1)
                #expect(unapplied.stderr.contains("migrations pending); run `retuple migrate up --target-dsn …` first"), "\(unapplied.stderr)")
                #expect(unapplied.stdout.isEmpty)
            }
            #expect(try source.dump() == before)
        }
    }

    @Test("migrate up --target-dsn asks before creating a SQLite target; the source is only opened")
    func migrateUpCreatesTarget() throws {
        try LegacyWorkspace.with(.sqlite, .clean, applyingSchema: false) { source in
            let original = try Data(contentsOf: source.directory.url.appendingPathComponent("keto.db"))
            try Target.with(.sqlite, beside: source) { target in
                let declined = try retuple(source, target, ["migrate", "up"], stdin: "n\n")
                #expect(declined.status == 0)
                #expect(declined.stdout.contains("pending migrations on new sqlite database \(source.directory.path("target.db")):"))
                #expect(!FileManager.default.fileExists(atPath: source.directory.path("target.db")))

                let applied = try retuple(source, target, ["migrate", "up"], ["-y"])
                #expect(applied.status == 0)
                #expect(try target.count("SELECT count(*) FROM schema_migration") == 8)
                #expect(try Data(contentsOf: source.directory.url.appendingPathComponent("keto.db")) == original)
            }
        }
    }

    // MARK: Reading the databases

    /// The unified rows, every column as text, sorted; `commit_time` as
    /// the instant it reads as, to the microsecond (a PostgreSQL
    /// `timestamp` holds no more).
    func unifiedRows(of database: any Database) throws -> [String] {
        let cast = database.backend == .postgres ? "::text" : ""
        return try database.allRows("""
            SELECT shard_id\(cast), nid\(cast), namespace_id, object, relation, subject_id,
                   subject_set_namespace_id, subject_set_object, subject_set_relation, commit_time\(cast)
            FROM keto_relation_tuples
            """).map { row in
            let time = LegacyCommitTime.parse(row[9])
            return renderedRow(Array(row.dropLast())) + " | " + (time.map { "\($0.seconds).\($0.nanoseconds / 1_000)" } ?? "unreadable")
        }.sorted()
    }
}

/// `namespace migrate legacy`.
private let migrateLegacy = LegacyWorkspace.migrateLegacyWords
