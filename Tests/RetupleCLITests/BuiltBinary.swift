import Foundation
import RetupleTestSupport

/// The outcome of running one of the package's executables.
struct ProcessOutcome {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Where `swift build` put the executables: beside the test bundle.
let productsDirectory: URL = {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    while !FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("retuple").path),
        directory.path != "/"
    {
        directory.deleteLastPathComponent()
    }
    return directory
}()

/// Runs a built executable as an operator would: arguments, optional
/// stdin, environment without any DSN unless given.
func run(
    _ arguments: [String],
    executable: String = "retuple",
    stdin: String? = nil,
    environment: [String: String] = [:],
    in directory: URL? = nil
) throws -> ProcessOutcome {
    try RunningProcess(arguments, executable: executable, stdin: stdin, environment: environment, in: directory).wait()
}

/// A built executable started in the background, for tests that act while
/// it runs (kill it, write to its database) and collect its outcome later.
///
/// stdin gets `stdin` and then end of input; stdout and stderr go to files,
/// so a chatty process never blocks on a full pipe.
final class RunningProcess {
    private let process = Process()
    private let scratch: TemporaryDirectory
    private let outURL: URL
    private let errURL: URL

    /// Starts `executable` with `arguments` (see `run(_:executable:stdin:environment:in:)`).
    init(
        _ arguments: [String],
        executable: String = "retuple",
        stdin: String? = nil,
        environment: [String: String] = [:],
        in directory: URL? = nil
    ) throws {
        // A child that exits before reading its stdin must not take the
        // test runner down with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        process.executableURL = productsDirectory.appendingPathComponent(executable)
        process.arguments = arguments
        var inherited = ProcessInfo.processInfo.environment
        inherited.removeValue(forKey: "DSN")
        process.environment = inherited.merging(environment) { $1 }
        if let directory { process.currentDirectoryURL = directory }
        scratch = try TemporaryDirectory()
        outURL = try scratch.emptyFile("stdout")
        errURL = try scratch.emptyFile("stderr")
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { try? input.fileHandleForWriting.write(contentsOf: Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
    }

    /// The process id, for `kill` and for matching server sessions.
    var pid: Int32 { process.processIdentifier }

    var isRunning: Bool { process.isRunning }

    /// Sends `signal` (e.g. `SIGKILL`) to the process.
    func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for the process to end and returns what it printed. A process
    /// ended by a signal reports the signal number as its status.
    func wait() throws -> ProcessOutcome {
        process.waitUntilExit()
        return ProcessOutcome(
            status: process.terminationStatus,
            stdout: try String(contentsOf: outURL, encoding: .utf8),
            stderr: try String(contentsOf: errURL, encoding: .utf8)
        )
    }

    /// Waits at most `timeout`; nil when the process is still running then.
    func wait(timeout: Duration) throws -> ProcessOutcome? {
        guard eventually(timeout: timeout, { !process.isRunning }) else { return nil }
        return try wait()
    }
}

/// Checks `condition` every `interval` until it holds or `timeout` has
/// passed; returns whether it held.
func eventually(
    timeout: Duration, interval: Duration = .milliseconds(20), _ condition: () throws -> Bool
) rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try condition() { return true }
        if ContinuousClock.now >= deadline { return false }
        Thread.sleep(forTimeInterval: Double(interval.components.attoseconds) / 1e18 + Double(interval.components.seconds))
    }
}
