import Foundation
import RetupleCore

/// Runs the methods on fresh copies of one dataset, in alternation
/// (a, b, c, d, a, b, …), and checks that every run produced the same
/// unified rows as the first one.
struct DatasetBench {
    let dataset: any LegacyDataset
    /// How the results name the dataset's backend (`DatasetPlan.label`).
    let label: String
    let tools: BuiltTools
    let methods: [BenchMethod]
    let runs: Int
    /// Receives one line per finished run.
    let log: (String) -> Void

    /// - Throws: `BenchError` as soon as a run fails or its rows differ.
    func run() throws -> [Measurement] {
        var measurements: [Measurement] = []
        var reference: (digest: UnifiedRowsDigest, method: BenchMethod)?
        var latestReference: (digest: UnifiedRowsDigest, method: BenchMethod)?
        for run in 1...runs {
            for method in methods {
                let (seconds, peakRSS, digest) = try measure(method, run: run)
                let name = "\(label) \(dataset.generated.tuples) run \(run) \(method.label)"
                let expected = method == .retupleLatest ? dataset.generated.expectedLatestRows : dataset.generated.expectedUnifiedRows
                guard digest.rows == expected else {
                    throw BenchError("\(name) produced \(digest.rows) unified rows, expected \(expected) (legacy \(dataset.generated.tuples) − broken \(dataset.generated.broken))")
                }
                let check: String
                // The latest form's direct path also holds the rows v0.7 cannot: compared among its own runs.
                if method == .retupleLatest && dataset.generated.tooLong > 0 {
                    if let latestReference {
                        guard latestReference.digest == digest else {
                            throw BenchError("\(name) produced other rows than run 1 \(latestReference.method.label): \(digest) vs \(latestReference.digest)")
                        }
                        check = "the same as run 1 \(latestReference.method.label)"
                    } else {
                        latestReference = (digest, method)
                        check = "the reference for the latest form's runs"
                    }
                } else if let reference {
                    guard reference.digest == digest else {
                        throw BenchError("\(name) produced other unified rows than run 1 \(reference.method.label): \(digest) vs \(reference.digest)")
                    }
                    check = "the same as run 1 \(reference.method.label)"
                } else {
                    reference = (digest, method)
                    check = "the reference for the runs that follow"
                }
                let measurement = Measurement(
                    backend: label, tuples: dataset.generated.tuples, method: method, run: run,
                    seconds: seconds, peakRSSKiB: peakRSS, rows: digest.rows, digest: digest.description
                )
                measurements.append(measurement)
                let rss = peakRSS.map { ", peak RSS \(mebibytes($0)) MiB" } ?? ""
                log("\(name): \(fixed(seconds, 3)) s, \(fixed(measurement.rowsPerSecond, 0)) rows/s\(rss), \(digest.rows) unified rows, \(check)")
            }
        }
        return measurements
    }

    /// One run on a fresh copy with the unified schema applied: the time,
    /// the peak RSS of `retuple` for (a), and the digest of the result.
    private func measure(_ method: BenchMethod, run: Int) throws -> (Double, Int?, UnifiedRowsDigest) {
        let dsn = try dataset.makeCopy()
        defer { try? dataset.removeCopy() }
        let tag = "\(dataset.backend.rawValue)-\(dataset.generated.tuples)-\(run)-\(method.rawValue)"
        try tools.runChecked(
            "retuple", ["migrate", "up", "--dsn", dsn, "-y"] + (method == .retupleLatest ? ["--to", "latest"] : []),
            logName: "migrate-up-\(tag)"
        )
        if method == .retupleConversion {
            try tools.runChecked(
                "retuple",
                ["namespace", "migrate", "legacy", "--dsn", dsn, "-c", dataset.generated.configPath, "-y",
                 "--report", tools.logDirectory + "/report-\(tag).jsonl"],
                logName: "migrate-legacy-\(tag)", allowedStatus: [dataset.generated.broken > 0 ? 3 : 0]
            )
        }
        try dataset.settle()

        var seconds: Double
        var peakRSS: Int?
        if method == .retupleConversion {
            let (outcome, peak) = try tools.runChecked(
                "retuple", ["migrate", "up", "--to", "latest", "--dsn", dsn, "-c", dataset.generated.configPath, "-y"],
                logName: "migrate-up-latest-\(tag)", measuringMemory: true
            )
            (seconds, peakRSS) = (outcome.seconds, peak)
        } else if method.migratesLegacy {
            let (outcome, peak) = try tools.runChecked(
                "retuple",
                ["namespace", "migrate", "legacy", "--dsn", dsn, "-c", dataset.generated.configPath, "-y",
                 "--report", tools.logDirectory + "/report-\(tag).jsonl"] + (method == .retupleOneJob ? ["--jobs", "1"] : []),
                logName: "migrate-legacy-\(tag)",
                allowedStatus: [dataset.generated.broken > 0 ? 3 : 0],
                measuringMemory: true
            )
            (seconds, peakRSS) = (outcome.seconds, peak)
        } else {
            let database = try openDatabase(try DataSourceName(parsing: dsn))
            defer { database.close() }
            let configuration = dataset.generated.configuration
            let started = ContinuousClock.now
            switch method {
            case .insertSelect: try InDatabaseMigration(database: database, configuration: configuration).insertSelect()
            case .loadThenIndex: try InDatabaseMigration(database: database, configuration: configuration).loadThenIndex()
            case .ketoStyle: try KetoStyleMigration(database: database, configuration: configuration).run()
            case .retuple, .retupleOneJob, .retupleLatest, .retupleConversion: preconditionFailure("handled above")
            }
            seconds = started.duration(to: .now).seconds
        }

        let database = try openDatabase(try DataSourceName(parsing: dsn))
        defer { database.close() }
        let digest = method.writesLatestForm
            ? try UnifiedRowsDigest.ofLatestForm(database, configuration: dataset.generated.configuration)
            : try UnifiedRowsDigest.of(database)
        return (seconds, peakRSS, digest)
    }
}
