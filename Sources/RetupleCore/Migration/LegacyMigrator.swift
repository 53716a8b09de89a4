import Foundation
import Logging

/// Moves the rows of legacy tables into `keto_relation_tuples`, one
/// namespace per transaction (docs/contract.md).
///
/// One `LegacyMigrator` serves a whole run over one connection. Each
/// namespace is read through a stream (memory does not depend on the
/// table's size), transformed, written in batches (COPY on PostgreSQL, one
/// reused prepared INSERT on SQLite) and its broken rows recorded in
/// `retuple_broken_tuples` and the report, all before one commit. Rows
/// already present (same deterministic `shard_id`) are counted, never
/// written twice. Before the commit the figures must add up.
///
/// Across databases (`source` given): the legacy tables are read from the
/// source and the unified schema, `retuple_broken_tuples` and the network
/// are the target's (`database`). The source is only read, each namespace
/// in a read-only transaction that holds its writers off until the
/// target's transaction has committed, so the rows copied are one
/// consistent state; only `drop` writes to it.
public final class LegacyMigrator {
    /// The database receiving the unified rows (the target).
    public let database: any Database
    /// The database holding the legacy tables: `database` itself for an
    /// in-place migration.
    public let source: any Database
    public let configuration: Configuration
    let logger: Logger
    private(set) var lock: MigrationLock
    private var sourceLock: MigrationLock
    private let sqlitePageCacheMiB: Int
    private let networkID: String
    private let networkUUID: UUID
    /// The form of the target's tuple table: the rows are written in it.
    public let form: SchemaForm

    /// Rows gathered before they are written in one batch.
    public var batchSize = 10_000
    /// Told how far each namespace has got; nil for none.
    public var progress: (any MigrationProgress)?
    /// Transform each batch on a second thread while this one reads and
    /// writes (`TransformPipeline`): how `--jobs` above 1 uses a second
    /// core within one namespace.
    public var transformsConcurrently = false

    /// Whether the run was asked to stop (SIGINT, SIGTERM): checked between
    /// rows and batches; when it says so the namespace in flight throws
    /// `MigrationInterrupted` and is rolled back. Set it together with
    /// cancellers of both connections (`QueryCancelling`), so that a
    /// statement that waits (a lock, a COPY) ends at once too.
    public var isInterrupted: @Sendable () -> Bool = { false }

    /// Told when a legacy table's lock is not granted within a second
    /// (PostgreSQL, which can name who holds it); nil to wait quietly.
    public var onLockWait: ((LockWait) -> Void)? {
        didSet {
            lock.onWait = onLockWait
            sourceLock.onWait = onLockWait
        }
    }

    /// SQLite's page cache during a run, in MiB. SQLite's default of 2 MiB
    /// spills the pages of the growing unified table and its indexes to the
    /// file in the middle of the transaction; 64 MiB keeps them in memory,
    /// which made a 1M-row migration a quarter faster while the disk was
    /// busy and changed nothing on a quiet machine (benchmarks/ANALYSIS.md),
    /// and bounds what the cache adds to retuple's memory.
    public static let defaultSQLitePageCacheMiB = 64

    /// Opens a run on `database`, reading the legacy tables from `source`
    /// when it is another connection, else from `database`.
    ///
    /// A `source` of its own must reach another database than `database`:
    /// the caller opened both and made sure with `ensureDistinct` (the CLI
    /// does where it opens them); this does not check again.
    ///
    /// - Parameters:
    ///   - lockTimeout: how long to wait for a legacy table or the database
    ///     lock; nil waits without limit.
    ///   - sqlitePageCacheMiB: the page cache the connection may fill
    ///     (SQLite only; it stays set for the connection's life).
    /// - Throws: `RetupleError` ("run `retuple migrate up` first") when the
    ///   unified schema is not fully applied to `database`; nothing is
    ///   changed then.
    public init(
        database: any Database, source: (any Database)? = nil, configuration: Configuration, logger: Logger,
        lockTimeout: Duration?, sqlitePageCacheMiB: Int = defaultSQLitePageCacheMiB
    ) throws {
        self.database = database
        self.source = source ?? database
        self.configuration = configuration
        self.logger = logger
        lock = MigrationLock(database: database, timeout: lockTimeout)
        self.sqlitePageCacheMiB = sqlitePageCacheMiB
        sourceLock = MigrationLock(database: self.source, timeout: lockTimeout)
        let fix = self.source === database ? "retuple migrate up" : "retuple migrate up --target-dsn …"
        (networkID, networkUUID) = try SchemaMigrator(database: database, logger: logger).requireApplied(fix: fix)
        form = try SchemaForm.current(in: database) ?? .v07
        try database.prepareForMigration(pageCacheMiB: sqlitePageCacheMiB)
    }

    /// A migrator for one worker of a run with `--jobs` above 1: the same
    /// run's settings over connections of its own (`source` the same
    /// object as `database` in place), taking the run lock in shared mode
    /// (`TableLocking.tryParallelRunLock`). It stops when this one is
    /// interrupted; the caller cancels its connections' statements too.
    func worker(source: any Database, database: any Database) throws -> LegacyMigrator {
        let worker = try LegacyMigrator(
            database: database, source: source === database ? nil : source, configuration: configuration, logger: logger,
            lockTimeout: lock.timeout, sqlitePageCacheMiB: sqlitePageCacheMiB
        )
        worker.lock.runLockMode = .shared
        worker.batchSize = batchSize
        worker.transformsConcurrently = transformsConcurrently
        worker.isInterrupted = isInterrupted
        worker.onLockWait = onLockWait
        return worker
    }

    /// Whether the legacy tables are read from another database.
    public var isCrossDatabase: Bool { source !== database }

    /// The legacy tables to work on: all of them, or the one of namespace
    /// `name`.
    ///
    /// - Throws: `RetupleError` for a legacy table whose id is not
    ///   configured, or a `name` that is not configured.
    public func legacyTables(named name: String?) throws -> [LegacyTable] {
        let tables = try isCrossDatabase
            ? sourceLock.readOnlyTransaction { try source.legacyTables(configuredBy: configuration) }
            : database.legacyTables(configuredBy: configuration)
        guard let name else { return tables }
        guard let namespace = configuration.namespace(named: name) else {
            throw configuration.unknownNamespaceError(name)
        }
        return tables.filter { $0.namespace == namespace }
    }

    /// Migrates one namespace in one transaction.
    ///
    /// - Parameters:
    ///   - dropWhenClean: drop the legacy table in the same transaction
    ///     when no row is broken, so no write can slip in between. In place
    ///     only: a cross-database run never changes its source.
    ///   - dryRun: do everything, then roll back; `dropped` is false.
    ///   - maxBroken: roll back when more rows than this are broken.
    /// - Throws: `NamespaceFailure` when this namespace was rolled back
    ///   and the run may go on (too many broken rows, lock wait ran out);
    ///   any other error when the run cannot go on.
    public func migrate(
        _ table: LegacyTable, report: BrokenTupleReport, dropWhenClean: Bool, dryRun: Bool, maxBroken: Int?
    ) throws -> NamespaceMigrationResult {
        precondition(!dropWhenClean || !isCrossDatabase, "a cross-database migration never drops from its source")
        let reportMark = report.mark()
        let started = ContinuousClock.now
        do {
            let result = try withLegacyTableFrozen(table) {
                var result = try migrateRows(of: table, report: report, maxBroken: maxBroken)
                if dropWhenClean, result.broken == 0 {
                    try dropLegacyTables(of: table)
                    result.dropped = true
                }
                if dryRun { throw RollingBack(value: result) }
                logger.trace(.committing, of: table)
                return result
            }
            logger.trace(.committed, of: table)
            var committed = result
            committed.seconds = Self.seconds(since: started)
            return committed
        } catch let rollback as RollingBack<NamespaceMigrationResult> {
            var result = rollback.value
            result.dropped = false
            result.seconds = Self.seconds(since: started)
            return result
        } catch {
            try? report.discard(since: reportMark)
            // A statement cancelled by the interrupt, or a lock wait it cut
            // short, is the interrupt.
            if isInterrupted() { throw MigrationInterrupted(table: table) }
            throw error
        }
    }

    /// Rows in `table`, waiting for the table no longer than the lock
    /// timeout; nil when the wait ran out.
    public func rowCountWithinLockTimeout(_ table: LegacyTable) throws -> Int? {
        // A table dropped meanwhile has no rows left.
        func count() throws -> Int { try source.tableExists(table.name) ? source.rowCount(of: table.name) : 0 }
        do {
            return try isCrossDatabase ? sourceLock.readOnlyTransaction(count) : lock.transaction(count)
        } catch let error as DatabaseError where error.kind == .lockTimeout {
            return nil
        }
    }

    /// Checks, in a transaction of its own, whether every row of the legacy
    /// table is accounted for, and drops it when so (or when `force`).
    /// Across databases the rows are checked against the target and the
    /// table dropped from the source, in a write transaction there.
    ///
    /// - Throws: `NamespaceFailure` naming how many rows are not accounted
    ///   for; nothing is dropped then.
    public func drop(_ table: LegacyTable, force: Bool) throws -> LegacyAccounting {
        let accounting = try sourceLock.transaction {
            try requireLegacyTable(table)
            try sourceLock.lockAgainstWriters(table)
            logger.trace(.reading, of: table)
            let accounting = try isCrossDatabase
                ? database.transaction { try LegacyAccounting(of: table, migrator: self) }
                : LegacyAccounting(of: table, migrator: self)
            if accounting.missing > 0, !force {
                throw NamespaceFailure(
                    table: table,
                    description: "refusing to drop \(table.name): \(accounting.missing) of its \(accounting.legacy) rows are neither migrated nor recorded broken; run `retuple namespace migrate legacy \(table.namespace.name)\(isCrossDatabase ? " --target-dsn …" : "")` first, or pass --force to drop them"
                )
            }
            try dropLegacyTables(of: table)
            logger.trace(.committing, of: table)
            return accounting
        }
        logger.trace(.committed, of: table)
        return accounting
    }

    /// Counts, in a transaction of its own, how the legacy table's rows
    /// are accounted for; changes nothing.
    public func accounting(of table: LegacyTable) throws -> LegacyAccounting {
        guard isCrossDatabase else {
            return try lock.transaction { try LegacyAccounting(of: table, migrator: self) }
        }
        return try sourceLock.readOnlyTransaction {
            try database.transaction { try LegacyAccounting(of: table, migrator: self) }
        }
    }

    /// A transformer for `table`'s rows.
    func transformer(for table: LegacyTable) -> LegacyTupleTransformer {
        LegacyTupleTransformer(namespace: table.namespace, networkID: networkUUID, configuration: configuration, form: form)
    }

    /// The query that streams a legacy table's rows, `commit_time` as the
    /// transformation reads it (`SQLDialect.legacyCommitTimeExpression`), in the order of
    /// the unified indexes (`object, relation`, then the subject), so that
    /// their inserts land next to each other instead of all over them; read
    /// in full and sorted (`SQLDialect.legacyFullRead`).
    func legacyRowsQuery(_ table: LegacyTable) -> String {
        source.legacyFullRead(
            of: quoteIdentifier(table.name),
            columns: "shard_id, object, relation, subject, \(source.legacyCommitTimeExpression)",
            orderedBy: "object, relation, subject"
        )
    }

    var networkIDValue: DatabaseValue { .text(networkID) }

    /// Runs `body` in the target's transaction with the legacy table's
    /// writers held off until it ends: in place by the same transaction;
    /// across databases by a read-only transaction on the source around it,
    /// which also makes every read of the namespace see one state.
    ///
    /// - Throws: `LegacyTableGone` when the table was dropped while the run
    ///   waited for the lock.
    private func withLegacyTableFrozen<T>(_ table: LegacyTable, _ body: () throws -> T) throws -> T {
        guard isCrossDatabase else {
            return try lock.transaction {
                try requireLegacyTable(table)
                try lock.lockAgainstWriters(table)
                return try body()
            }
        }
        return try sourceLock.readOnlyTransaction {
            try requireLegacyTable(table)
            try sourceLock.lockAgainstWriters(table, .share)
            return try lock.transaction(body)
        }
    }

    /// Throws `LegacyTableGone` unless `table` still exists in the source:
    /// asked first in each transaction, since the list of tables was read
    /// before the lock was granted.
    private func requireLegacyTable(_ table: LegacyTable) throws {
        guard try source.tableExists(table.name) else { throw LegacyTableGone(table: table) }
    }

    private func migrateRows(of table: LegacyTable, report: BrokenTupleReport, maxBroken: Int?) throws -> NamespaceMigrationResult {
        try BrokenTupleTable.create(in: database)
        let legacyCount = try source.rowCount(of: table.name)
        progress?.started(table, rows: legacyCount)
        defer { progress?.finished() }

        let writer = try tupleWriter(for: table.namespace)
        var result = NamespaceMigrationResult(table: table, legacy: legacyCount)
        var broken: [BrokenTuple] = []

        // One batch: its rows written, then its broken rows recorded and
        // reported. One thread transforms lazily, while the batch is being
        // written, so on PostgreSQL the server ingests one part of the COPY
        // while this process transforms the next; a `TransformPipeline`
        // hands over rows transformed already.
        func write<Outcomes: Sequence>(
            _ outcomes: Outcomes, count: Int, readSoFar: Int
        ) throws where Outcomes.Element == LegacyTupleTransformer.Outcome {
            try stopIfInterrupted(table)
            logger.trace(.writing, of: table, rows: count)
            try writer.write { emit in
                for outcome in outcomes {
                    switch outcome {
                    case .unified(let tuple):
                        try emit(tuple)
                    case .broken(let tuple):
                        result.broken += 1
                        if let maxBroken, result.broken > maxBroken {
                            throw NamespaceFailure(
                                table: table,
                                description: "namespace \(table.namespace.name) has more than \(maxBroken) broken rows (--max-broken); rolled back"
                            )
                        }
                        broken.append(tuple)
                    }
                }
            }
            if !broken.isEmpty { logger.trace(.recording, of: table, rows: broken.count) }
            for tuple in broken {
                logger.debug("broken legacy row", metadata: ["table": "\(table.name)", "reason": "\(tuple.reason.rawValue)", "message": "\(tuple.message)"])
                try report.add(BrokenTupleReportLine(tuple, in: table))
            }
            try BrokenTupleTable.record(broken, of: table, networkID: networkID, in: database)
            broken.removeAll(keepingCapacity: true)
            progress?.advanced(to: readSoFar)
        }

        func readAndWrite() throws -> Int {
            logger.trace(.reading, of: table)
            if transformsConcurrently {
                return try pipelineRows(of: table) { outcomes, readSoFar in
                    try write(outcomes, count: outcomes.count, readSoFar: readSoFar)
                }
            }
            var transformer = transformer(for: table)
            var rows = 0
            var batch: [LegacyTuple] = []
            batch.reserveCapacity(batchSize)
            func writeBatch() throws {
                try write(batch.lazy.map { transformer.transform($0) }, count: batch.count, readSoFar: rows)
                batch.removeAll(keepingCapacity: true)
            }
            try source.forEachRow(legacyRowsQuery(table), []) { row in
                rows += 1
                if rows & 1023 == 0 { try stopIfInterrupted(table) }
                batch.append(LegacyTuple(row: row))
                if batch.count >= batchSize {
                    try writeBatch()
                    logger.trace(.reading, of: table)
                }
            }
            try writeBatch()
            return rows
        }

        let read = try database.fillingWithIndexesDeferred(UnifiedTupleWriter.table) {
            let read = try readAndWrite()
            logger.trace(.finishing, of: table)
            return read
        }
        let written = writer.counts
        try BrokenTupleTable.resolveMigrated(in: table.namespace, networkID: networkID, database: database)
        result.migrated = written.inserted
        result.alreadyPresent = written.skipped
        try report.flush()

        guard read == legacyCount, read == result.migrated + result.alreadyPresent + result.broken else {
            throw RetupleError(
                "\(table.name): figures do not add up (counted \(legacyCount), read \(read), migrated \(result.migrated), already present \(result.alreadyPresent), broken \(result.broken)); rolled back"
            )
        }
        logger.info("namespace migrated", metadata: [
            "namespace": "\(table.namespace.name)", "table": "\(table.name)", "rows": "\(read)", "broken": "\(result.broken)",
        ])
        return result
    }

    /// Throws `MigrationInterrupted` once the run was asked to stop: asked
    /// before each batch and every 1024 rows read, so that a namespace in
    /// flight ends soon even while its statements are not cancelled.
    func stopIfInterrupted(_ table: LegacyTable) throws {
        if isInterrupted() { throw MigrationInterrupted(table: table) }
    }

    private func dropLegacyTables(of table: LegacyTable) throws {
        logger.trace(.dropping, of: table)
        try source.execute("DROP TABLE \(quoteIdentifier(table.name))")
        try source.execute("DROP TABLE IF EXISTS \(quoteIdentifier(table.migrationTable))")
        logger.info("legacy table dropped", metadata: ["table": "\(table.name)"])
    }
}

/// What became of one namespace.
public struct NamespaceMigrationResult: Sendable, Equatable {
    public let table: LegacyTable
    /// Rows in the legacy table.
    public var legacy: Int
    /// Rows written to `keto_relation_tuples` now.
    public var migrated = 0
    /// Rows found there already (an earlier run wrote them).
    public var alreadyPresent = 0
    /// Rows reported and recorded broken.
    public var broken = 0
    /// Whether the legacy table was dropped.
    public var dropped = false
    /// Seconds from the start of the namespace's transaction to its end
    /// (commit, or the rollback of a dry run). Not one of the figures:
    /// `==` leaves it out, so equal figures compare equal however long
    /// they took.
    public var seconds: Double = 0

    public init(table: LegacyTable, legacy: Int) {
        self.table = table
        self.legacy = legacy
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.table == rhs.table && lhs.legacy == rhs.legacy && lhs.migrated == rhs.migrated
            && lhs.alreadyPresent == rhs.alreadyPresent && lhs.broken == rhs.broken && lhs.dropped == rhs.dropped
    }
}

/// The run was interrupted while `table`'s namespace migrated: its
/// transaction was rolled back, and the report keeps none of its lines.
public struct MigrationInterrupted: Error, Sendable {
    public let table: LegacyTable
}

extension LegacyMigrator {
    /// Seconds since `start`, as a `Double`.
    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

/// Told how a namespace migration advances; called on the migrating thread.
public protocol MigrationProgress: AnyObject {
    func started(_ table: LegacyTable, rows: Int)
    func advanced(to rowsRead: Int)
    func finished()
}
