extension DatabaseValue {
    /// A boolean as both backends' rows give it: 1 for true (SQLite has no
    /// boolean; PostgreSQL's are mapped to 1 and 0 when read).
    var isTrue: Bool {
        self == .integer(1)
    }

    /// The value as text for a message: text as is, numbers in decimal.
    var displayText: String {
        switch self {
        case .text(let text): text
        case .integer(let integer): String(integer)
        case .real(let real): String(real)
        case .null: ""
        case .bytes(let bytes): hexString(bytes)
        }
    }
}
