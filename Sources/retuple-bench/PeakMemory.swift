import Foundation
import RetupleTestSupport

/// Measures a child's own peak resident set size.
///
/// `wait4`'s `ru_maxrss` is not enough on its own: `posix_spawn` starts
/// the child in the parent's address space (glibc's `CLONE_VM |
/// CLONE_VFORK`) and Linux carries that image's high-water mark over
/// `execve` into the child's `maxrss` (`exec_mmap`: `setmax_mm_hiwater_rss(
/// &tsk->signal->maxrss, old_mm)`), so the child would report
/// retuple-bench's own peak (a 256 MiB SQLite cache in (c)) whenever that
/// is larger. GNU time forks from its own small image, then reports the
/// child's `ru_maxrss` with `%M`.
enum PeakMemory {
    static let gnuTime = "/usr/bin/time"

    /// How peaks are measured on this machine, for the results.
    static var method: String {
        isExact
            ? "GNU time's %M (the retuple process's own ru_maxrss)"
            : "wait4's ru_maxrss (an upper bound: GNU time is missing, so the figure may be retuple-bench's own peak)"
    }

    static var isExact: Bool { FileManager.default.isExecutableFile(atPath: gnuTime) }

    /// Runs `arguments` (an executable path first) and returns how it
    /// ended and its peak RSS in KiB.
    static func run(_ arguments: [String], logDirectory: String, logName: String) throws -> (ChildOutcome, peakRSSKiB: Int) {
        guard isExact else {
            let outcome = try ChildProcess.run(arguments, logDirectory: logDirectory, logName: logName)
            return (outcome, outcome.peakRSSKiB)
        }
        let report = logDirectory + "/" + logName + ".rss"
        let outcome = try ChildProcess.run([gnuTime, "-f", "%M", "-o", report] + arguments, logDirectory: logDirectory, logName: logName)
        // Older GNU time writes "Command exited with non-zero status N"
        // before the figure; the figure is the last line.
        let text = try String(contentsOfFile: report, encoding: .utf8)
        guard let last = text.split(separator: "\n").last, let kibibytes = Int(last.trimmingCharacters(in: .whitespaces)) else {
            throw BenchError("\(gnuTime) reported no peak RSS for \(arguments[0]): \(text)")
        }
        return (outcome, kibibytes)
    }
}
