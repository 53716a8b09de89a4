import Foundation
import Logging
import RetupleCore
import RetupleTestSupport
import RetupleFixtures

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
