/// One run of `retuple namespace migrate legacy`: which namespaces it
/// works on, what it asks before it changes anything, when legacy tables
/// are dropped, and how it goes on when one namespace fails. The contract
/// it keeps is docs/contract.md's.
///
/// The policy, in short:
/// - The plan is shown, then the operator is asked once whether to migrate
///   at all ("no" migrates nothing); `-y` answers yes to every question.
/// - With `-y` a clean namespace's legacy table is dropped inside its
///   migration transaction, so no write can slip in between; without it the
///   operator is asked per clean namespace after its commit, and the drop
///   is a transaction of its own that first checks every row is accounted
///   for.
/// - A cross-database run never drops: the source is only read, and its
///   tables are dropped by a later `--down-only` once the target serves.
/// - A dry run drops nothing and asks no drop question.
/// - A `NamespaceFailure` (rolled back, or the drop refused) is reported
///   and the run goes on with the next namespace; a table dropped while
///   the run waited for its lock (`LegacyTableGone`) is reported as having
///   nothing left to do; any other error ends the run.
/// - `--down-only` migrates nothing: it asks per namespace (unless `-y`)
///   and drops what is accounted for (everything with `force`); a declined
///   drop reports the table's rows as they are.
///
/// Use: create it (which checks the report file can be written), call
/// `perform(with:)` with a migrator over the open databases, close them,
/// then call `finish()`, which gives the observer the summary and lets it
/// end the run. Questions go to `confirmation` and everything shown to
/// `observer`, so the whole policy runs without a terminal.
public final class LegacyMigrationRun {
    /// What the operator asked for: `namespace migrate legacy`'s flags.
    public struct Options: Sendable {
        /// Only the namespace of this name; nil for all.
        public var name: String?
        /// Answer yes to every question (`-y`).
        public var yes: Bool
        /// Do everything, then roll each namespace back.
        public var dryRun: Bool
        /// Migrate nothing; drop the legacy tables that are accounted for.
        public var downOnly: Bool
        /// With `downOnly`: drop even rows that are not accounted for.
        public var force: Bool
        /// Roll a namespace back when it has more broken rows than this.
        public var maxBroken: Int?
        /// The report file of broken rows; nil for
        /// `BrokenTupleReport.defaultFileName()` in the working directory.
        public var report: String?

        public init(
            name: String? = nil, yes: Bool = false, dryRun: Bool = false, downOnly: Bool = false,
            force: Bool = false, maxBroken: Int? = nil, report: String? = nil
        ) {
            self.name = name
            self.yes = yes
            self.dryRun = dryRun
            self.downOnly = downOnly
            self.force = force
            self.maxBroken = maxBroken
            self.report = report
        }
    }

    public let options: Options
    /// Where broken rows go; created when the first one is found.
    public let report: BrokenTupleReport
    private let confirmation: any MigrationConfirmation
    let observer: any LegacyMigrationObserver
    private var results: [NamespaceMigrationResult] = []
    private var failures: [NamespaceFailure] = []

    /// - Throws: `RetupleError` when the report file cannot be written (not
    ///   checked with `downOnly`, which reads no rows to report), before
    ///   any database is touched.
    public init(
        _ options: Options, confirmation: any MigrationConfirmation, observer: any LegacyMigrationObserver
    ) throws {
        self.options = options
        self.confirmation = confirmation
        self.observer = observer
        report = BrokenTupleReport(path: options.report ?? BrokenTupleReport.defaultFileName())
        if !options.downOnly { try report.checkWritable() }
    }

    /// Works through the legacy tables `migrator` sees (those of
    /// `options.name`, or all), asking and reporting as it goes.
    ///
    /// Call it once. It checks the privileges the whole run needs before
    /// anything changes.
    ///
    /// - Throws: what ends the run early: an unconfigured namespace or
    ///   table, a missing privilege, a database error. Namespaces that
    ///   finished before it were reported and committed.
    ///
    /// - Parameter workers: how to open the connections of more workers,
    ///   and how many namespaces may migrate at once (`--jobs`); nil for
    ///   one at a time on `migrator`'s connections, as `--jobs 1`.
    public func perform(with migrator: LegacyMigrator, workers: MigrationWorkers? = nil) throws {
        let tables = try migrator.legacyTables(named: options.name)
        guard !tables.isEmpty else {
            observer.informed("nothing to do: no legacy table\(options.name.map { " of namespace \($0)" } ?? "") is left in \(migrator.source.location)")
            return
        }
        let command: PrivilegeModel.Command = options.downOnly ? .dropLegacy
            : options.yes && !migrator.isCrossDatabase ? .migrateAndDrop : .migrate
        try migrator.checkPrivileges(for: tables, command)
        if options.downOnly {
            try dropLegacyTables(tables, migrator)
        } else {
            try migrate(tables, migrator, workers)
        }
    }

    /// Gives the observer the summary of the run, so it can show the last
    /// word and end the run; call it after `perform(with:)` returned (and
    /// the databases were closed).
    ///
    /// - Throws: what the observer throws: a failing exit status.
    public func finish() throws {
        try observer.finished(LegacyMigrationSummary(
            results: results, failures: failures, reportPath: report.isCreated ? report.path : nil,
            dryRun: options.dryRun, downOnly: options.downOnly
        ))
    }

    private func migrate(_ tables: [LegacyTable], _ migrator: LegacyMigrator, _ workers: MigrationWorkers?) throws {
        let plannedRows = try showPlan(tables, migrator)
        guard ask("migrate these namespaces?") else {
            observer.informed("nothing migrated")
            return
        }
        let concurrently = try workers.map { try migrateConcurrently(tables, migrator, $0, plannedRows: plannedRows) } ?? false
        if !concurrently { try migrateOneAtATime(tables, migrator) }
        if migrator.isCrossDatabase, !options.dryRun {
            observer.informed("\(migrator.source.location) was only read; once the target serves, drop its legacy tables with --down-only --target-dsn")
        }
    }

    private func migrateOneAtATime(_ tables: [LegacyTable], _ migrator: LegacyMigrator) throws {
        let drops = !migrator.isCrossDatabase
        for table in tables {
            try stopIfInterrupted(migrator, inFlight: nil)
            do {
                let result: NamespaceMigrationResult
                do {
                    result = try migrator.migrate(
                        table, report: report, dropWhenClean: options.yes && drops, dryRun: options.dryRun, maxBroken: options.maxBroken
                    )
                } catch let interrupted as MigrationInterrupted {
                    throw interruption(rolledBack: ["\(interrupted.table.namespace.name)"])
                }
                finished(result)
                if asksDrops(migrator) { try offerDrop(result, migrator) }
            } catch let failure as NamespaceFailure {
                failed(failure)
            } catch let gone as LegacyTableGone {
                observer.namespaceGone(gone)
            }
        }
    }

    /// Whether each clean namespace's drop is asked after it migrated: in
    /// place, without `-y` (which drops in the migration's transaction),
    /// not a dry run.
    func asksDrops(_ migrator: LegacyMigrator) -> Bool {
        !migrator.isCrossDatabase && !options.yes && !options.dryRun
    }

    /// Asks whether to drop the legacy table of a namespace that migrated
    /// without a broken row, once its line is shown (the figures come
    /// before the question that depends on them), and drops it in a
    /// transaction of its own that first checks every row is accounted
    /// for (`LegacyMigrator.drop`).
    ///
    /// - Throws: `RunInterrupted` when the run was asked to stop;
    ///   `LegacyTableGone` when another session dropped the table first.
    func offerDrop(_ result: NamespaceMigrationResult, _ migrator: LegacyMigrator) throws {
        guard result.broken == 0 else { return }
        try stopIfInterrupted(migrator, inFlight: nil)
        guard confirmation.confirm(Self.dropQuestion(result.table)) else { return }
        try stopIfInterrupted(migrator, inFlight: nil)
        do {
            _ = try migrator.drop(result.table, force: false)
        } catch let failure as NamespaceFailure {
            // Migrated, but not dropped: both are so.
            failed(failure)
            return
        } catch where migrator.isInterrupted() {
            throw interruption(rolledBack: ["the drop of \(result.table.name)"])
        }
        var dropped = result
        dropped.dropped = true
        if let index = results.lastIndex(where: { $0.table == result.table }) { results[index] = dropped }
        observer.namespaceDropped(dropped)
    }

    private func dropLegacyTables(_ tables: [LegacyTable], _ migrator: LegacyMigrator) throws {
        for table in tables {
            try stopIfInterrupted(migrator, inFlight: nil)
            guard ask(Self.dropQuestion(table)) else {
                let legacy = try migrator.rowCountWithinLockTimeout(table) ?? 0
                finished(NamespaceMigrationResult(table: table, legacy: legacy))
                continue
            }
            try stopIfInterrupted(migrator, inFlight: nil)
            let started = ContinuousClock.now
            do {
                let accounting = try migrator.drop(table, force: options.force)
                var result = NamespaceMigrationResult(table: table, legacy: accounting.legacy)
                result.alreadyPresent = accounting.migrated
                result.broken = accounting.broken
                result.dropped = true
                result.seconds = LegacyMigrator.seconds(since: started)
                finished(result)
            } catch where migrator.isInterrupted() {
                throw interruption(rolledBack: ["the drop of \(table.name)"])
            } catch let failure as NamespaceFailure {
                failed(failure)
            } catch let gone as LegacyTableGone {
                observer.namespaceGone(gone)
            }
        }
    }

    /// Lists what will be migrated, with each table's rows as far as the
    /// lock timeout lets them be counted.
    /// - Returns: each table's rows, 0 where they could not be counted.
    private func showPlan(_ tables: [LegacyTable], _ migrator: LegacyMigrator) throws -> [Int] {
        var lines = ["legacy namespaces in \(migrator.source.location):"]
        var planned: [Int] = []
        for table in tables {
            let count = try migrator.rowCountWithinLockTimeout(table)
            planned.append(count ?? 0)
            let rows = count.map(String.init) ?? "? (locked by another session)"
            lines.append("  \(table.namespace.name) (id \(table.namespace.id)): \(rows) rows in \(table.name)")
        }
        if migrator.isCrossDatabase {
            lines.append("into \(migrator.database.location); the source is only read and keeps its tables")
        }
        if options.dryRun { lines.append("dry run: every namespace is rolled back after its figures are taken") }
        observer.planned(lines, beforeQuestion: !options.yes)
        return planned
    }

    /// Throws the run's `RunInterrupted` when it was asked to stop.
    func stopIfInterrupted(_ migrator: LegacyMigrator, inFlight: String?) throws {
        guard migrator.isInterrupted() else { return }
        throw interruption(rolledBack: inFlight.map { [$0] } ?? [])
    }

    /// What was committed before the interrupt, and what was rolled back.
    func interruption(rolledBack: [String]) -> RunInterrupted {
        RunInterrupted(
            committed: results.map(\.table.namespace.name), rolledBack: rolledBack,
            reportPath: report.isCreated ? report.path : nil, dryRun: options.dryRun
        )
    }

    /// Yes with `-y`, else the operator's answer.
    private func ask(_ question: String) -> Bool {
        options.yes || confirmation.confirm(question)
    }

    func finished(_ result: NamespaceMigrationResult) {
        results.append(result)
        observer.namespaceFinished(result)
    }

    func failed(_ failure: NamespaceFailure) {
        failures.append(failure)
        observer.namespaceFailed(failure)
    }

    /// The question asked before a legacy table is dropped.
    public static func dropQuestion(_ table: LegacyTable) -> String {
        "drop the legacy table \(table.name) of namespace \(table.namespace.name)? This deletes all data in it"
    }
}

/// A run stopped by an interrupt (SIGINT, SIGTERM): the namespaces in
/// `committed` were committed and reported; what was in flight was rolled
/// back. Thrown by `LegacyMigrationRun.perform(with:)`; a re-run continues
/// where it stopped.
public struct RunInterrupted: Error, Sendable {
    /// The namespaces committed before the interrupt, in order.
    public let committed: [String]
    /// What was rolled back: a namespace's name, or `the drop of TABLE`.
    public let rolledBack: [String]
    /// The report of the committed namespaces' broken rows, when written.
    public let reportPath: String?
    public let dryRun: Bool

    public init(committed: [String], rolledBack: [String], reportPath: String?, dryRun: Bool) {
        self.committed = committed
        self.rolledBack = rolledBack
        self.reportPath = reportPath
        self.dryRun = dryRun
    }

    /// `interrupted: files, groups committed; dirs rolled back; re-run to continue`.
    public var summary: String {
        var parts = [committed.isEmpty ? "nothing committed" : "\(committed.joined(separator: ", ")) committed"]
        if !rolledBack.isEmpty { parts.append("\(rolledBack.joined(separator: ", ")) rolled back") }
        if let reportPath { parts.append("report \(reportPath)") }
        parts.append(dryRun ? "nothing was changed (dry run)" : "re-run to continue")
        return "interrupted: " + parts.joined(separator: "; ")
    }
}
