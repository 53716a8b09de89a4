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

            --jobs: on PostgreSQL up to that many namespaces migrate at once, each in its own \
            transaction on its own connection (auto: one per namespace, at most one per core of \
            this machine and as many as the server has connections to spare); the figures, the \
            report and the drop rules are those of each namespace alone, and each namespace's \
            line is shown as it ends. Without -y the drop questions come one namespace at a time \
            once all have migrated. On SQLite, which takes one writer at a time, namespaces \
            always migrate one after the other: --jobs above 1 means one thread reads and \
            writes while a second transforms the rows. --jobs 1 uses one thread and one \
            connection.
            """
    )

    @OptionGroup var options: GlobalOptions
    @OptionGroup var target: TargetDatabaseOptions

    @Argument(help: "Only the namespace of this name (as in the configuration).")
    var name: String?

    @OptionGroup var answer: YesOption

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

    @Option(help: "Namespaces that migrate at once: a number, or auto (one per namespace, capped by this machine's cores and the server's free connections). SQLite: above 1, rows are transformed on a second thread.")
    var jobs = "auto"

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
        let run = try LegacyMigrationRun(
            .init(name: name, yes: answer.yes, dryRun: dryRun, downOnly: downOnly, force: force, maxBroken: maxBroken, report: report),
            confirmation: context.console, observer: MigrationPresenter(console: context.console)
        )
        let timeout = DurationText.parse(lockTimeout).flatMap { $0 == .zero ? nil : $0 }
        try context.withDatabases(target: target, sourceIntent: downOnly ? .readWrite : .readOnly) { source, database in
            let migrator = try LegacyMigrator(
                database: database, source: source, configuration: context.configuration ?? Configuration(),
                logger: context.logger, lockTimeout: timeout, sqlitePageCacheMiB: sqliteCacheMib
            )
            migrator.progress = options.quiet ? nil : ProgressDisplay()
            try run.perform(with: migrator, workers: workers(context))
        }
        context.logger.info("run finished", metadata: [
            "seconds": "\(Int((ContinuousClock.now - started) / .milliseconds(1)) / 1000)",
            "peak_rss_kib": "\(ProcessMemory.peakResidentKiB().map(String.init) ?? "unknown")",
        ])
        try run.finish()
    }

    /// How more workers connect: to the same databases, opened the same way.
    private func workers(_ context: CommandContext) throws -> MigrationWorkers {
        let sourceDSN = try context.dataSourceName()
        let targetDSN = try target.dataSourceName()
        let sourceIntent: OpenIntent = downOnly ? .readWrite : .readOnly
        return MigrationWorkers(jobs: Int(jobs), progress: options.quiet ? nil : ProgressBoard()) {
            guard let targetDSN else {
                let database = try openDatabase(sourceDSN)
                return (database, database)
            }
            let source = try openDatabase(sourceDSN, intent: sourceIntent)
            do {
                return (source, try openDatabase(targetDSN))
            } catch {
                source.close()
                throw error
            }
        }
    }
}
