import Foundation
import RetupleTestSupport

/// A PostgreSQL 15 cluster of one test's own, run by the same shell
/// functions as the shared test server (`scripts/lib/postgres.sh`), for a
/// test that stops or restarts its server: doing that to the shared one
/// would end the sessions of every test running beside it.
final class ScratchPostgresCluster {
    /// The superuser DSN (database `postgres`).
    let adminDSN: String
    /// The cluster's directory (`RETUPLE_PG_DIR`).
    private let directory: String

    private init(adminDSN: String, directory: String) {
        self.adminDSN = adminDSN
        self.directory = directory
    }

    /// Starts a cluster on a free port (`start_throwaway_postgres`), runs
    /// `body` with it, and stops and removes it (`stop_throwaway_postgres`).
    ///
    /// - Parameter initdbOptions: added to initdb's options
    ///   (`RETUPLE_PG_INITDB_OPTIONS`), e.g. `--waldir=DIR`.
    static func with<T>(initdbOptions: String = "", _ body: (ScratchPostgresCluster) throws -> T) throws -> T {
        let options = initdbOptions.isEmpty ? "" : "RETUPLE_PG_INITDB_OPTIONS='\(initdbOptions)' "
        let lines = try shell(options + #"start_throwaway_postgres && printf '%s\n%s\n' "$RETUPLE_TEST_POSTGRES_DSN" "$RETUPLE_PG_DIR""#)
        guard lines.count == 2 else { throw TestSupportError("start_throwaway_postgres printed \(lines)") }
        defer { _ = try? shell("stop_throwaway_postgres", clusterDirectory: lines[1]) }
        return try body(ScratchPostgresCluster(adminDSN: lines[0], directory: lines[1]))
    }

    /// The DSN of database `name` on this cluster.
    func dsn(forDatabase name: String) -> String {
        guard var components = URLComponents(string: adminDSN) else { return "" }
        components.path = "/" + name
        return components.string ?? ""
    }

    /// Restarts the server with a fast shutdown ("all active transactions
    /// are rolled back and clients are forcibly disconnected", app-pg-ctl.html)
    /// and waits until it accepts connections again. A server that is not
    /// running (it stopped after a PANIC) is started with the options it was
    /// started with (`postmaster.opts`).
    func restartFast() throws {
        _ = try Self.shell(
            #"as_cluster_owner "$PG_BIN/pg_ctl" -D "$RETUPLE_PG_DIR/data" -l "$RETUPLE_PG_DIR/server.log" -m fast -w restart >/dev/null"#,
            clusterDirectory: directory
        )
    }

    /// The server's log so far (for a failure message).
    var serverLog: String {
        (try? String(contentsOfFile: directory + "/server.log", encoding: .utf8)) ?? ""
    }

    /// Runs `script` in bash after sourcing `scripts/lib/postgres.sh`, with
    /// `RETUPLE_PG_DIR` set when given; returns its stdout's lines.
    ///
    /// Through `ChildProcess` (posix_spawn and wait4), not `Foundation.Process`,
    /// which learns of a child's exit from a descriptor the child inherits:
    /// the server `pg_ctl` leaves running inherits it too, and the wait
    /// would never end.
    ///
    /// - Throws: `TestSupportError` with its stderr when it fails.
    private static func shell(_ script: String, clusterDirectory: String? = nil) throws -> [String] {
        let scratch = try TemporaryDirectory()
        let library = repositoryRoot.appendingPathComponent("scripts/lib/postgres.sh").path
        let directory = clusterDirectory.map { "RETUPLE_PG_DIR='\($0)'; " } ?? ""
        let outcome = try ChildProcess.run(
            ["/bin/bash", "-c", "set -e; \(directory)source '\(library)'; \(script)"], logDirectory: scratch.url.path, logName: "shell"
        )
        guard outcome.status == 0 else {
            throw TestSupportError("`\(script)` exited \(outcome.status): \((try? outcome.errorOutput()) ?? "")")
        }
        return try outcome.output().split(separator: "\n").map(String.init)
    }
}
