import Foundation
import RetupleCore
import RetupleFixtures
import RetupleTestSupport
import Testing

/// The migrator over real databases: what it writes, records and counts.
@Suite("Legacy migrator")
struct LegacyMigratorTests {
    /// A unified row as compared here: every column but `shard_id` and `nid`.
    struct ExpectedRow: Hashable {
        let namespaceID: Int64
        let object: String
        let relation: String
        let subjectID: String?
        let subjectSetNamespaceID: Int64?
        let subjectSetObject: String?
        let subjectSetRelation: String?
        let commitTime: String
    }

    /// Generates a mixed v0.6 database with every broken reason the backend
    /// can hold, applies the unified schema and opens a migrator on it.
    func withMigrator(
        _ backend: DatabaseBackend, tuples: Int, _ body: (LegacyMigrator, GeneratorPlan, TemporaryDirectory) throws -> Void
    ) throws {
        var plan = GeneratorPlan(tuples: tuples, namespaceCount: 3, seed: 11)
        for reason in GeneratorPlan.possibleReasons(on: backend) { plan.brokenShares[reason] = 0.002 }
        try ScratchDatabase.withOpenDatabase(backend) { database, _ in
            _ = try LegacyTupleGenerator(plan: plan).generate(into: database)
            _ = try SchemaMigrator(database: database, logger: testLogger).applyPending()
            let migrator = try LegacyMigrator(
                database: database, configuration: Configuration(namespaces: plan.namespaces),
                logger: testLogger, lockTimeout: .seconds(5)
            )
            try body(migrator, plan, try TemporaryDirectory())
        }
    }

    /// What the unified table must hold, computed from the legacy rows by
    /// rules written out independently of the product's transformer:
    /// the legacy commit times were written in the unified format, so a
    /// good row's commit time reads back as the same text.
    func expectedRows(of database: any Database, namespaces: [Namespace]) throws -> (rows: Set<ExpectedRow>, broken: Int) {
        let ids = Dictionary(uniqueKeysWithValues: namespaces.map { ($0.name, Int64($0.id)) })
        var rows = Set<ExpectedRow>()
        var broken = 0
        for namespace in namespaces {
            let commitTime = database.backend == .postgres ? "commit_time::text" : "commit_time"
            let legacy = try database.allRows("SELECT object, relation, subject, \(commitTime) FROM \(LegacyLayout.tupleTable(namespaceID: namespace.id))")
            for row in legacy {
                guard let object = row[0].text, let relation = row[1].text, let subject = row[2].text, let time = row[3].text,
                      time.first?.isNumber == true, time != "now"
                else { broken += 1; continue }
                let short = { (text: Substring) in text.unicodeScalars.count <= 64 }
                guard short(Substring(object)), short(Substring(relation)) else { broken += 1; continue }
                let hashParts = subject.split(separator: "#", omittingEmptySubsequences: false)
                if hashParts.count == 1 {
                    guard short(Substring(subject)) else { broken += 1; continue }
                    rows.insert(ExpectedRow(namespaceID: Int64(namespace.id), object: object, relation: relation, subjectID: subject,
                                            subjectSetNamespaceID: nil, subjectSetObject: nil, subjectSetRelation: nil, commitTime: time))
                    continue
                }
                let colonParts = hashParts[0].split(separator: ":", omittingEmptySubsequences: false)
                guard hashParts.count == 2, colonParts.count == 2, short(colonParts[1]), short(hashParts[1]),
                      let setNamespace = ids[String(colonParts[0])]
                else { broken += 1; continue }
                rows.insert(ExpectedRow(namespaceID: Int64(namespace.id), object: object, relation: relation, subjectID: nil,
                                        subjectSetNamespaceID: setNamespace, subjectSetObject: String(colonParts[1]),
                                        subjectSetRelation: String(hashParts[1]), commitTime: time))
            }
        }
        return (rows, broken)
    }

    func unifiedRows(of database: any Database) throws -> [ExpectedRow] {
        let commitTime = database.backend == .postgres ? "commit_time::text" : "commit_time"
        return try database.allRows("""
            SELECT namespace_id, object, relation, subject_id, subject_set_namespace_id, subject_set_object, subject_set_relation, \(commitTime)
            FROM keto_relation_tuples
            """).map {
            ExpectedRow(namespaceID: $0[0].integer!, object: $0[1].text!, relation: $0[2].text!, subjectID: $0[3].text,
                        subjectSetNamespaceID: $0[4].integer, subjectSetObject: $0[5].text, subjectSetRelation: $0[6].text,
                        commitTime: $0[7].text!)
        }
    }

    @Test("50k mixed rows migrate to exactly the rows an independent computation expects", arguments: TestBackends.all)
    func mixedDataset(backend: DatabaseBackend) throws {
        try withMigrator(backend, tuples: 50_000) { migrator, plan, directory in
            let database = migrator.database
            let expected = try expectedRows(of: database, namespaces: plan.namespaces)
            let indexes = try database.indexDefinitions(of: "keto_relation_tuples")
            let report = BrokenTupleReport(path: directory.path("report.jsonl"))
            let results = try migrator.legacyTables(named: nil).map {
                try migrator.migrate($0, report: report, dropWhenClean: false, dryRun: false, maxBroken: nil)
            }
            let unified = try unifiedRows(of: database)
            #expect(unified.count == Set(unified).count, "no duplicates")
            #expect(Set(unified) == expected.rows)
            #expect(results.reduce(0) { $0 + $1.broken } == expected.broken)
            #expect(results.reduce(0) { $0 + $1.migrated } == expected.rows.count)
            #expect(results.allSatisfy { $0.legacy == $0.migrated + $0.alreadyPresent + $0.broken && !$0.dropped })
            #expect(try database.rowCount(of: BrokenTupleTable.name) == expected.broken)
            #expect(report.lineCount == expected.broken)
            #expect(try database.scalar("SELECT count(DISTINCT nid) FROM keto_relation_tuples")?.integer == 1)
            // SQLite built them again after the first namespace (`IndexDeferral`).
            #expect(try database.indexDefinitions(of: "keto_relation_tuples") == indexes)
            #expect(indexes.count == 4)
            if backend == .sqlite {
                #expect(try database.scalar("PRAGMA integrity_check")?.text == "ok")
            }

            // A re-run writes nothing and finds everything.
            let again = try migrator.legacyTables(named: nil).map {
                try migrator.migrate($0, report: report, dropWhenClean: false, dryRun: false, maxBroken: nil)
            }
            #expect(again.allSatisfy { $0.migrated == 0 && $0.alreadyPresent + $0.broken == $0.legacy })
            #expect(try unifiedRows(of: database).count == unified.count)
            #expect(try database.rowCount(of: BrokenTupleTable.name) == expected.broken)
        }
    }

    @Test("every row is accounted for after a migration; a late row is not, and blocks the drop", arguments: TestBackends.all)
    func accountingAndGuard(backend: DatabaseBackend) throws {
        try withMigrator(backend, tuples: 3_000) { migrator, _, directory in
            let table = try #require(try migrator.legacyTables(named: "ns1").first)
            let before = try migrator.accounting(of: table)
            #expect(before.migrated == 0 && before.broken == 0 && before.missing == before.legacy)

            let result = try migrator.migrate(table, report: BrokenTupleReport(path: directory.path("r.jsonl")), dropWhenClean: false, dryRun: false, maxBroken: nil)
            let after = try migrator.accounting(of: table)
            #expect(after.migrated == result.migrated && after.broken == result.broken && after.missing == 0)

            let timestamp = migrator.database.timestampText(Timestamp(seconds: 1_700_000_000))
            try migrator.database.execute(
                "INSERT INTO \(table.name) (shard_id, object, relation, subject, commit_time) VALUES ('default', 'late', 'viewer', 'user-late', ?)",
                [.text(timestamp)]
            )
            #expect(try migrator.accounting(of: table).missing == 1)
            expectDropRefused(table, by: migrator, unaccountedRowsOf: after.legacy + 1)
            #expect(try migrator.database.tableExists(table.name))
            let forced = try migrator.drop(table, force: true)
            #expect(forced.missing == 1)
            #expect(try !migrator.database.tableExists(table.name))
            #expect(try !migrator.database.tableExists(table.migrationTable))
        }
    }

    @Test("a dry run and a namespace over --max-broken change nothing", arguments: TestBackends.all)
    func rollbacks(backend: DatabaseBackend) throws {
        try withMigrator(backend, tuples: 3_000) { migrator, _, directory in
            let table = try #require(try migrator.legacyTables(named: "ns0").first)
            let report = BrokenTupleReport(path: directory.path("r.jsonl"))
            let indexes = try migrator.database.indexDefinitions(of: "keto_relation_tuples")
            let dry = try migrator.migrate(table, report: report, dropWhenClean: true, dryRun: true, maxBroken: nil)
            #expect(dry.migrated > 0 && dry.broken > 0 && !dry.dropped)
            #expect(try migrator.database.indexDefinitions(of: "keto_relation_tuples") == indexes)
            #expect(try migrator.database.rowCount(of: "keto_relation_tuples") == 0)
            #expect(try !migrator.database.tableExists(BrokenTupleTable.name))
            #expect(report.lineCount == dry.broken && report.isCreated)

            do {
                _ = try migrator.migrate(table, report: report, dropWhenClean: true, dryRun: false, maxBroken: dry.broken - 1)
                Issue.record("--max-broken did not stop the namespace")
            } catch let failure as NamespaceFailure {
                #expect(failure.description.contains("more than \(dry.broken - 1) broken rows"))
            }
            #expect(try migrator.database.rowCount(of: "keto_relation_tuples") == 0)
            #expect(try migrator.database.tableExists(table.name))

            let real = try migrator.migrate(table, report: report, dropWhenClean: true, dryRun: false, maxBroken: dry.broken)
            #expect(real == dry)
        }
    }

    @Test("a broken row that a later run can migrate has its record marked resolved", arguments: TestBackends.all)
    func laterMigrationResolvesRecord(backend: DatabaseBackend) throws {
        try ScratchDatabase.withOpenDatabase(backend) { database, _ in
            let configuration = try loadDemoFixture(into: database)
            _ = try SchemaMigrator(database: database, logger: testLogger).applyPending()
            let directory = try TemporaryDirectory()
            func migrateFiles(_ configuration: Configuration) throws -> NamespaceMigrationResult {
                let migrator = try LegacyMigrator(database: database, configuration: configuration, logger: testLogger, lockTimeout: nil)
                let table = try #require(try migrator.legacyTables(named: "files").first)
                return try migrator.migrate(table, report: BrokenTupleReport(path: directory.path("r.jsonl")), dropWhenClean: false, dryRun: false, maxBroken: nil)
            }
            let unresolved = "SELECT count(*) FROM retuple_broken_tuples WHERE resolved_at IS NULL"
            let first = try migrateFiles(configuration)
            #expect(try database.scalar(unresolved)?.integer == Int64(first.broken))

            // The demo's "teams:core#member" becomes readable once teams is configured.
            var extended = configuration
            extended.namespaces.append(Namespace(id: 3, name: "teams"))
            let second = try migrateFiles(extended)
            #expect(second.migrated == 1 && second.broken == first.broken - 1)
            #expect(try database.scalar(unresolved)?.integer == Int64(second.broken))
            #expect(try database.rowCount(of: BrokenTupleTable.name) == first.broken)
            #expect(try database.scalar("SELECT reason FROM retuple_broken_tuples WHERE resolved_at IS NOT NULL")?.text == "unknown_subject_namespace")
        }
    }

    @Test("migration is refused before migrate up")
    func refusedWithoutSchema() throws {
        try ScratchDatabase.withOpenDatabase(.sqlite) { database, _ in
            try LegacySchema.create(in: database, namespaceIDs: [0])
            do {
                _ = try LegacyMigrator(database: database, configuration: Configuration(), logger: testLogger, lockTimeout: nil)
                Issue.record("a migrator opened on a database without the unified schema")
            } catch let error as RetupleError {
                #expect(error.description.contains("run `retuple migrate up` first"))
            }
        }
    }

    @Test("a legacy table of an unconfigured id is an error naming table and id; a configured name picks one table")
    func discovery() throws {
        try ScratchDatabase.withOpenDatabase(.sqlite) { database, _ in
            try LegacySchema.create(in: database, namespaceIDs: [0, 5])
            try database.execute("CREATE TABLE keto_00000000001_relation_tuples (x TEXT)")
            try database.execute("CREATE TABLE keto_000000000a_relation_tuples (x TEXT)")
            _ = try SchemaMigrator(database: database, logger: testLogger).applyPending()
            let partial = Configuration(namespaces: [Namespace(id: 0, name: "files")])
            let migrator = try LegacyMigrator(database: database, configuration: partial, logger: testLogger, lockTimeout: nil)
            do {
                _ = try migrator.legacyTables(named: nil)
                Issue.record("an unconfigured legacy table was accepted")
            } catch let error as RetupleError {
                #expect(error.description.contains("keto_0000000005_relation_tuples"))
                #expect(error.description.contains("namespace id 5"))
            }
            let full = Configuration(namespaces: [Namespace(id: 0, name: "files"), Namespace(id: 5, name: "five"), Namespace(id: 6, name: "six")])
            let complete = try LegacyMigrator(database: database, configuration: full, logger: testLogger, lockTimeout: nil)
            #expect(try complete.legacyTables(named: nil).map(\.namespace.id) == [0, 5])
            #expect(try complete.legacyTables(named: "five").map(\.name) == ["keto_0000000005_relation_tuples"])
            #expect(try complete.legacyTables(named: "six").isEmpty)
        }
    }
}
