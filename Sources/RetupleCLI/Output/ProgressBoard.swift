import Foundation
import RetupleCore

/// Progress of a run whose namespaces migrate at once, on stderr: every
/// running namespace and the whole run on one line, redrawn in place on a
/// terminal, otherwise a line every few seconds. Like `ProgressDisplay`,
/// nothing is shown in a run's first interval. Lanes report from their
/// workers' threads; one lock keeps the figures and the lines whole.
final class ProgressBoard: MigrationProgressLanes, @unchecked Sendable {
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private let mutex = NSLock()
    private var total = 0
    /// Rows read by namespaces that ended.
    private var doneRows = 0
    /// The running namespaces: name, rows read, rows in all.
    private var running: [ObjectIdentifier: (name: String, read: Int, rows: Int)] = [:]
    private let started = Date()
    private var lastShown = Date()
    private var barShown = false

    private var interval: TimeInterval { isTerminal ? 0.5 : 5 }

    func planned(rows: Int) {
        mutex.lock()
        total = rows
        mutex.unlock()
    }

    func lane() -> any MigrationProgress { Lane(board: self) }

    private final class Lane: MigrationProgress {
        let board: ProgressBoard
        init(board: ProgressBoard) { self.board = board }
        func started(_ table: LegacyTable, rows: Int) { board.update(self, name: table.namespace.name, read: 0, rows: rows) }
        func advanced(to rowsRead: Int) { board.update(self, read: rowsRead) }
        func finished() { board.end(self) }
    }

    private func update(_ lane: Lane, name: String? = nil, read: Int, rows: Int? = nil) {
        mutex.lock()
        defer { mutex.unlock() }
        let key = ObjectIdentifier(lane)
        if let name, let rows {
            // As `ProgressDisplay`: a namespace that ends within the first
            // interval after it started shows nothing.
            running[key] = (name, read, rows)
            lastShown = Date()
        } else {
            running[key]?.read = read
        }
        show()
    }

    private func end(_ lane: Lane) {
        mutex.lock()
        defer { mutex.unlock() }
        if let ended = running.removeValue(forKey: ObjectIdentifier(lane)) { doneRows += ended.rows }
        if running.isEmpty, barShown {
            write("\r\u{1B}[K")
            barShown = false
        }
    }

    /// Called with the lock held.
    private func show() {
        let now = Date()
        guard now.timeIntervalSince(lastShown) >= interval else { return }
        lastShown = now
        let read = doneRows + running.values.reduce(0) { $0 + $1.read }
        let elapsed = now.timeIntervalSince(started)
        let rate = elapsed > 0 ? Double(read) / elapsed : 0
        let remaining = rate > 0 ? Double(max(total - read, 0)) / rate : 0
        let percent = total > 0 ? min(read * 100 / total, 100) : 100
        let namespaces = running.values.sorted { $0.name < $1.name }
            .map { "\($0.name) \($0.rows > 0 ? min($0.read * 100 / $0.rows, 100) : 100)%" }
            .joined(separator: ", ")
        let figures = "\(read)/\(total) rows, \(Int(rate)) rows/s, ETA \(Self.duration(remaining))"
        if isTerminal {
            write("\r\u{1B}[Kall \(percent)% \(figures) [\(namespaces)]")
            barShown = true
        } else {
            write("progress all \(percent)% \(figures) running: \(namespaces)\n")
        }
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    private static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        return whole >= 60 ? "\(whole / 60)m\(whole % 60)s" : "\(whole)s"
    }
}
