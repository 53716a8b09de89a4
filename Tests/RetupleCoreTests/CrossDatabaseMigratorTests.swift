import Foundation
import RetupleCore
import RetupleFixtures
import RetuplePostgres
import RetupleSQLite
import RetupleTestSupport
import Testing

/// `LegacyMigrator` reading from one database and writing into another.
@Suite("Legacy migrator across databases")
struct CrossDatabaseMigratorTests {
    /// The pieces of one cross-database test.
    struct Setup {
        let migrator: LegacyMigrator
        /// A read-write connection to the source, for the test's own use.
        let sourceWriter: any Database
        let plan: GeneratorPlan
        let directory: TemporaryDirectory

        var target: any Database { migrator.database }
    }

    /// Generates a v0.6 source with every broken reason its backend can
    /// hold, applies the unified schema to an empty target, and opens a
    /// migrator reading the source through a read-only connection.
    func withCrossMigrator(from source: DatabaseBackend, to target: DatabaseBackend, tuples: Int, _ body: (Setup) throws -> Void) throws {
        var plan = GeneratorPlan(tuples: tuples, namespaceCount: 3, seed: 5)
        for reason in GeneratorPlan.possibleReasons(on: source) { plan.brokenShares[reason] = 0.003 }
        try ScratchDatabase.withOpenDatabase(source) { sourceWriter, sourceScratch in
            _ = try LegacyTupleGenerator(plan: plan).generate(into: sourceWriter)
            let reader = try sourceScratch.open(.readOnly)
            defer { reader.close() }
            try ScratchDatabase.withOpenDatabase(target) { target, _ in
                _ = try SchemaMigrator(database: target, logger: testLogger).applyPending()
                let migrator = try LegacyMigrator(
                    database: target, source: reader, configuration: Configuration(namespaces: plan.namespaces),
                    logger: testLogger, lockTimeout: .seconds(5)
                )
                try body(Setup(migrator: migrator, sourceWriter: sourceWriter, plan: plan, directory: try TemporaryDirectory()))
            }
        }
    }

    @Test("writes exactly what an in-place migration of the source writes into the same network, and leaves the source as it was", arguments: TestBackends.all, TestBackends.all)
    func sameAsInPlace(source: DatabaseBackend, target: DatabaseBackend) throws {
        try withCrossMigrator(from: source, to: target, tuples: 6_000) { setup in
            let migrator = setup.migrator
            #expect(migrator.isCrossDatabase)
            let sourceBefore = try contents(of: setup.sourceWriter)
            let report = BrokenTupleReport(path: setup.directory.path("cross.jsonl"))
            let cross = try migrator.legacyTables(named: nil).map {
                try migrator.migrate($0, report: report, dropWhenClean: false, dryRun: false, maxBroken: nil)
            }
            #expect(cross.count == 3)
            #expect(cross.allSatisfy { $0.legacy == $0.migrated + $0.alreadyPresent + $0.broken && !$0.dropped })
            #expect(cross.reduce(0) { $0 + $1.broken } == setup.plan.brokenCounts.values.reduce(0, +))
            #expect(try contents(of: setup.sourceWriter) == sourceBefore, "the source changed")
            #expect(try !setup.sourceWriter.tableExists(BrokenTupleTable.name))

            // The same source migrated in place, into a network of the target's id.
            let network = try #require(try Network.currentID(in: setup.target))
            _ = try SchemaMigrator(database: setup.sourceWriter, logger: testLogger).applyPending()
            try setup.sourceWriter.execute("UPDATE networks SET id = ?", [.text(network)])
            let inPlace = try LegacyMigrator(
                database: setup.sourceWriter, configuration: Configuration(namespaces: setup.plan.namespaces),
                logger: testLogger, lockTimeout: .seconds(5)
            )
            let inPlaceReport = BrokenTupleReport(path: setup.directory.path("in-place.jsonl"))
            let expected = try inPlace.legacyTables(named: nil).map {
                try inPlace.migrate($0, report: inPlaceReport, dropWhenClean: false, dryRun: false, maxBroken: nil)
            }
            #expect(cross == expected)
            let microseconds = source != target
            let unified = try unifiedRows(of: setup.target, microseconds: microseconds)
            #expect(unified.count == cross.reduce(0) { $0 + $1.migrated })
            #expect(unified == (try unifiedRows(of: setup.sourceWriter, microseconds: microseconds)))
            #expect(try brokenRecords(of: setup.target) == (try brokenRecords(of: setup.sourceWriter)))
            #expect(try String(contentsOfFile: report.path, encoding: .utf8) == (try String(contentsOfFile: inPlaceReport.path, encoding: .utf8)))
        }
    }

    @Test("writers of the source's legacy table wait while its namespace is copied; the guard then sees their row", arguments: TestBackends.all, TestBackends.all)
    func sourceWritersWait(source: DatabaseBackend, target: DatabaseBackend) throws {
        try withCrossMigrator(from: source, to: target, tuples: 3_000) { setup in
            let migrator = setup.migrator
            let table = try #require(try migrator.legacyTables(named: "ns1").first)
            let attempts = WriteAttempts(writer: setup.sourceWriter, table: table)
            migrator.batchSize = 300
            migrator.progress = attempts
            let result = try migrator.migrate(table, report: BrokenTupleReport(path: setup.directory.path("r.jsonl")), dropWhenClean: false, dryRun: false, maxBroken: nil)
            migrator.progress = nil

            #expect(attempts.outcomes.count >= 3)
            for outcome in attempts.outcomes {
                switch source {
                case .sqlite: #expect((outcome as? DatabaseError)?.kind == .busy, "got \(String(describing: outcome))")
                case .postgres: #expect((outcome as? DatabaseError)?.kind == .lockTimeout, "got \(String(describing: outcome))")
                }
            }
            #expect(try migrator.accounting(of: table).missing == 0)
            let late = attempts.write()
            #expect(late == nil, "the writer still waits after the migration: \(String(describing: late))")
            let after = try migrator.accounting(of: table)
            #expect(after.legacy == result.legacy + 1 && after.missing == 1)
            expectDropRefused(table, by: migrator, unaccountedRowsOf: after.legacy)
            #expect(try setup.sourceWriter.tableExists(table.name))
        }
    }

    @Test("a source that is the target's database is refused; the target itself is an in-place run", arguments: TestBackends.all)
    func sameDatabaseRefused(backend: DatabaseBackend) throws {
        try ScratchDatabase.withOpenDatabase(backend) { database, scratch in
            _ = try SchemaMigrator(database: database, logger: testLogger).applyPending()
            let second = try scratch.open(.readOnly)
            defer { second.close() }
            do {
                try ensureDistinct(source: second, target: database)
                Issue.record("a second connection to the target was taken as another database")
            } catch let error as RetupleError {
                #expect(error.description.contains("are the same database"))
            }
            let inPlace = try LegacyMigrator(database: database, source: database, configuration: Configuration(), logger: testLogger, lockTimeout: nil)
            #expect(!inPlace.isCrossDatabase)
        }
    }

    // MARK: Reading the databases

    /// Every legacy table's rows, rendered and sorted, by table name.
    func contents(of database: any Database) throws -> [String: [String]] {
        var tables: [String: [String]] = [:]
        for table in try database.tableNames() {
            tables[table] = try database.allRows("SELECT * FROM \(quoteIdentifier(table))").map { "\($0)" }.sorted()
        }
        return tables
    }

    /// The unified rows, every column as text, sorted; `commit_time` as
    /// the instant it reads as, cut to microseconds when `microseconds`
    /// (a PostgreSQL `timestamp` holds no more).
    func unifiedRows(of database: any Database, microseconds: Bool) throws -> [String] {
        let cast = database.backend == .postgres ? "::text" : ""
        return try database.allRows("""
            SELECT shard_id\(cast), nid\(cast), namespace_id, object, relation, subject_id,
                   subject_set_namespace_id, subject_set_object, subject_set_relation, commit_time\(cast)
            FROM keto_relation_tuples
            """).map { row in
            var fields = row.dropLast().map { "\($0)" }
            let time = try #require(LegacyCommitTime.parse(row[9]), "unreadable commit_time \(row[9])")
            fields.append(microseconds ? "\(time.seconds).\(time.nanoseconds / 1_000)" : "\(time.seconds).\(time.nanoseconds)")
            return fields.joined(separator: " | ")
        }.sorted()
    }

    /// The records of `retuple_broken_tuples` but the legacy values (as
    /// each backend stores them) and the time they were recorded.
    func brokenRecords(of database: any Database) throws -> [String] {
        let cast = database.backend == .postgres ? "::text" : ""
        return try database.allRows("""
            SELECT row_key\(cast), nid\(cast), namespace, namespace_id, legacy_table, reason, message, recreate, resolved_at
            FROM \(BrokenTupleTable.name)
            """).map { "\($0)" }.sorted()
    }
}

/// Tries to write a row into a source's legacy table every time the
/// migration reports progress, i.e. while it holds the table.
private final class WriteAttempts: MigrationProgress {
    let writer: any Database
    let table: LegacyTable
    /// The error each attempt ended with (nil: the write went through).
    private(set) var outcomes: [(any Error)?] = []

    init(writer: any Database, table: LegacyTable) {
        self.writer = writer
        self.table = table
        if let sqlite = writer as? SQLiteDatabase { sqlite.connection.setBusyTimeout(milliseconds: 50) }
        if writer.backend == .postgres { _ = try? writer.execute("SET lock_timeout = '100ms'") }
    }

    /// One write of a late row; returns its error, nil when it went through.
    func write() -> (any Error)? {
        do {
            try writer.execute(
                "INSERT INTO \(quoteIdentifier(table.name)) (shard_id, object, relation, subject, commit_time) VALUES ('default', 'late', 'viewer', 'user-late', ?)",
                [.text(writer.timestampText(Timestamp(seconds: 1_700_000_000)))]
            )
            return nil
        } catch {
            return error
        }
    }

    func started(_ table: LegacyTable, rows: Int) {}

    func advanced(to rowsRead: Int) {
        outcomes.append(write())
    }

    func finished() {}
}
