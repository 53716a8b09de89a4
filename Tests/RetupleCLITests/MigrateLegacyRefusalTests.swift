import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

/// `namespace migrate legacy` against a database it may not change (issue
/// 6): refused with one `error:` line, naming what is in the way, before
/// anything changes or is even shown. (Unwritable report paths:
/// `MigrateLegacyCommandTests.unwritableReport`.)
@Suite("namespace migrate legacy: refused before anything changes (built binary)")
struct MigrateLegacyRefusalTests {
    /// What is made read-only on SQLite.
    enum ProtectedPath: String, CaseIterable, Sendable {
        case databaseFile
        /// The directory, where SQLite creates its rollback journal.
        case databaseDirectory
    }

    @Test("SQLite: a database file or directory that cannot be written is refused with one error line; nothing changes", arguments: ProtectedPath.allCases)
    func readOnlySQLite(protected: ProtectedPath) throws {
        try LegacyWorkspace.with(.sqlite, .demo) { workspace in
            let file = workspace.directory.path("keto.db")
            let path = protected == .databaseFile ? file : workspace.directory.url.path
            let before = try workspace.dump()
            let reports = try TemporaryDirectory() // the report is not what is in the way
            let protection = try WriteProtection(path)
            let outcome: ProcessOutcome
            do {
                defer { try? protection.remove() }
                outcome = try workspace.migrateLegacy(["-y", "--report", reports.path("report.jsonl")])
            }
            #expect(outcome.status == 1)
            #expect(outcome.stderrLines.count == 1, "\(outcome.stderr)")
            #expect(outcome.stderr.hasPrefix("error: cannot migrate sqlite database \(file): "), "\(outcome.stderr)")
            #expect(outcome.stderr.contains("\(path) is not writable"), "\(outcome.stderr)")
            #expect(outcome.stdout.isEmpty, "\(outcome.stdout)")
            #expect(try workspace.dump() == before, "the database changed")
            #expect(!FileManager.default.fileExists(atPath: reports.path("report.jsonl")))
        }
    }

    /// What a role lacks on PostgreSQL.
    enum MissingPrivilege: String, CaseIterable, Sendable {
        /// SELECT on every table and nothing else.
        case readOnly
        /// Reads and writes every table and may create tables, but does not
        /// own the legacy tables, so it cannot drop them: a run would
        /// commit the namespaces with broken rows, then fail at the first
        /// clean one's drop.
        case drop
    }

    @Test(
        "PostgreSQL: a role that cannot write or cannot drop is refused with one error line before anything changes",
        .enabled(if: TestBackends.postgresEnabled), arguments: MissingPrivilege.allCases
    )
    func roleWithoutPrivileges(missing: MissingPrivilege) throws {
        try LegacyWorkspace.with(.postgres, .demo) { workspace in
            try TestRole.with(in: workspace.dsn) { role in
                let user = quoteIdentifier(role.name)
                try workspace.withDatabase { database in
                    switch missing {
                    case .readOnly:
                        try database.executeScript("GRANT SELECT ON ALL TABLES IN SCHEMA public TO \(user)")
                    case .drop:
                        try database.executeScript("""
                            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO \(user);
                            GRANT CREATE ON SCHEMA public TO \(user)
                            """)
                    }
                }
                let before = try workspace.dump()
                let asRole = LegacyWorkspace(backend: .postgres, dsn: role.dsn, directory: workspace.directory, configPath: workspace.configPath)
                let outcome = try asRole.migrateLegacy(["-y"])
                #expect(outcome.status == 1)
                #expect(outcome.stderrLines.count == 1, "\(outcome.stderr)")
                #expect(outcome.stderr.hasPrefix("error: missing privileges, nothing changed: as \(role.name) on "), "\(outcome.stderr)")
                let problem = switch missing {
                case .readOnly: "no INSERT on keto_relation_tuples"
                case .drop: "cannot drop keto_0000000000_relation_tuples"
                }
                #expect(outcome.stderr.contains(problem), "\(outcome.stderr)")
                #expect(outcome.stderr.contains("`retuple doctor` prints the GRANT statements that fix this"), "\(outcome.stderr)")
                #expect(outcome.stdout.isEmpty, "\(outcome.stdout)")
                #expect(try workspace.dump() == before, "the database changed")
            }
        }
    }
}
