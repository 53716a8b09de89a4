/// The statements of Keto's later schema steps (the latest form,
/// `LatestSchema`) whose text differs between the backends, each leaving
/// what Keto's own step leaves on that backend.
public protocol LatestSchemaDialect {
    /// `keto_uuid_mappings` without the `string_representation <> ''`
    /// check: dropped on PostgreSQL, the table rebuilt without it on SQLite.
    var uuidMappingsWithoutCheck: String { get }

    /// `keto_relation_tuples`' foreign key to `networks` replaced by
    /// `keto_relation_tuples_nid_fk … ON UPDATE RESTRICT ON DELETE CASCADE`:
    /// altered on PostgreSQL, the table and its indexes rebuilt on SQLite.
    var cascadingNetworkForeignKey: String { get }
}
