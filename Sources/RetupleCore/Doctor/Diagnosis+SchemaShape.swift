/// The live catalog against the form the database is in
/// (`SchemaInspection`): every column with its type and nullability, the
/// primary key, each index with its columns and predicate, the foreign key
/// and its actions, the check constraint.
enum SchemaShape {
    struct Drift {
        /// Facts missing or different: Keto would not find what it expects.
        var missing: [String] = []
        /// Facts Keto's migrations for this form do not make (a later
        /// release's index, say): reported, not fatal.
        var extra: [String] = []
    }

    static func drift(of database: any Database, in form: SchemaForm) throws -> Drift {
        var drift = Drift()
        for (table, expected) in database.expectedSchemaFacts(form).sorted(by: { $0.key < $1.key }) {
            guard let actual = try database.schemaFacts(of: table) else {
                drift.missing.append("table \(table) is missing")
                continue
            }
            drift.missing += expected.filter { !actual.contains($0) }.map { "\(table): no \($0)" }
            drift.extra += actual.filter { !expected.contains($0) }.map { "\(table): \($0)" }
        }
        let bookkeeping = try database.schemaFacts(of: UnifiedSchema.bookkeepingTable) ?? []
        if !bookkeeping.contains("index schema_migration_version_idx unique (version)") {
            drift.missing.append("schema_migration: no unique index schema_migration_version_idx on (version)")
        }
        return drift
    }

    /// The schema check's verdict once every migration of `form` is applied.
    static func check(_ database: any Database, form: SchemaForm, applied: Int, network: String) throws -> DoctorCheck {
        let drift = try drift(of: database, in: form)
        let found = "all \(applied) unified-schema migrations applied; network \(network); \(form.rawValue) form (\(form.ketoReleases))"
        if !drift.missing.isEmpty {
            return DoctorCheck(
                .schema, .fail,
                found + "; the catalog differs from what Keto's migrations leave: " + (drift.missing + drift.extra).joined(separator: "; "),
                fix: "restore the missing objects as Keto's migrations define them, or restore the database from the backup"
            )
        }
        if !drift.extra.isEmpty {
            return DoctorCheck(.schema, .warn, found + "; not made by Keto's migrations for this form: " + drift.extra.joined(separator: "; "))
        }
        return DoctorCheck(.schema, .ok, found + "; the catalog matches it")
    }
}
