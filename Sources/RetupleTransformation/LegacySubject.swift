/// A legacy `subject` string decoded by Keto v0.6's rules, before the
/// namespace name is looked up.
///
/// Keto v0.6 (`relationtuple.SubjectFromString`): a string containing `#`
/// is a subject set; it must split on `#` into exactly two parts, and the
/// first of those on `:` into exactly two parts: `namespace:object#relation`.
/// Any other string is a subject id, `:` included. Empty parts are allowed,
/// as they were in v0.6.
public enum LegacySubject: Hashable, Sendable {
    case id(String)
    case set(namespace: String, object: String, relation: String)
    /// Contains `#` but is not `namespace:object#relation`.
    case malformed

    public init(parsing subject: String) {
        let bytes = subject.utf8
        guard let hash = bytes.firstIndex(of: UInt8(ascii: "#")) else {
            self = .id(subject)
            return
        }
        let beforeHash = bytes[..<hash]
        let afterHash = bytes[bytes.index(after: hash)...]
        guard !afterHash.contains(UInt8(ascii: "#")),
              let colon = beforeHash.firstIndex(of: UInt8(ascii: ":")),
              !beforeHash[beforeHash.index(after: colon)...].contains(UInt8(ascii: ":"))
        else {
            self = .malformed
            return
        }
        // Indices move through the UTF-8 view: `String.index(after:)` steps
        // a whole Character, and `:#` followed by a combining mark or a
        // joiner is one Character with it, which would drop the mark.
        self = .set(
            namespace: String(subject[..<colon]),
            object: String(subject[bytes.index(after: colon)..<hash]),
            relation: String(subject[bytes.index(after: hash)...])
        )
    }

    /// The legacy encoding: what `init(parsing:)` decodes back to `self`.
    public var encoded: String? {
        switch self {
        case .id(let id): id
        case .set(let namespace, let object, let relation): "\(namespace):\(object)#\(relation)"
        case .malformed: nil
        }
    }
}
