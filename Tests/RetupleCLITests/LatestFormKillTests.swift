import Foundation
import RetupleCore
import RetupleFixtures
import RetupleTestSupport
import Testing

/// SIGKILL at random moments of the two paths that write the latest form,
/// on the built binary: `migrate up --to latest` converting Keto v0.7 rows,
/// and `namespace migrate legacy` into a latest-form database. After each
/// kill the database is as before or completely converted (each namespace
/// as before or completely migrated), and a re-run ends exactly where an
/// uninterrupted run ends.
///
/// The moments are drawn by a seeded generator (`RETUPLE_FAULT_SEED`
/// replays them) over the length of an uninterrupted run of a copy.
@Suite("fault injection: SIGKILL during the latest-form paths (built binary)", .serialized)
struct LatestFormKillTests {
    static let trials = 6
    static let tuples = 6_000
    static let seed: UInt64 = ProcessInfo.processInfo.environment["RETUPLE_FAULT_SEED"].flatMap { UInt64($0) }
        ?? UInt64.random(in: 1...UInt64.max)

    @Test("SIGKILL during the conversion of Keto v0.7 rows: as before or converted; a re-run converts exactly", arguments: TestBackends.all)
    func conversionKills(backend: DatabaseBackend) throws {
        try withTemplate(backend, latestSchemaFirst: false) { template in
            let before = try template.state()
            let after = try template.trial { dsn in
                let outcome = try run(["migrate", "up", "--to", "latest", "-y", "-q", "-c", template.config, "--dsn", dsn])
                #expect(outcome.status == 0, "\(outcome.stderr)")
                return try KillState(dsn: dsn)
            }
            #expect(after.rows.count == Self.tuples - before.brokenCount && after.form == "latest")
            var random = SeededGenerator(seed: Self.seed ^ (backend == .sqlite ? 0x11 : 0x22))
            var outcomes: [String] = []
            for _ in 0..<Self.trials {
                let delay = Double.random(in: 0.02...max(0.05, template.seconds), using: &random)
                try template.trial { dsn in
                    let process = try RunningProcess(["migrate", "up", "--to", "latest", "-y", "-q", "-c", template.config, "--dsn", dsn])
                    Thread.sleep(forTimeInterval: delay)
                    process.send(SIGKILL)
                    _ = try process.wait()
                    let killed = try KillState(dsn: dsn)
                    #expect(killed == before || killed == after, "seed \(Self.seed): killed after \(delay) s, the database is neither as before nor converted")
                    outcomes.append(killed == before ? "before" : "after")
                    let again = try run(["migrate", "up", "--to", "latest", "-y", "-q", "-c", template.config, "--dsn", dsn])
                    #expect(again.status == 0, "\(again.stderr)")
                    #expect(try KillState(dsn: dsn) == after, "seed \(Self.seed): the re-run after a kill at \(delay) s did not end converted")
                }
            }
            print("latest-form conversion kills \(backend.rawValue): seed \(Self.seed), run \(String(format: "%.2f", template.seconds)) s, outcomes \(outcomes)")
        }
    }

    @Test("SIGKILL during namespace migrate legacy into the latest form, one job or two: each namespace as before or migrated; a re-run completes exactly", arguments: TestBackends.all, ["1", "2"])
    func legacyKills(backend: DatabaseBackend, jobs: String) throws {
        try withTemplate(backend, latestSchemaFirst: true) { template in
            func migrateLegacy(_ dsn: String) -> [String] {
                ["namespace", "migrate", "legacy", "-y", "-q", "--jobs", jobs, "-c", template.config, "--dsn", dsn, "--report", template.report]
            }
            let before = try template.state()
            let after = try template.trial { dsn in
                let outcome = try run(migrateLegacy(dsn))
                #expect([0, 3].contains(outcome.status), "\(outcome.stderr)")
                return try KillState(dsn: dsn)
            }
            #expect(before.rows.isEmpty && after.rows.count == Self.tuples - after.brokenCount)
            var random = SeededGenerator(seed: Self.seed ^ (backend == .sqlite ? 0x33 : 0x44))
            for _ in 0..<Self.trials {
                let delay = Double.random(in: 0.02...max(0.05, template.seconds), using: &random)
                try template.trial { dsn in
                    let process = try RunningProcess(migrateLegacy(dsn))
                    Thread.sleep(forTimeInterval: delay)
                    process.send(SIGKILL)
                    _ = try process.wait()
                    let killed = try KillState(dsn: dsn)
                    for (namespace, rows) in killed.rowsPerNamespace {
                        #expect(rows == after.rowsPerNamespace[namespace], "seed \(Self.seed), --jobs \(jobs): namespace \(namespace) half migrated after a kill at \(delay) s")
                    }
                    #expect(killed.mappings.isSubset(of: after.mappings))
                    let again = try run(migrateLegacy(dsn))
                    #expect([0, 3].contains(again.status), "\(again.stderr)")
                    #expect(try KillState(dsn: dsn) == after, "seed \(Self.seed), --jobs \(jobs): the re-run after a kill at \(delay) s did not end as an uninterrupted run")
                }
            }
        }
    }

    /// A database to copy for each trial, and how long an uninterrupted run takes.
    final class Template {
        let backend: DatabaseBackend
        let directory: TemporaryDirectory
        let config: String
        let report: String
        /// The DSN of the database each trial copies.
        let source: String
        var seconds = 1.0
        let latestSchemaFirst: Bool

        init(backend: DatabaseBackend, directory: TemporaryDirectory, source: String, latestSchemaFirst: Bool) {
            self.backend = backend
            self.directory = directory
            config = directory.path("keto.yml")
            report = directory.path("report.jsonl")
            self.source = source
            self.latestSchemaFirst = latestSchemaFirst
        }

        func state() throws -> KillState {
            try trial { try KillState(dsn: $0) }
        }

        /// Runs `body` on a fresh copy of the template.
        func trial<T>(_ body: (String) throws -> T) throws -> T {
            try ScratchDatabase.with(backend, file: "trial.db", copying: source) { try body($0.dsn) }
        }
    }

    /// Builds the template: generated v0.6 rows, then either retuple's v0.7
    /// form with the rows migrated (to convert), or the latest schema with
    /// the legacy rows still to migrate; times one uninterrupted run.
    func withTemplate(_ backend: DatabaseBackend, latestSchemaFirst: Bool, _ body: (Template) throws -> Void) throws {
        let directory = try TemporaryDirectory()
        var plan = GeneratorPlan(tuples: Self.tuples, namespaceCount: 3, seed: 5)
        plan.brokenShares[.malformedSubject] = 0.002
        plan.brokenShares[.tooLong] = 0.002
        func build(_ dsn: String) throws {
            let database = try openDatabase(try DataSourceName(parsing: dsn), intent: .readWriteCreatingFile)
            defer { database.close() }
            _ = try LegacyTupleGenerator(plan: plan).generate(into: database)
        }
        func prepare(_ template: Template, _ dsn: String) throws {
            try KetoConfigurationFile.write(namespaces: plan.namespaces, to: template.config)
            if latestSchemaFirst {
                #expect(try run(["migrate", "up", "--to", "latest", "-y", "-q", "--dsn", dsn]).status == 0)
            } else {
                #expect(try run(["migrate", "up", "-y", "-q", "--dsn", dsn]).status == 0)
                #expect([0, 3].contains(try run(["namespace", "migrate", "legacy", "-y", "-q", "-c", template.config, "--dsn", dsn, "--report", template.report]).status))
            }
        }
        func time(_ template: Template) throws {
            let started = ContinuousClock.now
            try template.trial { dsn in
                _ = try run(latestSchemaFirst
                    ? ["namespace", "migrate", "legacy", "-y", "-q", "-c", template.config, "--dsn", dsn, "--report", template.report]
                    : ["migrate", "up", "--to", "latest", "-y", "-q", "-c", template.config, "--dsn", dsn])
            }
            let elapsed = ContinuousClock.now - started
            template.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }
        try ScratchDatabase.with(backend, file: "template.db", in: directory) { scratch in
            try build(scratch.dsn)
            let template = Template(backend: backend, directory: directory, source: scratch.dsn, latestSchemaFirst: latestSchemaFirst)
            try prepare(template, scratch.dsn)
            try time(template)
            try body(template)
        }
    }
}

/// What a kill may leave: the tables, the form, the tuples and mappings.
struct KillState: Equatable {
    var tables: [String] = []
    var form = "none"
    var rows: [[String]] = []
    var mappings: Set<[String]> = []
    var versions: Set<String> = []
    var brokenCount = 0
    var rowsPerNamespace: [String: Int] = [:]

    init(dsn: String) throws {
        let database = try openDatabase(try DataSourceName(parsing: dsn))
        defer { database.close() }
        func text(_ rows: [[DatabaseValue]]) -> [[String]] { rows.map { $0.map { $0.text ?? $0.integer.map(String.init) ?? "NULL" } } }
        tables = try database.tableNames().filter { $0 != "retuple_legacy_keys" }
        form = try SchemaForm.current(in: database)?.rawValue ?? "none"
        if tables.contains("keto_relation_tuples") {
            rows = text(try database.allRows("SELECT * FROM keto_relation_tuples ORDER BY shard_id, nid"))
            let column = form == "latest" ? "namespace" : "namespace_id"
            for row in try database.allRows("SELECT \(column), count(*) FROM keto_relation_tuples GROUP BY \(column)") {
                rowsPerNamespace[row[0].text ?? row[0].integer.map(String.init) ?? ""] = Int(row[1].integer ?? 0)
            }
        }
        if tables.contains("keto_uuid_mappings") {
            mappings = Set(text(try database.allRows("SELECT * FROM keto_uuid_mappings")))
        }
        if tables.contains("schema_migration") {
            versions = Set(try database.allRows("SELECT version FROM schema_migration").compactMap { $0.first?.text })
        }
        if tables.contains("retuple_broken_tuples") {
            brokenCount = Int(try database.scalar("SELECT count(*) FROM retuple_broken_tuples WHERE resolved_at IS NULL")?.integer ?? 0)
        }
    }
}
