import Foundation
import RetupleCore
import RetupleFixtures
import Testing

/// Expected UUIDs come from RFC 9562 and Python's `uuid.uuid5` (written out
/// here, not computed).
@Suite("Name-based (version 5) UUID")
struct NameBasedUUIDTests {
    static let dns = UUID(uuidString: "6ba7b810-9dad-11d1-80b4-00c04fd430c8")!
    static let url = UUID(uuidString: "6ba7b811-9dad-11d1-80b4-00c04fd430c8")!
    /// 156 bytes of UTF-8, so namespace and name span three SHA-1 blocks.
    static let longName = "namespace:files#object:" + String(repeating: "x", count: 100) + "#viewer@user:"
        + String(repeating: "ä", count: 10)

    @Test(
        "matches RFC 9562 and Python's uuid5",
        arguments: [
            (dns, "www.example.com", "2ed6657d-e927-568b-95e1-2665a8aea6a2"),  // RFC 9562 appendix A.4
            (dns, "python.org", "886313e1-3b8a-5372-9b90-0c9aee199e5d"),
            (url, "https://www.ory.sh/keto", "e2f18c19-1418-53df-8747-31f2ea12dd38"),
            (dns, longName, "38cdc691-69d6-50ac-a749-4188d39fedee"),
        ]
    )
    func knownValues(namespace: UUID, name: String, expected: String) {
        #expect(UUID.nameBased(namespace: namespace, name: name.utf8).lowercasedString == expected)
        let fromBuffer = Array(name.utf8).withUnsafeBytes { UUID.nameBased(namespace: namespace, name: $0) }
        #expect(fromBuffer.lowercasedString == expected)
    }

    @Test("reads a name without contiguous storage the same way")
    func nonContiguousName() {
        let name = Array("python.org".utf8)
        #expect(
            UUID.nameBased(namespace: Self.dns, name: name.lazy.map { $0 }).lowercasedString
                == "886313e1-3b8a-5372-9b90-0c9aee199e5d"
        )
    }

    @Test("sets version 5 and the RFC variant", arguments: ["", "a", longName, "tuple:0:files:doc#owner@alice"])
    func versionAndVariant(name: String) {
        let uuid = UUID.nameBased(namespace: Self.dns, name: name.utf8).uuid
        #expect(uuid.6 >> 4 == 5)
        #expect(uuid.8 >> 6 == 0b10)
    }

    @Test("is deterministic and depends on namespace and name")
    func determinism() {
        let first = UUID.nameBased(namespace: Self.dns, name: "files:doc#owner@alice".utf8)
        #expect(UUID.nameBased(namespace: Self.dns, name: "files:doc#owner@alice".utf8) == first)
        #expect(UUID.nameBased(namespace: Self.url, name: "files:doc#owner@alice".utf8) != first)
        #expect(UUID.nameBased(namespace: Self.dns, name: "files:doc#owner@alicf".utf8) != first)
    }

    @Test("writes the lowercase canonical form uuidString would, lowercased")
    func lowercasedString() {
        for text in ["00000000-0000-0000-0000-000000000000", "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", "6BA7B810-9DAD-11D1-80B4-00C04FD430C8"] {
            let uuid = UUID(uuidString: text)!
            #expect(uuid.lowercasedString == text.lowercased())
        }
        var generator = SeededGenerator(seed: 5)
        for _ in 0..<100 {
            let (high, low) = (generator.next(), generator.next())
            let uuid = withUnsafeBytes(of: (high, low)) { bytes in
                UUID(uuid: bytes.load(as: uuid_t.self))
            }
            #expect(uuid.lowercasedString == uuid.uuidString.lowercased())
        }
    }
}
