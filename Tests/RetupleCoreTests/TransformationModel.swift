import Foundation
import RetupleCore

/// What PRODUCT §1.3 says becomes of a legacy row, worked out the plain,
/// slow way and byte for byte, as Keto v0.6 (Go) compared and split
/// strings: the reference the property tests hold `LegacyTupleTransformer`
/// to. It shares no code with the transformer; the instant of the commit
/// time comes from the generator, which made the value from it.
struct TransformationModel {
    /// A subject as Go's `SubjectFromString` splits it, in bytes.
    enum Subject: Equatable {
        case id([UInt8])
        case set(namespace: [UInt8], object: [UInt8], relation: [UInt8])
        case malformed
    }

    /// The first defect in the documented order, nil for a clean row.
    private(set) var reason: BrokenReason?
    /// The column the `null_field` or `invalid_utf8` message must name.
    private(set) var column: String?
    private(set) var object: [UInt8] = []
    private(set) var relation: [UInt8] = []
    private(set) var subject: Subject = .malformed
    /// The configured id of a subject set's namespace.
    private(set) var subjectNamespaceID: Int32?

    init(_ row: GeneratedRow, configuration: Configuration) {
        let tuple = row.tuple
        let carried = [("object", tuple.object), ("relation", tuple.relation), ("subject", tuple.subject), ("commit_time", tuple.commitTime)]
        if let null = carried.first(where: { $0.1 == .null }) {
            (reason, column) = (.nullField, null.0)
            return
        }
        if let notText = carried.dropLast().first(where: { Self.textBytes($0.1) == nil }) {
            (reason, column) = (.invalidUTF8, notText.0)
            return
        }
        object = Self.textBytes(tuple.object)!
        relation = Self.textBytes(tuple.relation)!
        subject = Self.split(Self.textBytes(tuple.subject)!)
        let longValues: [[UInt8]] = switch subject {
        case .malformed: []
        case .id(let id): [object, relation, id]
        case .set(_, let setObject, let setRelation): [object, relation, setObject, setRelation]
        }
        if subject == .malformed {
            reason = .malformedSubject
        } else if longValues.contains(where: { Self.characters($0) > 64 }) {
            reason = .tooLong
        } else if case .set(let name, _, _) = subject,
                  !configuration.namespaces.contains(where: { Array($0.name.utf8) == name }) {
            reason = .unknownSubjectNamespace
        } else if row.instant == nil {
            reason = .invalidCommitTime
        }
        if case .set(let name, _, _) = subject {
            subjectNamespaceID = configuration.namespaces.first { Array($0.name.utf8) == name }?.id
        }
    }

    /// The bytes of a text column as Keto v0.6 read it: text, an integer's
    /// digits, or a BLOB's bytes when they are UTF-8; nil otherwise.
    ///
    /// Bytes are UTF-8 when decoding them (which replaces what is not
    /// UTF-8 with U+FFFD) and encoding again gives them back unchanged.
    static func textBytes(_ value: DatabaseValue) -> [UInt8]? {
        switch value {
        case .text(let text): Array(text.utf8)
        case .integer(let integer): Array(String(integer).utf8)
        case .bytes(let bytes): Array(String(decoding: bytes, as: UTF8.self).utf8) == bytes ? bytes : nil
        case .real, .null: nil
        }
    }

    /// Go's `SubjectFromString`: with a `#`, `strings.Split` on `#` must
    /// give exactly two parts and the first, split on `:`, exactly two.
    static func split(_ subject: [UInt8]) -> Subject {
        let parts = subject.split(separator: UInt8(ascii: "#"), omittingEmptySubsequences: false)
        guard parts.count > 1 else { return .id(subject) }
        let inner = parts[0].split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        guard parts.count == 2, inner.count == 2 else { return .malformed }
        return .set(namespace: Array(inner[0]), object: Array(inner[1]), relation: Array(parts[1]))
    }

    /// Characters as PostgreSQL's `varchar(64)` counts them: code points.
    static func characters(_ utf8: [UInt8]) -> Int {
        utf8.filter { $0 & 0xC0 != 0x80 }.count
    }
}

/// What a row's primary key is made of, told apart as `LegacyRowKey` must
/// tell legacy rows apart: each column's kind and exact bytes, a BLOB like
/// TEXT (both are what the column stores as text), and the commit time as
/// its instant when it has one, so the same instant in two shapes is one
/// key.
enum KeyPart: Hashable {
    case null
    case integer(Int64)
    case real(UInt64)
    case text([UInt8])
    case instant(Timestamp)

    init(_ value: DatabaseValue) {
        switch value {
        case .null: self = .null
        case .integer(let integer): self = .integer(integer)
        case .real(let real): self = .real(real.bitPattern)
        case .text(let text): self = .text(Array(text.utf8))
        case .bytes(let bytes): self = .text(bytes)
        }
    }

    static func key(of tuple: LegacyTuple, instant: Timestamp?) -> [KeyPart] {
        [KeyPart(tuple.shardID), KeyPart(tuple.object), KeyPart(tuple.relation), KeyPart(tuple.subject),
         instant.map(KeyPart.instant) ?? KeyPart(tuple.commitTime)]
    }
}
