/// Carries a value out of a transaction that must roll back.
///
/// A transaction commits when its body returns and rolls back when it
/// throws; a body that did all its work (a dry run, a plan with rejected
/// lines) and must still roll back throws this with what it found, and the
/// caller catches it right outside the transaction and returns `value`.
/// It never leaves the function that throws it.
struct RollingBack<Value: Sendable>: Error {
    let value: Value
}
