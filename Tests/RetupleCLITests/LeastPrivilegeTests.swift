import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

/// The privileges docs/SECURITY.md lists for the migration, granted to a
/// role of the test's own and nothing more (the defaults PostgreSQL gives
/// PUBLIC taken away): they suffice, and without any one of them
/// `namespace migrate legacy` is refused before it changes anything.
@Suite("PostgreSQL: the migration as a role with exactly the documented privileges (built binary)", .enabled(if: TestBackends.postgresEnabled))
struct LeastPrivilegeTests {
    /// The demo's legacy tuple tables and their bookkeeping tables.
    static let tupleTables = (0...2).map { LegacyLayout.tupleTable(namespaceID: $0) }
    static let migrationTables = (0...2).map { LegacyLayout.migrationTable(namespaceID: $0) }

    /// docs/SECURITY.md, "Privileges": what a migration that drops nothing
    /// needs, after PUBLIC's default privileges on the database and the
    /// schema are revoked.
    static func migrationGrants(to role: String, database: String) -> [String] {
        let role = quoteIdentifier(role)
        return [
            "REVOKE ALL ON DATABASE \(quoteIdentifier(database)) FROM PUBLIC",
            "REVOKE ALL ON SCHEMA public FROM PUBLIC",
            "GRANT CONNECT, TEMPORARY ON DATABASE \(quoteIdentifier(database)) TO \(role)",
            "GRANT USAGE, CREATE ON SCHEMA public TO \(role)",
            "GRANT SELECT ON networks, schema_migration TO \(role)",
            "GRANT SELECT, INSERT ON keto_relation_tuples TO \(role)",
            "GRANT SELECT, UPDATE ON \(tupleTables.joined(separator: ", ")) TO \(role)",
        ]
    }

    /// What dropping adds (`-y`, `--down-only`): the legacy tables become
    /// the role's.
    static func dropGrants(to role: String, tables: [String] = tupleTables + migrationTables) -> [String] {
        tables.map { "ALTER TABLE \($0) OWNER TO \(quoteIdentifier(role))" }
    }

    /// Runs `retuple WORDS --dsn <role's DSN> -c … ARGUMENTS` in the workspace.
    static func retuple(
        _ workspace: LegacyWorkspace, as role: TestRole, _ words: [String], _ arguments: [String] = [], stdin: String? = nil
    ) throws -> ProcessOutcome {
        let outcome = try run(words + ["--dsn", role.dsn, "-c", workspace.configPath] + arguments, stdin: stdin, in: workspace.directory.url)
        let password = try #require(URLComponents(string: role.dsn)?.password)
        #expect(!outcome.stdout.contains(password) && !outcome.stderr.contains(password), "the password is in the output")
        return outcome
    }

    static func grant(_ statements: [String], in workspace: LegacyWorkspace) throws {
        try workspace.withDatabase { try $0.executeScript(statements.joined(separator: ";\n")) }
    }

    static func databaseName(of workspace: LegacyWorkspace) throws -> String {
        try #require(URLComponents(string: workspace.dsn)).path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
    }

    @Test("migrating without dropping, re-running, verify, status and broken list need only the migration's privileges; --down-only adds ownership of the legacy tables")
    func documentedPrivilegesSuffice() throws {
        try LegacyWorkspace.with(.postgres, .demo) { workspace in
            try TestRole.with(in: workspace.dsn) { role in
                try Self.grant(Self.migrationGrants(to: role.name, database: Self.databaseName(of: workspace)), in: workspace)
                let demo = DemoDataset.figures(on: .postgres)

                // Yes to the migration, end of input declines every drop.
                let first = try Self.retuple(workspace, as: role, LegacyWorkspace.migrateLegacyWords, stdin: "y\n")
                #expect(first.status == 3, "\(first.stderr)")
                #expect(first.namespaceFigures == demo)
                let rerun = try Self.retuple(workspace, as: role, LegacyWorkspace.migrateLegacyWords, stdin: "y\n")
                #expect(rerun.status == 3, "\(rerun.stderr)")
                #expect(rerun.namespaceFigures == demo.map(\.rerun))
                for words in [["verify"], ["status"], ["broken", "list"]] {
                    let outcome = try Self.retuple(workspace, as: role, words)
                    #expect(outcome.status == 0, "\(words): \(outcome.stderr)")
                }
                #expect(try workspace.legacyTablesLeft() == (Self.migrationTables + Self.tupleTables).sorted())

                // Refused before anything changes while the tables are not the role's.
                let refused = try Self.retuple(workspace, as: role, LegacyWorkspace.migrateLegacyWords, ["--down-only", "-y"])
                #expect(refused.status == 1)
                #expect(refused.stderrLines.count == 1, "\(refused.stderr)")
                #expect(refused.stderr.contains("cannot drop keto_0000000000_relation_tuples (owned by postgres)"), "\(refused.stderr)")
                #expect(try workspace.legacyTablesLeft().count == 6)

                try Self.grant(Self.dropGrants(to: role.name), in: workspace)
                let dropped = try Self.retuple(workspace, as: role, LegacyWorkspace.migrateLegacyWords, ["--down-only", "-y"])
                #expect(dropped.status == 0, "\(dropped.stderr)")
                #expect(dropped.namespaceFigures.map(\.dropped) == [true, true, true])
                #expect(try workspace.legacyTablesLeft().isEmpty)
            }
        }
    }

    @Test("-y (migrating and dropping the clean namespaces) needs the migration's privileges and ownership of the legacy tables")
    func migrateAndDrop() throws {
        try LegacyWorkspace.with(.postgres, .demo) { workspace in
            try TestRole.with(in: workspace.dsn) { role in
                try Self.grant(
                    Self.migrationGrants(to: role.name, database: Self.databaseName(of: workspace)) + Self.dropGrants(to: role.name),
                    in: workspace
                )
                let outcome = try Self.retuple(workspace, as: role, LegacyWorkspace.migrateLegacyWords, ["-y"])
                #expect(outcome.status == 3, "\(outcome.stderr)")
                #expect(outcome.namespaceFigures == DemoDataset.firstRunFigures(on: .postgres))
            }
        }
    }

    @Test("once retuple_broken_tuples exists, SELECT, INSERT and UPDATE on it replace CREATE on the schema (regression: CREATE TABLE IF NOT EXISTS asked for CREATE)")
    func existingBrokenTableNeedsNoCreate() throws {
        try LegacyWorkspace.with(.postgres, .demo) { workspace in
            // The admin migrates files first, which creates the table.
            #expect(try workspace.migrateLegacy(["files"], stdin: "y\n").status == 3)
            try TestRole.with(in: workspace.dsn) { role in
                try Self.grant(
                    Self.migrationGrants(to: role.name, database: Self.databaseName(of: workspace)) + [
                        "REVOKE CREATE ON SCHEMA public FROM \(quoteIdentifier(role.name))",
                        "GRANT SELECT, INSERT, UPDATE ON retuple_broken_tuples TO \(quoteIdentifier(role.name))",
                    ],
                    in: workspace
                )
                let outcome = try Self.retuple(workspace, as: role, LegacyWorkspace.migrateLegacyWords, stdin: "y\n")
                #expect(outcome.status == 3, "\(outcome.stderr)")
                let demo = DemoDataset.figures(on: .postgres)
                #expect(outcome.namespaceFigures == [demo[0].rerun] + demo.dropFirst())
            }
        }
    }

    @Test("migrate up on an up-to-date database needs only SELECT on schema_migration and networks (regression: it asked for CREATE and ownership of schema_migration)")
    func upToDateMigrateUpOnlyReads() throws {
        try LegacyWorkspace.with(.postgres, .demo) { workspace in
            try TestRole.with(in: workspace.dsn) { role in
                let database = quoteIdentifier(try Self.databaseName(of: workspace)), user = quoteIdentifier(role.name)
                try Self.grant([
                    "REVOKE ALL ON DATABASE \(database) FROM PUBLIC", "REVOKE ALL ON SCHEMA public FROM PUBLIC",
                    "GRANT CONNECT ON DATABASE \(database) TO \(user)", "GRANT USAGE ON SCHEMA public TO \(user)",
                    "GRANT SELECT ON networks, schema_migration TO \(user)",
                ], in: workspace)
                let before = try workspace.dump()
                let outcome = try Self.retuple(workspace, as: role, ["migrate", "up"], ["-y"])
                #expect(outcome.status == 0, "\(outcome.stderr)")
                #expect(outcome.lines == ["nothing to apply: the unified schema is up to date"])
                #expect(try workspace.dump() == before)
            }
        }
    }

    /// One privilege of the documented set taken away.
    struct Missing: CustomTestStringConvertible, Sendable {
        let name: String
        /// The statement that takes it away, for the role and the database.
        let revoke: @Sendable (_ role: String, _ database: String) -> String
        /// Whether the run drops (`-y`) or answers yes to the migration only.
        let drops: Bool
        /// What the one error line must say.
        let message: String

        var testDescription: String { name }

        static let all = [
            Missing(name: "TEMPORARY on the database", revoke: { "REVOKE TEMPORARY ON DATABASE \(quoteIdentifier($1)) FROM \(quoteIdentifier($0))" },
                    drops: true, message: "no TEMPORARY on the database"),
            Missing(name: "CREATE on the schema", revoke: { role, _ in "REVOKE CREATE ON SCHEMA public FROM \(quoteIdentifier(role))" },
                    drops: true, message: "no CREATE on schema public (to create retuple_broken_tuples)"),
            Missing(name: "INSERT on keto_relation_tuples", revoke: { role, _ in "REVOKE INSERT ON keto_relation_tuples FROM \(quoteIdentifier(role))" },
                    drops: true, message: "no INSERT on keto_relation_tuples"),
            Missing(name: "SELECT on networks", revoke: { role, _ in "REVOKE SELECT ON networks FROM \(quoteIdentifier(role))" },
                    drops: true, message: "permission denied for table networks"),
            Missing(name: "SELECT on the second legacy table", revoke: { role, _ in "REVOKE SELECT ON keto_0000000001_relation_tuples FROM \(quoteIdentifier(role))" },
                    drops: false, message: "no SELECT on keto_0000000001_relation_tuples"),
            Missing(name: "UPDATE (the lock) on the last legacy table", revoke: { role, _ in "REVOKE UPDATE ON keto_0000000002_relation_tuples FROM \(quoteIdentifier(role))" },
                    drops: false, message: "cannot LOCK keto_0000000002_relation_tuples (needs UPDATE, DELETE or TRUNCATE)"),
            Missing(name: "ownership of the clean namespace's table", revoke: { role, _ in
                        // Back to the admin, with the migration's grants on it again.
                        "ALTER TABLE keto_0000000002_relation_tuples OWNER TO postgres; GRANT SELECT, UPDATE ON keto_0000000002_relation_tuples TO \(quoteIdentifier(role))"
                    },
                    drops: true, message: "cannot drop keto_0000000002_relation_tuples (owned by postgres) (-y drops the legacy table of each clean namespace; without -y none is dropped)"),
        ]
    }

    @Test("without any one documented privilege, namespace migrate legacy is refused in one line naming it, before anything changes", arguments: Missing.all)
    func eachPrivilegeIsNeeded(missing: Missing) throws {
        try LegacyWorkspace.with(.postgres, .demo) { workspace in
            try TestRole.with(in: workspace.dsn) { role in
                let database = try Self.databaseName(of: workspace)
                try Self.grant(
                    Self.migrationGrants(to: role.name, database: database)
                        + (missing.drops ? Self.dropGrants(to: role.name) : [])
                        + [missing.revoke(role.name, database)],
                    in: workspace
                )
                let before = try workspace.dump()
                let outcome = try Self.retuple(
                    workspace, as: role, LegacyWorkspace.migrateLegacyWords, missing.drops ? ["-y"] : [], stdin: missing.drops ? nil : "y\n"
                )
                #expect(outcome.status == 1)
                #expect(outcome.stderrLines.count == 1, "\(outcome.stderr)")
                #expect(outcome.stderr.hasPrefix("error: "), "\(outcome.stderr)")
                #expect(outcome.stderr.contains(missing.message), "\(outcome.stderr)")
                #expect(outcome.namespaceFigures.isEmpty)
                #expect(try workspace.dump() == before)
            }
        }
    }
}
