import RetupleCore

/// The in-database references: the database moves the rows itself with
/// `TransformationSQL`'s statements, all namespaces in one transaction.
struct InDatabaseMigration {
    let database: any Database
    let configuration: Configuration

    /// The page cache or sort memory the best variant (c) may use: the
    /// memory budget documented for retuple.
    static let memoryBudgetMiB = 256

    /// (b): one `INSERT … SELECT` per namespace into the indexed table.
    func insertSelect() throws {
        try database.transaction {
            try insertAll()
        }
    }

    /// (c): for an empty target, drops the three secondary indexes, runs
    /// the same statements, and re-creates the indexes with their original
    /// definitions (read back from the catalog, so they are exactly the
    /// ones `retuple migrate up` made); one transaction. The database gets
    /// `memoryBudgetMiB` for it: `maintenance_work_mem` for PostgreSQL's
    /// index builds, the page cache on SQLite.
    func loadThenIndex() throws {
        let indexes = try secondaryIndexes()
        guard indexes.count == 3 else {
            throw BenchError("expected the three secondary indexes of keto_relation_tuples, found \(indexes.map(\.name))")
        }
        switch database.backend {
        case .sqlite: try database.execute("PRAGMA cache_size = -\(Self.memoryBudgetMiB * 1024)")
        case .postgres: break
        }
        try database.transaction {
            if database.backend == .postgres {
                try database.execute("SET LOCAL maintenance_work_mem = '\(Self.memoryBudgetMiB)MB'")
            }
            for index in indexes {
                try database.execute("DROP INDEX \(quoteIdentifier(index.name))")
            }
            try insertAll()
            for index in indexes {
                try database.execute(index.definition)
            }
        }
    }

    private func insertAll() throws {
        for namespace in configuration.namespaces {
            let (sql, bindings) = TransformationSQL.insert(namespace, configuration: configuration, backend: database.backend)
            try database.execute(sql, bindings)
        }
    }

    /// The indexes of `keto_relation_tuples` other than its primary key,
    /// with the statements that create them.
    private func secondaryIndexes() throws -> [(name: String, definition: String)] {
        let query = switch database.backend {
        case .postgres:
            """
            SELECT c.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x
            JOIN pg_class c ON c.oid = x.indexrelid
            WHERE x.indrelid = 'keto_relation_tuples'::regclass AND NOT x.indisprimary
            ORDER BY c.relname
            """
        case .sqlite:
            // Indexes SQLite makes for a key have no `sql`.
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'keto_relation_tuples' AND sql IS NOT NULL ORDER BY name"
        }
        return try database.allRows(query).map { row in
            guard let name = row[0].text, let definition = row[1].text else { throw BenchError("unreadable index definition \(row)") }
            return (name, definition)
        }
    }
}
