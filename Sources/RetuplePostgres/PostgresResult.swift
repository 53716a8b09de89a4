internal import CRetupleLibPQ

/// A query result: the only owner that calls `PQclear` on its `PGresult*`.
///
/// All values are in PostgreSQL's text format. Row and column indexes start
/// at 0; an index out of range is a programmer error.
public final class PostgresResult {
    private let handle: OpaquePointer

    init(owning handle: OpaquePointer) {
        self.handle = handle
    }

    deinit {
        PQclear(handle)
    }

    public var rowCount: Int { Int(PQntuples(handle)) }
    public var columnCount: Int { Int(PQnfields(handle)) }

    public func columnName(_ column: Int) -> String {
        String(cString: PQfname(handle, Int32(column)))
    }

    /// The column's type OID (`pg_type.oid`), e.g. 23 for `int4`.
    public func columnType(_ column: Int) -> UInt32 {
        PQftype(handle, Int32(column))
    }

    public func isNull(row: Int, column: Int) -> Bool {
        precondition(row < rowCount && column < columnCount, "result index out of range")
        return PQgetisnull(handle, Int32(row), Int32(column)) == 1
    }

    /// The value as text, or nil for SQL NULL.
    public func string(row: Int, column: Int) -> String? {
        if isNull(row: row, column: column) { return nil }
        return String(cString: PQgetvalue(handle, Int32(row), Int32(column)))
    }

    /// Calls `body` with the value's text bytes without copying them; the
    /// buffer is only valid inside `body` and empty for NULL.
    public func withUnsafeBytes<R>(row: Int, column: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        precondition(row < rowCount && column < columnCount, "result index out of range")
        let base = PQgetvalue(handle, Int32(row), Int32(column))
        let count = Int(PQgetlength(handle, Int32(row), Int32(column)))
        return try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// Rows affected by an INSERT, UPDATE, DELETE, FETCH or COPY; 0 otherwise.
    public var affectedRows: Int {
        Int(String(cString: PQcmdTuples(handle))) ?? 0
    }
}
