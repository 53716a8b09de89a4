extension PostgresDatabase: SQLDialect {
    /// UTC wall time with microseconds, the `timestamp` column's precision.
    public func timestampText(_ time: Timestamp) -> String { time.postgresText }

    /// `to_char`, since a timestamp prints as the session's DateStyle says.
    public func timestampAsText(_ column: String) -> String {
        "to_char(\(column), 'YYYY-MM-DD HH24:MI:SS.US')"
    }

    public var legacyCommitTimeExpression: String { "commit_time::text" }
    public var uuidColumnType: String { "UUID" }
    public var timestampColumnType: String { "TIMESTAMP" }
    public var legacyValueColumnType: String { "JSONB" }
    /// No: skipping means COPY into a temporary table, then
    /// `INSERT … ON CONFLICT`; a namespace with no rows yet is copied straight in.
    public var skipsPresentRowsCheaply: Bool { false }

    /// A subquery with `OFFSET 0` is planned on its own, with no order
    /// asked of it, so it is a sequential scan, and the sort comes after;
    /// a cursor is otherwise planned for its first rows, which favours the
    /// index.
    public func legacyFullRead(of table: String, columns: String, orderedBy order: String) -> String {
        "SELECT * FROM (SELECT \(columns) FROM \(table) OFFSET 0) AS legacy ORDER BY \(order)"
    }

    public var networksTableDefinition: String {
        """
        CREATE TABLE networks (
            id UUID NOT NULL,
            created_at TIMESTAMP NOT NULL,
            updated_at TIMESTAMP NOT NULL,
            PRIMARY KEY (id)
        )
        """
    }

    /// Nothing: the server manages its own buffers.
    public func prepareForMigration(pageCacheMiB: Int) throws {}
}
