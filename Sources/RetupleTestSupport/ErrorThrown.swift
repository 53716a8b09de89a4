/// The error `body` throws, or nil when it returns.
///
/// Tests use this instead of `#expect(throws:)` and `#require(throws:)`
/// inside closures (such as `ScratchDatabase.with`'s body). With Swift
/// 6.3.1 those macros, given a closure while inside another closure, can
/// make a later closure of the same enclosing closure run the macro's
/// closure body instead of its own (a second `transaction` once ran the
/// first one's body and threw `nestedTransaction`): a closure-naming
/// collision in macro expansions. At the top level of a test function they
/// are safe.
public func errorThrown(by body: () throws -> Void) -> (any Error)? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}
