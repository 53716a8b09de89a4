import Foundation

/// What a run needs to migrate several namespaces at once (`--jobs`).
public struct MigrationWorkers: Sendable {
    /// Namespaces that may migrate at once, as asked; nil for `auto`: the
    /// number of namespaces, capped by the client's cores.
    public var jobs: Int?
    /// Opens the connections of one more worker: the source and the
    /// target, the same object for an in-place run. Called on the worker's
    /// own thread, which alone uses and then closes them.
    public var open: @Sendable () throws -> (source: any Database, database: any Database)
    /// Shows the progress of every running namespace and of the whole run;
    /// nil for none.
    public var progress: (any MigrationProgressLanes)?

    public init(
        jobs: Int?, progress: (any MigrationProgressLanes)? = nil,
        open: @escaping @Sendable () throws -> (source: any Database, database: any Database)
    ) {
        self.jobs = jobs
        self.progress = progress
        self.open = open
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
/// - On a database that takes one writer at a time (SQLite), namespaces
///   still migrate one after the other; `--jobs` above 1 transforms each
///   batch on a second thread (`TransformPipeline`) while the first reads
///   and writes.
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
///   migrated, each line after its answer.
/// - A failure confined to one namespace is reported and the run goes on;
///   an error that ends the run lets the running namespaces finish (they
///   commit or roll back on their own) and starts no new one.
extension LegacyMigrationRun {
    /// Migrates `tables` as `workers` allows.
    ///
    /// - Returns: false when this run is better done one namespace at a
    ///   time (then it only set `migrator` up, and the caller goes on):
    ///   one job asked, one namespace, a database with one writer at a
    ///   time, no connection to spare, or a dry run on a database without
    ///   `retuple_broken_tuples` (creating it would leave a trace).
    func migrateConcurrently(
        _ tables: [LegacyTable], _ migrator: LegacyMigrator, _ workers: MigrationWorkers, plannedRows: [Int]
    ) throws -> Bool {
        let requested = workers.requested
        guard requested > 1 else { return false }
        migrator.transformsConcurrently = true
        var parallel = min(requested, tables.count)
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

        let asksDrops = !migrator.isCrossDatabase && !options.yes && !options.dryRun
        let state = ParallelRunState(
            run: self, migrator: migrator, tables: tables,
            // Largest first, so the longest namespace does not start last.
            order: tables.indices.sorted { plannedRows[$0] > plannedRows[$1] },
            dropWhenClean: options.yes && !migrator.isCrossDatabase, holdsResults: asksDrops
        )
        var coordinator = migrator.lock
        coordinator.runLockMode = .coordinator
        try coordinator.transaction {
            state.run(workers: parallel, workers)
        }
        if asksDrops {
            for outcome in state.takeRest() {
                if state.fatal == nil, case .finished(var result) = outcome, result.broken == 0,
                   confirmation.confirm(Self.dropQuestion(result.table)) {
                    do {
                        _ = try migrator.drop(result.table, force: false)
                        result.dropped = true
                    } catch let failure as NamespaceFailure {
                        finished(result)
                        failed(failure)
                        continue
                    } catch let gone as LegacyTableGone {
                        finished(result)
                        observer.namespaceGone(gone)
                        continue
                    }
                    finished(result)
                } else {
                    deliver(outcome)
                }
            }
        }
        state.deliverRest()
        if let fatal = state.fatal { throw fatal }
        return true
    }

    fileprivate func deliver(_ outcome: ParallelRunState.Outcome) {
        switch outcome {
        case .finished(let result): finished(result)
        case .failed(let failure): failed(failure)
        case .gone(let gone): observer.namespaceGone(gone)
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
    }

    let run: LegacyMigrationRun
    let migrator: LegacyMigrator
    let tables: [LegacyTable]
    let order: [Int]
    let dropWhenClean: Bool
    /// Keep the outcomes for after the parallel part instead of reporting
    /// them as they come (drop questions follow).
    let holdsResults: Bool

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

    init(run: LegacyMigrationRun, migrator: LegacyMigrator, tables: [LegacyTable], order: [Int], dropWhenClean: Bool, holdsResults: Bool) {
        self.run = run
        self.migrator = migrator
        self.tables = tables
        self.order = order
        self.dropWhenClean = dropWhenClean
        self.holdsResults = holdsResults
        outcomes = Array(repeating: nil, count: tables.count)
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
        let source: any Database
        let database: any Database
        let worker: LegacyMigrator
        do {
            (source, database) = try workers.open()
            do {
                worker = try migrator.worker(source: source, database: database)
            } catch {
                close(source, database)
                throw error
            }
        } catch {
            // The other workers take this one's namespaces.
            migrator.logger.warning("a worker could not connect", metadata: ["error": "\(error)"])
            mutex.lock()
            if openFailure == nil { openFailure = error }
            mutex.unlock()
            return
        }
        defer { close(source, database) }
        worker.progress = workers.progress?.lane()
        mutex.lock()
        started += 1
        mutex.unlock()
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
            } catch {
                mutex.lock()
                if fatal == nil { fatal = error }
                mutex.unlock()
                return
            }
            mutex.lock()
            outcomes[index] = outcome
            if !holdsResults {
                while delivered < outcomes.count, let ready = outcomes[delivered] {
                    run.deliver(ready)
                    delivered += 1
                }
            }
            mutex.unlock()
        }
    }

    /// The outcomes not reported yet, in plan order, skipping namespaces
    /// never started (the run ended early); they count as reported now.
    func takeRest() -> [Outcome] {
        mutex.lock()
        defer { mutex.unlock() }
        let rest = outcomes[delivered...].compactMap { $0 }
        delivered = outcomes.count
        return rest
    }

    /// Reports what is left, once the workers are done.
    func deliverRest() {
        for outcome in takeRest() { run.deliver(outcome) }
    }

    /// The next namespace to migrate; nil when none is left or the run
    /// ends.
    private func take() -> Int? {
        mutex.lock()
        defer { mutex.unlock() }
        guard fatal == nil, next < order.count else { return nil }
        next += 1
        return order[next - 1]
    }

    private func close(_ source: any Database, _ database: any Database) {
        if source !== database { source.close() }
        database.close()
    }
}
