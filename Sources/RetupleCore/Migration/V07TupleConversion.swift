import Foundation
import Logging

/// Keto's strings-to-UUIDs step done by retuple (docs/contract.md): every
/// Keto v0.7 row becomes a latest-form row with the same `shard_id`, `nid`
/// and commit time, namespace ids become the configured names, object,
/// subject id and subject-set object become `uuid5(nid, string)`, and each
/// string is written once to `keto_uuid_mappings`.
///
/// The rows are streamed (memory does not depend on the table's size) and
/// written a batch per bulk insert, inside `LatestSchemaMigrator`'s
/// transaction.
public struct V07TupleConversion: LatestTupleConversion {
    public let configuration: Configuration
    let logger: Logger
    /// Rows gathered before they are written in one batch.
    public var batchSize = 10_000

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// - Throws: `RetupleError` naming every namespace id the rows use and
    ///   the configuration lacks, or the number of rows whose `nid` is no
    ///   network (Keto's own step would fail on them, or delete them all
    ///   when `networks` is empty).
    public func check(_ database: any Database, rowsIn table: String) throws {
        let quoted = quoteIdentifier(table)
        let ids = try database.allRows("""
            SELECT namespace_id FROM \(quoted)
            UNION SELECT subject_set_namespace_id FROM \(quoted) WHERE subject_set_namespace_id IS NOT NULL
            """).compactMap { $0.first.flatMap(integer(of:)) }
        let unknown = Set(ids).filter { Int32(exactly: $0).flatMap(configuration.namespace(id:)) == nil }.sorted()
        if !unknown.isEmpty {
            let hint = configuration.namespaces.isEmpty ? "no namespaces are configured: pass Keto's config with -c" : "add them to namespaces"
            throw RetupleError(
                "\(table) uses namespace ids \(unknown.map(String.init).joined(separator: ", ")), which the configuration does not define; \(hint); nothing was changed"
            )
        }
        let orphans = try database.scalar("SELECT count(*) FROM \(quoted) WHERE nid NOT IN (SELECT id FROM networks)")?.integer ?? 0
        if orphans > 0 {
            throw RetupleError(
                "\(orphans) rows of \(table) belong to a nid that is not in networks; add that network first (INSERT INTO networks …); nothing was changed"
            )
        }
    }

    public func convert(_ database: any Database, rowsIn table: String, into target: String) throws -> Int {
        let writer = LatestTupleWriter(database: database, table: target, configuration: configuration, networkID: nil, skipsPresentRows: false)
        let mapper = LatestTupleMapper(configuration: configuration)
        var batch: [LatestTuple] = []
        batch.reserveCapacity(batchSize)
        var read = 0
        func writeBatch() throws {
            try writer.writeLatest { emit in
                for tuple in batch { try emit(tuple) }
            }
            batch.removeAll(keepingCapacity: true)
        }
        let query = """
            SELECT shard_id, nid, namespace_id, object, relation, subject_id,
                   subject_set_namespace_id, subject_set_object, subject_set_relation, \(database.timestampAsText("commit_time"))
            FROM \(quoteIdentifier(table))
            """
        try database.forEachRow(query, []) { row in
            read += 1
            batch.append(try latestTuple(of: row, mapper: mapper))
            if batch.count >= batchSize { try writeBatch() }
        }
        try writeBatch()
        let counts = writer.counts
        logger.info("converted Keto v0.7 tuples", metadata: [
            "rows": "\(read)", "written": "\(counts.inserted)", "mappings": "\(writer.mappingsInserted)",
        ])
        guard counts.skipped == 0, counts.inserted == read else {
            throw RetupleError("\(table): read \(read) rows, wrote \(counts.inserted), \(counts.skipped) twice; rolled back")
        }
        return counts.inserted
    }

    private func latestTuple(of row: any DatabaseRow, mapper: LatestTupleMapper) throws -> LatestTuple {
        let shard = row[0].text ?? ""
        guard let shardID = UUID(uuidString: shard), let networkID = UUID(uuidString: row[1].text ?? "") else {
            throw RetupleError("keto_relation_tuples row \(shard): shard_id or nid \(row[1].displayText) is not a UUID; nothing was changed")
        }
        guard let namespaceID = integer(of: row[2]).flatMap({ Int32(exactly: $0) }), let object = row[3].text, let relation = row[4].text else {
            throw RetupleError("keto_relation_tuples row \(shard): namespace_id, object or relation is not what Keto v0.7 stores; nothing was changed")
        }
        let subject: TupleSubject
        if let id = row[5].text {
            subject = .id(id)
        } else if let setNamespace = integer(of: row[6]).flatMap({ Int32(exactly: $0) }), let setObject = row[7].text, let setRelation = row[8].text {
            subject = .set(namespaceID: setNamespace, object: setObject, relation: setRelation)
        } else {
            throw RetupleError("keto_relation_tuples row \(shard): neither a subject id nor a whole subject set; nothing was changed")
        }
        guard let commitTime = LegacyCommitTime.parse(row[9]) else {
            throw RetupleError("keto_relation_tuples row \(shard): commit_time \(row[9].displayText) is not a time; nothing was changed")
        }
        let unified = UnifiedTuple(shardID: shardID, namespaceID: namespaceID, object: object, relation: relation, subject: subject, commitTime: commitTime)
        return try mapper.map(unified, networkID: networkID)
    }
}

/// An integer column, as an integer or its digits.
private func integer(of value: DatabaseValue) -> Int64? {
    value.integer ?? value.text.flatMap { Int64($0) }
}
