import Dispatch
import Foundation
import RetupleCore

/// SIGINT and SIGTERM during `namespace migrate legacy`: instead of dying
/// with a transaction half done, the run is told to stop.
///
/// The signals are ignored by the process and delivered to a dispatch
/// source, whose handler runs on a thread of its own (not in signal
/// context). The first signal sets the flag the migrator checks between
/// rows and batches and cancels the statement each connection is running
/// (`QueryCanceller`: a lock wait, a COPY, a fetch; never a COMMIT), so
/// the namespace in flight is rolled back at once by the main thread. A
/// second signal only says that the rollback is under way: nothing can be
/// cut in the middle, since no signal ends the process while it works.
///
/// While the operator is being asked a question no transaction is open;
/// a signal then ends the process at once with the `interrupted:` line.
final class Interrupts: @unchecked Sendable {
    private let lock = NSLock()
    private var signal: Int32?
    private var cancellers: [any QueryCanceller] = []
    private var committed: [String] = []
    private var asking = false
    private var sources: [any DispatchSourceSignal] = []

    /// Takes over SIGINT and SIGTERM for the rest of the process.
    static func install() -> Interrupts {
        let interrupts = Interrupts()
        for number in [SIGINT, SIGTERM] {
            Foundation.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [interrupts] in interrupts.received(number) }
            source.resume()
            interrupts.sources.append(source)
        }
        return interrupts
    }

    /// The first signal received; nil while none was.
    var received: Int32? { lock.withLock { signal } }

    /// The exit status for the signal received: 128 + its number (130 for
    /// SIGINT, 143 for SIGTERM).
    var exitStatus: Int32 { 128 + (received ?? SIGINT) }

    /// Runs `body` with the statements of `databases` (each connection
    /// once) cancelled on the first signal; they must stay open until it
    /// returns. A run's workers watch their connections this way too, each
    /// from its own thread.
    func cancelling<T>(_ databases: [any Database], _ body: () throws -> T) rethrows -> T {
        var seen = Set<ObjectIdentifier>()
        let added = databases.filter { seen.insert(ObjectIdentifier($0)).inserted }.map { $0.makeCanceller() }
        lock.withLock { cancellers.append(contentsOf: added) }
        defer {
            lock.withLock { cancellers.removeAll { canceller in added.contains { $0 === canceller } } }
        }
        return try body()
    }

    /// Notes a namespace committed, for the line of an interrupt that
    /// comes while a question is asked.
    func noteCommitted(_ namespace: String) {
        lock.withLock { committed.append(namespace) }
    }

    /// The namespaces noted committed, in order.
    var committedNamespaces: [String] { lock.withLock { committed } }

    /// Runs `body` (a question) knowing that no transaction is open, so a
    /// signal may end the process at once.
    func whileAsking<T>(_ body: () -> T) -> T {
        if let signal = lock.withLock({ () -> Int32? in asking = true; return self.signal }) {
            exitAsked(signal)
        }
        defer { lock.withLock { asking = false } }
        return body()
    }

    /// `interrupted: files committed; re-run to continue`.
    func line(rolledBack: [String] = []) -> String {
        RunInterrupted(committed: committedNamespaces, rolledBack: rolledBack, reportPath: nil, dryRun: false).summary
    }

    private func received(_ number: Int32) {
        let (first, cancellers, asking) = lock.withLock { () -> (Bool, [any QueryCanceller], Bool) in
            let first = signal == nil
            if first { signal = number }
            return (first, self.cancellers, self.asking)
        }
        guard first else {
            FileHandle.standardError.write(Data("still rolling back the namespace in flight; retuple ends as soon as it is done\n".utf8))
            return
        }
        if asking { exitAsked(number) }
        for canceller in cancellers { canceller.cancel() }
    }

    /// Ends the process during a question: nothing is in flight.
    private func exitAsked(_ number: Int32) -> Never {
        FileHandle.standardError.write(Data("\n\(line())\n".utf8))
        _exit(128 + number)
    }
}

/// Asks through the console, marking the question for `Interrupts`.
struct InterruptibleConfirmation: MigrationConfirmation {
    let console: Console
    let interrupts: Interrupts

    func confirm(_ question: String) -> Bool {
        interrupts.whileAsking { console.confirm(question) }
    }
}
