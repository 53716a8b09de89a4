import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How a child process ended, and what it cost.
public struct ChildOutcome: Sendable {
    /// The exit status, or 128 + the signal number when a signal ended it.
    public let status: Int32
    /// Wall-clock seconds from spawn to exit.
    public let seconds: Double
    /// The child's peak resident set size in KiB (`ru_maxrss` from `wait4`).
    public let peakRSSKiB: Int
    /// Paths of the files holding its standard output and error.
    public let stdoutPath: String
    public let stderrPath: String

    /// Its standard output as text.
    public func output() throws -> String {
        try String(contentsOfFile: stdoutPath, encoding: .utf8)
    }

    /// Its standard error as text.
    public func errorOutput() throws -> String {
        try String(contentsOfFile: stderrPath, encoding: .utf8)
    }
}

/// Runs executables with `posix_spawnp` and reaps them with `wait4`, so
/// that each child's own resource usage is known.
///
/// `Foundation.Process` reaps its child itself, and `getrusage(RUSAGE_CHILDREN)`
/// only gives the largest peak over every child ever waited for; `wait4`
/// returns the rusage of exactly the child it reaps (wait4(2): "return
/// resource usage information about the child in the structure pointed to
/// by rusage"), whose `ru_maxrss` is "the maximum resident set size used
/// (in kilobytes)" (getrusage(2)).
public enum ChildProcess {
    /// Runs `arguments[0]` (a path, or a name looked up in `PATH`) with the
    /// rest as its arguments, stdin from `/dev/null`, stdout and stderr into
    /// files named `logName`.out / .err in `logDirectory`.
    ///
    /// - Throws: `ChildProcessError` when the process cannot be started.
    public static func run(_ arguments: [String], logDirectory: String, logName: String) throws -> ChildOutcome {
        let stdoutPath = logDirectory + "/" + logName + ".out"
        let stderrPath = logDirectory + "/" + logName + ".err"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

        let environment = ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }

        let started = ContinuousClock.now
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, arguments[0], &actions, nil, argv, envp)
        guard spawned == 0 else {
            throw ChildProcessError("cannot start \(arguments[0]): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) == -1 {
            guard errno == EINTR else { throw ChildProcessError("waiting for \(arguments[0]) failed: \(String(cString: strerror(errno)))") }
        }
        let elapsed = started.duration(to: .now)
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift does not import.
        let signal = status & 0x7F
        return ChildOutcome(
            status: signal == 0 ? (status >> 8) & 0xFF : 128 + signal,
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
            peakRSSKiB: usage.ru_maxrss,
            stdoutPath: stdoutPath,
            stderrPath: stderrPath
        )
    }
}

/// A child process could not be started or waited for.
public struct ChildProcessError: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
