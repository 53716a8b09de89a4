import Foundation
import RetuplePostgres

/// PostgreSQL: libpq's cancel request (`PQcancel`), "which can safely be
/// invoked from a signal handler" or another thread (libpq-cancel.html).
/// The server ends the statement with SQLSTATE 57014, which maps to
/// `.cancelled`. A COMMIT is not cancelled: the request is held back while
/// the connection commits (and the server would hold it off anyway).
extension PostgresDatabase: QueryCancelling {
    public func makeCanceller() -> any QueryCanceller {
        commitGuard
    }
}

final class PostgresCanceller: QueryCanceller, @unchecked Sendable {
    private let request: PostgresCancelRequest?
    private let lock = NSLock()
    private var committing = false

    init(connection: PostgresConnection) {
        request = connection.makeCancelRequest()
    }

    func cancel() {
        lock.withLock {
            guard !committing else { return }
            request?.send()
        }
    }

    func committing<T>(_ commit: () throws -> T) rethrows -> T {
        lock.withLock { committing = true }
        defer { lock.withLock { committing = false } }
        return try commit()
    }
}
