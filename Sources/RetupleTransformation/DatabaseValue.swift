/// A value bound to a statement or read from a row, on either backend.
public enum DatabaseValue: Hashable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    /// Valid UTF-8 text.
    case text(String)
    /// Bytes that are not valid UTF-8 text: an SQLite BLOB, or SQLite TEXT
    /// holding invalid UTF-8 (which SQLite stores without checking). Kept
    /// as bytes so nothing is lost or replaced. Bound as TEXT on SQLite (the
    /// storage class legacy columns hold) and as `bytea` hex on PostgreSQL.
    case bytes([UInt8])

    /// The text, or nil for anything that is not valid UTF-8 text.
    public var text: String? {
        if case .text(let value) = self { return value }
        return nil
    }

    /// The integer, or nil for anything that is not an integer.
    public var integer: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    public var isNull: Bool { self == .null }
}

extension DatabaseValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(nilLiteral: ()) { self = .null }
}
