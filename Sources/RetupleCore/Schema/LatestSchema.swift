/// The latest form of Keto's schema (docs/contract.md): what Keto's own
/// migrations leave from v0.11.1 through v26.2.0, as the steps after Keto
/// v0.7's (`UnifiedSchema`), with Keto's version ids.
///
/// Keto's step `20220513200500000000` (strings to UUIDs) is Go code in
/// Keto; here it is `LatestTupleConversion`, run by `LatestSchemaMigrator`.
public enum LatestSchema {
    /// The newest migration Keto has (unchanged through v26.2.0).
    public static let newestVersion = "20230228091200000000"
    /// The step that renames the UUID table to `keto_relation_tuples`:
    /// recorded, the table is in the latest form.
    static let renameVersion = "20220513200600000001"
    /// Keto's strings-to-UUIDs step.
    static let conversionVersion = "20220513200500000000"

    /// The v0.7 table while its rows are converted: moved aside under this
    /// name, so that the latest table is built empty under its own name and
    /// filled once.
    static let v07TableAside = "retuple_v07_relation_tuples"

    /// What a step does when `LatestSchemaMigrator` applies it.
    enum Action: Sendable {
        /// Runs these statements.
        case sql(@Sendable (any Database) -> String)
        /// Changes only the v0.7 table, which the same transaction replaces
        /// (its foreign key, two more indexes): recorded, not run.
        case v07TableOnly
        /// Converts the v0.7 rows (`LatestTupleConversion`).
        case convertTuples
        /// Drops the v0.7 table, once its rows are converted.
        case dropV07Table
    }

    struct Step: Sendable {
        let version: String
        let name: String
        let action: Action

        var migration: SchemaMigration {
            SchemaMigration(version, name, up: "", down: "")
        }
    }

    /// The steps after Keto v0.7's, oldest first.
    static let steps: [Step] = [
        Step(version: "20220217152313000000", name: "nid_fk", action: .v07TableOnly),
        Step(version: "20220512151000000000", name: "indices", action: .v07TableOnly),
        Step(version: "20220513200300000000", name: "create-intermediary-uuid-table", action: .sql { _ in intermediaryTable }),
        Step(version: "20220513200400000000", name: "create-uuid-mapping-table", action: .sql { _ in
            """
            CREATE TABLE keto_uuid_mappings
            (
                id UUID NOT NULL PRIMARY KEY,
                string_representation TEXT NOT NULL CHECK (string_representation <> '')
            )
            """
        }),
        Step(version: "20220513200400000001", name: "uuid-mapping-remove-check", action: .sql { $0.uuidMappingsWithoutCheck }),
        Step(version: conversionVersion, name: "migrate-strings-to-uuids", action: .convertTuples),
        Step(version: "20220513200600000000", name: "drop-old-non-uuid-table", action: .dropV07Table),
        Step(version: renameVersion, name: "drop-old-non-uuid-table", action: .sql { _ in
            "ALTER TABLE keto_relation_tuples_uuid RENAME TO keto_relation_tuples"
        }),
        Step(version: newestVersion, name: "add-on-delete-cascade-to-relationship", action: .sql { $0.cascadingNetworkForeignKey }),
    ]

    /// Every migration of the latest form, oldest first: Keto v0.7's, then the later ones.
    public static var migrations: [SchemaMigration] {
        UnifiedSchema.migrations + steps.map(\.migration)
    }

    /// popx's index on `version_self`, which its `schema_migration` has
    /// since it became transactional.
    static let bookkeepingSelfIndex = "CREATE INDEX IF NOT EXISTS schema_migration_version_self_idx ON schema_migration (version_self)"

    /// The UUID table with its keys, its check and its five indexes.
    static var intermediaryTable: String {
        """
        CREATE TABLE keto_relation_tuples_uuid
        (
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
            CONSTRAINT keto_relation_tuples_uuid_nid_fk FOREIGN KEY (nid) REFERENCES networks (id),
            CONSTRAINT chk_keto_rt_uuid_subject_type CHECK (
                ((((subject_id IS NULL) AND (subject_set_namespace IS NOT NULL)) AND (subject_set_object IS NOT NULL))
                    AND (subject_set_relation IS NOT NULL))
                OR ((((subject_id IS NOT NULL) AND (subject_set_namespace IS NULL)) AND (subject_set_object IS NULL))
                    AND (subject_set_relation IS NULL))
            )
        );
        \(tupleIndexes(on: "keto_relation_tuples_uuid"))
        """
    }

    /// The names of the five indexes `tupleIndexes(on:)` creates.
    static let tupleIndexNames = [
        "keto_relation_tuples_uuid_subject_ids_idx", "keto_relation_tuples_uuid_subject_sets_idx",
        "keto_relation_tuples_uuid_full_idx", "keto_relation_tuples_uuid_reverse_subject_ids_idx",
        "keto_relation_tuples_uuid_reverse_subject_sets_idx",
    ]

    /// The five indexes of the UUID table, created on `table`; they keep
    /// their `keto_relation_tuples_uuid_*` names after the rename.
    static func tupleIndexes(on table: String) -> String {
        let noSubjectSet = "((subject_set_namespace IS NULL) AND (subject_set_object IS NULL)) AND (subject_set_relation IS NULL)"
        return """
            CREATE INDEX keto_relation_tuples_uuid_subject_ids_idx ON \(table) (nid, namespace, object, relation, subject_id)
                WHERE \(noSubjectSet);
            CREATE INDEX keto_relation_tuples_uuid_subject_sets_idx ON \(table)
                (nid, namespace, object, relation, subject_set_namespace, subject_set_object, subject_set_relation)
                WHERE subject_id IS NULL;
            CREATE INDEX keto_relation_tuples_uuid_full_idx ON \(table)
                (nid, namespace, object, relation, subject_id, subject_set_namespace, subject_set_object, subject_set_relation, commit_time);
            CREATE INDEX keto_relation_tuples_uuid_reverse_subject_ids_idx ON \(table) (nid, subject_id, relation, namespace)
                WHERE \(noSubjectSet);
            CREATE INDEX keto_relation_tuples_uuid_reverse_subject_sets_idx ON \(table)
                (nid, subject_set_namespace, subject_set_object, subject_set_relation, relation, namespace)
                WHERE subject_id IS NULL
            """
    }
}
