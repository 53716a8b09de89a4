import Foundation
import Logging
import Testing
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

/// Checks that the drop guard refuses to drop `table` (without force),
/// naming 1 unaccounted row of its `rows`.
func expectDropRefused(
    _ table: LegacyTable, by migrator: LegacyMigrator, unaccountedRowsOf rows: Int, sourceLocation: SourceLocation = #_sourceLocation
) {
    do {
        _ = try migrator.drop(table, force: false)
        Issue.record("the guard let a table with an unaccounted row be dropped", sourceLocation: sourceLocation)
    } catch let failure as NamespaceFailure {
        #expect(failure.description.contains("1 of its \(rows) rows"), sourceLocation: sourceLocation)
    } catch {
        Issue.record(error, sourceLocation: sourceLocation)
    }
}
