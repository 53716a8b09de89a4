extension PostgresDatabase: SchemaInspection {
    public func schemaFacts(of table: String) throws -> [String]? {
        guard let oid = try scalar("""
            SELECT c.oid::text FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relname = ? AND c.relkind IN ('r', 'p')
            """, [.text(table)])?.text else { return nil }
        let relation: [DatabaseValue] = [.text(oid)]
        var facts: [String] = try allRows("""
            SELECT a.attname, format_type(a.atttypid, a.atttypmod), CASE WHEN a.attnotnull THEN 'not null' ELSE 'null' END
            FROM pg_catalog.pg_attribute a WHERE a.attrelid = (?)::oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
            """, relation).map { "column \($0[0].displayText) \($0[1].displayText) \($0[2].displayText)" }
        /// The names of the columns numbered in `array` of `relation`, in order.
        func columns(_ array: String, of relation: String) -> String {
            """
            (SELECT string_agg(a.attname, ', ' ORDER BY k.n) FROM unnest(\(array)) WITH ORDINALITY AS k(attnum, n)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = \(relation) AND a.attnum = k.attnum)
            """
        }
        facts += try allRows("""
            SELECT conname, \(columns("conkey", of: "conrelid")) FROM pg_catalog.pg_constraint
            WHERE conrelid = (?)::oid AND contype = 'p'
            """, relation).map { "primary key \($0[0].displayText) (\($0[1].displayText))" }
        facts += try allRows("""
            SELECT c.relname, i.indisunique, \(columns("i.indkey::int2[]", of: "i.indrelid")), coalesce(pg_get_expr(i.indpred, i.indrelid), '')
            FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = (?)::oid AND NOT i.indisprimary ORDER BY c.relname
            """, relation).map { row in
            let predicate = row[3].displayText
            return "index \(row[0].displayText)\(row[1].isTrue ? " unique" : "") (\(row[2].displayText))"
                + (predicate.isEmpty ? "" : " where " + normalizedPostgresPredicate(predicate))
        }
        let action = "CASE %@ WHEN 'a' THEN 'no action' WHEN 'r' THEN 'restrict' WHEN 'c' THEN 'cascade' WHEN 'n' THEN 'set null' ELSE 'set default' END"
        facts += try allRows("""
            SELECT conname, \(columns("conkey", of: "conrelid")), confrelid::regclass::text, \(columns("confkey", of: "confrelid")),
                   \(action.replacingOccurrences(of: "%@", with: "confupdtype")), \(action.replacingOccurrences(of: "%@", with: "confdeltype"))
            FROM pg_catalog.pg_constraint WHERE conrelid = (?)::oid AND contype = 'f' ORDER BY conname
            """, relation).map { row in
            let t = row.map(\.displayText)
            return "foreign key \(t[0]) (\(t[1])) references \(t[2])(\(t[3])) on update \(t[4]) on delete \(t[5])"
        }
        facts += try allRows(
            "SELECT conname FROM pg_catalog.pg_constraint WHERE conrelid = (?)::oid AND contype = 'c' ORDER BY conname", relation
        ).map { "check \($0[0].displayText)" }
        return facts
    }

    public func expectedSchemaFacts(_ form: SchemaForm) -> [String: [String]] {
        let time = "timestamp without time zone"
        let networks = [
            "column id uuid not null", "column created_at \(time) not null", "column updated_at \(time) not null",
            "primary key networks_pkey (id)",
        ]
        switch form {
        case .v07:
            return [
                "networks": networks,
                "keto_relation_tuples": [
                    "column shard_id uuid not null", "column nid uuid not null", "column namespace_id integer not null",
                    "column object character varying(64) not null", "column relation character varying(64) not null",
                    "column subject_id character varying(64) null", "column subject_set_namespace_id integer null",
                    "column subject_set_object character varying(64) null", "column subject_set_relation character varying(64) null",
                    "column commit_time \(time) not null",
                    "primary key keto_relation_tuples_pkey (shard_id, nid)",
                ] + SchemaFormFacts.v07IndexesAndCheck,
            ]
        case .latest:
            return [
                "networks": networks,
                "keto_relation_tuples": [
                    "column shard_id uuid not null", "column nid uuid not null", "column namespace character varying(200) not null",
                    "column object uuid not null", "column relation character varying(64) not null", "column subject_id uuid null",
                    "column subject_set_namespace character varying(200) null", "column subject_set_object uuid null",
                    "column subject_set_relation character varying(64) null", "column commit_time \(time) not null",
                    "primary key keto_relation_tuples_uuid_pkey (shard_id, nid)",
                ] + SchemaFormFacts.latestIndexes + [
                    "foreign key keto_relation_tuples_nid_fk (nid) references networks(id) on update restrict on delete cascade",
                    "check chk_keto_rt_uuid_subject_type",
                ],
                "keto_uuid_mappings": [
                    "column id uuid not null", "column string_representation text not null", "primary key keto_uuid_mappings_pkey (id)",
                ],
            ]
        }
    }
}

/// A predicate as a fact: lowercase, parentheses and repeated spaces dropped.
private func normalizedPostgresPredicate(_ text: String) -> String {
    text.lowercased().filter { $0 != "(" && $0 != ")" }.split(whereSeparator: \.isWhitespace).joined(separator: " ")
}
