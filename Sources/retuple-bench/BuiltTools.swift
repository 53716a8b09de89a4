import Foundation
import RetupleTestSupport

/// The package's executables the benchmark drives (`retuple`,
/// `retuple-fixtures`), found in one build products directory, and the
/// directory their logs go to.
struct BuiltTools {
    let binDirectory: String
    let logDirectory: String

    /// The products directory `retuple-bench` itself was built into.
    static var ownDirectory: String {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return executable.deletingLastPathComponent().path
    }

    /// - Throws: `BenchError` when an executable is missing.
    init(binDirectory: String, logDirectory: String) throws {
        self.binDirectory = binDirectory
        self.logDirectory = logDirectory
        for name in ["retuple", "retuple-fixtures"] where !FileManager.default.isExecutableFile(atPath: path(name)) {
            throw BenchError("\(path(name)) is missing: build the package first (swift build -c release)")
        }
    }

    func path(_ executable: String) -> String {
        binDirectory + "/" + executable
    }

    /// Runs one of the executables; its output goes to `logName`.out/.err.
    func run(_ executable: String, _ arguments: [String], logName: String) throws -> ChildOutcome {
        try ChildProcess.run([path(executable)] + arguments, logDirectory: logDirectory, logName: logName)
    }

    /// Runs one of the executables and requires one of `allowedStatus`.
    ///
    /// - Parameter measuringMemory: run it through `PeakMemory`, whose
    ///   figure replaces `wait4`'s in the result.
    /// - Throws: `BenchError` quoting the command's stderr otherwise.
    @discardableResult
    func runChecked(
        _ executable: String, _ arguments: [String], logName: String,
        allowedStatus: Set<Int32> = [0], measuringMemory: Bool = false
    ) throws -> (outcome: ChildOutcome, peakRSSKiB: Int) {
        let outcome: ChildOutcome, peakRSS: Int
        if measuringMemory {
            (outcome, peakRSS) = try PeakMemory.run([path(executable)] + arguments, logDirectory: logDirectory, logName: logName)
        } else {
            outcome = try run(executable, arguments, logName: logName)
            peakRSS = outcome.peakRSSKiB
        }
        guard allowedStatus.contains(outcome.status) else {
            let stderr = (try? outcome.errorOutput()) ?? ""
            // The command words only: later arguments may hold a DSN's password.
            let command = ([executable] + arguments.prefix { !$0.hasPrefix("-") }).joined(separator: " ")
            throw BenchError("\(command) exited \(outcome.status): \(stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return (outcome, peakRSS)
    }
}
