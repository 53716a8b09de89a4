internal import CRetupleSQLite
import Foundation

extension SQLiteConnection {
    /// Waits for another connection's lock as `sqlite3_busy_timeout` does,
    /// retrying with short sleeps for up to `milliseconds`, and calls
    /// `notice` once per wait when it has lasted `noticeAfter` milliseconds,
    /// so that a caller can say it is waiting instead of hanging silently.
    ///
    /// Replaces any busy timeout: SQLite keeps one busy handler per
    /// connection ("Setting a new busy handler clears any previously set
    /// handler", c3ref/busy_handler.html). `notice` runs on the thread
    /// executing the statement, inside SQLite: it must not use this
    /// connection.
    public func setBusyWait(milliseconds: Int64, noticeAfter: Int64, notice: @escaping () -> Void) {
        let wait = BusyWait(limit: milliseconds, noticeAfter: noticeAfter, notice: notice)
        busyWait = wait
        sqlite3_busy_handler(openHandle, { context, attempt in
            guard let context else { return 0 }
            return Unmanaged<BusyWait>.fromOpaque(context).takeUnretainedValue().shouldRetry(attempt: attempt) ? 1 : 0
        }, Unmanaged.passUnretained(wait).toOpaque())
    }
}

/// The state of one busy handler: when the current wait began and whether
/// it was told. Kept alive by the connection (`busyWait`) while installed.
final class BusyWait: @unchecked Sendable {
    private let limit: Int64
    private let noticeAfter: Int64
    private let notice: () -> Void
    private var started = ContinuousClock.now
    private var told = false
    /// Set from another thread by `giveUp()`; guarded by `lock`.
    private var givenUp = false
    private let lock = NSLock()

    /// SQLite's own schedule of sleeps, in milliseconds (sqliteDefaultBusyCallback).
    private static let sleeps: [Int64] = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100]

    init(limit: Int64, noticeAfter: Int64, notice: @escaping () -> Void) {
        self.limit = limit
        self.noticeAfter = noticeAfter
        self.notice = notice
    }

    /// Makes every later retry give up: the connection is being interrupted.
    func giveUp() {
        lock.withLock { givenUp = true }
    }

    /// Called by SQLite with the number of times it was called for this
    /// lock: sleeps and says to try again, or says to give up with
    /// `SQLITE_BUSY` once `limit` has passed.
    func shouldRetry(attempt: Int32) -> Bool {
        if attempt == 0 {
            started = .now
            told = false
        }
        let waited = (ContinuousClock.now - started).components
        let elapsed = waited.seconds * 1000 + waited.attoseconds / 1_000_000_000_000_000
        guard elapsed < limit, !lock.withLock({ givenUp }) else { return false }
        // Said only when the wait goes on: a limit of a second ends it first.
        if !told && elapsed >= noticeAfter {
            told = true
            notice()
        }
        let sleep = min(Self.sleeps[min(Int(attempt), Self.sleeps.count - 1)], limit - elapsed)
        usleep(useconds_t(sleep * 1000))
        return true
    }
}
