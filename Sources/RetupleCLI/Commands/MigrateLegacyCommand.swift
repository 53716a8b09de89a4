import ArgumentParser
import Foundation
import RetupleCore

/// `retuple namespace migrate legacy`: the migration (PRODUCT §2.2).
struct MigrateLegacyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "legacy",
        abstract: "Move tuples from the legacy per-namespace tables into keto_relation_tuples.",
        discussion: """
            Each namespace migrates in one transaction. Rows that cannot be carried over \
            faithfully are written to a report file and recorded in retuple_broken_tuples; their \
            namespace keeps its legacy table and the run exits 3. Clean namespaces go on to the \
            drop step. Asks before migrating and before each drop unless -y. Re-running is safe.

            With --target-dsn the unified rows go into that other database (run `retuple migrate \
            up --target-dsn …` first) and the source (--dsn) is only read, each namespace in a \
            read-only snapshot that holds its writers off: nothing is dropped from it. Once the \
            target serves, --down-only --target-dsn drops the source's legacy tables whose rows \
            the target accounts for.
            """
    )

    @OptionGroup var options: GlobalOptions
    @OptionGroup var target: TargetDatabaseOptions

    @Argument(help: "Only the namespace of this name (as in the configuration).")
    var name: String?

    @Flag(name: [.short, .customLong("yes")], help: "Migrate and drop without asking.")
    var yes = false

    @Flag(help: "Migrate nothing; drop legacy tables whose rows are all accounted for.")
    var downOnly = false

    @Flag(help: "Do the whole migration and write the report, then roll back.")
    var dryRun = false

    @Option(help: "The report file for broken rows (default: retuple-broken-tuples-<UTC time>.jsonl here).")
    var report: String?

    @Flag(help: "With --down-only: drop even rows that are not accounted for (they are lost).")
    var force = false

    @Option(help: "Roll a namespace back when it has more than this many broken rows.")
    var maxBroken: Int?

    @Option(help: "How long to wait for a legacy table or another retuple run: 30s, 500ms, 2m; 0 waits without limit.")
    var lockTimeout = "30s"

    @Option(help: "SQLite: the page cache in MiB the migration may fill; it counts in retuple's memory, and a smaller one writes more pages mid-transaction.")
    var sqliteCacheMib = LegacyMigrator.defaultSQLitePageCacheMiB

    func validate() throws {
        guard DurationText.parse(lockTimeout) != nil else {
            throw ValidationError("--lock-timeout \(lockTimeout) is not a duration such as 30s, 500ms or 2m")
        }
        if force, !downOnly {
            throw ValidationError("--force only applies with --down-only")
        }
        if dryRun, downOnly {
            throw ValidationError("--dry-run cannot be combined with --down-only; `retuple verify` checks what --down-only would")
        }
        if report != nil, downOnly {
            throw ValidationError("--report does not apply with --down-only, which reads no rows to report")
        }
        guard (1...4096).contains(sqliteCacheMib) else {
            throw ValidationError("--sqlite-cache-mib must be between 1 and 4096, got \(sqliteCacheMib)")
        }
        if let maxBroken, maxBroken < 0 {
            throw ValidationError("--max-broken must be 0 or more, got \(maxBroken)")
        }
    }

    func run() throws {
        let started = ContinuousClock.now
        let context = try CommandContext(options: options)
        let reportFile = BrokenTupleReport(path: report ?? BrokenTupleReport.defaultFileName())
        if !downOnly { try reportFile.checkWritable() }
        let timeout = DurationText.parse(lockTimeout).flatMap { $0 == .zero ? nil : $0 }
        var run = MigrationRun(dryRun: dryRun, brokenRowsExitThree: !downOnly)
        try context.withDatabases(target: target, sourceIntent: downOnly ? .readWrite : .readOnly) { source, database in
            let migrator = try LegacyMigrator(
                database: database, source: source, configuration: context.configuration ?? Configuration(),
                logger: context.logger, lockTimeout: timeout, sqlitePageCacheMiB: sqliteCacheMib
            )
            migrator.progress = options.quiet ? nil : ProgressDisplay()
            let tables = try migrator.legacyTables(named: name)
            guard !tables.isEmpty else {
                context.console.info("nothing to do: no legacy table\(name.map { " of namespace \($0)" } ?? "") is left in \(source.location)")
                return
            }
            try migrator.checkPrivileges(for: tables, downOnly ? .dropLegacy : yes && !migrator.isCrossDatabase ? .migrateAndDrop : .migrate)
            if downOnly {
                try dropLegacyTables(tables, migrator, &run, context)
            } else {
                try migrate(tables, migrator, reportFile, &run, context)
            }
        }
        context.logger.info("run finished", metadata: [
            "seconds": "\(Int((ContinuousClock.now - started) / .milliseconds(1)) / 1000)",
            "peak_rss_kib": "\(ProcessMemory.peakResidentKiB().map(String.init) ?? "unknown")",
        ])
        try run.finish(report: reportFile, context.console)
    }

    private func migrate(
        _ tables: [LegacyTable], _ migrator: LegacyMigrator, _ reportFile: BrokenTupleReport,
        _ run: inout MigrationRun, _ context: CommandContext
    ) throws {
        try showPlan(tables, migrator, context)
        guard yes || context.console.confirm("migrate these namespaces?") else {
            context.console.info("nothing migrated")
            return
        }
        // Across databases the source is never changed: its tables are
        // dropped by --down-only, once the target has taken over.
        let drops = !migrator.isCrossDatabase
        for table in tables {
            do {
                var result = try migrator.migrate(table, report: reportFile, dropWhenClean: yes && drops, dryRun: dryRun, maxBroken: maxBroken)
                if drops, !yes, !dryRun, result.broken == 0,
                   context.console.confirm(dropQuestion(table)) {
                    do {
                        _ = try migrator.drop(table, force: false)
                        result.dropped = true
                    } catch let failure as NamespaceFailure {
                        run.add(result, context.console)
                        run.fail(failure, context.console)
                        continue
                    }
                }
                run.add(result, context.console)
            } catch let failure as NamespaceFailure {
                run.fail(failure, context.console)
            } catch let gone as LegacyTableGone {
                report(gone, context)
            }
        }
        if !drops, !dryRun {
            context.console.info("\(migrator.source.location) was only read; once the target serves, drop its legacy tables with --down-only --target-dsn")
        }
    }

    private func dropLegacyTables(_ tables: [LegacyTable], _ migrator: LegacyMigrator, _ run: inout MigrationRun, _ context: CommandContext) throws {
        for table in tables {
            guard yes || context.console.confirm(dropQuestion(table)) else {
                let legacy = try migrator.rowCountWithinLockTimeout(table) ?? 0
                run.add(NamespaceMigrationResult(table: table, legacy: legacy), context.console)
                continue
            }
            do {
                let accounting = try migrator.drop(table, force: force)
                var result = NamespaceMigrationResult(table: table, legacy: accounting.legacy)
                result.alreadyPresent = accounting.migrated
                result.broken = accounting.broken
                result.dropped = true
                run.add(result, context.console)
            } catch let failure as NamespaceFailure {
                run.fail(failure, context.console)
            } catch let gone as LegacyTableGone {
                report(gone, context)
            }
        }
    }

    /// Says that a namespace needs nothing more: what a run started after
    /// the drop would have said ("nothing to do"), so it is not a failure.
    private func report(_ gone: LegacyTableGone, _ context: CommandContext) {
        context.console.info(
            "nothing to do for namespace \(gone.table.namespace.name): its legacy table \(gone.table.name) was dropped while this run waited for the lock (by another retuple run, most likely)"
        )
    }

    /// The question asked before a legacy table is dropped (PRODUCT §2.2 point 3).
    private func dropQuestion(_ table: LegacyTable) -> String {
        "drop the legacy table \(table.name) of namespace \(table.namespace.name)? This deletes all data in it"
    }

    /// Lists what will be migrated. Shown even with `-q` when a question
    /// follows, so nobody approves blind; on stderr in `json` format.
    private func showPlan(_ tables: [LegacyTable], _ migrator: LegacyMigrator, _ context: CommandContext) throws {
        var lines = ["legacy namespaces in \(migrator.source.location):"]
        for table in tables {
            let rows = try migrator.rowCountWithinLockTimeout(table).map(String.init) ?? "? (locked by another session)"
            lines.append("  \(table.namespace.name) (id \(table.namespace.id)): \(rows) rows in \(table.name)")
        }
        if migrator.isCrossDatabase {
            lines.append("into \(migrator.database.location); the source is only read and keeps its tables")
        }
        if dryRun { lines.append("dry run: every namespace is rolled back after its figures are taken") }
        for line in lines {
            if yes { context.console.info(line) } else { context.console.notice(line) }
        }
    }
}
