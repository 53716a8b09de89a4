@testable import RetupleCore
@testable import RetupleTransformation
import Testing

/// Expected digests come from FIPS 180-4's examples and, for the padding
/// boundaries, from Python's `hashlib.sha1` (written out here, not computed).
@Suite("SHA-1")
struct SHA1Tests {
    static func digest(of bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { SHA1.digest($0).description }
    }

    @Test(
        "matches the FIPS 180-4 examples",
        arguments: [
            ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
            ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
            (
                "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
            ),
        ]
    )
    func fipsExamples(message: String, expected: String) {
        #expect(Self.digest(of: Array(message.utf8)) == expected)
    }

    @Test("hashes one million 'a'")
    func millionA() {
        #expect(Self.digest(of: [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }

    /// The bytes `(i * 7 + 3) % 256` for i in 0..<length.
    static func pattern(length: Int) -> [UInt8] {
        (0..<length).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) }
    }

    @Test(
        "pads correctly around the block boundaries",
        arguments: [
            (55, "ddf57317ef34bfee3b6df83d359098930eb278bc"),
            (56, "a0d492bb0fc889d0eca3bc137066ab6f4f74f369"),
            (63, "c55856749bef509bdfe6bfebfc7bf4e793e82132"),
            (64, "bede92be29c3874e1b54ddc77988d606fc857a8e"),
            (65, "b05a80522b053d6dc7e0a517d0e70212c7dad11f"),
            (119, "504e27376a6e0f0dba8295b85cb25dc4dfa17d23"),
            (120, "82134b02fb3f702491be9bed581eeab59334acb2"),
            (128, "a09133e6730ffe899efb70204cb5646cd5dc24ee"),
        ]
    )
    func paddingBoundaries(length: Int, expected: String) {
        #expect(Self.digest(of: Self.pattern(length: length)) == expected)
    }

    @Test("gives the same digest however the message is split", arguments: [1, 3, 16, 63, 64, 65, 100])
    func splitUpdates(partLength: Int) {
        let message = Self.pattern(length: 300)
        var hasher = SHA1()
        message.withUnsafeBytes { bytes in
            var start = 0
            while start < bytes.count {
                let end = min(start + partLength, bytes.count)
                hasher.update(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
                start = end
            }
        }
        #expect(hasher.finalize().description == Self.digest(of: message))
    }
}
