/// The indexes and check of `keto_relation_tuples` in each form as
/// `SchemaInspection` facts: the same on both backends (what differs, the
/// column types and key names, each backend states itself).
enum SchemaFormFacts {
    /// The v0.7 form's three indexes and its check.
    static let v07IndexesAndCheck = [
        "index keto_relation_tuples_full_idx (nid, namespace_id, object, relation, subject_id, subject_set_namespace_id, subject_set_object, subject_set_relation, commit_time)",
        "index keto_relation_tuples_subject_ids_idx (nid, namespace_id, object, relation, subject_id) where subject_set_namespace_id is null and subject_set_object is null and subject_set_relation is null",
        "index keto_relation_tuples_subject_sets_idx (nid, namespace_id, object, relation, subject_set_namespace_id, subject_set_object, subject_set_relation) where subject_id is null",
        "check chk_keto_rt_subject_type",
    ]

    /// The latest form's five indexes.
    static let latestIndexes = [
        "index keto_relation_tuples_uuid_full_idx (nid, namespace, object, relation, subject_id, subject_set_namespace, subject_set_object, subject_set_relation, commit_time)",
        "index keto_relation_tuples_uuid_reverse_subject_ids_idx (nid, subject_id, relation, namespace) where subject_set_namespace is null and subject_set_object is null and subject_set_relation is null",
        "index keto_relation_tuples_uuid_reverse_subject_sets_idx (nid, subject_set_namespace, subject_set_object, subject_set_relation, relation, namespace) where subject_id is null",
        "index keto_relation_tuples_uuid_subject_ids_idx (nid, namespace, object, relation, subject_id) where subject_set_namespace is null and subject_set_object is null and subject_set_relation is null",
        "index keto_relation_tuples_uuid_subject_sets_idx (nid, namespace, object, relation, subject_set_namespace, subject_set_object, subject_set_relation) where subject_id is null",
    ]
}
