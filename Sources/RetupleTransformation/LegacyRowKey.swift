import Foundation

/// The deterministic id of a legacy row: a version-5 (SHA-1, name-based)
/// UUID of the network, the namespace id and the row's legacy primary key
/// (docs/contract.md).
///
/// A migrated row stores it as `shard_id`, a broken row as
/// `retuple_broken_tuples.row_key`; so a re-run finds the rows it already
/// wrote, and `verify` can tell for every legacy row whether it is
/// accounted for. The name is an unambiguous binary encoding: the network
/// id's 16 bytes, the namespace id (4 bytes, big-endian), then each legacy
/// column tagged by kind, text with its byte length. A `commit_time` that
/// reads as an instant is encoded as that instant, not as the stored text,
/// so the same tuple gets the same id from SQLite text in any shape and
/// from a PostgreSQL `timestamp`.
public struct LegacyRowKey {
    /// The UUID namespace of row keys:
    /// `uuid5(NAMESPACE_URL, "https://github.com/retuple/retuple#legacy-row-key")`.
    public static let uuidNamespace = UUID(uuidString: "c27b46f6-94f1-52b3-9b43-109f9100a37f")!

    private let uuidNamespace: UUID
    private var name: [UInt8]
    private let prefixLength: Int

    /// - Parameter uuidNamespace: the UUID namespace of the keys; another
    ///   than the legacy one gives keys of another kind from the same
    ///   encoding (`BrokenTupleRecreator.recreatedKeyNamespace`).
    public init(networkID: UUID, namespaceID: Int32, uuidNamespace: UUID = Self.uuidNamespace) {
        self.uuidNamespace = uuidNamespace
        var prefix: [UInt8] = []
        prefix.reserveCapacity(512)
        withUnsafeBytes(of: networkID.uuid) { prefix.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(bitPattern: namespaceID).bigEndian) { prefix.append(contentsOf: $0) }
        name = prefix
        prefixLength = prefix.count
    }

    /// The key of `legacy`, whose commit time reads as `commitTime` (nil
    /// when it does not).
    public mutating func key(of legacy: LegacyTuple, commitTime: Timestamp?) -> UUID {
        name.removeSubrange(prefixLength...)
        append(legacy.shardID)
        append(legacy.object)
        append(legacy.relation)
        append(legacy.subject)
        if let commitTime {
            name.append(Tag.instant)
            appendBigEndian(UInt64(bitPattern: commitTime.seconds))
            appendBigEndian(UInt32(commitTime.nanoseconds))
        } else {
            append(legacy.commitTime)
        }
        return name.withUnsafeBytes { UUID.nameBased(namespace: uuidNamespace, name: $0) }
    }

    /// The key of `legacy`, its commit time read as the migration reads it.
    public mutating func key(of legacy: LegacyTuple) -> UUID {
        key(of: legacy, commitTime: LegacyCommitTime.parse(legacy.commitTime))
    }

    private enum Tag {
        static let null: UInt8 = 0
        static let text: UInt8 = 1
        static let integer: UInt8 = 2
        static let real: UInt8 = 3
        static let instant: UInt8 = 4
    }

    private mutating func append(_ value: DatabaseValue) {
        switch value {
        case .null:
            name.append(Tag.null)
        case .integer(let integer):
            name.append(Tag.integer)
            appendBigEndian(UInt64(bitPattern: integer))
        case .real(let real):
            name.append(Tag.real)
            appendBigEndian(real.bitPattern)
        case .text(var text):
            name.append(Tag.text)
            text.withUTF8 { bytes in
                appendBigEndian(UInt32(bytes.count))
                name.append(contentsOf: bytes)
            }
        case .bytes(let bytes):
            // Tagged like text: both are what the column stores as TEXT.
            name.append(Tag.text)
            appendBigEndian(UInt32(bytes.count))
            name.append(contentsOf: bytes)
        }
    }

    private mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { name.append(contentsOf: $0) }
    }
}
