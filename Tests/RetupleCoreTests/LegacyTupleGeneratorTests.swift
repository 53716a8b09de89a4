import RetupleCore
import RetupleTestSupport
import RetupleFixtures
import Testing

@Suite("Legacy fixture generator")
struct LegacyTupleGeneratorTests {
    @Test("makes exactly the rows and broken shares asked for", arguments: TestBackends.all)
    func countsAndShares(backend: DatabaseBackend) throws {
        var plan = GeneratorPlan(tuples: 20_000, namespaceCount: 3, seed: 7)
        for reason in GeneratorPlan.possibleReasons(on: backend) {
            plan.brokenShares[reason] = 0.005
        }
        plan.brokenShares[.tooLong] = 0.01
        try ScratchDatabase.withOpenDatabase(backend) { database, _ in
            let summary = try LegacyTupleGenerator(plan: plan).generate(into: database)
            #expect(summary.totalRows == 20_000)
            #expect(summary.rowsPerNamespace == [0: 6_667, 1: 6_667, 2: 6_666])
            #expect(summary.brokenPerReason[.tooLong] == 200)
            for reason in GeneratorPlan.possibleReasons(on: backend) where reason != .tooLong {
                #expect(summary.brokenPerReason[reason] == 100)
            }
            for (id, rows) in summary.rowsPerNamespace {
                #expect(try database.rowCount(of: LegacyLayout.tupleTable(namespaceID: id)) == rows)
            }
            // The broken rows are really there, recognisable by their defect.
            let tables = (0..<3).map { LegacyLayout.tupleTable(namespaceID: Int32($0)) }
            let unknown = try tables.map {
                try database.scalar("SELECT count(*) FROM \($0) WHERE subject LIKE 'unconfigured:%'")?.integer ?? 0
            }.reduce(0, +)
            #expect(unknown == 100)
            let lengthFunction = backend == .sqlite ? "length" : "char_length"
            let overLong = try tables.map {
                try database.scalar("SELECT count(*) FROM \($0) WHERE \(lengthFunction)(object) > 64 OR (subject NOT LIKE '%#%' AND \(lengthFunction)(subject) > 64) OR subject LIKE 'ns0:x%'")?.integer ?? 0
            }.reduce(0, +)
            #expect(overLong == 200)
        }
    }

    @Test("the same seed gives the same database")
    func deterministic() throws {
        let plan = GeneratorPlan(tuples: 3_000, namespaceCount: 2, seed: 42, brokenShares: [.malformedSubject: 0.01, .nullField: 0.01])
        var dumps: [[[DatabaseValue]]] = []
        for _ in 0..<2 {
            try ScratchDatabase.withOpenDatabase(.sqlite) { database, _ in
                try LegacyTupleGenerator(plan: plan).generate(into: database)
                dumps.append(try database.allRows("SELECT * FROM keto_0000000001_relation_tuples ORDER BY rowid"))
            }
        }
        #expect(dumps[0].count == 1_500)
        #expect(dumps[0] == dumps[1])
    }

    @Test("SQLite fixtures hold the defects only SQLite allows")
    func sqliteOnlyDefects() throws {
        let plan = GeneratorPlan(tuples: 1_000, namespaceCount: 1, seed: 3, brokenShares: [.nullField: 0.01, .invalidUTF8: 0.01])
        try ScratchDatabase.withOpenDatabase(.sqlite) { database, _ in
            try LegacyTupleGenerator(plan: plan).generate(into: database)
            let table = LegacyLayout.tupleTable(namespaceID: 0)
            let nulls = try database.scalar("SELECT count(*) FROM \(table) WHERE object IS NULL OR relation IS NULL OR subject IS NULL OR commit_time IS NULL")
            #expect(nulls == .integer(10))
            var invalid = 0
            try database.forEachRow("SELECT object FROM \(table) WHERE typeof(object) = 'text'", []) { row in
                if case .bytes = row[0] { invalid += 1 }
            }
            #expect(invalid == 10)
        }
    }

    @Test("refuses reasons a PostgreSQL v0.6 table cannot hold", arguments: [BrokenReason.nullField, .invalidUTF8])
    func refusesImpossibleOnPostgres(reason: BrokenReason) throws {
        let plan = GeneratorPlan(tuples: 10, namespaceCount: 1, brokenShares: [reason: 0.1])
        let generator = LegacyTupleGenerator(plan: plan)
        #expect(throws: RetupleError("a postgres legacy table cannot hold \(reason.rawValue) rows: its column types reject them")) {
            try generator.plan.validate(for: .postgres)
        }
    }
}
