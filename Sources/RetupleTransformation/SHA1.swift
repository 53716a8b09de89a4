/// SHA-1 (FIPS 180-4 §6.1), written out so that version-5 UUIDs need no
/// crypto dependency.
///
/// Only for name-based UUIDs, which RFC 9562 §5.5 defines with SHA-1. Never
/// use it for security: SHA-1 collisions are practical.
///
/// Hashing never allocates: the state and the pending partial block are
/// fixed-size values on the stack, and input is read in place. Feed parts
/// with `update(_:)` and end with `finalize()`, or hash one buffer with
/// `digest(_:)`.
struct SHA1 {
    /// The 160-bit hash as five words, `h0` first; its bytes are the words
    /// in big-endian order (FIPS 180-4 §6.1.2, step 4).
    struct Digest: Hashable, Sendable, CustomStringConvertible {
        var h0, h1, h2, h3, h4: UInt32

        /// Calls `body` with the 20 digest bytes.
        func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
            let bytes = (h0.bigEndian, h1.bigEndian, h2.bigEndian, h3.bigEndian, h4.bigEndian)
            return try Swift.withUnsafeBytes(of: bytes, body)
        }

        /// The 40 lowercase hex digits `sha1sum` prints.
        var description: String {
            withUnsafeBytes { bytes in
                bytes.map { byte in
                    let hex = String(byte, radix: 16)
                    return byte < 0x10 ? "0" + hex : hex
                }.joined()
            }
        }
    }

    /// The initial hash value H(0) (FIPS 180-4 §5.3.1).
    private var state = Digest(h0: 0x6745_2301, h1: 0xEFCD_AB89, h2: 0x98BA_DCFE, h3: 0x1032_5476, h4: 0xC3D2_E1F0)
    /// 64 bytes whose first `pending` are input not yet hashed.
    private var block: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    /// Bytes waiting in `block`, always fewer than 64.
    private var pending = 0
    /// Bytes fed so far.
    private var length: UInt64 = 0

    init() {}

    /// The digest of `message`.
    static func digest(_ message: UnsafeRawBufferPointer) -> Digest {
        var hasher = SHA1()
        hasher.update(message)
        return hasher.finalize()
    }

    /// Feeds the next part of the message.
    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var input = bytes.baseAddress else { return }
        var remaining = bytes.count
        length &+= UInt64(remaining)
        // Locals, so that the closures below borrow nothing of `self`.
        var state = self.state, block = self.block, pending = self.pending
        defer { (self.state, self.block, self.pending) = (state, block, pending) }
        withUnsafeMutableBytes(of: &block) { buffer in
            let buffered = buffer.baseAddress!
            if pending > 0 {
                let taken = min(64 - pending, remaining)
                (buffered + pending).copyMemory(from: input, byteCount: taken)
                pending += taken
                input += taken
                remaining -= taken
                guard pending == 64 else { return }
                Self.compress(&state, buffered)
                pending = 0
            }
            while remaining >= 64 {
                Self.compress(&state, input)
                input += 64
                remaining -= 64
            }
            buffered.copyMemory(from: input, byteCount: remaining)
            pending = remaining
        }
    }

    /// Pads the message (FIPS 180-4 §5.1.1) and returns its digest.
    consuming func finalize() -> Digest {
        let bitLength = length &* 8
        var state = self.state, block = self.block
        withUnsafeMutableBytes(of: &block) { buffer in
            let start = buffer.baseAddress!
            start.storeBytes(of: 0x80, toByteOffset: pending, as: UInt8.self)
            // The 8-byte length must fit after the 0x80: if not, pad out this
            // block and put the length in one more.
            if pending + 1 > 56 {
                (start + pending + 1).initializeMemory(as: UInt8.self, repeating: 0, count: 63 - pending)
                Self.compress(&state, start)
                start.initializeMemory(as: UInt8.self, repeating: 0, count: 56)
            } else {
                (start + pending + 1).initializeMemory(as: UInt8.self, repeating: 0, count: 55 - pending)
            }
            start.storeBytes(of: bitLength.bigEndian, toByteOffset: 56, as: UInt64.self)
            Self.compress(&state, start)
        }
        return state
    }

    /// Hashes one 64-byte block into `state` (FIPS 180-4 §6.1.2), keeping
    /// only the last 16 words of the message schedule (§6.1.3).
    @inline(__always)
    private static func compress(_ state: inout Digest, _ block: UnsafeRawPointer) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 16) { w in
            for t in 0..<16 {
                w[t] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: t * 4, as: UInt32.self))
            }
            /// W(t), computed in place of W(t-16) once past the block's own words.
            @inline(__always)
            func word(_ t: Int) -> UInt32 {
                if t < 16 { return w[t] }
                let next = rotate(w[(t &- 3) & 15] ^ w[(t &- 8) & 15] ^ w[(t &- 14) & 15] ^ w[t & 15], 1)
                w[t & 15] = next
                return next
            }
            var a = state.h0, b = state.h1, c = state.h2, d = state.h3, e = state.h4
            @inline(__always)
            func round(_ f: UInt32, _ k: UInt32, _ word: UInt32) {
                let temp = rotate(a, 5) &+ f &+ e &+ k &+ word
                e = d
                d = c
                c = rotate(b, 30)
                b = a
                a = temp
            }
            for t in 0..<20 { round((b & c) | (~b & d), 0x5A82_7999, word(t)) }
            for t in 20..<40 { round(b ^ c ^ d, 0x6ED9_EBA1, word(t)) }
            for t in 40..<60 { round((b & c) | (b & d) | (c & d), 0x8F1B_BCDC, word(t)) }
            for t in 60..<80 { round(b ^ c ^ d, 0xCA62_C1D6, word(t)) }
            state.h0 &+= a
            state.h1 &+= b
            state.h2 &+= c
            state.h3 &+= d
            state.h4 &+= e
        }
    }

    /// ROTL (FIPS 180-4 §3.2), with masking shifts so no overshift check is emitted.
    @inline(__always)
    private static func rotate(_ word: UInt32, _ count: UInt32) -> UInt32 {
        (word &<< count) | (word &>> (32 &- count))
    }
}
