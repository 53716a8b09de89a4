import Foundation

extension SQLiteDatabase: SchemaInspection {
    public func schemaFacts(of table: String) throws -> [String]? {
        guard let sql = try scalar("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [.text(table)])?.text else { return nil }
        var facts: [String] = []
        var key: [(Int64, String)] = []
        for row in try allRows("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?) ORDER BY cid", [.text(table)]) {
            let name = row[0].text ?? ""
            facts.append("column \(name) \((row[1].text ?? "").uppercased()) \(row[2].integer == 1 ? "not null" : "null")")
            if let position = row[3].integer, position > 0 { key.append((position, name)) }
        }
        if !key.isEmpty { facts.append("primary key (\(key.sorted { $0.0 < $1.0 }.map(\.1).joined(separator: ", ")))") }
        for row in try allRows("SELECT name, \"unique\" FROM pragma_index_list(?) WHERE origin = 'c' ORDER BY name", [.text(table)]) {
            let name = row[0].text ?? ""
            let columns = try allRows("SELECT name FROM pragma_index_info(?) ORDER BY seqno", [.text(name)]).compactMap { $0[0].text }
            let indexSQL = try scalar("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", [.text(name)])?.text ?? ""
            let predicate = indexSQL.range(of: " WHERE ", options: .caseInsensitive).map { " where " + normalizedPredicate(String(indexSQL[$0.upperBound...])) } ?? ""
            facts.append("index \(name)\(row[1].integer == 1 ? " unique" : "") (\(columns.joined(separator: ", ")))\(predicate)")
        }
        for row in try allRows("SELECT \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list(?) ORDER BY id", [.text(table)]) {
            let texts = row.map { $0.text ?? "" }
            facts.append("foreign key (\(texts[1])) references \(texts[0])(\(texts[2])) on update \(texts[3].lowercased()) on delete \(texts[4].lowercased())")
        }
        facts += checkNames(in: sql).map { "check \($0)" }
        return facts
    }

    /// The names of `CONSTRAINT <name> CHECK` clauses in a table's text.
    private func checkNames(in sql: String) -> [String] {
        let words = sql.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") }).map(String.init)
        return words.indices.dropLast(2).compactMap { i in
            words[i] == "constraint" && words[i + 2] == "check" ? words[i + 1] : nil
        }
    }

    public func expectedSchemaFacts(_ form: SchemaForm) -> [String: [String]] {
        let networks = [
            "column id TEXT null", "column created_at DATETIME not null", "column updated_at DATETIME not null", "primary key (id)",
        ]
        switch form {
        case .v07:
            return [
                "networks": networks,
                "keto_relation_tuples": [
                    "column shard_id UUID not null", "column nid UUID not null", "column namespace_id INTEGER not null",
                    "column object VARCHAR(64) not null", "column relation VARCHAR(64) not null", "column subject_id VARCHAR(64) null",
                    "column subject_set_namespace_id INTEGER null", "column subject_set_object VARCHAR(64) null",
                    "column subject_set_relation VARCHAR(64) null", "column commit_time TIMESTAMP not null",
                    "primary key (shard_id, nid)",
                ] + SchemaFormFacts.v07IndexesAndCheck,
            ]
        case .latest:
            return [
                "networks": networks,
                "keto_relation_tuples": [
                    "column shard_id UUID not null", "column nid UUID not null", "column namespace VARCHAR(200) not null",
                    "column object UUID not null", "column relation VARCHAR(64) not null", "column subject_id UUID null",
                    "column subject_set_namespace VARCHAR(200) null", "column subject_set_object UUID null",
                    "column subject_set_relation VARCHAR(64) null", "column commit_time TIMESTAMP not null",
                    "primary key (shard_id, nid)",
                ] + SchemaFormFacts.latestIndexes + [
                    "foreign key (nid) references networks(id) on update restrict on delete cascade",
                    "check chk_keto_rt_uuid_subject_type",
                ],
                "keto_uuid_mappings": [
                    "column id UUID not null", "column string_representation TEXT not null", "primary key (id)",
                ],
            ]
        }
    }
}

/// A predicate as a fact: lowercase, parentheses and repeated spaces dropped.
func normalizedPredicate(_ text: String) -> String {
    text.lowercased().filter { $0 != "(" && $0 != ")" && $0 != ";" }
        .split(whereSeparator: \.isWhitespace).joined(separator: " ")
}
