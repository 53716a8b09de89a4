import RetupleCore

extension RunbookTests.Run {
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
}
