import Foundation

extension UUID {
    /// The version-5 (SHA-1, name-based) UUID of `name` in `namespace`
    /// (RFC 9562 §5.5): SHA-1 over the namespace's 16 bytes in network
    /// order followed by the name, first 16 bytes of the digest, version
    /// nibble set to 5 and variant bits to `10`.
    ///
    /// The same namespace and name always give the same UUID, on any
    /// machine. Does not allocate.
    /// - Parameters:
    ///   - namespace: Any UUID; RFC 9562 §6.6 lists well-known ones.
    ///   - name: The name's bytes exactly as they should be hashed; for text
    ///     that is usually its UTF-8, with no terminator.
    public static func nameBased(namespace: UUID, name: UnsafeRawBufferPointer) -> UUID {
        var hasher = SHA1()
        withUnsafeBytes(of: namespace.uuid) { hasher.update($0) }
        hasher.update(name)
        var uuid = namespace.uuid
        hasher.finalize().withUnsafeBytes { digest in
            withUnsafeMutableBytes(of: &uuid) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: digest[..<16])) }
        }
        uuid.6 = uuid.6 & 0x0F | 0x50
        uuid.8 = uuid.8 & 0x3F | 0x80
        return UUID(uuid: uuid)
    }

    /// The version-5 UUID of `name` in `namespace`; see
    /// `nameBased(namespace:name:)` taking a buffer. Reads `name` in place
    /// when it has contiguous storage (an array, a native string's `utf8`),
    /// and copies it once otherwise.
    public static func nameBased(namespace: UUID, name: some Collection<UInt8>) -> UUID {
        if let uuid = name.withContiguousStorageIfAvailable({ nameBased(namespace: namespace, name: UnsafeRawBufferPointer($0)) }) {
            return uuid
        }
        return Array(name).withUnsafeBytes { nameBased(namespace: namespace, name: $0) }
    }

    /// The canonical text form in lowercase, `8-4-4-4-12` hex digits, e.g.
    /// `2ed6657d-e927-568b-95e1-2665a8aea6a2`: what PostgreSQL prints for a
    /// `uuid` and what Keto v0.7 writes on SQLite.
    ///
    /// Built straight from the bytes with one allocation, the string's own;
    /// use it rather than `uuidString.lowercased()` on hot paths.
    public var lowercasedString: String {
        withUnsafeBytes(of: uuid) { bytes in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 36) { text in
                var index = 0
                for (offset, byte) in bytes.enumerated() {
                    if offset == 4 || offset == 6 || offset == 8 || offset == 10 {
                        text[index] = UInt8(ascii: "-")
                        index += 1
                    }
                    text[index] = hexDigit(byte >> 4)
                    text[index + 1] = hexDigit(byte & 0x0F)
                    index += 2
                }
                return String(decoding: text, as: UTF8.self)
            }
        }
    }
}

@inline(__always)
private func hexDigit(_ nibble: UInt8) -> UInt8 {
    nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") - 10 + nibble
}
