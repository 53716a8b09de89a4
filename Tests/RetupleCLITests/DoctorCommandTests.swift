import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

/// `retuple doctor` through the built binary: one line per check, the
/// exit status (1 only when a check fails), the JSON document, and the one
/// `error:` line. What each check finds is tested through the library in
/// `DiagnosisTests`.
@Suite("doctor (built binary)")
struct DoctorCommandTests {
    static let checkNames = ["connectivity", "privileges", "schema", "namespaces", "broken_tuples", "locks", "settings"]

    /// The check lines of `doctor`'s output: status, name, and the rest.
    static func checkLines(_ outcome: ProcessOutcome) -> [(status: String, name: String, text: String)] {
        outcome.lines.filter { !$0.hasPrefix("doctor finished") }.map { line in
            let words = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
            let rest = words.count > 2 ? String(words[2]).trimmingCharacters(in: .whitespaces) : ""
            return (String(words.first ?? ""), words.count > 1 ? String(words[1]) : "", rest)
        }
    }

    @Test("an upgraded demo database: exit 0, one line per check in order, the broken tuples warned with their fix; -q; json", arguments: TestBackends.all)
    func upgraded(backend: DatabaseBackend) throws {
        try LegacyWorkspace.with(backend, .demo) { workspace in
            #expect(try workspace.migrateLegacy(["-y"]).status == 3)
            let outcome = try workspace.retuple(["doctor"])
            #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
            #expect(outcome.stderr.isEmpty)
            let lines = Self.checkLines(outcome)
            #expect(lines.map(\.name) == Self.checkNames)
            let broken = backend == .sqlite ? 6 : 4
            #expect(lines.map(\.status) == ["ok", "ok", "ok", "ok", "warn", "ok", backend == .sqlite ? "skip" : "ok"], "\(outcome.stdout)")
            #expect(lines[4].text.hasPrefix("\(broken) broken tuples unresolved in retuple_broken_tuples"))
            #expect(lines[4].text.hasSuffix("; fix: retuple broken list"))
            #expect(outcome.lines.last == "doctor finished ok=\(backend == .sqlite ? 5 : 6) warn=1 fail=0 skip=\(backend == .sqlite ? 1 : 0)")

            let quiet = try workspace.retuple(["doctor"], ["-q"])
            #expect(quiet.status == 0)
            #expect(quiet.lines.count == Self.checkNames.count)

            let json = try workspace.retuple(["doctor"], ["-f", "json"])
            #expect(json.status == 0)
            let document = try json.jsonDocument()
            #expect(Set(document.keys) == ["checks", "failed", "warnings"])
            #expect(document["failed"] as? Int == 0)
            #expect(document["warnings"] as? Int == 1)
            let checks = try #require(document["checks"] as? [[String: Any]])
            #expect(checks.map { $0["name"] as? String } == Self.checkNames)
            #expect(checks.allSatisfy { Set($0.keys) == ["name", "status", "found", "fix"] })
            #expect(checks[0]["fix"] is NSNull)
            #expect(checks[4]["status"] as? String == "warn")
            #expect(checks[4]["fix"] as? String == "retuple broken list")
        }
    }

    @Test("an unreachable PostgreSQL port: exit 1, connectivity fails naming host and port, the rest skipped, one error line, no password")
    func unreachable() throws {
        let password = "hunter2-\(UUID().uuidString.prefix(6))"
        let dsn = "postgres://keto:\(password)@127.0.0.1:1/keto?sslmode=disable"
        let outcome = try run(["doctor", "--dsn", dsn])
        #expect(outcome.status == 1)
        #expect(outcome.stderr == "error: 1 doctor checks failed: connectivity\n")
        let lines = Self.checkLines(outcome)
        #expect(lines.map(\.name) == Self.checkNames)
        #expect(lines.map(\.status) == ["fail"] + Array(repeating: "skip", count: 6))
        #expect(lines[0].text.hasPrefix("cannot connect to PostgreSQL (postgres://keto:***@127.0.0.1:1/keto?sslmode=disable): "), "\(lines[0].text)")
        #expect(lines[0].text.contains("; fix: check the DSN's host, port, dbname, user and password"))
        #expect(!outcome.stdout.contains(password) && !outcome.stderr.contains(password))

        let json = try run(["doctor", "--dsn", dsn, "-f", "json"])
        #expect(json.status == 1)
        #expect(json.stderrLines.count == 1)
        let document = try json.jsonDocument()
        #expect(document["failed"] as? Int == 1)
        #expect(!json.stdout.contains(password))
    }

    @Test("a legacy table whose id is not configured: exit 1 naming table and id", arguments: TestBackends.all)
    func unconfiguredNamespace(backend: DatabaseBackend) throws {
        try LegacyWorkspace.with(backend, .demo) { workspace in
            workspace.configPath = try workspace.writeConfiguration([(0, "files"), (2, "groups")], file: "partial.yml")
            let outcome = try workspace.retuple(["doctor"])
            #expect(outcome.status == 1)
            #expect(outcome.stderr == "error: 1 doctor checks failed: namespaces\n")
            let namespaces = try #require(Self.checkLines(outcome).first { $0.name == "namespaces" })
            #expect(namespaces.status == "fail")
            #expect(namespaces.text == "not configured: keto_0000000001_relation_tuples holds namespace id 1; fix: add {id: 1, name: …} to namespaces: in the configuration")
        }
    }

    @Test("PostgreSQL: a legacy table locked by another session is a warning (exit 0) naming its pid, application and lock", .enabled(if: TestBackends.postgresEnabled))
    func lockedTable() throws {
        try LegacyWorkspace.with(.postgres, .demo) { workspace in
            let holder = try openDatabase(try DataSourceName(parsing: workspace.dsn(applicationName: "retuple-test-holder")))
            defer { holder.close() }
            let (pid, outcome) = try holder.transaction { () throws -> (Int64, ProcessOutcome) in
                try holder.execute("LOCK TABLE keto_0000000002_relation_tuples IN SHARE MODE")
                return (try #require(try holder.scalar("SELECT pg_backend_pid()")?.integer), try workspace.retuple(["doctor"]))
            }
            #expect(outcome.status == 0, "\(outcome.stderr)")
            let locks = try #require(Self.checkLines(outcome).first { $0.name == "locks" })
            #expect(locks.status == "warn")
            #expect(locks.text == """
                pid \(pid) (user postgres, application retuple-test-holder, idle in transaction) holds ShareLock on \
                keto_0000000002_relation_tuples; fix: let pid \(pid) finish, or end it: SELECT pg_terminate_backend(\(pid))
                """)
        }
    }
}
