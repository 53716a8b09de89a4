import Foundation
import RetupleCore

/// Work on a database connection of its own, on a thread of its own: a
/// second client (Keto writing a tuple, say) acting while `retuple` runs.
final class ConcurrentSession<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var outcome: Result<Value, any Error>?

    /// Opens a connection to `dsn` on a new thread and runs `work` with it.
    init(dsn: String, _ work: @escaping @Sendable (any Database) throws -> Value) {
        Thread.detachNewThread { [self] in
            let result = Result<Value, any Error>(catching: {
                let database = try openDatabase(try DataSourceName(parsing: dsn))
                defer { database.close() }
                return try work(database)
            })
            lock.withLock { outcome = result }
        }
    }

    /// Whether `work` has returned or thrown.
    var isFinished: Bool { lock.withLock { outcome != nil } }

    /// What `work` returned or threw; nil when it is still running after `timeout`.
    func wait(timeout: Duration) -> Result<Value, any Error>? {
        _ = eventually(timeout: timeout) { isFinished }
        return lock.withLock { outcome }
    }
}

extension LegacyWorkspace {
    /// The DSN with an `application_name` of its own on PostgreSQL, so the
    /// server's views tell the test's sessions from retuple's (whose
    /// fallback name is `retuple`); the DSN unchanged on SQLite.
    func dsn(applicationName: String) -> String {
        guard backend == .postgres, var components = URLComponents(string: dsn) else { return dsn }
        components.queryItems = (components.queryItems ?? []) + [URLQueryItem(name: "application_name", value: applicationName)]
        return components.string ?? dsn
    }
}
