import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

/// PostgreSQL's WAL on a full file system in the middle of `namespace
/// migrate legacy -y`: the server cannot write WAL, PANICs and stops (or
/// restarts). Runs on a cluster of its own (`ScratchPostgresCluster`) whose
/// `pg_wal` is a small tmpfs (`initdb --waldir`, 1 MB segments so the space
/// runs out in small steps; `wal_recycle` off so each new segment takes
/// new space). Each trial leaves free a share of the WAL an uninterrupted
/// run writes; then: one `error:` line, exit 1, the committed namespaces
/// whole, the others as they were; the test frees the space and starts the
/// server again; a re-run completes with exact figures and `verify` passes.
@Suite("fault injection: a full PostgreSQL WAL (built binary)", .serialized, .enabled(if: SmallFilesystem.isAvailable && TestBackends.postgresEnabled))
struct WalFullTests {
    static let tuples = 40_000
    static let namespaces = 4
    /// The shares of an uninterrupted run's WAL that a trial leaves free.
    static let shares = [0.2, 0.45, 0.7]

    @Test("the WAL's file system fills: one error line, exit 1, committed namespaces whole; after freeing space and a restart a re-run completes")
    func walFull() throws {
        let owner = try #require(SmallFilesystem.postgresOwner, "no postgres account")
        try SmallFilesystem.with(bytes: 256 << 20, owner: owner) { wal in
            try ScratchPostgresCluster.with(initdbOptions: "--waldir=\(wal.path) --wal-segsize=1") { cluster in
                try walFull(on: cluster, wal: wal)
            }
        }
    }

    private func walFull(on cluster: ScratchPostgresCluster, wal: SmallFilesystem) throws {
        try DiskFullTests.withDatabase(cluster.adminDSN) { admin in
            try admin.execute("ALTER SYSTEM SET wal_recycle = off")
            try admin.execute("ALTER SYSTEM SET checkpoint_timeout = '1h'")
            try admin.execute("ALTER SYSTEM SET max_wal_size = '1GB'")
            try admin.execute("CREATE DATABASE keto_pristine")
        }
        try cluster.restartFast()
        let directory = try TemporaryDirectory()
        let configPath = directory.path("keto.yml")
        let generated = try run(
            ["generate", "--dsn", cluster.dsn(forDatabase: "keto_pristine"), "--tuples", String(Self.tuples), "--namespaces", String(Self.namespaces),
             "--broken-share", "0.005", "--config-out", configPath],
            executable: "retuple-fixtures"
        )
        try #require(generated.status == 0, "\(generated.stderr)")
        let pristine = LegacyWorkspace(backend: .postgres, dsn: cluster.dsn(forDatabase: "keto_pristine"), directory: directory, configPath: configPath)
        try #require(try pristine.retuple(["migrate", "up"], ["-y"]).status == 0)
        let legacy = try (0..<Int32(Self.namespaces)).map { try #require(try pristine.legacyRows(namespaceID: $0)) }

        /// A fresh copy of the pristine database (file copy: little WAL).
        func withCopy<T>(_ name: String, _ body: (LegacyWorkspace) throws -> T) throws -> T {
            _ = try DiskFullTests.withDatabase(cluster.adminDSN) { try $0.execute("CREATE DATABASE \(name) TEMPLATE keto_pristine STRATEGY FILE_COPY") }
            defer { _ = try? DiskFullTests.withDatabase(cluster.adminDSN) { try $0.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") } }
            let copyDirectory = try TemporaryDirectory()
            return try body(LegacyWorkspace(backend: .postgres, dsn: cluster.dsn(forDatabase: name), directory: copyDirectory, configPath: configPath))
        }
        func checkpoint() throws {
            _ = try DiskFullTests.withDatabase(cluster.adminDSN) { try $0.execute("CHECKPOINT") }
        }
        func lsnBytes() throws -> Int {
            try DiskFullTests.withDatabase(cluster.adminDSN) { Int(try $0.scalar("SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint")?.integer ?? 0) }
        }

        // The WAL an uninterrupted run writes, and its figures.
        let (walBytes, fullFigures) = try withCopy("keto_calibration") { workspace in
            try checkpoint()
            let before = try lsnBytes()
            let run = try workspace.migrateLegacy(["-y", "-q"])
            #expect(run.status == 3, "\(run.stderr)")
            return (try lsnBytes() - before, run.namespaceFigures)
        }
        try #require(walBytes > 4 << 20, "an uninterrupted run wrote only \(walBytes) bytes of WAL")

        var tally: [String] = []
        for (number, share) in Self.shares.enumerated() {
            try withCopy("keto_trial_\(number)") { workspace in
                try checkpoint()
                let free = Int(Double(walBytes) * share)
                try wal.fill(leaving: free)
                let context = "WAL full, \(free) of \(walBytes) bytes free"
                let logBefore = cluster.serverLog.utf8.count
                let failed = try workspace.migrateLegacy(["-y", "--report", "full.jsonl"])
                let log = String(decoding: cluster.serverLog.utf8.dropFirst(logBefore), as: UTF8.self)
                try wal.free()
                try cluster.restartFast()
                guard failed.status != 3 else {
                    tally.append("finished")
                    return
                }
                #expect(failed.status == 1, "\(context): exited \(failed.status): \(failed.stderr)")
                // The fault is the one meant: a server process PANICked, unable to write WAL.
                let panic = try #require(Self.walPanic(in: log), "\(context): no PANIC for want of WAL space in the server's log:\n\(log)")
                // retuple's own backend PANICked: its message is the error, whole. Another process: the session just ended.
                let said: ErrorLinePattern = panic.duringAStatement
                    ? #"could not write to file "pg_wal/xlogtemp\.[0-9]+": No space left on device \(SQLSTATE 53100\)"#
                    : "server closed the connection unexpectedly"
                DiskFullTests.expectErrorLine(failed, "\(literal: workspace.locationText): \(said.regex)", context)

                // Committed namespaces whole, the rest as they were.
                var committed: Set<Int32> = []
                for id in 0..<Int32(Self.namespaces) {
                    let unified = try workspace.unifiedRows(namespaceID: id)
                    let records = try workspace.brokenRecords(namespaceID: id)
                    let full = try #require(fullFigures.first { $0.id == id })
                    if unified == full.migrated && records == full.broken {
                        committed.insert(id)
                    } else {
                        let rows = try workspace.legacyRows(namespaceID: id)
                        #expect(unified == 0 && records == 0 && rows == legacy[Int(id)],
                                "\(context): namespace \(id) is neither as before nor migrated: \(unified) unified rows, \(records) records")
                    }
                }
                for printed in failed.namespaceFigures {
                    #expect(committed.contains(printed.id), "\(context): \(printed) was printed but is not whole")
                }
                tally.append("failed after \(committed.count) committed, PANIC in pid \(panic.pid) (\(panic.duringAStatement ? "retuple's session" : "not a session")): \(failed.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")

                let rerun = try workspace.migrateLegacy(["-y", "-q"])
                let expected = fullFigures.compactMap { full -> NamespaceFigures? in
                    let done = committed.contains(full.id)
                    if done && full.dropped { return nil }
                    var figures = full
                    (figures.migrated, figures.alreadyPresent) = done ? (0, full.migrated) : (full.migrated, 0)
                    return figures
                }
                #expect(rerun.status == 3, "\(context): \(rerun.stderr)")
                #expect(rerun.stderr.isEmpty, "\(context): \(rerun.stderr)")
                #expect(rerun.namespaceFigures == expected, "\(context): \(rerun.stdout)")
                let verify = try workspace.retuple(["verify"])
                #expect(verify.status == 0, "\(context): \(verify.stdout)\(verify.stderr)")
            }
        }
        print("WAL full: \(walBytes) bytes of WAL per run; \(tally.joined(separator: " | "))")
        #expect(tally.filter { $0.hasPrefix("failed") }.count >= 2, "\(tally)")
    }

    /// The first PANIC in `log` (the server's log, `log_line_prefix` `%m
    /// [%p] `) for want of space in `pg_wal`, and whether the process was
    /// running a client's statement (a `STATEMENT:` line of its pid
    /// follows): only retuple's session runs statements during a trial.
    static func walPanic(in log: String) -> (pid: String, duringAStatement: Bool)? {
        let lines = log.split(separator: "\n")
        let pattern = #"\[([0-9]+)\] PANIC:  could not write to file "pg_wal/xlogtemp\.[0-9]+": No space left on device"#
        for line in lines {
            guard let match = line.range(of: pattern, options: .regularExpression) else { continue }
            let pid = String(line[match].dropFirst().prefix { $0 != "]" })
            return (pid, lines.contains { $0.contains("[\(pid)] STATEMENT:") })
        }
        return nil
    }
}
