import Foundation
import RetupleCore
#if canImport(Glibc)
import Glibc
#endif

/// What `retuple-fixtures generate` is asked for.
struct DatasetPlan: Sendable {
    var tuples: Int
    var namespaces: Int
    var seed: UInt64
    var brokenShare: Double
    /// The share of rows in the first namespace (a skewed dataset); nil
    /// spreads them evenly.
    var firstNamespaceShare: Double? = nil

    /// How the results name the dataset's backend: `postgres`, or
    /// `postgres, 80 % in one namespace` for a skewed one.
    func label(_ backend: DatabaseBackend) -> String {
        firstNamespaceShare.map { "\(backend.rawValue), \(Int(($0 * 100).rounded())) % in one namespace" } ?? backend.rawValue
    }
}

/// What the generator made: the legacy rows, how many of them are broken,
/// and the Keto configuration naming the namespaces.
struct GeneratedLegacy {
    let tuples: Int
    let broken: Int
    /// Broken rows that are broken only by v0.7's 64-character columns;
    /// the latest form takes them.
    var tooLong = 0
    let configPath: String
    let configuration: Configuration
    let generatorSeconds: Double

    /// The unified rows every method must produce: one per legacy row
    /// that is not broken (the generator's valid rows have distinct keys).
    var expectedUnifiedRows: Int { tuples - broken }
    /// The rows the latest form holds after the legacy migration.
    var expectedLatestRows: Int { tuples - broken + tooLong }
}

/// A v0.6 database generated once, and fresh copies of it for each run.
protocol LegacyDataset: AnyObject {
    var backend: DatabaseBackend { get }
    var generated: GeneratedLegacy { get }
    /// Makes a fresh copy of the generated database (replacing the last
    /// one) and returns its DSN.
    func makeCopy() throws -> String
    /// Brings the machine to a quiet state before a timed run: nothing
    /// left for the database or the kernel to write back.
    func settle() throws
    /// Removes the copy, if any.
    func removeCopy() throws
    /// Removes the copy and the generated database.
    func remove()
}

extension LegacyDataset {
    /// Runs `retuple-fixtures generate` into `dsn`, writing the
    /// configuration to `configPath`, and reads back what it made.
    ///
    /// - Throws: `BenchError` when the generator fails or prints no summary.
    static func generate(into dsn: String, plan: DatasetPlan, configPath: String, tools: BuiltTools) throws -> GeneratedLegacy {
        let (outcome, _) = try tools.runChecked("retuple-fixtures", [
            "generate", "--dsn", dsn, "--tuples", String(plan.tuples), "--namespaces", String(plan.namespaces),
            "--seed", String(plan.seed), "--broken-share", String(plan.brokenShare), "--config-out", configPath,
        ] + (plan.firstNamespaceShare.map { ["--first-namespace-share", String($0)] } ?? []), logName: "generate-\(plan.tuples)")
        // generated tuples=N namespaces=K broken=B too_long=… seconds=S
        var figures: [String: String] = [:]
        for field in try outcome.output().split(whereSeparator: \.isWhitespace) {
            let parts = field.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { figures[String(parts[0])] = String(parts[1]) }
        }
        guard let tuples = figures["tuples"].flatMap(Int.init), let broken = figures["broken"].flatMap(Int.init) else {
            throw BenchError("retuple-fixtures generate printed no summary: \(try outcome.output())")
        }
        var generated = GeneratedLegacy(
            tuples: tuples, broken: broken, configPath: configPath,
            configuration: try Configuration.load(path: configPath), generatorSeconds: outcome.seconds
        )
        generated.tooLong = figures["too_long"].flatMap(Int.init) ?? 0
        return generated
    }
}

/// A generated SQLite file; copies are plain file copies.
final class SQLiteDataset: LegacyDataset {
    let backend = DatabaseBackend.sqlite
    let generated: GeneratedLegacy
    private let originalPath: String
    private let copyPath: String

    /// Generates the database in `directory`.
    init(plan: DatasetPlan, directory: String, tools: BuiltTools) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        originalPath = directory + "/original.db"
        copyPath = directory + "/copy.db"
        generated = try Self.generate(
            into: "sqlite://" + originalPath, plan: plan, configPath: directory + "/keto.yml", tools: tools
        )
    }

    func makeCopy() throws -> String {
        try removeCopy()
        try FileManager.default.copyItem(atPath: originalPath, toPath: copyPath)
        return "sqlite://" + copyPath
    }

    func settle() throws {
        // The copy and earlier runs leave dirty pages the kernel would
        // otherwise write back during the timed run.
        sync()
    }

    func removeCopy() throws {
        for path in [copyPath, copyPath + "-journal", copyPath + "-wal", copyPath + "-shm"]
        where FileManager.default.fileExists(atPath: path) {
            try FileManager.default.removeItem(atPath: path)
        }
    }

    func remove() {
        try? removeCopy()
        try? FileManager.default.removeItem(atPath: originalPath)
    }
}

/// A generated PostgreSQL database; copies are
/// `CREATE DATABASE … TEMPLATE original`.
final class PostgresDataset: LegacyDataset {
    let backend = DatabaseBackend.postgres
    let generated: GeneratedLegacy
    private let adminDSN: String
    private let admin: any Database
    private let originalName: String
    private var copyName: String { originalName + "_copy" }

    /// Creates a database named after the size on the server `adminDSN`
    /// (a superuser DSN) and generates into it.
    init(plan: DatasetPlan, adminDSN: String, directory: String, tools: BuiltTools) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.adminDSN = adminDSN
        admin = try openDatabase(try DataSourceName(parsing: adminDSN))
        originalName = "retuple_bench_\(plan.tuples)_" + UUID().uuidString.prefix(8).lowercased()
        try admin.execute("CREATE DATABASE \(quoteIdentifier(originalName))")
        do {
            let originalDSN = postgresDSN(adminDSN, database: originalName)
            generated = try Self.generate(into: originalDSN, plan: plan, configPath: directory + "/keto.yml", tools: tools)
            // Every copy starts from the same clean pages: hint bits set,
            // visibility map and statistics current.
            let original = try openDatabase(try DataSourceName(parsing: originalDSN))
            defer { original.close() }
            try original.execute("VACUUM (FREEZE, ANALYZE)")
        } catch {
            _ = try? admin.execute("DROP DATABASE IF EXISTS \(quoteIdentifier(originalName)) WITH (FORCE)")
            throw error
        }
    }

    func makeCopy() throws -> String {
        try removeCopy()
        // FILE_COPY copies the files instead of writing every block to the
        // WAL (PostgreSQL 15's default WAL_LOG), which would leave the next
        // checkpoint's work to the timed run.
        try admin.execute("CREATE DATABASE \(quoteIdentifier(copyName)) TEMPLATE \(quoteIdentifier(originalName)) STRATEGY FILE_COPY")
        return postgresDSN(adminDSN, database: copyName)
    }

    func settle() throws {
        try admin.execute("CHECKPOINT")
        sync()
    }

    func removeCopy() throws {
        try admin.execute("DROP DATABASE IF EXISTS \(quoteIdentifier(copyName)) WITH (FORCE)")
    }

    func remove() {
        try? removeCopy()
        _ = try? admin.execute("DROP DATABASE IF EXISTS \(quoteIdentifier(originalName)) WITH (FORCE)")
        admin.close()
    }
}

/// The DSN of database `name` on the server of `adminDSN`: the path of a
/// URL, or `dbname=` appended to a `key=value` string (libpq takes the
/// last value of a repeated keyword).
func postgresDSN(_ adminDSN: String, database name: String) -> String {
    if adminDSN.contains("://"), var components = URLComponents(string: adminDSN) {
        components.path = "/" + name
        return components.string ?? adminDSN
    }
    return adminDSN + " dbname=" + name
}
