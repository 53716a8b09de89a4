extension PostgresDatabase: DatabaseCatalog {
    public func tableNames() throws -> [String] {
        try allRows("""
            SELECT c.relname FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
            ORDER BY c.relname
            """).compactMap { $0.first?.text }
    }

    /// Besides the column names: a text column must be `varchar` or `text`
    /// (`char(n)` pads, a number is no string), `commit_time` a
    /// `timestamp` (a `timestamptz` prints an offset such as `+00`, which
    /// no v0.6 layout has, so every row would be reported broken).
    public func checkLegacyShape(of table: String) throws {
        let types = try columnTypes(of: table)
        try LegacyLayout.requireTupleColumns(in: types, of: table)
        for column in LegacyLayout.tupleColumns {
            let type = types[column] ?? ""
            let expected = column == "commit_time" ? ["timestamp without time zone"] : ["character varying", "text"]
            guard !expected.contains(type) else { continue }
            let made = column == "commit_time" ? "timestamp" : "varchar"
            let using = type == "timestamp with time zone" ? " USING commit_time AT TIME ZONE 'UTC'" : ""
            throw RetupleError("legacy table \(table): column \(column) is \(type), where Keto v0.6 made \(made); convert it first: ALTER TABLE \(quoteIdentifier(table)) ALTER COLUMN \(column) TYPE \(made)\(using)")
        }
    }

    /// `JSONB` holds the report's JSON shape; the `TEXT` an earlier retuple
    /// made holds the value's text.
    public func legacyValueStorage(ofColumn column: String, in table: String) throws -> LegacyValueStorage {
        try columnTypes(of: table)[column] == "jsonb" ? .reportJSON : .asStored
    }

    private func columnTypes(of table: String) throws -> [String: String] {
        var types: [String: String] = [:]
        let rows = try allRows(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?",
            [.text(table)]
        )
        for row in rows {
            if let name = row.first?.text { types[name] = row.dropFirst().first?.text ?? "" }
        }
        return types
    }

    public func legacyTablesInOtherSchemas() throws -> [String] {
        try allRows("""
            SELECT n.nspname, c.relname FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname <> current_schema() AND c.relkind IN ('r', 'p')
              AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
              AND c.relname LIKE 'keto\\_%\\_relation\\_tuples'
            ORDER BY n.nspname, c.relname
            """).compactMap { row in
            let table = row[1].displayText
            return LegacyLayout.namespaceID(ofTupleTable: table) == nil ? nil : row[0].displayText + "." + table
        }
    }

    /// The server, told apart by its start time and port
    /// (`pg_postmaster_start_time()`, `current_setting('port')`; any role
    /// may read both, unlike `pg_control_system()` on some managed
    /// services), and the database's oid. Host names are not compared:
    /// `localhost`, `127.0.0.1`, a socket directory or a pgbouncer in front
    /// all reach the same server. Two schemas of one database are one database.
    public func identity() throws -> DatabaseIdentity? {
        let row = try firstRow("""
            SELECT pg_postmaster_start_time()::text, current_setting('port'), d.oid::text
            FROM pg_catalog.pg_database d WHERE d.datname = current_database()
            """) ?? []
        return DatabaseIdentity(value: "postgres " + row.map { $0.text ?? "" }.joined(separator: " "))
    }

    public func serverDescription() throws -> String {
        let row = try firstRow("SELECT current_setting('server_version'), current_user") ?? []
        let version = row.first?.displayText ?? "?"
        let user = row.dropFirst().first?.displayText ?? "?"
        return "\(location) as \(user): PostgreSQL \(version)"
    }
}
