import Foundation
@testable import RetupleCore
@testable import RetupleTransformation
import RetupleTestSupport
import Testing

/// The transformation of PRODUCT §1.3, one legacy row at a time.
@Suite("Legacy tuple transformation")
struct LegacyTupleTransformerTests {
    static let network = UUID(uuidString: "67d980ef-97ed-4d5d-8890-bb1fdfd47fac")!
    static let configuration = Configuration(namespaces: [
        Namespace(id: 0, name: "files"), Namespace(id: 7, name: "groups"), Namespace(id: 9, name: "ünïcødé 名前"),
    ])

    /// Transforms one row of namespace `files`.
    func transform(
        object: DatabaseValue = "readme.md", relation: DatabaseValue = "viewer", subject: DatabaseValue = "user-1",
        commitTime: DatabaseValue = "2021-09-14 13:46:24.123456789+00:00", shardID: DatabaseValue = "default",
        network: UUID = network
    ) -> LegacyTupleTransformer.Outcome {
        var transformer = LegacyTupleTransformer(namespace: Self.configuration.namespaces[0], networkID: network, configuration: Self.configuration)
        return transformer.transform(LegacyTuple(shardID: shardID, object: object, relation: relation, subject: subject, commitTime: commitTime))
    }

    func unified(_ outcome: LegacyTupleTransformer.Outcome) -> UnifiedTuple? {
        if case .unified(let tuple) = outcome { return tuple }
        return nil
    }

    func broken(_ outcome: LegacyTupleTransformer.Outcome) -> BrokenTuple? {
        if case .broken(let tuple) = outcome { return tuple }
        return nil
    }

    @Test("a subject id is copied whole, colons included")
    func subjectID() throws {
        for subject in ["user-1", "mailto:a@b.c", "", "a:b:c"] {
            let tuple = try #require(unified(transform(subject: .text(subject))))
            #expect(tuple.subject == .id(subject))
            #expect(tuple.namespaceID == 0)
            #expect(tuple.object == "readme.md")
            #expect(tuple.relation == "viewer")
            #expect(tuple.commitTime == Timestamp(seconds: 1_631_627_184, nanoseconds: 123_456_789))
        }
    }

    @Test("a subject set resolves its namespace name to the configured id")
    func subjectSet() throws {
        let tuple = try #require(unified(transform(subject: "groups:admins#member")))
        #expect(tuple.subject == .set(namespaceID: 7, object: "admins", relation: "member"))
        // A combining accent right after `:` or `#` belongs to the part after it (found by the property tests).
        let marks = try #require(unified(transform(subject: "groups:\u{301}admins#\u{200D}member")))
        guard case .set(_, let object, let relation) = marks.subject else { throw TestSupportError("not a subject set") }
        #expect(Array(object.unicodeScalars) == Array("\u{301}admins".unicodeScalars))
        #expect(Array(relation.unicodeScalars) == Array("\u{200D}member".unicodeScalars))
        let unicode = try #require(unified(transform(subject: "ünïcødé 名前:x#")))
        #expect(unicode.subject == .set(namespaceID: 9, object: "x", relation: ""))
    }

    @Test("subjects that are not namespace:object#relation are malformed", arguments: [
        "groups:admins#member#x", "admins#member", "groups:a:b#member", "#", "a#b#c",
    ])
    func malformedSubject(subject: String) throws {
        let row = try #require(broken(transform(subject: .text(subject))))
        #expect(row.reason == .malformedSubject)
        #expect(row.recreate == nil)
    }

    @Test("a subject set in an unconfigured namespace is broken")
    func unknownNamespace() throws {
        let row = try #require(broken(transform(subject: "teams:core#member")))
        #expect(row.reason == .unknownSubjectNamespace)
        #expect(row.message.contains("\"teams\""))
        #expect(row.recreate == nil)
    }

    /// Found by the property tests: Swift's `==` took `u` + U+0308 for the
    /// configured `ü`, which Keto v0.6 compared byte for byte.
    @Test("a subject set namespace is looked up byte for byte, not under Unicode equivalence")
    func namespaceBytes() throws {
        let decomposed = "u\u{308}nïcødé 名前:x#y"
        #expect(broken(transform(subject: .text(decomposed)))?.reason == .unknownSubjectNamespace)
        #expect(unified(transform(subject: "ünïcødé 名前:x#y"))?.subject == .set(namespaceID: 9, object: "x", relation: "y"))
    }

    @Test("NULL in any carried column is null_field; a NULL legacy shard_id is not", arguments: ["object", "relation", "subject", "commit_time"])
    func nullField(column: String) throws {
        let outcome = switch column {
        case "object": transform(object: .null)
        case "relation": transform(relation: .null)
        case "subject": transform(subject: .null)
        default: transform(commitTime: .null)
        }
        let row = try #require(broken(outcome))
        #expect(row.reason == .nullField)
        #expect(row.message == "\(column) is NULL")
        #expect(unified(transform(shardID: .null)) != nil)
    }

    @Test("invalid UTF-8 and REAL values in text columns are invalid_utf8; integers and UTF-8 blobs are text")
    func nonText() throws {
        #expect(broken(transform(object: .bytes([0x61, 0xFF])))?.reason == .invalidUTF8)
        #expect(broken(transform(subject: .bytes([0xC3])))?.reason == .invalidUTF8)
        #expect(broken(transform(relation: .real(1.5)))?.reason == .invalidUTF8)
        #expect(unified(transform(object: .integer(42)))?.object == "42")
        #expect(unified(transform(object: .bytes(Array("blob-é".utf8))))?.object == "blob-é")
    }

    /// 64 characters fit, 65 do not, whatever their UTF-8 size.
    @Test("the 64-character limit counts characters as PostgreSQL does", arguments: ["a", "é", "名", "🙂"])
    func lengthLimit(character: String) throws {
        let fits = String(repeating: character, count: 64)
        let over = String(repeating: character, count: 65)
        #expect(unified(transform(object: .text(fits)))?.object == fits)
        #expect(unified(transform(subject: .text(fits)))?.subject == .id(fits))
        #expect(unified(transform(subject: .text("groups:\(fits)#\(fits)"))) != nil)
        for outcome in [transform(object: .text(over)), transform(relation: .text(over)), transform(subject: .text(over)),
                        transform(subject: .text("groups:\(over)#member")), transform(subject: .text("groups:x#\(over)"))] {
            let row = try #require(broken(outcome))
            #expect(row.reason == .tooLong)
            #expect(row.message.contains("65 characters"))
        }
        // A subject id up to the legacy 256 is only too long for the unified 64.
        #expect(broken(transform(subject: .text(String(repeating: character, count: 200))))?.reason == .tooLong)
    }

    @Test("an unreadable commit time is broken, and recreate is the exact tuple", arguments: ["now", "", "infinity", "2021-02-29 00:00:00"])
    func invalidCommitTime(text: String) throws {
        let row = try #require(broken(transform(commitTime: .text(text))))
        #expect(row.reason == .invalidCommitTime)
        #expect(row.recreate == KetoRelationTuple(namespace: "files", object: "readme.md", relation: "viewer", subjectID: "user-1"))
        let set = try #require(broken(transform(subject: "groups:admins#member", commitTime: .real(1.5))))
        #expect(set.recreate == KetoRelationTuple(
            namespace: "files", object: "readme.md", relation: "viewer",
            subjectSet: .init(namespace: "groups", object: "admins", relation: "member")
        ))
    }

    /// Found by the property tests: `\r\n` (one Character) and `\r` went into messages unescaped.
    @Test("a value in a message never breaks its line")
    func oneLineMessage() throws {
        let row = try #require(broken(transform(subject: "a\r\nb#c\rd#e")))
        #expect(row.message == #"subject "a\r\nb#c\rd#e" contains # but is not namespace:object#relation"#)
        let long = try #require(broken(transform(commitTime: .text(String(repeating: "\r\n", count: 50)))))
        #expect(long.message == "commit_time \"" + String(repeating: #"\r\n"#, count: 40) + "…\" is not a time")
    }

    @Test("the first defect in the documented order is the one reported")
    func precedence() throws {
        let long = String(repeating: "x", count: 65)
        #expect(broken(transform(object: .bytes([0xFF]), relation: .null))?.reason == .nullField)
        #expect(broken(transform(object: .bytes([0xFF]), subject: "a#b#c"))?.reason == .invalidUTF8)
        #expect(broken(transform(object: .text(long), subject: "a#b#c"))?.reason == .malformedSubject)
        #expect(broken(transform(object: .text(long), subject: "teams:x#y"))?.reason == .tooLong)
        #expect(broken(transform(subject: "teams:x#y", commitTime: "now"))?.reason == .unknownSubjectNamespace)
    }

    @Test("shard_id is a deterministic version-5 UUID of network, namespace and legacy key")
    func deterministicShardID() throws {
        let first = try #require(unified(transform()))
        let second = try #require(unified(transform()))
        #expect(first.shardID == second.shardID)
        #expect(first.shardID.lowercasedString.dropFirst(14).first == "5")
        let others = [
            transform(object: "other"), transform(relation: "owner"), transform(subject: "user-2"),
            transform(commitTime: "2021-09-14 13:46:24.123456788+00:00"), transform(shardID: "other"),
            transform(network: UUID(uuidString: "00000000-0000-4000-8000-000000000000")!),
        ]
        let keys = Set(others.compactMap { unified($0)?.shardID })
        #expect(keys.count == others.count)
        #expect(!keys.contains(first.shardID))
    }

    @Test("one instant stored in different shapes gets one shard_id")
    func instantNotText() throws {
        let shapes: [DatabaseValue] = ["2021-09-14 13:46:24+00:00", "2021-09-14T13:46:24Z", "2021-09-14 15:46:24+02:00", "2021-09-14 13:46:24", .integer(1_631_627_184)]
        let keys = Set(shapes.compactMap { unified(transform(commitTime: $0))?.shardID })
        #expect(keys.count == 1)
    }

    @Test("a broken row's key tells apart rows that differ only in a broken value")
    func brokenKeys() throws {
        let a = try #require(broken(transform(commitTime: "now")))
        let b = try #require(broken(transform(commitTime: "later")))
        let c = try #require(broken(transform(commitTime: .real(2.5))))
        #expect(Set([a.rowKey, b.rowKey, c.rowKey]).count == 3)
        #expect(broken(transform(commitTime: "now"))?.rowKey == a.rowKey)
    }

    @Test("LegacySubject re-encodes every subject it decodes")
    func subjectRoundTrip() {
        // After `:` or `#`, a combining mark or joiner makes one Character with it.
        for text in ["user", "a:b#c", ":#", "x:y:z", "名:前#後", "groups:\u{301}x#\u{200D}y", "\u{600}:a#\u{1F3FD}"] {
            #expect(LegacySubject(parsing: text).encoded == text)
        }
        #expect(LegacySubject(parsing: "a#b#c").encoded == nil)
    }
}
