import Foundation
import Logging
import RetupleCore
import RetupleTestSupport
import Testing

/// Compares the unified schema `migrate up` creates with PRODUCT §1.2,
/// column by column and index by index, read back from each backend's
/// catalog. The expected shape is written out here from the contract, not
/// taken from the migrations' SQL.
@Suite("Unified schema matches Keto v0.7 (PRODUCT §1.2)")
struct UnifiedSchemaShapeTests {
    /// A column as the contract gives it: type, length, nullability.
    struct Column: Equatable, CustomStringConvertible {
        let name: String
        let type: String
        let nullable: Bool
        var description: String { "\(name) \(type)\(nullable ? " NULL" : " NOT NULL")" }
    }

    static let tupleColumns: [DatabaseBackend: [Column]] = [
        .postgres: [
            Column(name: "shard_id", type: "uuid", nullable: false),
            Column(name: "nid", type: "uuid", nullable: false),
            Column(name: "namespace_id", type: "integer", nullable: false),
            Column(name: "object", type: "character varying(64)", nullable: false),
            Column(name: "relation", type: "character varying(64)", nullable: false),
            Column(name: "subject_id", type: "character varying(64)", nullable: true),
            Column(name: "subject_set_namespace_id", type: "integer", nullable: true),
            Column(name: "subject_set_object", type: "character varying(64)", nullable: true),
            Column(name: "subject_set_relation", type: "character varying(64)", nullable: true),
            Column(name: "commit_time", type: "timestamp without time zone", nullable: false),
        ],
        .sqlite: [
            Column(name: "shard_id", type: "UUID", nullable: false),
            Column(name: "nid", type: "UUID", nullable: false),
            Column(name: "namespace_id", type: "INTEGER", nullable: false),
            Column(name: "object", type: "VARCHAR(64)", nullable: false),
            Column(name: "relation", type: "VARCHAR(64)", nullable: false),
            Column(name: "subject_id", type: "VARCHAR(64)", nullable: true),
            Column(name: "subject_set_namespace_id", type: "INTEGER", nullable: true),
            Column(name: "subject_set_object", type: "VARCHAR(64)", nullable: true),
            Column(name: "subject_set_relation", type: "VARCHAR(64)", nullable: true),
            Column(name: "commit_time", type: "TIMESTAMP", nullable: false),
        ],
    ]

    static let networkColumns: [DatabaseBackend: [Column]] = [
        .postgres: [
            Column(name: "id", type: "uuid", nullable: false),
            Column(name: "created_at", type: "timestamp without time zone", nullable: false),
            Column(name: "updated_at", type: "timestamp without time zone", nullable: false),
        ],
        .sqlite: [
            Column(name: "id", type: "TEXT", nullable: true),
            Column(name: "created_at", type: "DATETIME", nullable: false),
            Column(name: "updated_at", type: "DATETIME", nullable: false),
        ],
    ]

    /// Index name, its columns in order, and its WHERE clause (normalized).
    struct Index: Equatable {
        let name: String
        let columns: [String]
        let predicate: String?
    }

    static let indexes = [
        Index(
            name: "keto_relation_tuples_full_idx",
            columns: ["nid", "namespace_id", "object", "relation", "subject_id", "subject_set_namespace_id", "subject_set_object", "subject_set_relation", "commit_time"],
            predicate: nil
        ),
        Index(
            name: "keto_relation_tuples_subject_ids_idx",
            columns: ["nid", "namespace_id", "object", "relation", "subject_id"],
            predicate: "subject_set_namespace_id is null and subject_set_object is null and subject_set_relation is null"
        ),
        Index(
            name: "keto_relation_tuples_subject_sets_idx",
            columns: ["nid", "namespace_id", "object", "relation", "subject_set_namespace_id", "subject_set_object", "subject_set_relation"],
            predicate: "subject_id is null"
        ),
    ]

    static let versions = [
        "20150100000001000000", "20201110175414000000", "20201110175414000001", "20210623162417000000",
        "20210623162417000001", "20210623162417000002", "20210623162417000003", "20210914134624000000",
    ]

    @Test("columns, primary key, indexes, check constraint and bookkeeping", arguments: TestBackends.all)
    func schemaMatchesContract(backend: DatabaseBackend) throws {
        try ScratchDatabase.withOpenDatabase(backend) { database, _ in
            _ = try SchemaMigrator(database: database, logger: testLogger).applyPending()
            #expect(try columns(of: "keto_relation_tuples", in: database) == Self.tupleColumns[backend])
            #expect(try columns(of: "networks", in: database) == Self.networkColumns[backend])
            #expect(try primaryKey(of: "keto_relation_tuples", in: database) == ["shard_id", "nid"])
            #expect(try primaryKey(of: "networks", in: database) == ["id"])
            #expect(try secondaryIndexes(of: "keto_relation_tuples", in: database) == Self.indexes)
            #expect(try checkConstraintNames(in: database).contains("chk_keto_rt_subject_type"))
            let recorded = try database.allRows("SELECT version FROM schema_migration ORDER BY version").compactMap { $0.first?.text }
            #expect(recorded == Self.versions)
            #expect(try !database.tableExists("keto_namespace"))
        }
    }

    @Test(
        "the check constraint admits exactly one of subject id and complete subject set",
        arguments: TestBackends.all
    )
    func checkConstraint(backend: DatabaseBackend) throws {
        try ScratchDatabase.withOpenDatabase(backend) { database, _ in
            let up = try SchemaMigrator(database: database, logger: testLogger).applyPending()
            func insert(_ shard: String, subjectID: DatabaseValue, set: [DatabaseValue]) throws {
                try database.execute(
                    """
                    INSERT INTO keto_relation_tuples (shard_id, nid, namespace_id, object, relation, subject_id,
                        subject_set_namespace_id, subject_set_object, subject_set_relation, commit_time)
                    VALUES (?, ?, 1, 'doc', 'viewer', ?, ?, ?, ?, '2021-09-14 13:46:24')
                    """,
                    [.text(shard), .text(up.networkID), subjectID] + set
                )
            }
            try insert("00000000-0000-5000-8000-000000000001", subjectID: "user-1", set: [nil, nil, nil])
            try insert("00000000-0000-5000-8000-000000000002", subjectID: nil, set: [2, "group", "member"])
            let rejected: [(DatabaseValue, [DatabaseValue])] = [
                ("user-1", [2, "group", "member"]),  // both
                (nil, [nil, nil, nil]),  // neither
                (nil, [2, "group", nil]),  // incomplete subject set
                ("user-1", [2, nil, nil]),  // subject id plus part of a set
            ]
            for (index, (subjectID, set)) in rejected.enumerated() {
                #expect(throws: (any Error).self, "case \(index) should violate chk_keto_rt_subject_type") {
                    try insert("00000000-0000-5000-8000-00000000001\(index)", subjectID: subjectID, set: set)
                }
            }
            #expect(try database.rowCount(of: "keto_relation_tuples") == 2)
        }
    }

    // MARK: Reading the catalog

    private func columns(of table: String, in database: any Database) throws -> [Column] {
        switch database.backend {
        case .sqlite:
            return try database.allRows("SELECT name, type, \"notnull\" FROM pragma_table_info(?) ORDER BY cid", [.text(table)]).map {
                Column(name: $0[0].text ?? "", type: $0[1].text ?? "", nullable: $0[2].integer == 0)
            }
        case .postgres:
            return try database.allRows(
                """
                SELECT column_name, format_type(a.atttypid, a.atttypmod), is_nullable
                FROM information_schema.columns c
                JOIN pg_attribute a ON a.attrelid = (quote_ident(c.table_name))::regclass AND a.attname = c.column_name
                WHERE c.table_schema = current_schema() AND c.table_name = ?
                ORDER BY c.ordinal_position
                """, [.text(table)]
            ).map { Column(name: $0[0].text ?? "", type: $0[1].text ?? "", nullable: $0[2].text == "YES") }
        }
    }

    private func primaryKey(of table: String, in database: any Database) throws -> [String] {
        switch database.backend {
        case .sqlite:
            return try database.allRows("SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", [.text(table)]).compactMap { $0[0].text }
        case .postgres:
            return try database.allRows(
                """
                SELECT a.attname FROM pg_index i
                JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position) ON true
                JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                WHERE i.indrelid = (?)::regclass AND i.indisprimary ORDER BY k.position
                """, [.text(table)]
            ).compactMap { $0[0].text }
        }
    }

    private func secondaryIndexes(of table: String, in database: any Database) throws -> [Index] {
        switch database.backend {
        case .sqlite:
            let named = try database.allRows(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name",
                [.text(table)]
            )
            return try named.map { row in
                let name = row[0].text ?? ""
                let columns = try database.allRows("SELECT name FROM pragma_index_info(?) ORDER BY seqno", [.text(name)]).compactMap { $0[0].text }
                let sql = row[1].text ?? ""
                let predicate = sql.range(of: " WHERE ", options: .caseInsensitive).map { String(sql[$0.upperBound...]) }
                return Index(name: name, columns: columns, predicate: predicate.map(normalize))
            }
        case .postgres:
            let named = try database.allRows(
                """
                SELECT c.relname, pg_get_expr(i.indpred, i.indrelid) FROM pg_index i
                JOIN pg_class c ON c.oid = i.indexrelid
                WHERE i.indrelid = (?)::regclass AND NOT i.indisprimary ORDER BY c.relname
                """, [.text(table)]
            )
            return try named.map { row in
                let name = row[0].text ?? ""
                let columns = try database.allRows(
                    """
                    SELECT a.attname FROM pg_index i
                    JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position) ON true
                    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                    WHERE i.indexrelid = (?)::regclass ORDER BY k.position
                    """, [.text(name)]
                ).compactMap { $0[0].text }
                return Index(name: name, columns: columns, predicate: row[1].text.map(normalize))
            }
        }
    }

    private func checkConstraintNames(in database: any Database) throws -> [String] {
        switch database.backend {
        case .sqlite:
            let sql = try database.scalar("SELECT sql FROM sqlite_master WHERE name = 'keto_relation_tuples'")?.text ?? ""
            return sql.contains("CONSTRAINT chk_keto_rt_subject_type CHECK") ? ["chk_keto_rt_subject_type"] : []
        case .postgres:
            return try database.allRows(
                "SELECT conname FROM pg_constraint WHERE conrelid = 'keto_relation_tuples'::regclass AND contype = 'c'"
            ).compactMap { $0[0].text }
        }
    }

    /// Lowercase, without parentheses and runs of whitespace, so SQLite's
    /// stored text and PostgreSQL's deparsed predicate compare equal.
    private func normalize(_ predicate: String) -> String {
        predicate.lowercased()
            .replacingOccurrences(of: "(", with: "")
            .replacingOccurrences(of: ")", with: "")
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
