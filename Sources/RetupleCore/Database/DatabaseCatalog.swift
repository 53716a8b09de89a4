/// Questions about what a database holds, answered per backend from its
/// catalog, in the current schema only.
extension Database {
    /// Whether a table of this exact name exists (current schema on
    /// PostgreSQL, the main database on SQLite).
    public func tableExists(_ name: String) throws -> Bool {
        try tableNames().contains(name)
    }

    /// The names of all tables, sorted (current schema on PostgreSQL, the
    /// main database on SQLite).
    public func tableNames() throws -> [String] {
        let sql = switch backend {
        case .sqlite:
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        case .postgres:
            """
            SELECT c.relname FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
            ORDER BY c.relname
            """
        }
        return try allRows(sql).compactMap { $0.first?.text }
    }

    /// The number of rows in a table named from code.
    public func rowCount(of table: String) throws -> Int {
        Int(try scalar("SELECT count(*) FROM \(quoteIdentifier(table))")?.integer ?? 0)
    }
}
