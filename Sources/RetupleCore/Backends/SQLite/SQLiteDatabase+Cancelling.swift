import Foundation
import RetupleSQLite

/// SQLite: `sqlite3_interrupt`, which is "safe to call … from a thread
/// different from the thread that is currently running the database
/// operation" (c3ref/interrupt.html); never during COMMIT.
extension SQLiteDatabase: QueryCancelling {
    public func makeCanceller() -> any QueryCanceller {
        commitGuard
    }
}

/// Interrupts a SQLite connection unless it is committing. The lock keeps
/// `cancel()` and the start of a COMMIT from overlapping.
final class SQLiteCanceller: QueryCanceller, @unchecked Sendable {
    private let connection: SQLiteConnection
    private let lock = NSLock()
    private var committing = false
    private var closed = false

    init(connection: SQLiteConnection) {
        self.connection = connection
    }

    func cancel() {
        lock.withLock {
            guard !committing, !closed else { return }
            connection.interrupt()
        }
    }

    /// Runs `commit` with cancelling held off.
    func committing<T>(_ commit: () throws -> T) rethrows -> T {
        lock.withLock { committing = true }
        defer { lock.withLock { committing = false } }
        return try commit()
    }

    /// The connection is closing: cancel nothing from now on.
    func close() {
        lock.withLock { closed = true }
    }
}
