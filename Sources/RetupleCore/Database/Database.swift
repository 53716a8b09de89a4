import Foundation

/// The backends retuple works with.
public enum DatabaseBackend: String, Sendable, CaseIterable {
    case sqlite
    case postgres
}

/// An open connection to one database: the contract both backends satisfy.
///
/// Every command runs over one `Database`. What differs between the
/// backends is asked of it through the protocols it refines, each in a
/// file of its own with its contract: `SQLDialect` (column types, time
/// text), `DatabaseCatalog` (tables, columns, identity), `TableLocking`
/// (run lock, table locks, lock waits), `PrivilegeChecking` and
/// `BackendDiagnostics` (the doctor's backend questions). Feature code
/// never asks which backend it talks to; the implementations live in
/// `Backends/SQLite` and `Backends/PostgreSQL`, the only code that sees
/// the C wrappers.
///
/// Implementations are not thread-safe; use a connection from one task at
/// a time. SQL text never carries values: they are bound (`?` placeholders
/// on both backends) or streamed through `bulkInsert`. Identifiers come
/// from code, never from data. A failure of the database is thrown as a
/// `DatabaseError` of a kind feature code can decide on.
public protocol Database: AnyObject, SQLDialect, LatestSchemaDialect, SchemaInspection, DatabaseCatalog, TableLocking, PrivilegeChecking, BackendDiagnostics, QueryCancelling, IndexDeferral {
    /// Which backend this is, for messages and tests; feature code never
    /// branches on it.
    var backend: DatabaseBackend { get }

    /// Runs one statement with its `?` parameters bound to `bindings`.
    ///
    /// - Returns: the number of rows the statement inserted, updated or
    ///   deleted; 0 for DDL. (For a SELECT, PostgreSQL reports the rows it
    ///   returned and SQLite 0: use `forEachRow` to read rows.)
    /// - Throws: `DatabaseError` with its kind and the backend's message.
    @discardableResult
    func execute(_ sql: String, _ bindings: [DatabaseValue]) throws -> Int

    /// Runs several `;`-separated statements that bind nothing, such as DDL.
    func executeScript(_ sql: String) throws

    /// Streams the rows of a query to `body` one at a time.
    ///
    /// Memory does not grow with the number of rows: SQLite steps its
    /// statement, PostgreSQL fetches from a server-side cursor in batches
    /// (inside the open transaction, or a short one of its own).
    /// `body` may run other statements on this connection between rows.
    /// The row is only valid during the call to `body`.
    func forEachRow(_ sql: String, _ bindings: [DatabaseValue], _ body: (any DatabaseRow) throws -> Void) throws

    /// Runs `body` in a transaction: commits when it returns, rolls back
    /// when it throws (and rethrows).
    ///
    /// - Throws: `DatabaseUsageError.nestedTransaction` when a transaction is
    ///   already open on this connection; nothing is run then.
    func transaction<T>(_ body: () throws -> T) throws -> T

    /// Runs `body` in a transaction that reads one consistent state of the
    /// database and writes nothing; it ends when `body` returns or throws
    /// (rethrown). For reading a source that must not change while it is
    /// read, nor be changed by us.
    ///
    /// - SQLite: `PRAGMA query_only` for the duration, so any write fails
    ///   with `SQLITE_READONLY`, then `BEGIN DEFERRED`: the first read takes
    ///   a SHARED lock held until the end, so in rollback-journal mode no
    ///   other connection can commit meanwhile (a writer holding PENDING "is
    ///   just waiting on all current SHARED locks to clear so that it can
    ///   get an EXCLUSIVE lock", lockingv3.html); in WAL mode every read
    ///   sees the snapshot of the first.
    /// - PostgreSQL: `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`:
    ///   every statement sees the snapshot taken by the first one that needs
    ///   one (`SET` and `LOCK TABLE` do not, so a lock taken first is held
    ///   before the snapshot is); writes are refused.
    ///
    /// - Throws: `DatabaseUsageError.nestedTransaction` when a transaction is
    ///   already open on this connection; nothing is run then.
    func readOnlyTransaction<T>(_ body: () throws -> T) throws -> T

    /// Whether `transaction(_:)` or `readOnlyTransaction(_:)` is running on
    /// this connection.
    var isInTransaction: Bool { get }

    /// Inserts many rows into `table` the fastest way the backend offers:
    /// `COPY … FROM STDIN` on PostgreSQL, one reused prepared INSERT on SQLite.
    ///
    /// Call it inside `transaction(_:)`; the rows become visible on commit.
    /// `body` must not run other statements on this connection.
    ///
    /// - Parameters:
    ///   - table: a table name from code, quoted by the implementation.
    ///   - columns: column names from code, in the order values are given.
    ///   - conflictColumns: when given, a row whose values in these columns
    ///     (a primary key or unique index of `table`) are already present is
    ///     skipped instead of failing the insert: SQLite's
    ///     `ON CONFLICT (…) DO NOTHING` per row; on PostgreSQL, COPY into a
    ///     temporary table, then `INSERT … SELECT … ON CONFLICT DO NOTHING`.
    ///   - body: receives the inserter and calls `insert(_:)` per row.
    /// - Returns: the number of rows inserted (skipped rows not counted).
    @discardableResult
    func bulkInsert(
        into table: String, columns: [String], skippingConflictsOn conflictColumns: [String]?,
        _ body: (any BulkInserter) throws -> Void
    ) throws -> Int

    /// A one-line description of where the connection goes, for messages;
    /// never contains a password.
    var location: String { get }

    /// Closes the connection; later use is a programmer error.
    func close()
}

/// Receives the rows of a `Database.bulkInsert` call.
public protocol BulkInserter {
    /// Adds one row; `values` are in the order of the columns given.
    func insert(_ values: [DatabaseValue]) throws
}

/// Misuse of a `Database` that the caller can recover from.
public struct DatabaseUsageError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String

    public static let nestedTransaction = DatabaseUsageError(
        description: "a transaction is already open on this connection; nested transactions are refused"
    )
}

extension Database {
    /// Runs a query expected to return at most one row and returns it.
    public func firstRow(_ sql: String, _ bindings: [DatabaseValue] = []) throws -> [DatabaseValue]? {
        var first: [DatabaseValue]?
        try forEachRow(sql, bindings) { row in
            if first == nil { first = (0..<row.count).map { row[$0] } }
        }
        return first
    }

    /// Runs a query and returns the first column of its first row.
    public func scalar(_ sql: String, _ bindings: [DatabaseValue] = []) throws -> DatabaseValue? {
        try firstRow(sql, bindings)?.first
    }

    /// Runs a query and collects all its rows. Only for small results
    /// (catalog queries, status); stream large ones with `forEachRow`.
    public func allRows(_ sql: String, _ bindings: [DatabaseValue] = []) throws -> [[DatabaseValue]] {
        var rows: [[DatabaseValue]] = []
        try forEachRow(sql, bindings) { row in
            rows.append((0..<row.count).map { row[$0] })
        }
        return rows
    }

    @discardableResult
    public func execute(_ sql: String) throws -> Int {
        try execute(sql, [])
    }

    /// `bulkInsert` that fails on any conflict.
    @discardableResult
    public func bulkInsert(into table: String, columns: [String], _ body: (any BulkInserter) throws -> Void) throws -> Int {
        try bulkInsert(into: table, columns: columns, skippingConflictsOn: nil, body)
    }
}

/// Runs `body` between `begin` and `commit`, the way both backends do
/// transactions: on a throw from `body` or from `commit`, `rollBackIfOpen`
/// runs and the original error is rethrown.
///
/// `rollBackIfOpen` must check that the transaction is still open: SQLite
/// ends it by itself on some errors, and a failed COMMIT may or may not
/// have ended it.
func runTransaction<T>(
    begin: () throws -> Void,
    commit: () throws -> Void,
    rollBackIfOpen: () -> Void,
    _ body: () throws -> T
) throws -> T {
    try begin()
    let result: T
    do {
        result = try body()
        try commit()
    } catch {
        rollBackIfOpen()
        throw error
    }
    return result
}

/// Quotes an identifier for SQL (both backends accept double quotes).
///
/// Identifiers in retuple come from code or from the strict legacy-table
/// name pattern, never from row data; quoting is a second line of defence.
public func quoteIdentifier(_ name: String) -> String {
    "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
