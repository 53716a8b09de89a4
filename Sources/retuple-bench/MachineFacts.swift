import Foundation
import RetupleCore
import RetupleTestSupport

/// What a reader needs to compare results: the machine, the database
/// versions and settings, the toolchain and the code measured.
struct MachineFacts {
    /// Label and value, in display order.
    let entries: [(String, String)]

    /// Gathers the facts; a fact that cannot be read is given as `unknown`.
    ///
    /// - Parameters:
    ///   - postgresDSN: the server the PostgreSQL runs used, if any.
    ///   - tools: runs `swift --version` and `git` for the facts they give.
    static func gather(postgresDSN: String?, tools: BuiltTools) -> MachineFacts {
        var entries: [(String, String)] = [
            ("date (UTC)", ISO8601DateFormatter().string(from: Date())),
            ("CPU", firstValue(in: "/proc/cpuinfo", key: "model name") ?? "unknown"),
            ("cores", String(ProcessInfo.processInfo.activeProcessorCount)),
            ("memory", memory() ?? "unknown"),
            // Other work on the machine skews the figures; this shows how much there was.
            ("load average at start (1, 5, 15 min)", fileText("/proc/loadavg").map { $0.split(separator: " ").prefix(3).joined(separator: ", ") } ?? "unknown"),
            ("OS", osRelease() ?? "unknown"),
            ("kernel", fileText("/proc/sys/kernel/osrelease") ?? "unknown"),
            ("SQLite", sqliteVersion() ?? "unknown"),
        ]
        if let postgresDSN {
            entries.append(("PostgreSQL", postgresFacts(postgresDSN) ?? "unknown"))
        }
        entries.append(("Swift", commandOutput(["swift", "--version"], tools: tools)?.split(separator: "\n").first.map(String.init) ?? "unknown"))
        entries.append(("retuple commit", gitCommit(tools: tools) ?? "unknown"))
        entries.append(("peak RSS measured by", PeakMemory.method))
        return MachineFacts(entries: entries)
    }

    private static func fileText(_ path: String) -> String? {
        (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The value of the first `key : value` line of a /proc file.
    private static func firstValue(in path: String, key: String) -> String? {
        fileText(path)?.split(separator: "\n").first { $0.hasPrefix(key) }
            .flatMap { $0.split(separator: ":", maxSplits: 1).last }
            .map { $0.trimmingCharacters(in: .whitespaces) }
    }

    private static func memory() -> String? {
        guard let total = firstValue(in: "/proc/meminfo", key: "MemTotal"),
              let kibibytes = Double(total.split(separator: " ").first ?? "")
        else { return nil }
        return fixed(kibibytes / 1024 / 1024, 1) + " GiB"
    }

    /// `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"` from os-release.
    private static func osRelease() -> String? {
        fileText("/etc/os-release")?.split(separator: "\n").first { $0.hasPrefix("PRETTY_NAME=") }
            .map { $0.dropFirst("PRETTY_NAME=".count).replacingOccurrences(of: "\"", with: "") }
    }

    private static func sqliteVersion() -> String? {
        guard let database = try? openDatabase(try DataSourceName(parsing: "memory")) else { return nil }
        defer { database.close() }
        return (try? database.scalar("SELECT sqlite_version()"))??.text
    }

    /// The server version and the settings that matter for bulk loads.
    private static func postgresFacts(_ dsn: String) -> String? {
        guard let database = try? openDatabase(try DataSourceName(parsing: dsn)) else { return nil }
        defer { database.close() }
        let settings = ["shared_buffers", "work_mem", "maintenance_work_mem", "max_wal_size", "fsync", "synchronous_commit", "max_parallel_maintenance_workers"]
        let values = settings.compactMap { name in
            (try? database.scalar("SELECT current_setting(?)", [.text(name)]))??.text.map { "\(name)=\($0)" }
        }
        // Not SHOW: queries run through a cursor, which only takes a SELECT.
        guard let version = (try? database.scalar("SELECT current_setting('server_version')"))??.text else { return nil }
        return "\(version) (\(values.joined(separator: ", ")))"
    }

    /// The checked-out commit, and whether tracked files differ from it.
    private static func gitCommit(tools: BuiltTools) -> String? {
        guard let commit = commandOutput(["git", "rev-parse", "--short=12", "HEAD"], tools: tools)?.trimmingCharacters(in: .whitespacesAndNewlines),
              !commit.isEmpty
        else { return nil }
        let changes = commandOutput(["git", "status", "--porcelain", "--untracked-files=no"], tools: tools) ?? ""
        return changes.isEmpty ? commit : commit + " with uncommitted changes"
    }

    private static func commandOutput(_ arguments: [String], tools: BuiltTools) -> String? {
        guard let outcome = try? ChildProcess.run(arguments, logDirectory: tools.logDirectory, logName: "fact-\(arguments[0])"),
              outcome.status == 0
        else { return nil }
        return try? outcome.output()
    }
}
