/// What Keto v26.2.0's migration files run after Keto v0.7, per backend,
/// written out for `LatestFormKetoPathTests` from what those files do
/// (Keto's files are not available in CI). Layout is ours; names, types,
/// constraints, index columns and predicates are Keto's.
enum KetoSQL {
    /// `nid_fk` on PostgreSQL. Its DELETE names the outer `nid` (networks
    /// has no such column): it deletes nothing while a network exists.
    static let postgresNidForeignKey = """
        DELETE FROM keto_relation_tuples WHERE nid NOT IN (SELECT nid FROM networks);
        ALTER TABLE keto_relation_tuples ADD CONSTRAINT keto_relation_tuples_nid_fk FOREIGN KEY (nid) REFERENCES networks (id)
        """

    /// `nid_fk` on SQLite: the v0.7 table rebuilt with TEXT ids and the key.
    static let sqliteNidForeignKey = """
        DELETE FROM keto_relation_tuples WHERE nid NOT IN (SELECT nid FROM networks);
        CREATE TABLE keto_relation_tuples_with_fk (
            shard_id TEXT NOT NULL, nid TEXT NOT NULL, namespace_id INTEGER NOT NULL,
            object VARCHAR(64) NOT NULL, relation VARCHAR(64) NOT NULL, subject_id VARCHAR(64) NULL,
            subject_set_namespace_id INTEGER NULL, subject_set_object VARCHAR(64) NULL,
            subject_set_relation VARCHAR(64) NULL, commit_time TIMESTAMP NOT NULL,
            PRIMARY KEY (shard_id, nid),
            CONSTRAINT keto_relation_tuples_nid_fk FOREIGN KEY (nid) REFERENCES networks (id),
            CONSTRAINT chk_keto_rt_subject_type CHECK (
                (subject_id IS NULL AND subject_set_namespace_id IS NOT NULL AND subject_set_object IS NOT NULL AND subject_set_relation IS NOT NULL)
                OR (subject_id IS NOT NULL AND subject_set_namespace_id IS NULL AND subject_set_object IS NULL AND subject_set_relation IS NULL))
        );
        INSERT INTO keto_relation_tuples_with_fk (shard_id, nid, namespace_id, object, relation, subject_id,
            subject_set_namespace_id, subject_set_object, subject_set_relation, commit_time)
            SELECT * FROM keto_relation_tuples;
        DROP TABLE keto_relation_tuples;
        ALTER TABLE keto_relation_tuples_with_fk RENAME TO keto_relation_tuples;
        CREATE INDEX keto_relation_tuples_subject_ids_idx ON keto_relation_tuples (nid, namespace_id, object, relation, subject_id)
            WHERE subject_set_namespace_id IS NULL AND subject_set_object IS NULL AND subject_set_relation IS NULL;
        CREATE INDEX keto_relation_tuples_subject_sets_idx ON keto_relation_tuples (nid, namespace_id, object, relation,
            subject_set_namespace_id, subject_set_object, subject_set_relation) WHERE subject_id IS NULL;
        CREATE INDEX keto_relation_tuples_full_idx ON keto_relation_tuples (nid, namespace_id, object, relation, subject_id,
            subject_set_namespace_id, subject_set_object, subject_set_relation, commit_time)
        """

    /// `indices`.
    static let reverseIndexes = """
        CREATE INDEX keto_relation_tuples_reverse_subject_ids_idx ON keto_relation_tuples (nid, subject_id, relation, namespace_id)
            WHERE subject_set_namespace_id IS NULL AND subject_set_object IS NULL AND subject_set_relation IS NULL;
        CREATE INDEX keto_relation_tuples_reverse_subject_sets_idx ON keto_relation_tuples
            (nid, subject_set_namespace_id, subject_set_object, subject_set_relation, relation, namespace_id) WHERE subject_id IS NULL
        """

    static let uuidCheck = """
        CONSTRAINT chk_keto_rt_uuid_subject_type CHECK (
          ( ( ( (subject_id IS NULL) AND (subject_set_namespace IS NOT NULL) ) AND (subject_set_object IS NOT NULL) )
            AND (subject_set_relation IS NOT NULL) )
          OR ( ( ( (subject_id IS NOT NULL) AND (subject_set_namespace IS NULL) ) AND (subject_set_object IS NULL) )
            AND (subject_set_relation IS NULL) )
        )
        """

    static let uuidColumns = """
        shard_id UUID NOT NULL, nid UUID NOT NULL, namespace VARCHAR(200) NOT NULL, object UUID NOT NULL,
        relation VARCHAR(64) NOT NULL, subject_id UUID NULL, subject_set_namespace VARCHAR(200) NULL,
        subject_set_object UUID NULL, subject_set_relation VARCHAR(64) NULL, commit_time TIMESTAMP NOT NULL,
        PRIMARY KEY (shard_id, nid)
        """

    static func uuidIndexes(_ table: String) -> String {
        let noSet = "( (subject_set_namespace IS NULL) AND (subject_set_object IS NULL) ) AND (subject_set_relation IS NULL)"
        return """
            CREATE INDEX keto_relation_tuples_uuid_subject_ids_idx ON \(table) (nid, namespace, object, relation, subject_id) WHERE \(noSet);
            CREATE INDEX keto_relation_tuples_uuid_subject_sets_idx ON \(table)
                (nid, namespace, object, relation, subject_set_namespace, subject_set_object, subject_set_relation) WHERE subject_id IS NULL;
            CREATE INDEX keto_relation_tuples_uuid_full_idx ON \(table) (nid, namespace, object, relation, subject_id,
                subject_set_namespace, subject_set_object, subject_set_relation, commit_time);
            CREATE INDEX keto_relation_tuples_uuid_reverse_subject_ids_idx ON \(table) (nid, subject_id, relation, namespace) WHERE \(noSet);
            CREATE INDEX keto_relation_tuples_uuid_reverse_subject_sets_idx ON \(table)
                (nid, subject_set_namespace, subject_set_object, subject_set_relation, relation, namespace) WHERE subject_id IS NULL
            """
    }

    /// `create-intermediary-uuid-table` (the PostgreSQL and SQLite files
    /// say the same).
    static let uuidTable = """
        CREATE TABLE keto_relation_tuples_uuid (
            \(uuidColumns),
            CONSTRAINT keto_relation_tuples_uuid_nid_fk FOREIGN KEY (nid) REFERENCES networks (id),
            \(uuidCheck)
        );
        \(uuidIndexes("keto_relation_tuples_uuid"))
        """

    /// `create-uuid-mapping-table`.
    static let mappingTable = """
        CREATE TABLE keto_uuid_mappings (
            id UUID NOT NULL PRIMARY KEY,
            string_representation TEXT NOT NULL CHECK (string_representation <> '')
        )
        """

    /// `uuid-mapping-remove-check`.
    static let postgresMappingNoCheck = "ALTER TABLE keto_uuid_mappings DROP CONSTRAINT IF EXISTS keto_uuid_mappings_string_representation_check"
    static let sqliteMappingNoCheck = """
        ALTER TABLE keto_uuid_mappings RENAME TO keto_uuid_mapping_with_old_check_constraint;
        CREATE TABLE keto_uuid_mappings (id UUID NOT NULL PRIMARY KEY, string_representation TEXT NOT NULL);
        INSERT INTO keto_uuid_mappings SELECT * FROM keto_uuid_mapping_with_old_check_constraint;
        DROP TABLE keto_uuid_mapping_with_old_check_constraint
        """

    /// `add-on-delete-cascade-to-relationship`.
    static let postgresCascade = """
        ALTER TABLE keto_relation_tuples DROP CONSTRAINT keto_relation_tuples_uuid_nid_fk,
            ADD CONSTRAINT keto_relation_tuples_nid_fk FOREIGN KEY (nid) REFERENCES networks (id) ON UPDATE RESTRICT ON DELETE CASCADE
        """
    static let sqliteCascade = """
        ALTER TABLE keto_relation_tuples RENAME TO _keto_relation_tuples;
        DROP INDEX keto_relation_tuples_uuid_subject_ids_idx;
        DROP INDEX keto_relation_tuples_uuid_subject_sets_idx;
        DROP INDEX keto_relation_tuples_uuid_full_idx;
        DROP INDEX keto_relation_tuples_uuid_reverse_subject_ids_idx;
        DROP INDEX keto_relation_tuples_uuid_reverse_subject_sets_idx;
        CREATE TABLE keto_relation_tuples (
            \(uuidColumns),
            CONSTRAINT keto_relation_tuples_nid_fk FOREIGN KEY (nid) REFERENCES networks (id) ON UPDATE RESTRICT ON DELETE CASCADE,
            \(uuidCheck)
        );
        \(uuidIndexes("keto_relation_tuples"));
        INSERT INTO keto_relation_tuples SELECT * FROM _keto_relation_tuples;
        DROP TABLE _keto_relation_tuples
        """
}
