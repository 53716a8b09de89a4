/// The unified tuple schema of Keto v0.7 (docs/contract.md), as ordered
/// migrations with Keto v0.7's version ids.
public enum UnifiedSchema {
    /// The bookkeeping table Keto (gobuffalo/pop) uses on both backends.
    public static let bookkeepingTable = "schema_migration"

    /// The version Keto v0.6 recorded for its base migration; a database
    /// holding it has `20201110175414000000` applied.
    public static let legacyBaseVersion = "20201110175414"
    static let baseVersion = "20201110175414000000"

    /// Every migration, oldest first.
    public static let migrations: [SchemaMigration] = [
        SchemaMigration(
            "20150100000001000000", "networks",
            up: { $0.networksTableDefinition },
            down: { _ in "DROP TABLE networks" }
        ),
        SchemaMigration(
            baseVersion, "relationtuple",
            up: "CREATE TABLE keto_namespace (id INTEGER PRIMARY KEY, schema_version INTEGER NOT NULL)",
            down: "DROP TABLE keto_namespace"
        ),
        // Keto v0.7 keeps this version for its own history; it changes nothing.
        SchemaMigration("20201110175414000001", "relationtuple", up: "", down: ""),
        SchemaMigration(
            "20210623162417000000", "relationtuple",
            up: """
                CREATE TABLE keto_relation_tuples (
                    shard_id                 UUID        NOT NULL,
                    nid                      UUID        NOT NULL,
                    namespace_id             INTEGER     NOT NULL,
                    object                   VARCHAR(64) NOT NULL,
                    relation                 VARCHAR(64) NOT NULL,
                    subject_id               VARCHAR(64) NULL,
                    subject_set_namespace_id INTEGER     NULL,
                    subject_set_object       VARCHAR(64) NULL,
                    subject_set_relation     VARCHAR(64) NULL,
                    commit_time              TIMESTAMP   NOT NULL,
                    PRIMARY KEY (shard_id, nid),
                    CONSTRAINT chk_keto_rt_subject_type CHECK (
                        (subject_id IS NULL AND subject_set_namespace_id IS NOT NULL
                            AND subject_set_object IS NOT NULL AND subject_set_relation IS NOT NULL)
                        OR
                        (subject_id IS NOT NULL AND subject_set_namespace_id IS NULL
                            AND subject_set_object IS NULL AND subject_set_relation IS NULL)
                    )
                )
                """,
            down: "DROP TABLE keto_relation_tuples"
        ),
        SchemaMigration(
            "20210623162417000001", "relationtuple",
            up: """
                CREATE INDEX keto_relation_tuples_subject_ids_idx
                    ON keto_relation_tuples (nid, namespace_id, object, relation, subject_id)
                    WHERE subject_set_namespace_id IS NULL AND subject_set_object IS NULL AND subject_set_relation IS NULL
                """,
            down: "DROP INDEX keto_relation_tuples_subject_ids_idx"
        ),
        SchemaMigration(
            "20210623162417000002", "relationtuple",
            up: """
                CREATE INDEX keto_relation_tuples_subject_sets_idx
                    ON keto_relation_tuples (nid, namespace_id, object, relation,
                        subject_set_namespace_id, subject_set_object, subject_set_relation)
                    WHERE subject_id IS NULL
                """,
            down: "DROP INDEX keto_relation_tuples_subject_sets_idx"
        ),
        SchemaMigration(
            "20210623162417000003", "relationtuple",
            up: """
                CREATE INDEX keto_relation_tuples_full_idx
                    ON keto_relation_tuples (nid, namespace_id, object, relation, subject_id,
                        subject_set_namespace_id, subject_set_object, subject_set_relation, commit_time)
                """,
            down: "DROP INDEX keto_relation_tuples_full_idx"
        ),
        SchemaMigration(
            "20210914134624000000", "legacy-cleanup",
            up: "DROP TABLE IF EXISTS keto_namespace",
            down: "CREATE TABLE keto_namespace (id INTEGER PRIMARY KEY, schema_version INTEGER NOT NULL)"
        ),
    ]

    /// `schema_migration` as pop creates it, created by `migrate up` when
    /// the database has none (a database Keto never touched).
    static let bookkeepingDDL = """
        CREATE TABLE IF NOT EXISTS schema_migration (
            version VARCHAR(48) NOT NULL,
            version_self INT NOT NULL DEFAULT 0
        );
        CREATE UNIQUE INDEX IF NOT EXISTS schema_migration_version_idx ON schema_migration (version)
        """
}
