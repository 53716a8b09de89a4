/// Filling an empty table the way a database fills one fastest: rows
/// first, then its indexes, each built once by sorting.
public protocol IndexDeferral {
    /// Runs `body`, which inserts rows into `table` within the open
    /// transaction. Where the backend gains from it and `table` holds no
    /// row yet, the table's secondary indexes are dropped before `body` and
    /// created again from their own definitions after it returns, in the
    /// same transaction: a rollback, or a crash before the commit, leaves
    /// them as they were, and no other connection sees the table without
    /// them. The primary key stays, so rows already present are still
    /// found one by one.
    func fillingWithIndexesDeferred<T>(_ table: String, _ body: () throws -> T) throws -> T
}
