internal import CRetupleLibPQ

/// libpq's cancel handle for one connection (`PQgetCancel`): sends the
/// server a request to cancel the statement the connection runs. Usable
/// from any thread, even while the connection is busy; it stays valid
/// after the connection closes (the request then reaches nothing).
public final class PostgresCancelRequest: @unchecked Sendable {
    private let handle: OpaquePointer

    init?(connection: OpaquePointer) {
        guard let handle = PQgetCancel(connection) else { return nil }
        self.handle = handle
    }

    deinit {
        PQfreeCancel(handle)
    }

    /// Sends the cancel request; whether it took effect shows as the
    /// cancelled statement's error (SQLSTATE 57014).
    ///
    /// - Returns: false when the request could not be sent.
    @discardableResult
    public func send() -> Bool {
        var buffer = [CChar](repeating: 0, count: 256)
        return PQcancel(handle, &buffer, Int32(buffer.count)) == 1
    }
}

extension PostgresConnection {
    /// A cancel handle for this connection; nil when libpq cannot make one.
    public func makeCancelRequest() -> PostgresCancelRequest? {
        PostgresCancelRequest(connection: openHandle)
    }
}
