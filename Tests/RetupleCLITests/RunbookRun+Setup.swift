import RetupleCore
import RetupleTestSupport
import Testing

extension RunbookTests.Run {
    /// A SQLite run set up by `setUpSQLiteDemo`, once `tools` are known to
    /// be on `PATH` (`RunbookTests.requireTools`).
    static func sqliteDemo(requiring tools: [String]) throws -> RunbookTests.Run {
        try RunbookTests.requireTools(tools)
        let run = try RunbookTests.Run(backend: .sqlite)
        try run.setUpSQLiteDemo()
        return run
    }

    /// Sets a SQLite run up as a deployment: `KETO_DB` a new file in the
    /// run's directory holding the demo v0.6 database, `DSN` naming it, and
    /// `KETO_CONFIG` with a `dsn:` of its own that the runbook's `DSN` must win over.
    func setUpSQLiteDemo() throws {
        precondition(backend == .sqlite, "a SQLite demo for a \(backend) run")
        let database = directory.path("keto.sqlite")
        variables["KETO_DB"] = database
        variables["DSN"] = "sqlite://" + database
        try writeConfig(dsn: "sqlite://\(database)?_fk=true")
        try loadDemoFixture(dsn: "sqlite://" + database)
    }

    /// Runs `body` with the name of a new `ScratchDatabase` on the test
    /// server, libpq's `PG*` variables naming it (as `server`'s admin role)
    /// set for the blocks.
    func withPostgresDatabase(on server: RunbookTests.Server, _ body: (_ name: String) throws -> Void) throws {
        try ScratchDatabase.with(.postgres) { scratch in
            let name = try #require(scratch.postgresDatabaseName)
            variables.merge(server.variables(database: name)) { $1 }
            try body(name)
        }
    }
}
