import Foundation
import RetupleCore
import RetupleTestSupport

/// One `migration step` line of a traced run (`MigrationStep`): which step
/// of which namespace began, and when the test read it.
struct StepEvent: CustomStringConvertible {
    let step: MigrationStep
    let namespace: String
    let at: ContinuousClock.Instant

    /// Reads a stderr line; nil for any other line.
    init?(line: String, at: ContinuousClock.Instant) {
        guard line.hasSuffix("] \(MigrationStep.logMessage)") else { return nil }
        let fields = keyValueFields(line)
        guard let step = fields["step"].flatMap(MigrationStep.init), let namespace = fields["namespace"] else { return nil }
        self.step = step
        self.namespace = namespace
        self.at = at
    }

    var description: String { "\(step.rawValue)(\(namespace))" }
}

/// Where a fault-injection trial kills the migration: `delay` after the
/// run began the `occurrence`-th (from 0) step of kind `step`.
struct KillPoint: CustomStringConvertible {
    let step: MigrationStep
    let occurrence: Int
    let delay: Duration

    var description: String { "\(step.rawValue)#\(occurrence)+\(delay.milliseconds)ms" }
}

/// `retuple namespace migrate legacy … --log-level trace` run in the
/// background with its stderr read as it is written, so that the test sees
/// each step begin (`MigrationStep`) and can send SIGKILL at a chosen one.
///
/// A dedicated thread blocks on the stderr pipe and kills from there: the
/// step line's `write(2)` wakes it, so the signal follows the line by the
/// time a thread takes to wake up. Short steps (a commit, a drop) may still
/// be over by then; what counts is where the process really died, which
/// is the last step line it wrote (each is written before its step starts,
/// and everything written before SIGKILL is in the pipe).
final class TracedMigration: @unchecked Sendable {
    private let process = Process()
    private let killPoint: KillPoint?
    private let action: (@Sendable () -> Void)?
    private let scratch: TemporaryDirectory
    private let outURL: URL
    private let lock = NSLock()
    private var events: [StepEvent] = []
    private var stderrText = ""
    /// Whether SIGKILL was sent.
    private var killed = false
    private let drained = DispatchSemaphore(value: 0)
    let started: ContinuousClock.Instant

    /// Starts `retuple ARGUMENTS --log-level trace` in `directory`, stdin at
    /// end of input, and kills it at `killPoint` when given.
    ///
    /// With `action`, the kill point runs it instead of sending SIGKILL
    /// (a fault of another kind: the connection cut).
    init(_ arguments: [String], in directory: URL, killAt killPoint: KillPoint?, instead action: (@Sendable () -> Void)? = nil) throws {
        self.killPoint = killPoint
        self.action = action
        signal(SIGPIPE, SIG_IGN)
        process.executableURL = productsDirectory.appendingPathComponent("retuple")
        process.arguments = arguments + ["--log-level", "trace"]
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "DSN")
        process.environment = environment
        process.currentDirectoryURL = directory
        scratch = try TemporaryDirectory()
        outURL = try scratch.emptyFile("stdout")
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardInput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        started = .now
        try process.run()
        // The child has its own copy of the write end; without closing ours
        // the reader would never see end of file.
        try? errors.fileHandleForWriting.close()
        let reading = errors.fileHandleForReading
        Thread.detachNewThread { [self] in
            readSteps(from: reading)
            drained.signal()
        }
    }

    /// Reads stderr to its end, noting each step and killing at the kill point.
    private func readSteps(from handle: FileHandle) {
        var pending = Data()
        var seen: [MigrationStep: Int] = [:]
        while true {
            let chunk = handle.availableData
            guard !chunk.isEmpty else { break }
            let now = ContinuousClock.now
            pending.append(chunk)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                pending.removeSubrange(pending.startIndex...newline)
                lock.withLock { stderrText += line + "\n" }
                guard let event = StepEvent(line: line, at: now) else { continue }
                lock.withLock { events.append(event) }
                let occurrence = seen[event.step, default: 0]
                seen[event.step] = occurrence + 1
                if let killPoint, killPoint.step == event.step, killPoint.occurrence == occurrence {
                    if killPoint.delay > .zero { Thread.sleep(forTimeInterval: killPoint.delay.seconds) }
                    if let action {
                        action()
                    } else if process.isRunning {
                        kill(process.processIdentifier, SIGKILL)
                        lock.withLock { killed = true }
                    }
                }
            }
        }
        if !pending.isEmpty { lock.withLock { stderrText += String(decoding: pending, as: UTF8.self) } }
    }

    /// What a traced run did.
    struct Outcome {
        let process: ProcessOutcome
        /// Every step line, in order.
        let steps: [StepEvent]
        /// Whether SIGKILL ended the process. One sent as the process was
        /// exiting (still unreaped, so `isRunning` said yes) finds it gone
        /// and does not count: that run finished.
        let killed: Bool
        let started: ContinuousClock.Instant
        let ended: ContinuousClock.Instant

        /// The step the process was in when it ended: the last one it began.
        var lastStep: MigrationStep? { steps.last?.step }

        /// stderr without log lines (`--log-level trace` asked for them)
        /// and progress lines (`ProcessOutcome.isProgressLine`): what is
        /// left is errors.
        var plainStderr: String {
            process.stderr.split(separator: "\n")
                .filter { $0.firstMatch(of: /^\S+ (trace|debug|info|notice) retuple:/) == nil && !ProcessOutcome.isProgressLine($0) }
                .map { $0 + "\n" }.joined()
        }
    }

    /// Waits for the process to end and its stderr to be read to the end.
    func wait() throws -> Outcome {
        process.waitUntilExit()
        let ended = ContinuousClock.now
        drained.wait()
        return lock.withLock {
            Outcome(
                process: ProcessOutcome(
                    status: process.terminationStatus, stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "", stderr: stderrText
                ),
                steps: events,
                killed: killed && process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL,
                started: started, ended: ended
            )
        }
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }

    /// The duration in whole milliseconds.
    var milliseconds: Int { Int(seconds * 1000) }
}
