/// Stopping a connection's work from another thread: how an interrupted
/// run (SIGINT, SIGTERM) ends the statement in flight instead of waiting
/// for it, so the transaction can be rolled back at once.
public protocol QueryCancelling {
    /// A handle that cancels what this connection is running; it may be
    /// used from any thread while the connection is open. Unregister it
    /// before closing the connection.
    func makeCanceller() -> any QueryCanceller
}

/// Cancels the statement a connection is running, from any thread.
///
/// After `cancel()` the statement in flight (a lock wait, a COPY, a fetch)
/// fails with a `DatabaseError` of kind `.cancelled` (or finishes first, if
/// it was nearly done); the transaction around it is then rolled back by
/// its caller. A COMMIT is never cancelled: while a connection commits,
/// `cancel()` does nothing, so the outcome of a commit is always the one
/// the database reports.
public protocol QueryCanceller: AnyObject, Sendable {
    func cancel()
}
