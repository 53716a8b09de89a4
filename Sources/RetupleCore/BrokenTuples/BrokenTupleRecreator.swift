import Foundation
import Logging

/// Writes the tuples of a `retuple broken apply` file to
/// `keto_relation_tuples` and marks the broken records they replace
/// resolved: all in one transaction, all or nothing.
///
/// Every line is checked as the migration checks a legacy row
/// (`LegacyTupleTransformer.transform(recreating:commitTime:)`): namespace
/// configured, lengths, subject shape and subject-set namespace. When any
/// line is rejected nothing is written: the operator fixes or removes the
/// lines named and applies the file again.
///
/// Applying is idempotent, by a deterministic `shard_id`:
/// - a report line's tuple takes its legacy row's key (`LegacyRowKey`), the
///   `shard_id` the migration would have given the row, so `verify` and
///   the drop guard count the row migrated; the line must match a record
///   of `retuple_broken_tuples`, and once that record is resolved the line
///   is never applied again, even if the tuple was deleted since (a
///   revoked permission stays revoked);
/// - a tuple written by hand takes a version-5 UUID, in a namespace of its
///   own (`recreatedKeyNamespace`), of the network, the namespace id and
///   the tuple (object, relation, subject in v0.6's notation), the commit
///   time left out; so the same tuple always gets the same key.
///
/// A tuple already in the table, under that key or with the same content
/// (network, namespace, object, relation, subject), is not written again;
/// neither is a tuple that an earlier line of the file holds. Recreated
/// tuples get one commit time, the time of the apply (UTC): Keto v0.7's
/// JSON carries none, and a legacy time that could be read belongs to a
/// row that was not carried over.
public final class BrokenTupleRecreator {
    public let database: any Database
    public let configuration: Configuration
    private let lock: MigrationLock
    private let logger: Logger
    private let networkID: String
    private let networkUUID: UUID
    /// The form of `keto_relation_tuples`: the tuples are written, and
    /// looked for, in it.
    private let form: SchemaForm

    /// The UUID namespace of the keys of tuples written by hand:
    /// `uuid5(NAMESPACE_URL, "https://github.com/retuple/retuple#recreated-tuple")`.
    static let recreatedKeyNamespace = UUID(uuidString: "f984a10b-6b79-57c6-a471-0d17ad3c24ff")!

    /// - Throws: `RetupleError` ("run `retuple migrate up` first") when the
    ///   unified schema is not fully applied; nothing is changed then.
    public init(database: any Database, configuration: Configuration, logger: Logger) throws {
        self.database = database
        self.configuration = configuration
        lock = MigrationLock(database: database, timeout: .seconds(30))
        self.logger = logger
        (networkID, networkUUID) = try SchemaMigrator(database: database, logger: logger).requireApplied()
        form = try SchemaForm.current(in: database) ?? .v07
    }

    /// Checks every line and, when none is rejected, writes the tuples and
    /// resolves the records in one transaction (with the run lock a
    /// migration holds, so the two never interleave).
    ///
    /// The database is asked set-based, never once per line: the lines that
    /// pass the transformer are staged in a temporary table
    /// (`Database.bulkInsert`), one query looks up each one's record and
    /// whether its tuple is present, the new tuples go in through one bulk
    /// insert, and one UPDATE resolves the records.
    ///
    /// - Parameters:
    ///   - lines: the file's lines as `RecreateLine.parse` gave them.
    ///   - dryRun: do everything, then roll back.
    ///   - commitTime: the commit time of the tuples written.
    /// - Returns: what became of each line. With rejected lines, or a dry
    ///   run, the transaction was rolled back: nothing changed.
    public func apply(
        _ lines: [Result<RecreateLine, RecreateRejection>], dryRun: Bool, commitTime: Timestamp = .now()
    ) throws -> RecreateResult {
        do {
            let result = try lock.transaction {
                var result = RecreateResult()
                logger.trace(.reading, rows: lines.count)
                let prepared = lines.map { parsed -> Result<Candidate, RecreateRejection> in
                    switch parsed {
                    case .failure(let rejection): return .failure(rejection)
                    case .success(let line):
                        do throws(RecreateRejection) {
                            return .success(try candidate(line, commitTime: commitTime))
                        } catch {
                            return .failure(error)
                        }
                    }
                }
                let candidates = prepared.compactMap { try? $0.get() }
                let found = try lookUp(candidates)

                var plan = Plan()
                var index = 0
                for item in prepared {
                    switch item {
                    case .failure(let rejection):
                        result.rejected.append(rejection)
                    case .success(let candidate):
                        defer { index += 1 }
                        switch plan.accept(candidate, found[index]) {
                        case .success(let accepted): result.accepted.append(accepted)
                        case .failure(let rejection): result.rejected.append(rejection)
                        }
                    }
                }
                guard result.rejected.isEmpty else {
                    try dropStagedLines(candidates)
                    throw RollingBack(value: result)
                }

                logger.trace(.writing, rows: plan.inserts.count)
                let writer: any TupleRowWriter = switch form {
                case .v07: UnifiedTupleWriter(database: database, networkID: networkID, skipsPresentRows: true)
                case .latest: LatestTupleWriter(database: database, configuration: configuration, networkID: networkUUID, skipsPresentRows: true)
                }
                try writer.write { emit in try plan.inserts.forEach(emit) }
                logger.trace(.finishing, rows: plan.resolutions.count)
                if !plan.resolutions.isEmpty {
                    result.resolved = try resolveStagedRecords(at: commitTime)
                }
                try dropStagedLines(candidates)
                guard writer.counts.inserted == result.count(.inserted), result.resolved == plan.resolutions.count else {
                    throw RetupleError(
                        "figures do not add up (planned \(result.count(.inserted)) tuples and \(plan.resolutions.count) records, wrote \(writer.counts.inserted) and resolved \(result.resolved)); rolled back"
                    )
                }
                if dryRun { throw RollingBack(value: result) }
                logger.trace(.committing)
                return result
            }
            logger.trace(.committed)
            return result
        } catch let rollback as RollingBack<RecreateResult> {
            return rollback.value
        }
    }

    /// A line that passed the transformer: its tuple under its key, and the
    /// key of the broken record it replaces (report lines).
    private struct Candidate {
        let line: RecreateLine
        let tuple: UnifiedTuple
        let record: UUID?
    }

    /// What the database holds for a candidate.
    private struct Found {
        enum Record { case none, missing, open, resolved }
        var record: Record
        /// Whether `keto_relation_tuples` holds its key, or a tuple of the
        /// same content, in this network.
        var present: Bool
    }

    /// What the transaction will write, gathered line by line in file order.
    private struct Plan {
        var inserts: [UnifiedTuple] = []
        /// Keys of the records to mark resolved.
        var resolutions: Set<UUID> = []
        /// Keys and contents of the tuples the file holds so far.
        var keys: Set<UUID> = []
        var contents: Set<TupleContent> = []

        mutating func accept(_ candidate: Candidate, _ found: Found) -> Result<RecreateResult.Accepted, RecreateRejection> {
            let line = candidate.line
            func accepted(_ status: RecreateResult.Status) -> Result<RecreateResult.Accepted, RecreateRejection> {
                .success(RecreateResult.Accepted(line: line.number, tuple: line.tuple, status: status))
            }
            switch found.record {
            case .missing:
                return .failure(RecreateRejection(
                    line: line.number, reason: .noBrokenRecord,
                    message: "no record in \(BrokenTupleTable.name) matches the line's legacy columns (a dry run's report, another database, or edited legacy columns); to write the tuple anyway, give it without them"
                ))
            case .resolved:
                return accepted(.alreadyResolved)
            case .none, .open:
                break
            }
            let tuple = candidate.tuple
            let content = TupleContent(tuple)
            let present = keys.contains(tuple.shardID) || contents.contains(content) || found.present
            keys.insert(tuple.shardID)
            contents.insert(content)
            if !present { inserts.append(tuple) }
            if let record = candidate.record { resolutions.insert(record) }
            return accepted(present ? .alreadyPresent : .inserted)
        }
    }

    /// Checks one line through the migration's transformer and gives its
    /// tuple its key; touches no database.
    ///
    /// - Throws: `RecreateRejection` when the line cannot be applied.
    private func candidate(_ line: RecreateLine, commitTime: Timestamp) throws(RecreateRejection) -> Candidate {
        func reject(_ reason: RecreateRejection.Reason, _ message: String) -> RecreateRejection {
            RecreateRejection(line: line.number, reason: reason, message: message)
        }
        guard let namespace = configuration.namespace(named: line.tuple.namespace) else {
            throw reject(.unknownNamespace, "namespace \(quoted(line.tuple.namespace)) is not in the configuration")
        }
        var transformer = LegacyTupleTransformer(namespace: namespace, networkID: networkUUID, configuration: configuration, form: form)
        var tuple: UnifiedTuple
        switch transformer.transform(recreating: line.tuple, commitTime: commitTime) {
        case .success(let unified): tuple = unified
        case .failure(let defect): throw reject(.broken(defect.reason), defect.message)
        }
        if let legacy = line.legacy {
            var rowKey = LegacyRowKey(networkID: networkUUID, namespaceID: legacy.namespaceID)
            tuple.shardID = rowKey.key(of: legacy.tuple)
            return Candidate(line: line, tuple: tuple, record: tuple.shardID)
        }
        // The legacy notation of the subject passed the transformer.
        let subject = line.tuple.legacySubject?.encoded ?? ""
        var tupleKey = LegacyRowKey(networkID: networkUUID, namespaceID: namespace.id, uuidNamespace: Self.recreatedKeyNamespace)
        tuple.shardID = tupleKey.key(of: LegacyTuple(
            shardID: .null, object: .text(tuple.object), relation: .text(tuple.relation), subject: .text(subject), commitTime: .null
        ))
        return Candidate(line: line, tuple: tuple, record: nil)
    }

    /// The temporary table the candidates are staged in, for the lookups and
    /// the UPDATE that resolves their records.
    static let stagingTable = "retuple_apply_lines"

    /// Stages `candidates` and looks up, in one query, each one's broken
    /// record and whether its tuple is present. The staging table stays
    /// until `dropStagedLines` (or the rollback) removes it.
    ///
    /// - Returns: what was found, in the order of `candidates`.
    private func lookUp(_ candidates: [Candidate]) throws -> [Found] {
        guard !candidates.isEmpty else { return [] }
        let content = StagedContent(form: form, uuidType: database.uuidColumnType)
        let key = database.uuidColumnType
        try database.execute("""
            CREATE TEMPORARY TABLE \(Self.stagingTable) (
                position INTEGER NOT NULL, shard_id \(key) NOT NULL, record_key \(key) NULL,
                \(content.namespace) \(content.namespaceType) NOT NULL, object \(content.stringType) NOT NULL, relation TEXT NOT NULL,
                subject_id \(content.stringType) NULL, \(content.subjectSetNamespace) \(content.namespaceType) NULL,
                subject_set_object \(content.stringType) NULL, subject_set_relation TEXT NULL
            )
            """)
        let columns = ["position", "shard_id", "record_key"] + content.columns
        let mapper = LatestTupleMapper(configuration: configuration)
        try database.bulkInsert(into: Self.stagingTable, columns: columns) { inserter in
            for (position, candidate) in candidates.enumerated() {
                let tuple = candidate.tuple
                let keys: [DatabaseValue] = [
                    .integer(Int64(position)), .text(tuple.shardID.lowercasedString), candidate.record.map { .text($0.lowercasedString) } ?? .null,
                ]
                let values = switch form {
                case .v07: StagedContent.values(of: tuple)
                case .latest: StagedContent.values(of: try mapper.map(tuple, networkID: networkUUID))
                }
                try inserter.insert(keys + values)
            }
        }

        let records = try database.tableExists(BrokenTupleTable.name)
        let recordState = records
            ? "CASE WHEN s.record_key IS NULL THEN 0 WHEN b.row_key IS NULL THEN 1 WHEN b.resolved_at IS NULL THEN 2 ELSE 3 END"
            : "CASE WHEN s.record_key IS NULL THEN 0 ELSE 1 END"
        let join = records ? "LEFT JOIN \(BrokenTupleTable.name) b ON b.row_key = s.record_key" : ""
        let table = UnifiedTupleWriter.table
        let nid = DatabaseValue.text(networkID)
        var found = [Found](repeating: Found(record: .none, present: false), count: candidates.count)
        try database.forEachRow("""
            SELECT s.position, \(recordState),
                   CASE WHEN EXISTS (SELECT 1 FROM \(table) t WHERE t.shard_id = s.shard_id AND t.nid = ?)
                          OR (s.subject_id IS NOT NULL AND EXISTS (
                                SELECT 1 FROM \(table) t
                                WHERE t.nid = ? AND t.\(content.namespace) = s.\(content.namespace) AND t.object = s.object AND t.relation = s.relation
                                  AND t.subject_id = s.subject_id AND t.\(content.subjectSetNamespace) IS NULL))
                          OR (s.subject_id IS NULL AND EXISTS (
                                SELECT 1 FROM \(table) t
                                WHERE t.nid = ? AND t.\(content.namespace) = s.\(content.namespace) AND t.object = s.object AND t.relation = s.relation
                                  AND t.subject_id IS NULL AND t.\(content.subjectSetNamespace) = s.\(content.subjectSetNamespace)
                                  AND t.subject_set_object = s.subject_set_object AND t.subject_set_relation = s.subject_set_relation))
                        THEN 1 ELSE 0 END
            FROM \(Self.stagingTable) s \(join)
            """, [nid, nid, nid]) { row in
            guard let position = row[0].integer.map(Int.init), found.indices.contains(position) else { return }
            let record: Found.Record = switch row[1].integer {
            case 0: .none
            case 2: .open
            case 3: .resolved
            default: .missing
            }
            found[position] = Found(record: record, present: row[2].integer == 1)
        }
        return found
    }

    /// Marks resolved, in one UPDATE, the open records the staged lines
    /// replace.
    ///
    /// - Returns: how many were marked.
    private func resolveStagedRecords(at time: Timestamp) throws -> Int {
        try database.execute("""
            UPDATE \(BrokenTupleTable.name) SET resolved_at = ?
            WHERE resolved_at IS NULL AND row_key IN (
                SELECT record_key FROM \(Self.stagingTable) WHERE record_key IS NOT NULL
            )
            """, [.text(database.timestampText(time))])
    }

    private func dropStagedLines(_ candidates: [Candidate]) throws {
        if !candidates.isEmpty { try database.execute("DROP TABLE \(Self.stagingTable)") }
    }
}

/// The columns of `keto_relation_tuples` that say what a tuple means, in
/// the table's form, as the staging table holds them so that the lookup
/// compares like with like: namespace ids and strings in the v0.7 form,
/// namespace names and UUIDs in the latest form.
private struct StagedContent {
    let namespace: String
    let namespaceType: String
    let subjectSetNamespace: String
    /// The type of object, subject id and subject-set object.
    let stringType: String

    init(form: SchemaForm, uuidType: String) {
        switch form {
        case .v07: (namespace, namespaceType, subjectSetNamespace, stringType) = ("namespace_id", "INTEGER", "subject_set_namespace_id", "TEXT")
        case .latest: (namespace, namespaceType, subjectSetNamespace, stringType) = ("namespace", "TEXT", "subject_set_namespace", uuidType)
        }
    }

    var columns: [String] {
        [namespace, "object", "relation", "subject_id", subjectSetNamespace, "subject_set_object", "subject_set_relation"]
    }

    static func values(of tuple: UnifiedTuple) -> [DatabaseValue] {
        let head: [DatabaseValue] = [.integer(Int64(tuple.namespaceID)), .text(tuple.object), .text(tuple.relation)]
        return switch tuple.subject {
        case .id(let id): head + [.text(id), .null, .null, .null]
        case .set(let namespaceID, let object, let relation): head + [.null, .integer(Int64(namespaceID)), .text(object), .text(relation)]
        }
    }

    static func values(of tuple: LatestTuple) -> [DatabaseValue] {
        let head: [DatabaseValue] = [.text(tuple.namespace), .text(tuple.object.lowercasedString), .text(tuple.relation)]
        return switch tuple.subject {
        case .id(let id): head + [.text(id.lowercasedString), .null, .null, .null]
        case .set(let namespace, let object, let relation): head + [.null, .text(namespace), .text(object.lowercasedString), .text(relation)]
        }
    }
}

/// What a tuple means to Keto: everything but its key and commit time.
private struct TupleContent: Hashable {
    let namespaceID: Int32
    let object: String
    let relation: String
    let subject: TupleSubject

    init(_ tuple: UnifiedTuple) {
        namespaceID = tuple.namespaceID
        object = tuple.object
        relation = tuple.relation
        subject = tuple.subject
    }
}

/// What `BrokenTupleRecreator.apply` did, or would do, with each line.
public struct RecreateResult: Sendable {
    /// What became of a line that was accepted.
    public enum Status: String, Sendable, CaseIterable {
        /// Written to `keto_relation_tuples`.
        case inserted
        /// Already there (same key or same tuple): not written again; its
        /// broken record, if any, is resolved.
        case alreadyPresent = "already_present"
        /// Its broken record was resolved before: left alone.
        case alreadyResolved = "already_resolved"
    }

    public struct Accepted: Sendable {
        public let line: Int
        public let tuple: KetoRelationTuple
        public let status: Status
    }

    /// The lines accepted, in file order.
    public var accepted: [Accepted] = []
    /// The lines rejected, in file order; when any, nothing was written.
    public var rejected: [RecreateRejection] = []
    /// Broken records marked resolved.
    public var resolved = 0

    /// The accepted lines of `status`.
    public func count(_ status: Status) -> Int {
        accepted.filter { $0.status == status }.count
    }

    /// Whether applying changes anything.
    public var changesSomething: Bool {
        rejected.isEmpty && (count(.inserted) > 0 || resolved > 0)
    }
}
