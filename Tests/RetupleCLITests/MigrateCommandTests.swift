import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

@Suite("retuple migrate (built binary)")
struct MigrateCommandTests {
    @Test("declining migrate up on a missing SQLite file creates nothing")
    func declineCreatesNothing() throws {
        let directory = try TemporaryDirectory()
        for answer in ["n\n", "", "maybe\n"] {
            let outcome = try run(["migrate", "up", "--dsn", "sqlite://./keto.db"], stdin: answer, in: directory.url)
            #expect(outcome.status == 0)
            #expect(outcome.stdout.contains("apply 8 migrations? [y/N]"))
            #expect(outcome.stdout.contains("nothing applied"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).isEmpty)
        }
    }

    @Test("answering yes applies; a second up applies nothing; status lists all applied")
    func upThenStatus() throws {
        try ScratchDatabase.with(.sqlite) { scratch in
            let dsn = scratch.dsn
            let up = try run(["migrate", "up", "--dsn", dsn], stdin: "YES\n")
            #expect(up.status == 0)
            #expect(up.stdout.contains("applied 8 migrations"))
            #expect(up.stdout.contains("created network "))
            #expect(up.stderr.isEmpty)

            let again = try run(["migrate", "up", "--dsn", dsn, "-y"])
            #expect(again.stdout == "nothing to apply: the unified schema is up to date\n")

            let status = try run(["migrate", "status", "--dsn", dsn])
            let lines = status.stdout.split(separator: "\n")
            #expect(lines.count == 10)
            #expect(lines.dropFirst().prefix(8).allSatisfy { $0.hasSuffix(" applied") })
            #expect(lines.last == "the unified schema is up to date")
        }
    }

    @Test("json output is one document with the figures")
    func jsonOutput() throws {
        try ScratchDatabase.with(.sqlite) { scratch in
            let dsn = scratch.dsn
            let up = try run(["migrate", "up", "--dsn", dsn, "-y", "-f", "json"])
            let upDocument = try #require(try JSONSerialization.jsonObject(with: Data(up.stdout.utf8)) as? [String: Any])
            #expect((upDocument["applied"] as? [Any])?.count == 8)
            #expect((upDocument["network"] as? [String: Any])?["created"] as? Bool == true)

            let status = try run(["migrate", "status", "--dsn", dsn, "-f", "json"])
            let statusDocument = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
            #expect(statusDocument["pending"] as? Int == 0)
            #expect((statusDocument["migrations"] as? [[String: Any]])?.allSatisfy { $0["applied"] as? Bool == true } == true)
        }
    }

    @Test("the DSN comes from --dsn, then DSN, then the config file")
    func dsnPrecedence() throws {
        let directory = try TemporaryDirectory()
        let config = directory.path("keto.yml")
        try "dsn: sqlite://\(directory.path("from-config.db"))\nnamespaces: []\n".write(toFile: config, atomically: true, encoding: .utf8)
        _ = try run(["migrate", "up", "-y", "-c", config])
        #expect(FileManager.default.fileExists(atPath: directory.path("from-config.db")))
        _ = try run(["migrate", "up", "-y", "-c", config], environment: ["DSN": "sqlite://" + directory.path("from-env.db")])
        #expect(FileManager.default.fileExists(atPath: directory.path("from-env.db")))
        _ = try run(["migrate", "up", "-y", "-c", config, "--dsn", "sqlite://" + directory.path("from-flag.db")], environment: ["DSN": "sqlite://" + directory.path("from-env.db")])
        #expect(FileManager.default.fileExists(atPath: directory.path("from-flag.db")))
    }

    @Test("down asks, refuses while tuples exist, and rolls back with --force")
    func downGuard() throws {
        try ScratchDatabase.with(.sqlite) { scratch in
            let dsn = scratch.dsn
            _ = try run(["migrate", "up", "--dsn", dsn, "-y"])
            let declined = try run(["migrate", "down", "--dsn", dsn], stdin: "no\n")
            #expect(declined.stdout.contains("roll back 8 migrations? [y/N]"))
            #expect(declined.stdout.contains("nothing rolled back"))

            let database = try openDatabase(try DataSourceName(parsing: dsn))
            try database.execute(
                """
                INSERT INTO keto_relation_tuples (shard_id, nid, namespace_id, object, relation, subject_id, commit_time)
                SELECT '6ba7b810-9dad-51d1-80b4-00c04fd430c8', id, 0, 'doc', 'viewer', 'user-1', '2021-09-14 13:46:24' FROM networks
                """
            )
            database.close()
            let refused = try run(["migrate", "down", "--dsn", dsn, "-y"])
            #expect(refused.status == 1)
            #expect(refused.stderr == "error: keto_relation_tuples holds 1 rows; refusing to roll back the unified schema (pass --force to roll back anyway)\n")

            let forced = try run(["migrate", "down", "--dsn", dsn, "-y", "--force"])
            #expect(forced.status == 0)
            #expect(forced.stdout.contains("rolled back 8 migrations"))
            let status = try run(["migrate", "status", "--dsn", dsn])
            #expect(status.stdout.hasSuffix("8 of 8 migrations pending\n"))
        }
    }

    @Test(
        "bad input: one error line, non-zero exit",
        arguments: [
            (["migrate", "status"], "error: no database given: pass --dsn URL, set DSN, or put dsn: in the config file (-c)", Int32(1)),
            (["migrate", "status", "--dsn", "mysql://root:hunter2@db/keto"], "error: unsupported database `mysql` in DSN mysql://root:***@db/keto: retuple works with sqlite:// and postgres:// (from --dsn)", 1),
            (["migrate", "status", "--dsn", "sqlite:///nonexistent/dir/keto.db"], "error: sqlite database /nonexistent/dir/keto.db does not exist (run `retuple migrate up` to create a new one)", 1),
            (["migrate", "status", "--dsn", "memory", "-c", "/nonexistent/keto.yml"], "error: cannot read config file /nonexistent/keto.yml: it does not exist", 1),
            (["migrate", "down", "--dsn", "memory", "--steps", "0"], "error: --steps must be at least 1, got 0", 64),
            (["migrate", "status", "--dsn", "memory", "-f", "yaml"], "error: The value 'yaml' is invalid for '-f <format>'. Please provide one of 'text' and 'json'.", 64),
            (["migrate", "sideways"], "error: Unexpected argument 'sideways'", 64),
        ]
    )
    func badInput(arguments: [String], line: String, status: Int32) throws {
        let outcome = try run(arguments)
        #expect(outcome.status == status)
        #expect(outcome.stderr == line + "\n")
        #expect(outcome.stdout.isEmpty)
    }

    @Test("a file that is not a database is named and left alone")
    func notADatabase() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("notes.txt")
        let content = String(repeating: "not a database\n", count: 100)
        try content.write(toFile: path, atomically: true, encoding: .utf8)
        let outcome = try run(["migrate", "up", "-y", "--dsn", "sqlite://" + path])
        #expect(outcome.status == 1)
        #expect(outcome.stderr == "error: cannot open sqlite database \(path): file is not a database\n")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == content)
    }

    @Test("PostgreSQL: migrate up, status and a second up through the binary", .enabled(if: TestBackends.postgresEnabled))
    func postgres() throws {
        try ScratchDatabase.with(.postgres) { scratch in
            let dsn = scratch.dsn
            let up = try run(["migrate", "up", "-y"], environment: ["DSN": dsn])
            #expect(up.status == 0)
            #expect(up.stdout.contains("applied 8 migrations"))
            let status = try run(["migrate", "status", "--dsn", dsn, "-q"])
            #expect(status.stdout.split(separator: "\n").filter { $0.hasSuffix(" applied") }.count == 8)
            #expect(try run(["migrate", "up", "-y", "--dsn", dsn]).stdout == "nothing to apply: the unified schema is up to date\n")
        }
    }

    @Test("PostgreSQL: a wrong password is reported without the password", .enabled(if: TestBackends.postgresEnabled))
    func postgresWrongPassword() throws {
        var components = try #require(URLComponents(string: try TestPostgres.requiredAdminDSN()))
        components.password = "not-the-Pa55word"
        let outcome = try run(["migrate", "status", "--dsn", try #require(components.string)])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.hasPrefix("error: cannot connect to PostgreSQL (postgresql://postgres:***@127.0.0.1:"))
        #expect(outcome.stderr.contains("password authentication failed"))
        #expect(!outcome.stderr.contains("not-the-Pa55word"))
        #expect(outcome.stderr.split(separator: "\n").count == 1)
    }
}
