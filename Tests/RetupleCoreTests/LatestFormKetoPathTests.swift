import Foundation
import Logging
import RetupleCore
import RetupleFixtures
import RetupleTestSupport
import Testing

/// The latest form retuple writes must be what Keto's own path leaves.
///
/// Keto's path is re-enacted here: retuple's v0.7 form, then Keto's later
/// SQL steps as Keto v26.2.0 runs them on each backend and its Go step
/// (strings to UUIDs: pages of 500 rows by `shard_id`, `uuid5(nid, s)`,
/// mappings inserted skipping ids present), each step recorded the way
/// Keto's migrator records it. The statements are written out here from
/// what Keto's migration files do at that tag; they are not read from
/// retuple's sources. Then every table and the catalog are compared with
/// retuple's direct path (`--to latest`, then the legacy migration) and its
/// two-step path (v0.7 form, then the in-place conversion).
@Suite("Latest form equals Keto's own path")
struct LatestFormKetoPathTests {
    /// One network id for every database, so rows compare across them.
    static let networkID = "6e0c1f0a-58c5-4e2a-9a57-2d3f43b1c9aa"
    static let networkTime = "2022-01-01 00:00:00"

    enum Dataset: String, CaseIterable, CustomTestStringConvertible {
        case demo, generated
        var testDescription: String { rawValue }
    }

    static let cases: [(DatabaseBackend, Dataset)] = TestBackends.all.flatMap { backend in Dataset.allCases.map { (backend, $0) } }

    @Test("direct, two-step and Keto's path give the same rows and catalog", arguments: cases)
    func threePathsAgree(backend: DatabaseBackend, dataset: Dataset) throws {
        let directory = try TemporaryDirectory()
        try ScratchDatabase.withOpenDatabase(backend) { direct, _ in
            try ScratchDatabase.withOpenDatabase(backend) { twoStep, _ in
                try ScratchDatabase.withOpenDatabase(backend) { keto, _ in
                    let configuration = try load(dataset, into: [direct, twoStep, keto])

                    // Direct: the latest form, then the legacy rows straight into it.
                    _ = try LatestSchemaMigrator(database: direct, logger: testLogger).applyPending(conversion: nil)
                    try pinNetwork(in: direct)
                    try migrateLegacy(direct, configuration, directory.path("direct.jsonl"))

                    // Two-step and Keto: retuple's v0.7 form first.
                    for database in [twoStep, keto] {
                        _ = try SchemaMigrator(database: database, logger: testLogger).applyPending()
                        try pinNetwork(in: database)
                        try migrateLegacy(database, configuration, directory.path("v07.jsonl"))
                    }
                    let converted = try LatestSchemaMigrator(database: twoStep, logger: testLogger)
                        .applyPending(conversion: V07TupleConversion(configuration: configuration, logger: testLogger))
                    try runKetoLaterSteps(on: keto, configuration: configuration)
                    #expect(converted.converted == (try keto.rowCount(of: "keto_relation_tuples")))
                    #expect(try snapshot(twoStep) == snapshot(keto), "in-place conversion differs from Keto's path")

                    // The rows v0.7 could not hold (too long) follow, on all three.
                    try migrateLegacy(twoStep, configuration, directory.path("two.jsonl"))
                    try migrateLegacy(keto, configuration, directory.path("keto.jsonl"))
                    let expected = try snapshot(keto)
                    #expect(try snapshot(twoStep) == expected, "two-step path differs from Keto's path")
                    #expect(try snapshot(direct) == expected, "direct path differs from Keto's path")
                    #expect(expected.rows.count > 0 && expected.mappings.count > 0)

                    // A second run changes nothing.
                    try migrateLegacy(direct, configuration, directory.path("again.jsonl"))
                    _ = try LatestSchemaMigrator(database: direct, logger: testLogger).applyPending(conversion: nil)
                    #expect(try snapshot(direct) == expected)
                    #expect(try SchemaForm.current(in: direct) == .latest)
                }
            }
        }
    }

    @Test("an object or subject over 64 characters is broken in v0.7 form only", arguments: TestBackends.all)
    func longValuesMigrateInLatestForm(backend: DatabaseBackend) throws {
        let directory = try TemporaryDirectory()
        try ScratchDatabase.withOpenDatabase(backend) { database, _ in
            let configuration = try loadDemoFixture(into: database)
            _ = try SchemaMigrator(database: database, logger: testLogger).applyPending()
            try migrateLegacy(database, configuration, directory.path("a.jsonl"))
            let tooLong = try database.scalar("SELECT count(*) FROM retuple_broken_tuples WHERE reason = 'too_long' AND resolved_at IS NULL")?.integer ?? 0
            #expect(tooLong > 0)
            _ = try LatestSchemaMigrator(database: database, logger: testLogger)
                .applyPending(conversion: V07TupleConversion(configuration: configuration, logger: testLogger))
            try migrateLegacy(database, configuration, directory.path("b.jsonl"))
            #expect(try database.scalar("SELECT count(*) FROM retuple_broken_tuples WHERE reason = 'too_long' AND resolved_at IS NULL")?.integer == 0)
            let long = try database.scalar("SELECT count(*) FROM keto_uuid_mappings WHERE length(string_representation) > 64")?.integer ?? 0
            #expect(long > 0)
        }
    }

    @Test("a namespace id the configuration lacks refuses the conversion and changes nothing", arguments: TestBackends.all)
    func unknownNamespaceRefused(backend: DatabaseBackend) throws {
        let directory = try TemporaryDirectory()
        try ScratchDatabase.withOpenDatabase(backend) { database, _ in
            let configuration = try loadDemoFixture(into: database)
            _ = try SchemaMigrator(database: database, logger: testLogger).applyPending()
            try migrateLegacy(database, configuration, directory.path("a.jsonl"))
            let before = try snapshot(database)
            let partial = Configuration(namespaces: configuration.namespaces.filter { $0.id != 1 })
            #expect {
                _ = try LatestSchemaMigrator(database: database, logger: testLogger)
                    .applyPending(conversion: V07TupleConversion(configuration: partial, logger: testLogger))
            } throws: { "\($0)".contains("namespace ids 1") }
            #expect(try snapshot(database) == before)
            #expect(try SchemaForm.current(in: database) == .v07)
        }
    }

    // MARK: The paths

    private func load(_ dataset: Dataset, into databases: [any Database]) throws -> Configuration {
        switch dataset {
        case .demo:
            return try databases.map(loadDemoFixture(into:)).first!
        case .generated:
            var plan = GeneratorPlan(tuples: 3_000, namespaceCount: 3, seed: 23)
            for reason in GeneratorPlan.possibleReasons(on: databases[0].backend) { plan.brokenShares[reason] = 0.01 }
            for database in databases { _ = try LegacyTupleGenerator(plan: plan).generate(into: database) }
            return Configuration(namespaces: plan.namespaces)
        }
    }

    /// Gives the one network the same id and times in every database.
    private func pinNetwork(in database: any Database) throws {
        try database.execute("UPDATE networks SET id = ?, created_at = ?, updated_at = ?", [
            .text(Self.networkID), .text(Self.networkTime), .text(Self.networkTime),
        ])
    }

    private func migrateLegacy(_ database: any Database, _ configuration: Configuration, _ report: String) throws {
        let migrator = try LegacyMigrator(database: database, configuration: configuration, logger: testLogger, lockTimeout: .seconds(5))
        let broken = BrokenTupleReport(path: report)
        for table in try migrator.legacyTables(named: nil) {
            _ = try migrator.migrate(table, report: broken, dropWhenClean: false, dryRun: false, maxBroken: nil)
        }
    }

    /// Keto v26.2.0's steps after v0.7, as its migrator runs them: one
    /// transaction per step, each version recorded with `INSERT INTO
    /// schema_migration (version)`.
    private func runKetoLaterSteps(on database: any Database, configuration: Configuration) throws {
        let sqlite = database.backend == .sqlite
        func step(_ version: String, _ body: () throws -> Void) throws {
            try database.transaction {
                try body()
                try database.execute("INSERT INTO schema_migration (version) VALUES (?)", [.text(version)])
            }
        }
        try step("20220217152313000000") { try database.executeScript(sqlite ? KetoSQL.sqliteNidForeignKey : KetoSQL.postgresNidForeignKey) }
        try step("20220512151000000000") { try database.executeScript(KetoSQL.reverseIndexes) }
        try step("20220513200300000000") { try database.executeScript(KetoSQL.uuidTable) }
        try step("20220513200400000000") { try database.executeScript(KetoSQL.mappingTable) }
        try step("20220513200400000001") { try database.executeScript(sqlite ? KetoSQL.sqliteMappingNoCheck : KetoSQL.postgresMappingNoCheck) }
        try step("20220513200500000000") { try stringsToUUIDs(database, configuration) }
        try step("20220513200600000000") { try database.executeScript("DROP TABLE keto_relation_tuples") }
        try step("20220513200600000001") { try database.executeScript("ALTER TABLE keto_relation_tuples_uuid RENAME TO keto_relation_tuples") }
        try step("20230228091200000000") { try database.executeScript(sqlite ? KetoSQL.sqliteCascade : KetoSQL.postgresCascade) }
    }

    /// Keto's Go step: pages of 500 by `shard_id`; each row's object,
    /// subject id and subject-set object become `uuid5(nid, s)`, namespace
    /// ids their configured names; the page's mappings are inserted in one
    /// statement that skips ids present, then its tuples in one statement.
    /// Times are read and written back as Go's driver does: an instant,
    /// written in the backend's layout.
    private func stringsToUUIDs(_ database: any Database, _ configuration: Configuration) throws {
        let names = Dictionary(uniqueKeysWithValues: configuration.namespaces.map { (Int64($0.id), $0.name) })
        var last = "00000000-0000-0000-0000-000000000000"
        let time = database.backend == .sqlite ? "commit_time" : "to_char(commit_time, 'YYYY-MM-DD HH24:MI:SS.US')"
        while true {
            let page = try database.allRows("""
                SELECT shard_id, nid, namespace_id, object, relation, subject_id, subject_set_namespace_id,
                       subject_set_object, subject_set_relation, \(time)
                FROM keto_relation_tuples WHERE shard_id > ? ORDER BY shard_id LIMIT 500
                """, [.text(last)])
            guard let final = page.last else { return }
            last = final[0].text!
            var mappingValues: [DatabaseValue] = [], tupleValues: [DatabaseValue] = []
            func uuid(_ nid: UUID, _ string: String) -> String { UUID.nameBased(namespace: nid, name: Array(string.utf8)).uuidString.lowercased() }
            for row in page {
                let nid = UUID(uuidString: row[1].text!)!
                let namespaceID = row[2].integer ?? Int64(row[2].text!)!
                let object = row[3].text!
                mappingValues += [.text(uuid(nid, object)), .text(object)]
                var subjectID: DatabaseValue = .null, setNamespace: DatabaseValue = .null, setObject: DatabaseValue = .null
                if let id = row[5].text {
                    subjectID = .text(uuid(nid, id))
                    mappingValues += [subjectID, .text(id)]
                } else {
                    let setID = row[6].integer ?? Int64(row[6].text!)!
                    setNamespace = .text(names[setID]!)
                    setObject = .text(uuid(nid, row[7].text!))
                    mappingValues += [setObject, row[7]]
                }
                let instant = LegacyCommitTime.parse(row[9])!
                tupleValues += [
                    .text(row[0].text!.lowercased()), .text(nid.uuidString.lowercased()), .text(names[namespaceID]!),
                    .text(uuid(nid, object)), row[4], subjectID, setNamespace, setObject, row[8],
                    .text(database.backend == .sqlite ? instant.sqliteText : instant.postgresText),
                ]
            }
            func placeholders(_ columns: Int, _ rows: Int) -> String {
                Array(repeating: "(" + Array(repeating: "?", count: columns).joined(separator: ",") + ")", count: rows).joined(separator: ",")
            }
            try database.execute(
                "INSERT INTO keto_uuid_mappings (id, string_representation) VALUES \(placeholders(2, mappingValues.count / 2)) ON CONFLICT (id) DO NOTHING",
                mappingValues
            )
            try database.execute("""
                INSERT INTO keto_relation_tuples_uuid (shard_id, nid, namespace, object, relation, subject_id,
                    subject_set_namespace, subject_set_object, subject_set_relation, commit_time)
                VALUES \(placeholders(10, page.count))
                """, tupleValues)
        }
    }
}

/// Everything compared: the rows of Keto's tables and their catalog.
struct LatestFormSnapshot: Equatable {
    var rows: [[String]] = []
    var mappings: Set<[String]> = []
    var networks: [[String]] = []
    var versions: Set<String> = []
    var catalog: [String] = []
}

func snapshot(_ database: any Database) throws -> LatestFormSnapshot {
    func text(_ rows: [[DatabaseValue]]) -> [[String]] { rows.map { $0.map { $0.text ?? $0.integer.map(String.init) ?? "NULL" } } }
    var snapshot = LatestFormSnapshot()
    let tables = try database.tableNames()
    if tables.contains("keto_relation_tuples") {
        snapshot.rows = text(try database.allRows("SELECT * FROM keto_relation_tuples ORDER BY shard_id, nid"))
    }
    if tables.contains("keto_uuid_mappings") {
        snapshot.mappings = Set(text(try database.allRows("SELECT * FROM keto_uuid_mappings")))
    }
    snapshot.networks = text(try database.allRows("SELECT * FROM networks ORDER BY id"))
    snapshot.versions = Set(try database.allRows("SELECT version FROM schema_migration").compactMap { $0.first?.text })
    snapshot.catalog = try catalog(of: ["keto_relation_tuples", "keto_uuid_mappings", "networks", "schema_migration"], in: database)
    return snapshot
}

/// The catalog of `tables`, one line per fact: columns (type, nullability,
/// default, key position), indexes (name, uniqueness, definition with its
/// predicate), constraints (name, kind, definition with foreign key
/// actions); SQLite's table text with whitespace dropped.
func catalog(of tables: [String], in database: any Database) throws -> [String] {
    var lines: [String] = []
    func squeeze(_ sql: String) -> String { sql.filter { !$0.isWhitespace }.lowercased() }
    let present = Set(try database.tableNames())
    for table in tables where present.contains(table) {
        switch database.backend {
        case .sqlite:
            for row in try database.allRows("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid", [.text(table)]) {
                lines.append("\(table) column " + row.map(\.displayTextForCatalog).joined(separator: " "))
            }
            for row in try database.allRows("SELECT name, \"unique\", origin, partial FROM pragma_index_list(?) ORDER BY name", [.text(table)]) {
                let name = row[0].text ?? ""
                let columns = try database.allRows("SELECT name FROM pragma_index_info(?) ORDER BY seqno", [.text(name)]).compactMap { $0[0].text }
                let sql = try database.scalar("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", [.text(name)])?.text ?? ""
                lines.append("\(table) index " + row.map(\.displayTextForCatalog).joined(separator: " ") + " (\(columns.joined(separator: ","))) " + squeeze(sql))
            }
            for row in try database.allRows("SELECT \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq", [.text(table)]) {
                lines.append("\(table) foreign key " + row.map(\.displayTextForCatalog).joined(separator: " "))
            }
            let sql = try database.scalar("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [.text(table)])?.text ?? ""
            lines.append("\(table) sql " + squeeze(sql))
        case .postgres:
            for row in try database.allRows("""
                SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull::text, coalesce(pg_get_expr(d.adbin, d.adrelid), '')
                FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                WHERE a.attrelid = (?)::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
                """, [.text(table)]) {
                lines.append("\(table) column " + row.map(\.displayTextForCatalog).joined(separator: " "))
            }
            for row in try database.allRows("""
                SELECT c.relname, i.indisunique::text, i.indisprimary::text, pg_get_indexdef(i.indexrelid)
                FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = (?)::regclass ORDER BY c.relname
                """, [.text(table)]) {
                lines.append("\(table) index " + row.map(\.displayTextForCatalog).joined(separator: " "))
            }
            for row in try database.allRows("""
                SELECT conname, contype::text, pg_get_constraintdef(oid) FROM pg_constraint
                WHERE conrelid = (?)::regclass ORDER BY conname
                """, [.text(table)]) {
                lines.append("\(table) constraint " + row.map(\.displayTextForCatalog).joined(separator: " "))
            }
        }
    }
    return lines
}

extension DatabaseValue {
    fileprivate var displayTextForCatalog: String {
        switch self {
        case .null: "NULL"
        case .integer(let value): String(value)
        case .real(let value): String(value)
        case .text(let value): value
        case .bytes(let bytes): "x" + bytes.map { String(format: "%02x", $0) }.joined()
        }
    }
}
