import RetupleSQLite

extension SQLiteDatabase: IndexDeferral {
    /// SQLite takes one writer at a time and changes its schema within a
    /// transaction, so dropping the indexes holds nobody up: readers see
    /// the committed schema until the commit. Indexes SQLite made for a
    /// constraint (no `sql` in `sqlite_master`) stay. It pays off for the
    /// first namespace a run writes; a table that already holds rows keeps
    /// its indexes, since rebuilding them would sort those rows again for
    /// every namespace (benchmarks/ANALYSIS.md).
    public func fillingWithIndexesDeferred<T>(_ table: String, _ body: () throws -> T) throws -> T {
        guard try scalar("SELECT 1 FROM \(quoteIdentifier(table)) LIMIT 1") == nil else { return try body() }
        let indexes = try allRows(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY rowid",
            [.text(table)]
        ).compactMap { row -> (name: String, definition: String)? in
            guard let name = row.first?.text, let definition = row.dropFirst().first?.text else { return nil }
            return (name, definition)
        }
        for index in indexes { try execute("DROP INDEX \(quoteIdentifier(index.name))", []) }
        let result = try body()
        for index in indexes { try execute(index.definition, []) }
        return result
    }
}
