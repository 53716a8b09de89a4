import RetupleCore

/// An order-independent fingerprint of the multiset of unified rows in a
/// database, `shard_id` aside: what every method must agree on.
///
/// Each row becomes one canonical line (its columns but `shard_id`, the
/// commit time normalised to the instant it denotes), hashed with 128-bit
/// FNV-1a; the digest is the row count and the wrapping sum of the hashes,
/// so equal multisets give equal digests whatever the row order, and a
/// missing, extra or changed row changes it. `nid` must equal the
/// database's network id on every row; it is left out of the line because
/// each fresh copy gets a network of its own.
struct UnifiedRowsDigest: Equatable, CustomStringConvertible {
    private(set) var rows = 0
    private(set) var sum: UInt128 = 0

    var description: String {
        "rows=\(rows) sum=\(String(sum, radix: 16))"
    }

    /// Reads every unified row of `database`.
    ///
    /// - Throws: `BenchError` when a row's `nid` is not the network's or its
    ///   commit time is not a time.
    static func of(_ database: any Database) throws -> UnifiedRowsDigest {
        guard let network = try Network.currentID(in: database) else {
            throw BenchError("no network in \(database.location)")
        }
        var digest = UnifiedRowsDigest()
        try database.forEachRow(
            """
            SELECT nid, namespace_id, object, relation, subject_id,
                subject_set_namespace_id, subject_set_object, subject_set_relation, commit_time
            FROM keto_relation_tuples
            """, []
        ) { row in
            guard row[0].text?.lowercased() == network.lowercased() else {
                throw BenchError("a unified row has nid \(row[0]), not the network \(network)")
            }
            guard let commitTime = LegacyCommitTime.parse(row[8]) else {
                throw BenchError("a unified row has commit_time \(row[8]), which is not a time")
            }
            var hash = FNV1a128()
            for column in 1..<8 { hash.add(column == 1 || column == 5 ? integerValue(row[column]) : row[column]) }
            hash.add(.text(commitTime.sqliteText))
            digest.rows += 1
            digest.sum &+= hash.value
        }
        return digest
    }
}

/// 128-bit FNV-1a over a row's values, each tagged by its kind so that
/// NULL, an integer and text of the same digits differ.
extension UnifiedRowsDigest {
    /// The digest of latest-form rows read back as v0.7 rows: each UUID
    /// replaced by its string from `keto_uuid_mappings`, each namespace
    /// name by its configured id; equal to `of(_:)` of the same tuples.
    static func ofLatestForm(_ database: any Database, configuration: Configuration) throws -> UnifiedRowsDigest {
        guard let network = try Network.currentID(in: database) else {
            throw BenchError("no network in \(database.location)")
        }
        func id(_ name: DatabaseValue) throws -> DatabaseValue {
            guard let text = name.text else { return .null }
            guard let namespace = configuration.namespace(named: text) else { throw BenchError("namespace \(text) is not configured") }
            return .integer(Int64(namespace.id))
        }
        var digest = UnifiedRowsDigest()
        try database.forEachRow(
            """
            SELECT t.nid, t.namespace, o.string_representation, t.relation, s.string_representation,
                t.subject_set_namespace, so.string_representation, t.subject_set_relation, t.commit_time
            FROM keto_relation_tuples t
            LEFT JOIN keto_uuid_mappings o ON o.id = t.object
            LEFT JOIN keto_uuid_mappings s ON s.id = t.subject_id
            LEFT JOIN keto_uuid_mappings so ON so.id = t.subject_set_object
            """, []
        ) { row in
            guard row[0].text?.lowercased() == network.lowercased() else {
                throw BenchError("a row has nid \(row[0]), not the network \(network)")
            }
            guard row[2].text != nil, row[4].text != nil || row[6].text != nil else {
                throw BenchError("a row's object or subject has no mapping")
            }
            guard let commitTime = LegacyCommitTime.parse(row[8]) else {
                throw BenchError("a row has commit_time \(row[8]), which is not a time")
            }
            var hash = FNV1a128()
            for column in 1..<8 { hash.add(column == 1 || column == 5 ? try id(row[column]) : row[column]) }
            hash.add(.text(commitTime.sqliteText))
            digest.rows += 1
            digest.sum &+= hash.value
        }
        return digest
    }
}

/// A namespace id column as an integer, whichever way the driver read it.
private func integerValue(_ value: DatabaseValue) -> DatabaseValue {
    if case .text(let text) = value, let integer = Int64(text) { return .integer(integer) }
    return value
}

private struct FNV1a128 {
    private(set) var value: UInt128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d
    private static let prime: UInt128 = 0x0000_0000_0100_0000_0000_0000_0000_013b

    mutating func add(_ value: DatabaseValue) {
        switch value {
        case .null: add(byte: 0)
        case .integer(let integer): add(byte: 1); add(bytes: String(integer).utf8)
        case .real(let real): add(byte: 2); add(bytes: String(real).utf8)
        case .text(let text): add(byte: 3); add(bytes: text.utf8)
        case .bytes(let bytes): add(byte: 4); add(bytes: bytes)
        }
        add(byte: 0x1F)
    }

    private mutating func add(bytes: some Sequence<UInt8>) {
        for byte in bytes { add(byte: byte) }
    }

    private mutating func add(byte: UInt8) {
        value = (value ^ UInt128(byte)) &* Self.prime
    }
}
