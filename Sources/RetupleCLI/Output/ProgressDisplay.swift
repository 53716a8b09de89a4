import Foundation
import RetupleCore

/// Progress of long namespace migrations on stderr: a bar redrawn in place
/// on a terminal, otherwise a line every few seconds. Nothing is shown for
/// a namespace that finishes within the first interval, so short runs and
/// tests print no progress at all.
///
/// The migrator calls `advanced(to:)` every few thousand rows; all that
/// costs is a clock read, so progress stays far below 2% of the run.
final class ProgressDisplay: MigrationProgress {
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var table: LegacyTable?
    private var total = 0
    private var started = Date()
    private var lastShown = Date()
    private var barShown = false

    /// Seconds before the first report, and between reports: a bar is
    /// redrawn often, log lines are spaced out.
    private var interval: TimeInterval { isTerminal ? 0.5 : 5 }

    func started(_ table: LegacyTable, rows: Int) {
        self.table = table
        total = rows
        started = Date()
        lastShown = started
    }

    func advanced(to rowsRead: Int) {
        let now = Date()
        guard now.timeIntervalSince(lastShown) >= interval, let table else { return }
        lastShown = now
        let elapsed = now.timeIntervalSince(started)
        let rate = elapsed > 0 ? Double(rowsRead) / elapsed : 0
        let remaining = rate > 0 ? Double(max(total - rowsRead, 0)) / rate : 0
        let fraction = total > 0 ? min(Double(rowsRead) / Double(total), 1) : 1
        let figures = "\(rowsRead)/\(total) rows, \(Int(rate)) rows/s, ETA \(Self.duration(remaining))"
        if isTerminal {
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            write("\r\u{1B}[K\(table.namespace.name) [\(bar)] \(Int(fraction * 100))% \(figures)")
            barShown = true
        } else {
            write("progress namespace=\(table.namespace.name) \(Int(fraction * 100))% \(figures)\n")
        }
    }

    func finished() {
        if barShown { write("\r\u{1B}[K") }
        barShown = false
        table = nil
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    private static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        return whole >= 60 ? "\(whole / 60)m\(whole % 60)s" : "\(whole)s"
    }
}
