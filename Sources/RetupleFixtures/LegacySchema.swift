import RetupleCore

/// Creates the Keto v0.6 schema (docs/contract.md) the way v0.6 left it, on
/// either backend: the shared tables and, per namespace, the tuple table
/// with its two indexes and the namespace's migration table.
public enum LegacySchema {
    /// The version Keto v0.6 recorded in `schema_migration` and in each
    /// namespace's migration table.
    public static let version = "20201110175414"

    /// Creates the whole v0.6 schema for `namespaceIDs`.
    ///
    /// - Throws: the backend's error when a table already exists.
    public static func create(in database: any Database, namespaceIDs: [Int32]) throws {
        try database.executeScript("""
            CREATE TABLE schema_migration (version VARCHAR(48) NOT NULL, version_self INT NOT NULL DEFAULT 0);
            CREATE UNIQUE INDEX schema_migration_version_idx ON schema_migration (version);
            CREATE TABLE keto_namespace (id INTEGER PRIMARY KEY, schema_version INTEGER NOT NULL)
            """)
        try database.execute("INSERT INTO schema_migration (version, version_self) VALUES (?, 0)", [.text(version)])
        for id in namespaceIDs {
            try createNamespace(id, in: database)
        }
    }

    /// Creates one namespace's tables, as Keto v0.6 did when it first saw
    /// the namespace in its configuration.
    public static func createNamespace(_ id: Int32, in database: any Database) throws {
        let tuples = LegacyLayout.tupleTable(namespaceID: id)
        let migrations = LegacyLayout.migrationTable(namespaceID: id)
        try database.executeScript("""
            CREATE TABLE \(tuples) (
                shard_id    VARCHAR(64),
                object      VARCHAR(64),
                relation    VARCHAR(64),
                subject     VARCHAR(256),
                commit_time TIMESTAMP,
                PRIMARY KEY (shard_id, object, relation, subject, commit_time)
            );
            CREATE INDEX \(tuples)_object_idx ON \(tuples) (object);
            CREATE INDEX \(tuples)_user_set_idx ON \(tuples) (object, relation);
            CREATE TABLE \(migrations) (version VARCHAR(48) NOT NULL, version_self INT NOT NULL DEFAULT 0);
            CREATE UNIQUE INDEX \(migrations)_version_idx ON \(migrations) (version)
            """)
        try database.execute("INSERT INTO \(migrations) (version, version_self) VALUES (?, 0)", [.text(version)])
        try database.execute("INSERT INTO keto_namespace (id, schema_version) VALUES (?, 1)", [.integer(Int64(id))])
    }
}
