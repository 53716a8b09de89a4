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
    private let networkID: String
    private let networkUUID: UUID
    /// The form of `keto_relation_tuples`: the tuples are written in it.
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
        (networkID, networkUUID) = try SchemaMigrator(database: database, logger: logger).requireApplied()
        form = try SchemaForm.current(in: database) ?? .v07
    }

    /// Checks every line and, when none is rejected, writes the tuples and
    /// resolves the records in one transaction (with the run lock a
    /// migration holds, so the two never interleave).
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
            return try lock.transaction {
                var result = RecreateResult()
                var plan = Plan(recordsExist: try database.tableExists(BrokenTupleTable.name))
                for parsed in lines {
                    switch parsed {
                    case .failure(let rejection):
                        result.rejected.append(rejection)
                    case .success(let line):
                        do {
                            result.accepted.append(try accept(line, commitTime: commitTime, into: &plan))
                        } catch let rejection as RecreateRejection {
                            result.rejected.append(rejection)
                        }
                    }
                }
                guard result.rejected.isEmpty else { throw RollingBack(value: result) }

                let writer: any TupleRowWriter = switch form {
                case .v07: UnifiedTupleWriter(database: database, networkID: networkID, skipsPresentRows: true)
                case .latest: LatestTupleWriter(database: database, configuration: configuration, networkID: networkUUID, skipsPresentRows: true)
                }
                try writer.write { emit in try plan.inserts.forEach(emit) }
                for key in plan.resolutions {
                    if try BrokenTupleTable.resolve(key, at: commitTime, in: database) { result.resolved += 1 }
                }
                guard writer.counts.inserted == result.count(.inserted), result.resolved == plan.resolutions.count else {
                    throw RetupleError(
                        "figures do not add up (planned \(result.count(.inserted)) tuples and \(plan.resolutions.count) records, wrote \(writer.counts.inserted) and resolved \(result.resolved)); rolled back"
                    )
                }
                if dryRun { throw RollingBack(value: result) }
                return result
            }
        } catch let rollback as RollingBack<RecreateResult> {
            return rollback.value
        }
    }

    /// What the transaction will write, gathered line by line.
    private struct Plan {
        /// Whether `retuple_broken_tuples` exists (a migration recorded a row).
        let recordsExist: Bool
        var inserts: [UnifiedTuple] = []
        /// Keys of the records to mark resolved.
        var resolutions: Set<UUID> = []
        /// Keys and contents of the tuples the file holds so far.
        var keys: Set<UUID> = []
        var contents: Set<TupleContent> = []
    }

    /// Checks one line and adds what it needs to `plan`.
    ///
    /// - Throws: `RecreateRejection` when the line cannot be applied.
    private func accept(_ line: RecreateLine, commitTime: Timestamp, into plan: inout Plan) throws -> RecreateResult.Accepted {
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
        func accepted(_ status: RecreateResult.Status) -> RecreateResult.Accepted {
            RecreateResult.Accepted(line: line.number, tuple: line.tuple, status: status)
        }

        var record: UUID?
        if let legacy = line.legacy {
            var rowKey = LegacyRowKey(networkID: networkUUID, namespaceID: legacy.namespaceID)
            let key = rowKey.key(of: legacy.tuple)
            guard plan.recordsExist, let resolved = try BrokenTupleTable.isResolved(key, in: database) else {
                throw reject(
                    .noBrokenRecord,
                    "no record in \(BrokenTupleTable.name) matches the line's legacy columns (a dry run's report, another database, or edited legacy columns); to write the tuple anyway, give it without them"
                )
            }
            if resolved { return accepted(.alreadyResolved) }
            tuple.shardID = key
            record = key
        } else {
            // The legacy notation of the subject passed the transformer.
            let subject = line.tuple.legacySubject?.encoded ?? ""
            var tupleKey = LegacyRowKey(networkID: networkUUID, namespaceID: namespace.id, uuidNamespace: Self.recreatedKeyNamespace)
            tuple.shardID = tupleKey.key(of: LegacyTuple(
                shardID: .null, object: .text(tuple.object), relation: .text(tuple.relation), subject: .text(subject), commitTime: .null
            ))
        }

        let content = TupleContent(tuple)
        let present = try plan.keys.contains(tuple.shardID) || plan.contents.contains(content) || isPresent(tuple)
        plan.keys.insert(tuple.shardID)
        plan.contents.insert(content)
        if !present { plan.inserts.append(tuple) }
        if let record { plan.resolutions.insert(record) }
        return accepted(present ? .alreadyPresent : .inserted)
    }

    /// Whether `keto_relation_tuples` holds the tuple's key, or a tuple of
    /// the same content, in this network.
    private func isPresent(_ tuple: UnifiedTuple) throws -> Bool {
        let table = UnifiedTupleWriter.table
        if try database.scalar(
            "SELECT 1 FROM \(table) WHERE shard_id = ? AND nid = ?", [.text(tuple.shardID.lowercasedString), .text(networkID)]
        ) != nil {
            return true
        }
        if form == .latest { return try isPresentInLatestForm(tuple) }
        let common: [DatabaseValue] = [.text(networkID), .integer(Int64(tuple.namespaceID)), .text(tuple.object), .text(tuple.relation)]
        let same = "SELECT 1 FROM \(table) WHERE nid = ? AND namespace_id = ? AND object = ? AND relation = ? AND "
        switch tuple.subject {
        case .id(let id):
            return try database.scalar(
                same + "subject_id = ? AND subject_set_namespace_id IS NULL LIMIT 1", common + [.text(id)]
            ) != nil
        case .set(let namespaceID, let object, let relation):
            return try database.scalar(
                same + "subject_id IS NULL AND subject_set_namespace_id = ? AND subject_set_object = ? AND subject_set_relation = ? LIMIT 1",
                common + [.integer(Int64(namespaceID)), .text(object), .text(relation)]
            ) != nil
        }
    }
}

extension BrokenTupleRecreator {
    /// `isPresent` in the latest form: the same content is the same
    /// namespace name, relation and UUIDs of object and subject.
    fileprivate func isPresentInLatestForm(_ tuple: UnifiedTuple) throws -> Bool {
        let latest = try LatestTupleMapper(configuration: configuration).map(tuple, networkID: networkUUID)
        let common: [DatabaseValue] = [.text(networkID), .text(latest.namespace), .text(latest.object.lowercasedString), .text(latest.relation)]
        let same = "SELECT 1 FROM keto_relation_tuples WHERE nid = ? AND namespace = ? AND object = ? AND relation = ? AND "
        switch latest.subject {
        case .id(let id):
            return try database.scalar(
                same + "subject_id = ? AND subject_set_namespace IS NULL LIMIT 1", common + [.text(id.lowercasedString)]
            ) != nil
        case .set(let namespace, let object, let relation):
            return try database.scalar(
                same + "subject_id IS NULL AND subject_set_namespace = ? AND subject_set_object = ? AND subject_set_relation = ? LIMIT 1",
                common + [.text(namespace), .text(object.lowercasedString), .text(relation)]
            ) != nil
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
