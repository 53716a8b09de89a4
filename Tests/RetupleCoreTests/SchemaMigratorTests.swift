import RetupleCore
import RetupleTestSupport
import Testing

@Suite("migrate up / status / down")
struct SchemaMigratorTests {
    static let allVersions = UnifiedSchema.migrations.map(\.version)

    @Test("from an empty database: everything pending, then applied once", arguments: TestBackends.all)
    func upFromEmpty(backend: DatabaseBackend) throws {
        try ScratchDatabase.withOpenDatabase(backend) { database, _ in
            let migrator = SchemaMigrator(database: database, logger: testLogger)
            #expect(try migrator.pendingMigrations().map(\.version) == Self.allVersions)
            let first = try migrator.applyPending()
            #expect(first.applied.map(\.version) == Self.allVersions)
            #expect(first.createdNetwork)
            #expect(try migrator.states().allSatisfy(\.isApplied))

            let second = try migrator.applyPending()
            #expect(second.applied.isEmpty)
            #expect(!second.createdNetwork)
            #expect(second.networkID == first.networkID)
            #expect(try database.rowCount(of: "networks") == 1)
            #expect(try database.rowCount(of: "schema_migration") == Self.allVersions.count)
        }
    }

    @Test("on a v0.6 database: the base counts as applied, keto_namespace is dropped, legacy tables stay", arguments: TestBackends.all)
    func upFromLegacy(backend: DatabaseBackend) throws {
        try ScratchDatabase.withOpenDatabase(backend) { database, _ in
            _ = try loadDemoFixture(into: database)
            let migrator = SchemaMigrator(database: database, logger: testLogger)
            let pending = try migrator.pendingMigrations().map(\.version)
            #expect(pending == Self.allVersions.filter { $0 != "20201110175414000000" })
            #expect(try database.tableExists("keto_namespace"))

            let result = try migrator.applyPending()
            #expect(result.applied.map(\.version) == pending)
            #expect(try migrator.isUpToDate())
            #expect(try !database.tableExists("keto_namespace"))
            let recorded = Set(try database.allRows("SELECT version FROM schema_migration").compactMap { $0.first?.text })
            #expect(recorded == Set(Self.allVersions + ["20201110175414"]))
            for id: Int32 in 0...2 {
                #expect(try database.tableExists(LegacyLayout.tupleTable(namespaceID: id)))
                #expect(try database.tableExists(LegacyLayout.migrationTable(namespaceID: id)))
            }
            #expect(try migrator.applyPending().applied.isEmpty)
        }
    }

    @Test("down refuses while tuples exist, unless forced", arguments: TestBackends.all)
    func downGuard(backend: DatabaseBackend) throws {
        try ScratchDatabase.withOpenDatabase(backend) { database, _ in
            let migrator = SchemaMigrator(database: database, logger: testLogger)
            let up = try migrator.applyPending()
            try database.execute(
                """
                INSERT INTO keto_relation_tuples (shard_id, nid, namespace_id, object, relation, subject_id, commit_time)
                VALUES ('6ba7b810-9dad-51d1-80b4-00c04fd430c8', ?, 0, 'doc', 'viewer', 'user-1', '2021-09-14 13:46:24')
                """,
                [.text(up.networkID)]
            )
            #expect(throws: RetupleError("keto_relation_tuples holds 1 rows; refusing to roll back the unified schema (pass --force to roll back anyway)")) {
                try migrator.rollBack(steps: nil, force: false)
            }
            #expect(try migrator.isUpToDate())
            #expect(try database.rowCount(of: "keto_relation_tuples") == 1)

            let undone = try migrator.rollBack(steps: nil, force: true)
            #expect(undone.map(\.version) == Self.allVersions.reversed())
            #expect(try !database.tableExists("keto_relation_tuples"))
            #expect(try !database.tableExists("networks"))
            #expect(try migrator.pendingMigrations().map(\.version) == Self.allVersions)
        }
    }

    @Test("down --steps undoes the newest migrations only, and up re-applies them", arguments: TestBackends.all)
    func downSteps(backend: DatabaseBackend) throws {
        try ScratchDatabase.withOpenDatabase(backend) { database, _ in
            let migrator = SchemaMigrator(database: database, logger: testLogger)
            _ = try migrator.applyPending()
            let undone = try migrator.rollBack(steps: 2, force: false)
            #expect(undone.map(\.version) == ["20210914134624000000", "20210623162417000003"])
            #expect(try database.tableExists("keto_namespace"))
            #expect(try migrator.pendingMigrations().map(\.version) == ["20210623162417000003", "20210914134624000000"])
            #expect(try migrator.applyPending().applied.count == 2)
            #expect(try migrator.isUpToDate())
        }
    }

    @Test("a full down on a v0.6 database leaves what v0.6 made", arguments: TestBackends.all)
    func downOnLegacy(backend: DatabaseBackend) throws {
        try ScratchDatabase.withOpenDatabase(backend) { database, _ in
            _ = try loadDemoFixture(into: database)
            let migrator = SchemaMigrator(database: database, logger: testLogger)
            _ = try migrator.applyPending()
            let undone = try migrator.rollBack(steps: nil, force: false)
            #expect(undone.count == Self.allVersions.count)
            #expect(try migrator.rollbackPlan(steps: nil).isEmpty)
            // The v0.6 record keeps the base applied, and its table exists again.
            #expect(try migrator.states().filter(\.isApplied).map(\.migration.version) == ["20201110175414000000"])
            #expect(try database.tableExists("keto_namespace"))
            #expect(try database.rowCount(of: LegacyLayout.tupleTable(namespaceID: 0)) == 9)
            #expect(try !database.tableExists("keto_relation_tuples"))
        }
    }

    @Test("a failing migration changes nothing", arguments: TestBackends.all)
    func upIsAtomic(backend: DatabaseBackend) throws {
        try ScratchDatabase.withOpenDatabase(backend) { database, _ in
            // A table in the way of the unified one makes its migration fail.
            try database.executeScript("CREATE TABLE keto_relation_tuples (x INTEGER)")
            let migrator = SchemaMigrator(database: database, logger: testLogger)
            #expect(throws: (any Error).self) { try migrator.applyPending() }
            #expect(try !database.tableExists("networks"))
            #expect(try !database.tableExists("schema_migration"))
        }
    }
}
