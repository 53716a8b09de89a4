/// A failure reported by a database, mapped once, at the backend's edge,
/// from the native error (a SQLite result code, a PostgreSQL SQLSTATE) to
/// the kinds feature code decides on.
///
/// Every `Database` method throws this for a failure of the database
/// itself; errors thrown by a caller's closure pass through unchanged.
/// `description` is the native error's own (message and code), so what an
/// operator reads does not depend on where it was caught.
public struct DatabaseError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, as far as retuple acts on it.
    public enum Kind: Sendable, Equatable {
        /// Another connection holds the lock the statement needs (SQLite's
        /// busy timeout ran out).
        case busy
        /// A lock wait ran out (PostgreSQL's `lock_timeout`).
        case lockTimeout
        /// A write in a read-only transaction or on a read-only database.
        case readOnly
        /// The disk or another server resource ran out (SQLite's
        /// `SQLITE_FULL`, PostgreSQL's class 53).
        case diskFull
        /// The role lacks a privilege, or the file system refused access.
        case missingPrivilege
        /// A table the statement names does not exist.
        case noSuchTable
        /// The connection to the server broke, or the server shut down.
        case connectionLost
        /// The statement was cancelled or interrupted.
        case cancelled
        /// A constraint (key, NOT NULL, CHECK) refused a row.
        case constraint
        /// Anything else: the message says what.
        case other
    }

    public let kind: Kind
    /// The database's message, one line, without any password.
    public let message: String
    /// The server's hint, when it gave one.
    public let hint: String?
    /// The native error as it describes itself (message and code).
    public let description: String
    /// The native error, for tests and logs that need its code.
    public let underlying: any Error & Sendable

    public init(kind: Kind, message: String, hint: String? = nil, description: String, underlying: any Error & Sendable) {
        self.kind = kind
        self.message = message
        self.hint = hint
        self.description = description
        self.underlying = underlying
    }
}

/// Runs `body`, turning a native error of type `Native` that it throws
/// into a `DatabaseError` with `map`; any other error passes unchanged.
/// How each backend maps its errors once, at its edge.
func mappingErrors<Native: Error, T>(_: Native.Type, to map: (Native) -> DatabaseError, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as Native {
        throw map(error)
    }
}
