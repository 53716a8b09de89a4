import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

extension RunbookTests {
    /// A PostgreSQL server as libpq's `PG*` variables describe it, from a DSN.
    struct Server {
        private let base: [String: String]
        /// The database the DSN names: where roles are dropped from.
        let maintenanceDatabase: String

        /// - Throws: when `dsn` is not a `postgresql://` URL.
        init(dsn: String) throws {
            let url = try #require(URLComponents(string: dsn), "not a URL: the test server's DSN")
            var base = ["PGHOST": url.host ?? "localhost", "PGPORT": String(url.port ?? 5432), "PGUSER": url.user ?? "postgres"]
            base["PGPASSWORD"] = url.password
            base["PGSSLMODE"] = url.queryItems?.first { $0.name == "sslmode" }?.value
            self.base = base
            maintenanceDatabase = String(url.path.dropFirst())
        }

        /// The test server (`TestPostgres`).
        /// - Throws: when it is not running.
        static func test() throws -> Server {
            try Server(dsn: try TestPostgres.requiredAdminDSN())
        }

        /// The variables connecting to `database` as the admin role.
        func variables(database: String) -> [String: String] {
            base.merging(["PGDATABASE": database]) { $1 }
        }
    }

    /// One backend's run of the runbook: its scratch directory, the variables
    /// the blocks see, and the commands the test runs beside them.
    final class Run {
        let backend: DatabaseBackend
        /// The working directory of every block; `BACKUP_DIR` is inside.
        let directory: TemporaryDirectory
        /// The runbook's variables, as the test sets them.
        var variables: [String: String]
        /// Where each command's output is captured, outside the blocks' directory.
        private let captures: TemporaryDirectory

        /// How long one block may run before it is killed and fails.
        static let blockTimeLimit = 120

        init(backend: DatabaseBackend) throws {
            self.backend = backend
            directory = try TemporaryDirectory()
            captures = try TemporaryDirectory()
            variables = [
                "KETO_CONFIG": directory.path("keto.yml"),
                "BACKUP_DIR": directory.path("backup"),
            ]
        }

        /// A file in `BACKUP_DIR`.
        func backupPath(_ name: String) -> String {
            variables["BACKUP_DIR", default: ""] + "/" + name
        }

        /// Writes `KETO_CONFIG`: the demo's Keto configuration with `dsn`, as a
        /// deployment's file has one (the runbook's `DSN` must win over it).
        func writeConfig(dsn: String) throws {
            let demo = try String(contentsOf: DemoFixture.directory.appendingPathComponent("keto.yml"), encoding: .utf8)
            try (demo + "dsn: \(dsn)\n").write(toFile: variables["KETO_CONFIG", default: ""], atomically: true, encoding: .utf8)
        }

        /// Loads the demo v0.6 database of this backend through `dsn`, logged
        /// in as the runbook's `<role>_ROLE` when `role` is given.
        func loadDemoFixture(dsn: String, as role: String? = nil) throws {
            let fixture = DemoFixture.directory.appendingPathComponent("\(backend.rawValue).sql").path
            let extra = ["FIXTURE_DSN": dsn, "FIXTURE": fixture].merging(role.map(login) ?? [:]) { $1 }
            try expectSuccess(shell(#"retuple-fixtures load --dsn "$FIXTURE_DSN" -c "$KETO_CONFIG" "$FIXTURE""#, with: extra))
        }

        /// libpq's variables logging in as the runbook's `<role>_ROLE` with
        /// `<role>_PASSWORD` (e.g. `KETO_V06`).
        func login(_ role: String) -> [String: String] {
            ["PGUSER": variables[role + "_ROLE", default: ""], "PGPASSWORD": variables[role + "_PASSWORD", default: ""]]
        }

        /// Sets up what a Keto v0.6 deployment on PostgreSQL has: a login role
        /// owning the database, which created Keto's tables and holds the tuples.
        func setUpKetoV06Role(on server: Server) throws {
            try expectSuccess(shell(#"""
                psql -X -q -v ON_ERROR_STOP=1 \
                    -c "CREATE ROLE \"$KETO_V06_ROLE\" LOGIN PASSWORD '$KETO_V06_PASSWORD'" \
                    -c "ALTER DATABASE \"$PGDATABASE\" OWNER TO \"$KETO_V06_ROLE\""
                """#))
            let login = login("KETO_V06"), database = variables["PGDATABASE", default: ""]
            try writeConfig(dsn: "postgresql://\(login["PGUSER", default: ""]):\(login["PGPASSWORD", default: ""])@/\(database)")
            try loadDemoFixture(dsn: "dbname=\(database)", as: "KETO_V06")
        }

        /// Drops the roles and the scratch database the run may have left; the
        /// test's own database must be gone already (roles that own nothing).
        func dropRolesAndScratchDatabase(on server: Server) {
            let outcome = try? shell(#"""
                if [ -n "$SCRATCH_DB" ]; then dropdb --if-exists --force "$SCRATCH_DB"; fi
                psql -X -q -v ON_ERROR_STOP=1 -c "DROP ROLE IF EXISTS \"$KETO_V06_ROLE\"" -c "DROP ROLE IF EXISTS \"$KETO_V07_ROLE\""
                """#, with: server.variables(database: server.maintenanceDatabase).merging(["SCRATCH_DB": variables["SCRATCH_DB", default: ""]]) { $1 })
            #expect(outcome?.status == 0, "cleaning up roles: \(outcome?.stderr ?? "did not run")")
        }

        /// Runs `blocks` in order; the first that does not exit 0 fails the
        /// test, with the block's place in the runbook and what it printed.
        func perform(_ blocks: [Runbook.Block]) throws {
            for block in blocks {
                let outcome = try shell(block.script)
                try #require(
                    outcome.status == 0,
                    "\(block.location) exited \(outcome.status)\n--- block:\n\(block.script)--- stdout:\n\(outcome.stdout)--- stderr:\n\(outcome.stderr)"
                )
            }
        }

        /// `retuple status -f json` on the runbook's database.
        func status() throws -> StatusDocument {
            let outcome = try shell(#"retuple status -f json -c "$KETO_CONFIG""#)
            try expectSuccess(outcome)
            return try JSONDecoder().decode(StatusDocument.self, from: Data(outcome.stdout.utf8))
        }

        /// Runs `statements` in one `psql` session logged in as `login(role)`,
        /// unaligned, tuples only, stopping at the first error.
        func psql(as role: String, _ statements: String...) throws -> ProcessOutcome {
            let commands = statements.map { "-c '" + $0.replacingOccurrences(of: "'", with: #"'\''"#) + "'" }
            return try shell("psql -X -A -t -q -v ON_ERROR_STOP=1 " + commands.joined(separator: " "), with: login(role))
        }

        /// Runs `script` as the runbook's blocks run: `bash -euo pipefail`
        /// under `blockTimeLimit`, in `directory`, stdin empty, with the
        /// package's executables first on `PATH`, the runbook's variables plus
        /// `extra`, and no `DSN` or `PG*` variable from the test's own
        /// environment.
        func shell(_ script: String, with extra: [String: String] = [:]) throws -> ProcessOutcome {
            var inherited = ProcessInfo.processInfo.environment.filter { $0.key != "DSN" && !$0.key.hasPrefix("PG") }
            inherited["PATH"] = productsDirectory.path + ":" + (inherited["PATH"] ?? "/usr/bin:/bin")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["timeout", String(Self.blockTimeLimit), "bash", "-euo", "pipefail", "-c", script]
            process.environment = inherited.merging(variables) { $1 }.merging(extra) { $1 }
            process.currentDirectoryURL = directory.url
            let output = try captures.emptyFile("stdout"), errors = try captures.emptyFile("stderr")
            process.standardOutput = try FileHandle(forWritingTo: output)
            process.standardError = try FileHandle(forWritingTo: errors)
            process.standardInput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            return ProcessOutcome(
                status: process.terminationStatus,
                stdout: String(decoding: try Data(contentsOf: output), as: UTF8.self),
                stderr: String(decoding: try Data(contentsOf: errors), as: UTF8.self)
            )
        }

        /// Fails the test unless `outcome` exited 0.
        private func expectSuccess(_ outcome: ProcessOutcome) throws {
            try #require(outcome.status == 0, "exited \(outcome.status): \(outcome.stderr)")
        }
    }
}
