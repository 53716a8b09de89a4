extension SQLiteDatabase: SQLDialect {
    /// As Keto v0.7 stores a time on SQLite through Go's driver:
    /// `2006-01-02 15:04:05.999999999+00:00`, in UTC.
    public func timestampText(_ time: Timestamp) -> String { time.sqliteText }

    /// The column itself: SQLite keeps the text it was given.
    public func timestampAsText(_ column: String) -> String { column }

    public var legacyCommitTimeExpression: String { "commit_time" }
    public var uuidColumnType: String { "TEXT" }
    public var timestampColumnType: String { "DATETIME" }
    public var legacyValueColumnType: String { "" }
    public var skipsPresentRowsCheaply: Bool { true }

    /// `NOT INDEXED` keeps SQLite from following the index.
    public func legacyFullRead(of table: String, columns: String, orderedBy order: String) -> String {
        "SELECT \(columns) FROM \(table) NOT INDEXED ORDER BY \(order)"
    }

    public var networksTableDefinition: String {
        """
        CREATE TABLE networks (
            id TEXT PRIMARY KEY,
            created_at DATETIME NOT NULL,
            updated_at DATETIME NOT NULL
        )
        """
    }

    /// SQLite's default page cache of 2 MiB spills the pages of the growing
    /// unified table and its indexes to the file in the middle of the
    /// transaction; a larger one keeps them in memory. It stays set for the
    /// connection's life. A negative `cache_size` is in KiB
    /// ("PRAGMA cache_size = -N", pragma.html#pragma_cache_size).
    public func prepareForMigration(pageCacheMiB: Int) throws {
        try executeScript("PRAGMA cache_size = -\(pageCacheMiB * 1024)")
    }
}
