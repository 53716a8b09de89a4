import ArgumentParser
import Foundation
import RetupleCore

/// `retuple namespace migrate legacy`: the migration. The flags become a
/// `LegacyMigrationRun`, which holds the run's policy (what is asked, when
/// tables are dropped); `MigrationPresenter` shows what it reports.
struct MigrateLegacyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "legacy",
        abstract: "Move tuples from the legacy per-namespace tables into keto_relation_tuples.",
        discussion: discussion(
            """
            Each namespace migrates in one transaction. Rows that cannot be carried over \
            faithfully are written to a report file and recorded in retuple_broken_tuples; their \
            namespace keeps its legacy table and the run exits 3. Clean namespaces go on to the \
            drop step. Asks before migrating and before each drop unless -y. Re-running is safe.

            With --target-dsn the unified rows go into that other database (run `retuple migrate \
            up --target-dsn …` first) and the source (--dsn) is only read, each namespace in a \
            read-only snapshot that holds its writers off: nothing is dropped from it. Once the \
            target serves, --down-only --target-dsn drops the source's legacy tables whose rows \
            the target accounts for.

            --jobs: on PostgreSQL up to that many namespaces migrate at once, each in its own \
            transaction on its own connection (auto: one per namespace, at most one per core of \
            this machine and as many as the server has connections to spare); the figures, the \
            report and the drop rules are those of each namespace alone, and the namespaces' \
            lines come in the plan's order. Without -y the drop questions come one namespace at \
            a time once all have migrated. Ctrl-C or SIGTERM rolls back every namespace in \
            flight. On SQLite, which takes one writer at a time, and into the latest form, whose \
            namespaces share their keto_uuid_mappings rows, namespaces migrate one after the \
            other: --jobs above 1 means one thread reads and writes while a second transforms \
            the rows. --jobs 1 uses one thread and one connection.
            """,
            examples(
                "retuple namespace migrate legacy -c keto.yml --dry-run",
                "retuple namespace migrate legacy -c keto.yml -y --jobs 4 | tee migration.log",
                "retuple namespace migrate legacy files -c keto.yml --lock-timeout 2m --report broken.jsonl",
                "retuple namespace migrate legacy -c keto.yml --down-only -y"
            )
        )
    )

    @OptionGroup var options: GlobalOptions
    @OptionGroup var target: MigrationTargetDatabaseOptions

    @Argument(help: "Only the namespace of this name (as in the configuration).")
    var name: String?

    @OptionGroup var answer: YesOption

    @Flag(help: "Migrate nothing; drop legacy tables whose rows are all accounted for.")
    var downOnly = false

    @Flag(help: "Do the whole migration and write the report, then roll back.")
    var dryRun = false

    @Option(help: "The report file for broken rows (default: retuple-broken-tuples-<UTC time>.jsonl here).", completion: .file())
    var report: String?

    @Flag(help: "With --down-only: drop even rows that are not accounted for (they are lost).")
    var force = false

    @Option(help: "Roll a namespace back when it has more than this many broken rows.")
    var maxBroken: Int?

    @Option(help: "How long to wait for a legacy table or another retuple run: 30s, 500ms, 2m; 0 waits without limit.")
    var lockTimeout = "30s"

    @Option(help: "Namespaces that migrate at once: a number, or auto (one per namespace, capped by this machine's cores and the server's free connections). SQLite and the latest form: above 1, rows are transformed on a second thread.")
    var jobs = "auto"

    @Option(help: "SQLite: the page cache in MiB the migration may fill, and about as much again for sorting; both count in retuple's memory, and a smaller cache writes more pages mid-transaction.")
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
        guard jobs == "auto" || Int(jobs).map({ (1...1024).contains($0) }) == true else {
            throw ValidationError("--jobs must be auto or a number from 1 to 1024, got \(jobs)")
        }
        if let maxBroken, maxBroken < 0 {
            throw ValidationError("--max-broken must be 0 or more, got \(maxBroken)")
        }
    }

    func run() throws {
        let started = ContinuousClock.now
        let context = try CommandContext(options: options)
        let interrupts = Interrupts.install()
        let presenter = MigrationPresenter(console: context.console, interrupts: interrupts)
        let run = try LegacyMigrationRun(
            .init(name: name, yes: answer.yes, dryRun: dryRun, downOnly: downOnly, force: force, maxBroken: maxBroken, report: report),
            confirmation: InterruptibleConfirmation(console: context.console, interrupts: interrupts), observer: presenter
        )
        let timeout = DurationText.parse(lockTimeout).flatMap { $0 == .zero ? nil : $0 }
        var interrupted: RunInterrupted?
        do {
            try context.withDatabases(target: target.options, sourceIntent: sourceIntent) { source, database in
                try interrupts.cancelling([source, database]) {
                    let migrator = try LegacyMigrator(
                        database: database, source: source, configuration: context.configuration ?? Configuration(),
                        logger: context.logger, lockTimeout: timeout, sqlitePageCacheMiB: sqliteCacheMib
                    )
                    migrator.progress = options.quiet ? nil : ProgressDisplay()
                    migrator.isInterrupted = { interrupts.received != nil }
                    migrator.onLockWait = { presenter.lockWait($0) }
                    do {
                        try run.perform(with: migrator, workers: workers(context, interrupts))
                    } catch let stop as RunInterrupted {
                        interrupted = stop
                    }
                }
            }
        } catch where interrupts.received != nil {
            // Stopped before or between namespaces (a cancelled lookup, say):
            // whatever committed was reported.
            FileHandle.standardError.write(Data("\(interrupts.line())\n".utf8))
            throw ExitCode(interrupts.exitStatus)
        }
        if let interrupted {
            FileHandle.standardError.write(Data("\(interrupted.summary)\n".utf8))
            throw ExitCode(interrupts.exitStatus)
        }
        context.logger.info("run finished", metadata: [
            "seconds": "\(Int((ContinuousClock.now - started) / .milliseconds(1)) / 1000)",
            "peak_rss_kib": "\(ProcessMemory.peakResidentKiB().map(String.init) ?? "unknown")",
        ])
        try run.finish()
    }

    /// Where the legacy tables are opened: read-only across databases,
    /// except to drop them (`--down-only`).
    private var sourceIntent: OpenIntent { downOnly ? .readWrite : .readOnly }

    /// How more workers connect: to the same databases, opened the same
    /// way, their statements cancelled by an interrupt as the run's own.
    private func workers(_ context: CommandContext, _ interrupts: Interrupts) throws -> MigrationWorkers {
        let sourceDSN = try context.dataSourceName()
        let targetDSN = try target.options.dataSourceName()
        let sourceIntent = sourceIntent
        return MigrationWorkers(jobs: Int(jobs), progress: options.quiet ? nil : ProgressBoard()) { body in
            let source = try openDatabase(sourceDSN, intent: targetDSN == nil ? .readWrite : sourceIntent)
            defer { source.close() }
            guard let targetDSN else {
                return try interrupts.cancelling([source]) { try body(source, source) }
            }
            let database = try openDatabase(targetDSN)
            defer { database.close() }
            try interrupts.cancelling([source, database]) { try body(source, database) }
        }
    }
}
