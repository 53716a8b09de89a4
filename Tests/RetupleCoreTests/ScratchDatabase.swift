import Foundation
import Logging
import RetupleCore
import RetupleTestSupport
import RetupleFixtures

/// Opens an empty database on `backend` for one test: a new SQLite file in
/// a temporary directory, or a new database on the test PostgreSQL server.
/// Gives the body the database and its DSN; cleans up afterwards.
func withScratchDatabase(_ backend: DatabaseBackend, _ body: (any Database, String) throws -> Void) throws {
    switch backend {
    case .sqlite:
        let directory = try TemporaryDirectory()
        let dsn = "sqlite://" + directory.path("scratch.db")
        let database = try openDatabase(try DataSourceName(parsing: dsn), intent: .readWriteCreatingFile)
        defer { database.close() }
        try body(database, dsn)
    case .postgres:
        try TestPostgres.withFreshDatabase { dsn in
            let database = try openDatabase(try DataSourceName(parsing: dsn))
            defer { database.close() }
            try body(database, dsn)
        }
    }
}

/// The backends a test can run on here: SQLite always, PostgreSQL when the
/// test server is running (scripts/test makes it required).
let availableBackends: [DatabaseBackend] = TestPostgres.isAvailable ? [.sqlite, .postgres] : [.sqlite]

/// The repository root, for the files under `legacy-fixtures/`.
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Loads the demo v0.6 dataset of `legacy-fixtures/demo/` into `database`.
func loadDemoFixture(into database: any Database) throws -> Configuration {
    let demo = repositoryRoot.appendingPathComponent("legacy-fixtures/demo")
    let configuration = try Configuration.load(path: demo.appendingPathComponent("keto.yml").path)
    let script = database.backend == .sqlite ? "sqlite.sql" : "postgres.sql"
    try RetupleFixtures.FixtureLoader.load(
        sqlFile: demo.appendingPathComponent(script).path,
        configuration: configuration,
        into: database
    )
    return configuration
}

/// A logger that drops everything, so test output shows only results.
let testLogger = Logger(label: "retuple-test") { _ in SwiftLogNoOpLogHandler() }
