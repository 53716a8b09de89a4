import RetupleCore

extension Database {
    /// Every index on `table` as `name: definition`, by name: SQLite's
    /// stored `CREATE INDEX` text (`constraint` for the ones it made for a
    /// key), PostgreSQL's `indexdef`. Equal lists mean the same indexes.
    public func indexDefinitions(of table: String) throws -> [String] {
        let query = switch backend {
        case .sqlite: "SELECT name || ': ' || coalesce(sql, 'constraint') FROM sqlite_master WHERE type = 'index' AND tbl_name = ? ORDER BY name"
        case .postgres: "SELECT indexname || ': ' || indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ? ORDER BY indexname"
        }
        return try allRows(query, [.text(table)]).compactMap { $0.first?.text }
    }
}
