import Foundation

/// What a run needs to migrate several namespaces at once (`--jobs`).
public struct MigrationWorkers: Sendable {
    /// Namespaces that may migrate at once, as asked; nil for `auto`: the
    /// number of namespaces, capped by the client's cores.
    public var jobs: Int?
    /// Opens the connections of one more worker (the source and the
    /// target, the same object for an in-place run), runs `body` with them
    /// and closes them. Called on the worker's own thread, which alone uses
    /// them; the caller may watch them meanwhile (an interrupt cancels
    /// their statements).
    public var connect: @Sendable (_ body: (_ source: any Database, _ database: any Database) throws -> Void) throws -> Void
    /// Shows the progress of every running namespace and of the whole run;
    /// nil for none.
    public var progress: (any MigrationProgressLanes)?

    public init(
        jobs: Int?, progress: (any MigrationProgressLanes)? = nil,
        connect: @escaping @Sendable (_ body: (_ source: any Database, _ database: any Database) throws -> Void) throws -> Void
    ) {
        self.jobs = jobs
        self.progress = progress
        self.connect = connect
    }

    /// The jobs asked for, `auto` resolved to the client's cores.
    public var requested: Int {
        jobs ?? ProcessInfo.processInfo.activeProcessorCount
    }
}

/// Progress of a run whose namespaces migrate at once: a lane per worker,
/// each told about its namespaces as `MigrationProgress` is (on the
/// worker's thread), so the implementation must be thread-safe.
public protocol MigrationProgressLanes: AnyObject, Sendable {
    /// The rows of all namespaces the run will migrate, as far as counted.
    func planned(rows: Int)
    /// A new lane, used by one worker thread.
    func lane() -> any MigrationProgress
}

/// How `--jobs` above 1 runs (docs/decisions.md):
/// - On a database that takes one writer at a time (SQLite), and into the
///   latest form, whose namespaces share their `keto_uuid_mappings` rows,
///   namespaces still migrate one after the other; `--jobs` above 1
///   transforms each batch on a second thread (`TransformPipeline`) while
///   the first reads and writes.
/// - Elsewhere (PostgreSQL) up to `jobs` workers, each on connections of
///   its own, take namespaces from one queue, largest first, and migrate
///   each exactly as `--jobs 1` does, in a transaction of its own, taking
///   the run lock in shared mode: a run of one namespace at a time (which
///   takes it exclusively) is refused while any worker holds it, naming
///   that worker's server process, and refuses the workers while it holds
///   it. Another parallel run is refused by the coordinator's lock, held
///   in a transaction on the run's own connection for the whole parallel
///   part, which does nothing else. All of them are transaction-scoped.
/// - Each namespace writes its report lines into a section of its own
///   (`BrokenTupleReport.section()`), so a rolled-back namespace takes out
///   only its lines.
/// - Lines come in the plan's order, as with `--jobs 1`, each whole and as
///   soon as its namespace and every one before it have ended, so output
///   stays the same from run to run; the progress shows every running
///   namespace. With drop questions (no `-y`, in place, not a dry run) the
///   questions are asked one namespace at a time once every namespace has
///   migrated and its line was shown, as `--jobs 1` asks them
///   (`offerDrop`).
/// - A failure confined to one namespace is reported and the run goes on;
///   an error that ends the run lets the running namespaces finish (they
///   commit or roll back on their own) and starts no new one.
/// - An interrupt (SIGINT, SIGTERM) reaches every worker: each stops its
///   namespace and rolls it back (the caller cancels every connection's
///   statement), no namespace starts after it, the namespaces that
///   committed are reported, and the run throws `RunInterrupted` naming
///   those rolled back.
extension LegacyMigrationRun {
    /// Migrates `tables` as `workers` allows.
    ///
    /// - Returns: false when this run is better done one namespace at a
    ///   time (then it only set `migrator` up, and the caller goes on):
    ///   one job asked, one namespace, a database with one writer at a
    ///   time, a target in the latest form, no connection to spare, or a
    ///   dry run on a database without `retuple_broken_tuples` (creating it
    ///   would leave a trace).
    func migrateConcurrently(
        _ tables: [LegacyTable], _ migrator: LegacyMigrator, _ workers: MigrationWorkers, plannedRows: [Int]
    ) throws -> Bool {
        let requested = workers.requested
        guard requested > 1 else { return false }
        migrator.transformsConcurrently = true
        // The latest form's namespaces share `keto_uuid_mappings` rows (a
        // subject id in several namespaces is one mapping): two namespace
        // transactions inserting them in different orders wait for each
        // other until one is aborted as a deadlock.
        var parallel = migrator.form == .latest ? 1 : min(requested, tables.count)
        if parallel > 1 { parallel = min(parallel, try migrator.database.concurrentWriterLimit()) }
        let brokenTableExists = try migrator.database.tableExists(BrokenTupleTable.name)
        if parallel > 1, options.dryRun, !brokenTableExists { parallel = 1 }
        guard parallel > 1 else { return false }
        // Created once, committed, before the workers start: two
        // transactions creating it at once would have one of them fail.
        if !brokenTableExists {
            try migrator.lock.transaction { try BrokenTupleTable.create(in: migrator.database) }
        }
        workers.progress?.planned(rows: plannedRows.reduce(0, +))
        migrator.logger.debug("namespaces migrate at once", metadata: ["jobs": "\(parallel)"])

        let state = ParallelRunState(
            run: self, migrator: migrator, tables: tables,
            // Largest first, so the longest namespace does not start last.
            order: tables.indices.sorted { plannedRows[$0] > plannedRows[$1] },
            dropWhenClean: options.yes && !migrator.isCrossDatabase
        )
        var coordinator = migrator.lock
        coordinator.runLockMode = .coordinator
        // The coordinator's transaction only holds a lock: when it fails
        // (the server went away under every connection), a worker's own
        // error says why, and the namespaces that committed are still
        // reported.
        var coordinatorFailure: (any Error)?
        do {
            try coordinator.transaction {
                state.run(workers: parallel, workers)
            }
        } catch {
            coordinatorFailure = error
        }
        state.deliverRest()
        if !state.interrupted.isEmpty || migrator.isInterrupted() {
            throw interruption(rolledBack: state.interrupted.map(\.namespace.name))
        }
        switch (state.fatal, coordinatorFailure) {
        case let (fatal?, coordinator?): throw ParallelRunState.saysLess(fatal, than: coordinator) ? coordinator : fatal
        case let (fatal?, nil): throw fatal
        case let (nil, coordinator?): throw coordinator
        case (nil, nil): break
        }
        if asksDrops(migrator) {
            for result in state.finished {
                do {
                    try offerDrop(result, migrator)
                } catch let gone as LegacyTableGone {
                    observer.namespaceGone(gone)
                }
            }
        }
        return true
    }

    fileprivate func deliver(_ outcome: ParallelRunState.Outcome) {
        switch outcome {
        case .finished(let result): finished(result)
        case .failed(let failure): failed(failure)
        case .gone(let gone): observer.namespaceGone(gone)
        case .interrupted: break // named by the `RunInterrupted` the run throws
        }
    }
}

/// The shared part of a parallel run: the queue of namespaces, what became
/// of each, and the lock that makes every report to the observer whole.
private final class ParallelRunState: @unchecked Sendable {
    enum Outcome {
        case finished(NamespaceMigrationResult)
        case failed(NamespaceFailure)
        case gone(LegacyTableGone)
        /// Rolled back by an interrupt.
        case interrupted(LegacyTable)
    }

    let run: LegacyMigrationRun
    let migrator: LegacyMigrator
    let tables: [LegacyTable]
    let order: [Int]
    let dropWhenClean: Bool

    private let mutex = NSLock()
    private var next = 0
    private var outcomes: [Outcome?]
    /// The first outcome, in plan order, not yet reported.
    private var delivered = 0
    /// The first error that ends the run.
    private(set) var fatal: (any Error)?
    /// Workers that could open their connections.
    private var started = 0
    private var openFailure: (any Error)?

    init(run: LegacyMigrationRun, migrator: LegacyMigrator, tables: [LegacyTable], order: [Int], dropWhenClean: Bool) {
        self.run = run
        self.migrator = migrator
        self.tables = tables
        self.order = order
        self.dropWhenClean = dropWhenClean
        outcomes = Array(repeating: nil, count: tables.count)
    }

    /// Whether `error` only says a connection ended while `other` says why:
    /// when the server stops (a full WAL makes it PANIC), the worker whose
    /// statement failed gets the server's reason, the others only their
    /// lost connection, in whatever order they notice. The reason is the
    /// line the operator needs.
    static func saysLess(_ error: any Error, than other: any Error) -> Bool {
        (error as? DatabaseError)?.kind == .connectionLost && (other as? DatabaseError)?.kind != .connectionLost
    }

    /// Runs `count` workers and waits for all of them.
    func run(workers count: Int, _ workers: MigrationWorkers) {
        let group = DispatchGroup()
        for number in 0..<count {
            group.enter()
            let thread = Thread { [self] in
                defer { group.leave() }
                work(workers)
            }
            thread.name = "retuple-worker-\(number)"
            thread.stackSize = 4 << 20
            thread.start()
        }
        group.wait()
        mutex.lock()
        defer { mutex.unlock() }
        // Not one worker could connect: that ends the run.
        if started == 0, fatal == nil, let openFailure { fatal = openFailure }
    }

    private func work(_ workers: MigrationWorkers) {
        do {
            try workers.connect { source, database in
                let worker: LegacyMigrator
                do {
                    worker = try migrator.worker(source: source, database: database)
                } catch {
                    couldNotConnect(error)
                    return
                }
                worker.progress = workers.progress?.lane()
                mutex.lock()
                started += 1
                mutex.unlock()
                migrate(with: worker)
            }
        } catch {
            couldNotConnect(error)
        }
    }

    /// A worker that could not connect (or set its connections up) takes
    /// no namespace: the other workers take them.
    private func couldNotConnect(_ error: any Error) {
        migrator.logger.warning("a worker could not connect", metadata: ["error": "\(error)"])
        mutex.lock()
        if openFailure == nil { openFailure = error }
        mutex.unlock()
    }

    /// Migrates namespaces from the queue on `worker` until none is left
    /// or the run ends.
    private func migrate(with worker: LegacyMigrator) {
        while let index = take() {
            let table = tables[index]
            let section = run.report.section()
            let outcome: Outcome
            do {
                outcome = .finished(try worker.migrate(
                    table, report: section, dropWhenClean: dropWhenClean, dryRun: run.options.dryRun, maxBroken: run.options.maxBroken
                ))
            } catch let failure as NamespaceFailure {
                outcome = .failed(failure)
            } catch let gone as LegacyTableGone {
                outcome = .gone(gone)
            } catch is MigrationInterrupted {
                outcome = .interrupted(table)
            } catch {
                mutex.lock()
                if fatal.map({ Self.saysLess($0, than: error) }) ?? true { fatal = error }
                mutex.unlock()
                return
            }
            mutex.lock()
            outcomes[index] = outcome
            while delivered < outcomes.count, let ready = outcomes[delivered] {
                run.deliver(ready)
                delivered += 1
            }
            mutex.unlock()
        }
    }

    /// Reports, once the workers are done, the outcomes not reported yet,
    /// in plan order, skipping namespaces never started (the run ended
    /// early).
    func deliverRest() {
        mutex.lock()
        defer { mutex.unlock() }
        for outcome in outcomes[delivered...].compactMap({ $0 }) { run.deliver(outcome) }
        delivered = outcomes.count
    }

    /// The namespaces an interrupt rolled back, in plan order.
    var interrupted: [LegacyTable] {
        mutex.lock()
        defer { mutex.unlock() }
        return outcomes.compactMap { if case .interrupted(let table) = $0 { table } else { nil } }
    }

    /// The namespaces that migrated (or dry-ran), in plan order.
    var finished: [NamespaceMigrationResult] {
        mutex.lock()
        defer { mutex.unlock() }
        return outcomes.compactMap { if case .finished(let result) = $0 { result } else { nil } }
    }

    /// The next namespace to migrate; nil when none is left or the run
    /// ends.
    private func take() -> Int? {
        mutex.lock()
        defer { mutex.unlock() }
        guard fatal == nil, !migrator.isInterrupted(), next < order.count else { return nil }
        next += 1
        return order[next - 1]
    }
}
