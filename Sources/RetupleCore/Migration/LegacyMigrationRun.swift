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
    let confirmation: any MigrationConfirmation
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
        let drops = !migrator.isCrossDatabase
        if let workers, try migrateConcurrently(tables, migrator, workers, plannedRows: plannedRows) {
            if !drops, !options.dryRun {
                observer.informed("\(migrator.source.location) was only read; once the target serves, drop its legacy tables with --down-only --target-dsn")
            }
            return
        }
        for table in tables {
            do {
                var result = try migrator.migrate(
                    table, report: report, dropWhenClean: options.yes && drops, dryRun: options.dryRun, maxBroken: options.maxBroken
                )
                if drops, !options.yes, !options.dryRun, result.broken == 0, confirmation.confirm(Self.dropQuestion(table)) {
                    do {
                        _ = try migrator.drop(table, force: false)
                        result.dropped = true
                    } catch let failure as NamespaceFailure {
                        // Migrated, but not dropped: both are so.
                        finished(result)
                        failed(failure)
                        continue
                    }
                }
                finished(result)
            } catch let failure as NamespaceFailure {
                failed(failure)
            } catch let gone as LegacyTableGone {
                observer.namespaceGone(gone)
            }
        }
        if !drops, !options.dryRun {
            observer.informed("\(migrator.source.location) was only read; once the target serves, drop its legacy tables with --down-only --target-dsn")
        }
    }

    private func dropLegacyTables(_ tables: [LegacyTable], _ migrator: LegacyMigrator) throws {
        for table in tables {
            guard ask(Self.dropQuestion(table)) else {
                let legacy = try migrator.rowCountWithinLockTimeout(table) ?? 0
                finished(NamespaceMigrationResult(table: table, legacy: legacy))
                continue
            }
            do {
                let accounting = try migrator.drop(table, force: options.force)
                var result = NamespaceMigrationResult(table: table, legacy: accounting.legacy)
                result.alreadyPresent = accounting.migrated
                result.broken = accounting.broken
                result.dropped = true
                finished(result)
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
    @discardableResult
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

    /// Yes with `-y`, else the operator's answer.
    func ask(_ question: String) -> Bool {
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
