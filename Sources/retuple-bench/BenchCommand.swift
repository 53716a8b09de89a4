import ArgumentParser
import Foundation
import RetupleCore

/// `retuple-bench`: measures retuple against the database's own
/// `INSERT … SELECT` and a Keto-v0.7-style migration on generated v0.6
/// data (benchmarks/README.md). `scripts/bench` builds it and runs it.
@main
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retuple-bench",
        abstract: "Benchmark retuple against in-database and Keto-style migrations of the same generated data.",
        discussion: """
            For each backend and size: generates a v0.6 database once, then runs (a) retuple, (b) INSERT…SELECT, \
            (c) load then index, and (d) Keto-v0.7-style (small sizes only) on fresh copies, in alternation, \
            checks every run produced the same unified rows, and prints the medians. \
            Quick run: retuple-bench --postgres-sizes 100k --sqlite-sizes 100k --runs 1
            """
    )

    @Option(help: "PostgreSQL sizes, comma-separated (100k, 1M, 250000), or none.")
    var postgresSizes = "100k,1M,10M"

    @Option(help: "SQLite sizes, comma-separated, or none.")
    var sqliteSizes = "100k,1M,5M"

    @Option(help: "Runs of each method per size; medians are reported.")
    var runs = 3

    @Option(help: "Methods to run, among a,a1,b,c,d,e,f (a1: retuple --jobs 1; e, f: the latest form).")
    var methods = "a,a1,b,c,d,e"

    @Option(help: "PostgreSQL sizes of the skewed dataset (one namespace holds --skewed-share of the rows), or none.")
    var skewedPostgresSizes = "1M"

    @Option(help: "SQLite sizes of the skewed dataset, or none.")
    var skewedSqliteSizes = "1M"

    @Option(help: "The share of the rows in the skewed dataset's first namespace.")
    var skewedShare = 0.8

    @Option(help: "Run (d), the Keto-style reference, only up to this many tuples.")
    var ketoMaxTuples = 100_000

    @Option(help: "Run (e) and (f), the latest form, only up to this many tuples.")
    var latestMaxTuples = 1_000_000

    @Option(help: "Namespaces the generated tuples are spread over.")
    var namespaces = 3

    @Option(help: "Generator seed.")
    var seed: UInt64 = 1

    @Option(help: "Share of generated tuples made broken (spread over every reason the backend can hold).")
    var brokenShare = 0.001

    @Option(name: .customLong("postgres-dsn"), help: "Superuser DSN of the PostgreSQL server to create the databases on (default: $RETUPLE_BENCH_POSTGRES_DSN, then $RETUPLE_TEST_POSTGRES_DSN).")
    var postgresDSN: String?

    @Option(help: "Directory of the built retuple and retuple-fixtures (default: beside retuple-bench).")
    var binDir: String?

    @Option(help: "Scratch directory for SQLite files and logs (default: a new one in $TMPDIR, removed after a successful run).")
    var workDir: String?

    @Option(help: "Write the results as Markdown here (scripts/bench: benchmarks/RESULTS.md).")
    var results: String?

    @Option(help: "Write every measurement as JSON here.")
    var json: String?

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        _ = try plan()
    }

    func run() throws {
        let started = ContinuousClock.now
        let plan = try plan()
        let dsn = (plan.sizes + plan.skewedSizes).contains { $0.backend == .postgres && !$0.tuples.isEmpty } ? try serverDSN() : nil
        let work = try workDirectory()
        let tools = try BuiltTools(binDirectory: binDir ?? BuiltTools.ownDirectory, logDirectory: work)
        let facts = MachineFacts.gather(postgresDSN: dsn, tools: tools)

        var measurements: [Measurement] = []
        var datasets: [ResultsDocument.DatasetRecord] = []
        do {
            let even = plan.sizes.map { ($0.backend, $0.tuples, nil as Double?) }
            let skewed = plan.skewedSizes.map { ($0.backend, $0.tuples, plan.skewedShare as Double?) }
            for (backend, sizes, share) in even + skewed {
                for tuples in sizes {
                    var datasetPlan = plan.dataset
                    datasetPlan.tuples = tuples
                    datasetPlan.firstNamespaceShare = share
                    let label = datasetPlan.label(backend)
                    say("\(label) \(sizeName(tuples)): generating")
                    let directory = work + "/\(backend.rawValue)-\(tuples)\(share == nil ? "" : "-skewed")"
                    let dataset: any LegacyDataset = switch backend {
                    case .sqlite: try SQLiteDataset(plan: datasetPlan, directory: directory, tools: tools)
                    case .postgres: try PostgresDataset(plan: datasetPlan, adminDSN: dsn!, directory: directory, tools: tools)
                    }
                    defer { dataset.remove() }
                    datasets.append(.init(backend: label, generated: dataset.generated))
                    say("\(label) \(sizeName(tuples)): \(dataset.generated.tuples) legacy rows, \(dataset.generated.broken) broken, generated in \(fixed(dataset.generated.generatorSeconds, 1)) s")
                    let bench = DatasetBench(dataset: dataset, label: label, tools: tools, methods: plan.methods(for: tuples), runs: plan.runs, log: say)
                    measurements += try bench.run()
                }
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\nlogs kept in \(work)\n".utf8))
            throw ExitCode.failure
        }

        let document = ResultsDocument(
            facts: facts, plan: plan, datasets: datasets, summary: BenchSummary(measurements),
            totalSeconds: started.duration(to: .now).seconds
        )
        say("\n" + document.mediansTable + "\n" + document.ratiosTable)
        say("every run produced the same unified rows as the first; total \(duration(document.totalSeconds))")
        if let results {
            try document.markdown.write(toFile: results, atomically: true, encoding: .utf8)
            say("wrote \(results)")
        }
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(measurements).write(to: URL(fileURLWithPath: json))
        }
        if workDir == nil { try? FileManager.default.removeItem(atPath: work) }
    }

    private func plan() throws -> BenchPlan {
        let chosen = try methods.split(separator: ",").map { letter in
            guard let method = BenchMethod(rawValue: letter.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--methods \(methods): expected letters among a, a1, b, c, d, e, f")
            }
            return method
        }
        return BenchPlan(
            sizes: [(.postgres, try sizes(postgresSizes, "--postgres-sizes")), (.sqlite, try sizes(sqliteSizes, "--sqlite-sizes"))],
            runs: runs, methods: Array(Set(chosen)).sorted(), ketoMaxTuples: ketoMaxTuples,
            dataset: DatasetPlan(tuples: 0, namespaces: namespaces, seed: seed, brokenShare: brokenShare),
            skewedSizes: [(.postgres, try sizes(skewedPostgresSizes, "--skewed-postgres-sizes")), (.sqlite, try sizes(skewedSqliteSizes, "--skewed-sqlite-sizes"))],
            skewedShare: skewedShare, latestMaxTuples: latestMaxTuples
        )
    }

    private func sizes(_ text: String, _ flag: String) throws -> [Int] {
        if text.isEmpty || text == "none" { return [] }
        return try text.split(separator: ",").map {
            guard let size = parseSize($0), size > 0 else { throw ValidationError("\(flag) \(text): expected sizes such as 100k,1M,250000 or none") }
            return size
        }
    }

    private func serverDSN() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        guard let dsn = [postgresDSN, environment["RETUPLE_BENCH_POSTGRES_DSN"], environment["RETUPLE_TEST_POSTGRES_DSN"]]
            .compactMap({ $0 }).first(where: { !$0.isEmpty })
        else {
            throw ValidationError("PostgreSQL sizes need a server: pass --postgres-dsn or set RETUPLE_BENCH_POSTGRES_DSN (scripts/bench starts one), or --postgres-sizes none")
        }
        return dsn
    }

    private func workDirectory() throws -> String {
        if let workDir {
            try FileManager.default.createDirectory(atPath: workDir, withIntermediateDirectories: true)
            return URL(fileURLWithPath: workDir).standardizedFileURL.path
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("retuple-bench-" + UUID().uuidString.prefix(8)).path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// Prints one progress line at once, even into a pipe (unbuffered).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
