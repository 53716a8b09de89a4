extension PostgresDatabase: IndexDeferral {
    /// Never defers: `DROP INDEX` holds an ACCESS EXCLUSIVE lock on the
    /// table until the commit, which would stop Keto's readers and the
    /// run's other jobs for the whole namespace; and rebuilding the
    /// indexes per namespace measured no gain (benchmarks/ANALYSIS.md).
    public func fillingWithIndexesDeferred<T>(_ table: String, _ body: () throws -> T) throws -> T {
        try body()
    }
}
