import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

/// `Diagnosis`, the checks behind `retuple doctor`, against real databases:
/// for each check the state that makes it pass and one that makes it fail
/// (or warn, where nothing can fail), on every backend it applies to. Where
/// a check offers SQL or a shell command as its fix, the test runs that fix
/// and requires the check to pass afterwards.
@Suite("doctor: the checks (library)")
struct DiagnosisTests {
    /// The demo database on `backend`, with the unified schema applied
    /// unless told otherwise; `body` gets the test's connection and DSN.
    func withDemo(
        _ backend: DatabaseBackend, applyingSchema: Bool = true, _ body: (any Database, String, Configuration) throws -> Void
    ) throws {
        try ScratchDatabase.withOpenDatabase(backend) { database, scratch in
            let configuration = try loadDemoFixture(into: database)
            if applyingSchema { _ = try SchemaMigrator(database: database, logger: testLogger).applyPending() }
            try body(database, scratch.dsn, configuration)
        }
    }

    func diagnose(_ dsn: String, _ configuration: Configuration?) throws -> Diagnosis {
        Diagnosis(dsn: try DataSourceName(parsing: dsn), configuration: configuration, logger: testLogger)
    }

    func check(_ name: DoctorCheck.Name, of dsn: String, _ configuration: Configuration?) throws -> DoctorCheck {
        try #require(try diagnose(dsn, configuration).checks.first { $0.name == name })
    }

    // MARK: Every check, once healthy

    @Test("an upgraded demo database: one check per name in order, all ok but the unresolved broken tuples", arguments: TestBackends.all)
    func healthy(backend: DatabaseBackend) throws {
        try withDemo(backend) { database, dsn, configuration in
            let migrator = try LegacyMigrator(database: database, configuration: configuration, logger: testLogger, lockTimeout: .seconds(5))
            let reports = try TemporaryDirectory()
            let report = BrokenTupleReport(path: reports.path("report.jsonl"))
            for table in try migrator.legacyTables(named: nil) {
                _ = try migrator.migrate(table, report: report, dropWhenClean: true, dryRun: false, maxBroken: nil)
            }
            let diagnosis = try diagnose(dsn, configuration)
            #expect(diagnosis.checks.map(\.name) == DoctorCheck.Name.allCases)
            #expect(diagnosis.failures.isEmpty, "\(diagnosis.failures)")
            for check in diagnosis.checks {
                switch check.name {
                case .brokenTuples: #expect(check.status == .warn, "\(check)")
                case .settings where backend == .sqlite: #expect(check.status == .skip, "\(check)")
                default: #expect(check.status == .ok, "\(check)")
                }
            }
            let connectivity = diagnosis.checks[0].found
            #expect(connectivity.contains(backend == .postgres ? ": PostgreSQL 15." : ": SQLite 3."), "\(connectivity)")
        }
    }

    // MARK: connectivity

    @Test("connectivity: an unreachable PostgreSQL port fails naming host and port, never the password; the rest is skipped")
    func unreachablePostgres() throws {
        let password = "s3cret-\(UUID().uuidString.prefix(6))"
        let diagnosis = try diagnose("postgres://keto:\(password)@127.0.0.1:1/keto?sslmode=disable", nil)
        let connectivity = diagnosis.checks[0]
        #expect(connectivity.status == .fail)
        #expect(connectivity.found.contains("\"127.0.0.1\", port 1 failed"), "\(connectivity.found)")
        #expect(connectivity.fix?.contains("host, port") == true)
        for check in diagnosis.checks {
            #expect(!check.found.contains(password) && check.fix?.contains(password) != true, "\(check)")
        }
        #expect(diagnosis.checks.dropFirst().allSatisfy { $0.status == .skip && $0.found == "not checked: no connection to the database" })
        #expect(diagnosis.checks.count == DoctorCheck.Name.allCases.count)
    }

    @Test("connectivity: a missing SQLite file fails naming it; the rest is skipped")
    func missingSQLiteFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("missing.db")
        let diagnosis = try diagnose("sqlite://" + path, nil)
        #expect(diagnosis.checks[0].status == .fail)
        #expect(diagnosis.checks[0].found.contains("sqlite database \(path) does not exist"))
        #expect(diagnosis.checks.dropFirst().allSatisfy { $0.status == .skip })
        #expect(!FileManager.default.fileExists(atPath: path), "the doctor created the file")
    }

    // MARK: privileges

    /// Who owns the legacy tables in the privileges test.
    enum LegacyOwner: String, CaseIterable, Sendable {
        /// The superuser that loaded them: the fix takes them over.
        case superuser
        /// A role of their own, as Keto v0.6's: the fix grants its membership.
        case keto
    }

    @Test(
        "privileges: a role without CREATE, TEMPORARY or ownership of the legacy tables fails; the SQL given fixes it",
        .enabled(if: TestBackends.postgresEnabled), arguments: LegacyOwner.allCases
    )
    func postgresPrivileges(owner: LegacyOwner) throws {
        try withDemo(.postgres, applyingSchema: false) { database, dsn, configuration in
            try TestRole.with(in: dsn, login: false) { ketoRole in
                try TestRole.with(in: dsn) { role in
                    let legacy = (0...2).flatMap { [LegacyLayout.tupleTable(namespaceID: $0), LegacyLayout.migrationTable(namespaceID: $0)] }
                    if owner == .keto {
                        for table in legacy + ["keto_namespace"] {
                            try database.execute("ALTER TABLE \(table) OWNER TO \(quoteIdentifier(ketoRole.name))")
                        }
                    }
                    try database.execute("REVOKE TEMPORARY ON DATABASE \(quoteIdentifier(try databaseName(dsn))) FROM PUBLIC")

                    let refused = try check(.privileges, of: role.dsn, configuration)
                    #expect(refused.status == .fail)
                    let ownerName = owner == .keto ? ketoRole.name : "postgres"
                    for problem in [
                        "as \(role.name): no CREATE on schema public", "no TEMPORARY on database \(try databaseName(dsn))",
                        "no SELECT on schema_migration", "keto_0000000002_relation_tuples, keto_namespace",
                        "keto_namespace_0000000002_migrations (owned by \(ownerName))",
                    ] {
                        #expect(refused.found.contains(problem), "\(problem) not in: \(refused.found)")
                    }
                    let fix = try #require(refused.fix)
                    let sql = try #require(fix.split(separator: ": ", maxSplits: 1).last.map(String.init))
                    #expect(fix.hasPrefix("as the owner or a superuser: GRANT CREATE ON SCHEMA \"public\" TO \"\(role.name)\";"), "\(fix)")
                    if owner == .keto {
                        #expect(sql.contains("GRANT \"\(ketoRole.name)\" TO \"\(role.name)\";"), "\(fix)")
                    } else {
                        #expect(sql.contains("ALTER TABLE \"keto_0000000000_relation_tuples\" OWNER TO \"\(role.name)\";"), "\(fix)")
                    }

                    try database.executeScript(sql)
                    let granted = try check(.privileges, of: role.dsn, configuration)
                    #expect(granted.status == .ok, "\(granted)")
                    #expect(granted.found.contains("may drop the 7 tables retuple drops"), "\(granted.found)")
                }
            }
        }
    }

    /// The database a PostgreSQL DSN names.
    func databaseName(_ dsn: String) throws -> String {
        String(try #require(URLComponents(string: dsn)).path.dropFirst())
    }

    @Test("privileges: a SQLite file, or its directory, that cannot be written fails naming it; the command given fixes it", arguments: [false, true])
    func sqliteWriteAccess(protectingDirectory: Bool) throws {
        try withDemo(.sqlite) { _, dsn, configuration in
            let path = String(dsn.dropFirst("sqlite://".count))
            let target = protectingDirectory ? URL(fileURLWithPath: path).deletingLastPathComponent().path : path
            let protection = try WriteProtection(target)
            defer { try? protection.remove() }

            let diagnosis = try diagnose(dsn, configuration)
            let refused = try #require(diagnosis.checks.first { $0.name == .privileges })
            #expect(refused.status == .fail)
            let expected = protectingDirectory ? "its directory \(target) is not writable (SQLite writes its journal there): " : "\(target) is not writable: "
            #expect(refused.found.hasPrefix(expected), "\(refused.found)")
            let fix = try #require(refused.fix)
            #expect(fix == (protection.isImmutable ? "chattr -i \(target)" : "chmod \(protectingDirectory ? "u+wx" : "u+rw") \(target)"))
            // The other checks still read the database.
            #expect(diagnosis.checks.first { $0.name == .schema }?.status == .ok)
            #expect(diagnosis.checks.first { $0.name == .locks }?.status == (protectingDirectory ? .ok : .skip))

            try WriteProtection.shell(fix)
            #expect(try check(.privileges, of: dsn, configuration).status == .ok)
        }
    }

    // MARK: schema

    @Test("schema: pending migrations fail while legacy tables are left and warn once none is; a missing network fails", arguments: TestBackends.all)
    func schema(backend: DatabaseBackend) throws {
        try withDemo(backend, applyingSchema: false) { database, dsn, configuration in
            let pending = try check(.schema, of: dsn, configuration)
            #expect(pending.status == .fail)
            #expect(pending.found == "7 of 8 unified-schema migrations pending (from 20150100000001000000); `namespace migrate legacy` refuses to run until they are applied")
            #expect(pending.fix == "retuple migrate up")

            _ = try SchemaMigrator(database: database, logger: testLogger).applyPending()
            let applied = try check(.schema, of: dsn, configuration)
            #expect(applied.status == .ok)
            #expect(applied.found.hasPrefix("all 8 unified-schema migrations applied; network "))

            try database.execute("DELETE FROM networks")
            let noNetwork = try check(.schema, of: dsn, configuration)
            #expect(noNetwork.status == .fail)
            #expect(noNetwork.fix == "retuple migrate up")
        }
        try ScratchDatabase.withOpenDatabase(backend) { _, scratch in
            let empty = try check(.schema, of: scratch.dsn, nil)
            #expect(empty.status == .warn)
            #expect(empty.found.hasPrefix("8 of 8 unified-schema migrations pending"))
            #expect(empty.fix == "retuple migrate up")
        }
    }

    // MARK: namespaces

    @Test("namespaces: an unconfigured legacy id fails naming table and id; names without a table, and tables of other schemas, are only mentioned", arguments: TestBackends.all)
    func namespaces(backend: DatabaseBackend) throws {
        try withDemo(backend) { database, dsn, configuration in
            let ok = try check(.namespaces, of: dsn, configuration)
            #expect(ok.status == .ok)
            #expect(ok.found == "3 legacy tables, every id configured: files (0), directories (1), groups (2)")

            let partial = Configuration(namespaces: configuration.namespaces.filter { $0.id != 1 } + [Namespace(id: 7, name: "archive")])
            let missing = try check(.namespaces, of: dsn, partial)
            #expect(missing.status == .fail)
            #expect(missing.found == "not configured: keto_0000000001_relation_tuples holds namespace id 1; no legacy table for archive (7)")
            #expect(missing.fix == "add {id: 1, name: …} to namespaces: in the configuration")

            let none = try check(.namespaces, of: dsn, nil)
            #expect(none.status == .fail)
            #expect(none.fix == "pass Keto's configuration, with every namespace, with -c")

            guard backend == .postgres else { return }
            try database.executeScript("""
                CREATE SCHEMA archive;
                CREATE TABLE archive.keto_0000000009_relation_tuples (object text);
                CREATE TABLE archive.keto_9_relation_tuples (object text)
                """)
            let elsewhere = try check(.namespaces, of: dsn, configuration)
            #expect(elsewhere.status == .ok)
            #expect(elsewhere.found.hasSuffix("; ignored, in other schemas: archive.keto_0000000009_relation_tuples"), "\(elsewhere.found)")
        }
    }

    // MARK: broken tuples

    @Test("broken tuples: unresolved records warn with their count per namespace; once resolved they are ok", arguments: TestBackends.all)
    func brokenTuples(backend: DatabaseBackend) throws {
        try withDemo(backend) { database, dsn, configuration in
            #expect(try check(.brokenTuples, of: dsn, configuration).found == "none recorded")
            let migrator = try LegacyMigrator(database: database, configuration: configuration, logger: testLogger, lockTimeout: .seconds(5))
            let reports = try TemporaryDirectory()
            let report = BrokenTupleReport(path: reports.path("report.jsonl"))
            for table in try migrator.legacyTables(named: nil) {
                _ = try migrator.migrate(table, report: report, dropWhenClean: false, dryRun: false, maxBroken: nil)
            }
            let unresolved = try check(.brokenTuples, of: dsn, configuration)
            #expect(unresolved.status == .warn)
            let expected = backend == .sqlite ? "6 broken tuples unresolved in retuple_broken_tuples (files: 3, directories: 2, groups: 1)"
                : "4 broken tuples unresolved in retuple_broken_tuples (files: 3, directories: 1)"
            #expect(unresolved.found.hasPrefix(expected), "\(unresolved.found)")
            #expect(unresolved.fix == "retuple broken list")

            try database.execute("UPDATE retuple_broken_tuples SET resolved_at = recorded_at")
            let resolved = try check(.brokenTuples, of: dsn, configuration)
            #expect(resolved.status == .ok)
            #expect(resolved.found == "every recorded broken tuple is resolved")
        }
    }

    // MARK: locks

    @Test("locks: another session holding a legacy table warns naming pid, application and mode; a retuple run is named as such", .enabled(if: TestBackends.postgresEnabled))
    func postgresLocks() throws {
        try withDemo(.postgres) { _, dsn, configuration in
            var components = try #require(URLComponents(string: dsn))
            components.queryItems = (components.queryItems ?? []) + [URLQueryItem(name: "application_name", value: "retuple-test-holder")]
            let holder = try openDatabase(try DataSourceName(parsing: try #require(components.string)))
            defer { holder.close() }

            let held = try holder.transaction { () throws -> (pid: Int64, check: DoctorCheck) in
                try holder.execute("LOCK TABLE keto_0000000001_relation_tuples IN ROW EXCLUSIVE MODE")
                return (try #require(try holder.scalar("SELECT pg_backend_pid()")?.integer), try check(.locks, of: dsn, configuration))
            }
            #expect(held.check.status == .warn)
            #expect(held.check.found == "pid \(held.pid) (user postgres, application retuple-test-holder, idle in transaction) holds RowExclusiveLock on keto_0000000001_relation_tuples")
            #expect(held.check.fix == "let pid \(held.pid) finish, or end it: SELECT pg_terminate_backend(\(held.pid))")

            // A reader idle in its transaction blocks the drop: listed too.
            let reading = try holder.transaction {
                _ = try holder.scalar("SELECT count(*) FROM keto_0000000000_relation_tuples")
                return try check(.locks, of: dsn, configuration)
            }
            #expect(reading.found.hasSuffix("holds AccessShareLock on keto_0000000000_relation_tuples"), "\(reading.found)")

            // The advisory lock every retuple migration transaction takes ("retu", "ple").
            let migrating = try holder.transaction { () throws -> (pid: Int64, check: DoctorCheck) in
                try holder.execute("SELECT pg_advisory_xact_lock(1919251573, 7367781)")
                return (try #require(try holder.scalar("SELECT pg_backend_pid()")?.integer), try check(.locks, of: dsn, configuration))
            }
            #expect(migrating.check.status == .warn)
            #expect(migrating.check.found == "a retuple migration is running (pid \(migrating.pid), user postgres, application retuple-test-holder)")

            let free = try check(.locks, of: dsn, configuration)
            #expect(free.status == .ok)
            #expect(free.found == "no other session holds a lock on the 3 legacy tables, and no retuple migration is running")
        }
    }

    @Test("locks: another connection's write transaction on the SQLite file warns; once it ends the check is ok")
    func sqliteLocks() throws {
        try withDemo(.sqlite) { database, dsn, configuration in
            let busy = try database.transaction {
                try database.execute("INSERT INTO keto_0000000000_relation_tuples VALUES ('default', 'o', 'r', 's', '2021-09-14 13:46:24')")
                return try check(.locks, of: dsn, configuration)
            }
            #expect(busy.status == .warn)
            #expect(busy.found.hasPrefix("another connection holds the write lock on "))
            #expect(busy.fix?.hasPrefix("stop whatever writes to it") == true)
            #expect(try check(.locks, of: dsn, configuration).status == .ok)
        }
    }

    // MARK: settings

    @Test("settings: timeouts set for the role, the database and both warn naming their source; the SQL given fixes them", .enabled(if: TestBackends.postgresEnabled))
    func postgresSettings() throws {
        try withDemo(.postgres) { database, dsn, configuration in
            try TestRole.with(in: dsn) { role in
                let name = quoteIdentifier(try databaseName(dsn)), user = quoteIdentifier(role.name)
                try database.executeScript("""
                    ALTER ROLE \(user) SET statement_timeout = '5s';
                    ALTER DATABASE \(name) SET idle_in_transaction_session_timeout = '7s';
                    ALTER ROLE \(user) IN DATABASE \(name) SET lock_timeout = '3s'
                    """)
                let set = try check(.settings, of: role.dsn, configuration)
                #expect(set.status == .warn)
                for finding in [
                    "idle_in_transaction_session_timeout=7s (source: database): ", "lock_timeout=3s (source: database user): ",
                    "statement_timeout=5s (source: user): namespace migrate legacy and verify lift it in their transactions",
                ] {
                    #expect(set.found.contains(finding), "\(finding) not in \(set.found)")
                }
                let fix = try #require(set.fix)
                #expect(fix == """
                    ALTER ROLE \(user) IN DATABASE \(name) SET idle_in_transaction_session_timeout = 0; \
                    ALTER ROLE \(user) IN DATABASE \(name) RESET lock_timeout; ALTER ROLE \(user) RESET statement_timeout; then reconnect
                    """)
                try database.executeScript(String(fix.dropLast(" then reconnect".count)))
                let lifted = try check(.settings, of: role.dsn, configuration)
                #expect(lifted.status == .ok, "\(lifted)")
            }
        }
    }
}
