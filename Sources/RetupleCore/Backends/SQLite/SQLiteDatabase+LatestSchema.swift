extension SQLiteDatabase: LatestSchemaDialect {
    /// SQLite cannot drop a check: the table is copied into one without it.
    public var uuidMappingsWithoutCheck: String {
        """
        ALTER TABLE keto_uuid_mappings RENAME TO keto_uuid_mapping_with_old_check_constraint;
        CREATE TABLE keto_uuid_mappings
        (
            id UUID NOT NULL PRIMARY KEY,
            string_representation TEXT NOT NULL
        );
        INSERT INTO keto_uuid_mappings SELECT * FROM keto_uuid_mapping_with_old_check_constraint;
        DROP TABLE keto_uuid_mapping_with_old_check_constraint
        """
    }

    /// SQLite cannot alter a foreign key: the table is moved aside, its
    /// indexes dropped, and the table and indexes made again under their
    /// names, with the new key.
    public var cascadingNetworkForeignKey: String {
        """
        ALTER TABLE keto_relation_tuples RENAME TO _keto_relation_tuples;
        DROP INDEX keto_relation_tuples_uuid_subject_ids_idx;
        DROP INDEX keto_relation_tuples_uuid_subject_sets_idx;
        DROP INDEX keto_relation_tuples_uuid_full_idx;
        DROP INDEX keto_relation_tuples_uuid_reverse_subject_ids_idx;
        DROP INDEX keto_relation_tuples_uuid_reverse_subject_sets_idx;
        CREATE TABLE keto_relation_tuples (
            shard_id UUID NOT NULL,
            nid UUID NOT NULL,
            namespace VARCHAR(200) NOT NULL,
            object UUID NOT NULL,
            relation VARCHAR(64) NOT NULL,
            subject_id UUID NULL,
            subject_set_namespace VARCHAR(200) NULL,
            subject_set_object UUID NULL,
            subject_set_relation VARCHAR(64) NULL,
            commit_time TIMESTAMP NOT NULL,
            PRIMARY KEY (shard_id, nid),
            CONSTRAINT keto_relation_tuples_nid_fk FOREIGN KEY (nid) REFERENCES networks (id) ON UPDATE RESTRICT ON DELETE CASCADE,
            CONSTRAINT chk_keto_rt_uuid_subject_type CHECK (
                ((((subject_id IS NULL) AND (subject_set_namespace IS NOT NULL)) AND (subject_set_object IS NOT NULL))
                    AND (subject_set_relation IS NOT NULL))
                OR ((((subject_id IS NOT NULL) AND (subject_set_namespace IS NULL)) AND (subject_set_object IS NULL))
                    AND (subject_set_relation IS NULL))
            )
        );
        \(LatestSchema.tupleIndexes(on: "keto_relation_tuples"));
        INSERT INTO keto_relation_tuples SELECT * FROM _keto_relation_tuples;
        DROP TABLE _keto_relation_tuples
        """
    }
}
