import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

/// Which tables and names `namespace migrate legacy` takes as namespaces:
/// any name an operator can configure, and only the legacy tables of the
/// current PostgreSQL schema.
@Suite("namespace migrate legacy: names and schemas (built binary)")
struct MigrateLegacyNamesTests {
    /// Namespace names that break naive quoting: SQL, shell, logfmt, YAML.
    static let hostileNamespaces: [(id: Int32, name: String)] = [
        (0, #"it's "quoted""#), (1, "with spaces"), (2, "ünïcødé-名前"), (3, "semi;colon"),
    ]

    /// Subject sets between every hostile namespace, and one broken row
    /// (an unconfigured subject namespace) so the report names one too.
    static let hostileDataset = LegacyDataset.statements(namespaces: hostileNamespaces, sql: """
        INSERT INTO keto_0000000000_relation_tuples (shard_id, object, relation, subject, commit_time) VALUES
            ('default', 'doc', 'viewer', 'with spaces:team#member', '2021-09-14 13:46:21'),
            ('default', 'doc', 'owner',  'user-1',                  '2021-09-14 13:46:22'),
            ('default', 'doc', 'viewer', 'nope:team#member',        '2021-09-14 13:46:23');
        INSERT INTO keto_0000000001_relation_tuples (shard_id, object, relation, subject, commit_time) VALUES
            ('default', 'team', 'member', 'ünïcødé-名前:grp#member',   '2021-09-14 13:46:24'),
            ('default', 'team', 'member', 'it''s "quoted":doc#viewer', '2021-09-14 13:46:25');
        INSERT INTO keto_0000000002_relation_tuples (shard_id, object, relation, subject, commit_time) VALUES
            ('default', 'grp', 'member', 'semi;colon:x#y', '2021-09-14 13:46:26');
        INSERT INTO keto_0000000003_relation_tuples (shard_id, object, relation, subject, commit_time) VALUES
            ('default', 'x', 'y', 'user-2', '2021-09-14 13:46:27');
        """)

    @Test("hostile namespace names migrate, resolve as subject sets and are quoted in every output line", arguments: TestBackends.all)
    func hostileNames(backend: DatabaseBackend) throws {
        try LegacyWorkspace.with(backend, Self.hostileDataset) { workspace in
            let single = try workspace.migrateLegacy(["-y", "with spaces"])
            #expect(single.status == 0, "\(single.stderr)")
            #expect(single.stdout.contains("  with spaces (id 1): 2 rows in keto_0000000001_relation_tuples\n"))
            // Whole lines but for the duration each ends with.
            let withoutDuration = { (lines: [String]) in lines.map { $0.replacing(#/ duration=[0-9]+\.[0-9]{2}s$/#, with: "") } }
            #expect(withoutDuration(single.lines.filter { $0.hasPrefix("namespace=") }) == [
                #"namespace="with spaces" id=1 legacy=2 migrated=2 already_present=0 broken=0 dropped=yes"#,
            ])

            let rest = try workspace.migrateLegacy(["-y"])
            #expect(rest.status == 3, "\(rest.stderr)")
            #expect(withoutDuration(rest.lines.filter { $0.hasPrefix("namespace=") }) == [
                #"namespace="it's \"quoted\"" id=0 legacy=3 migrated=2 already_present=0 broken=1 dropped=no"#,
                "namespace=ünïcødé-名前 id=2 legacy=1 migrated=1 already_present=0 broken=0 dropped=yes",
                "namespace=semi;colon id=3 legacy=1 migrated=1 already_present=0 broken=0 dropped=yes",
            ])
            // The lines read back to the configured names.
            #expect(rest.namespaceFigures.map(\.name) == [0, 2, 3].map { Self.hostileNamespaces[$0].name })

            let subjectSets = try workspace.withDatabase { database in
                try database.allRows("""
                    SELECT namespace_id, object, relation, subject_set_namespace_id, subject_set_object, subject_set_relation
                    FROM keto_relation_tuples WHERE subject_id IS NULL
                    ORDER BY namespace_id, subject_set_namespace_id
                    """)
            }
            #expect(subjectSets == [
                [0, "doc", "viewer", 1, "team", "member"],
                [1, "team", "member", 0, "doc", "viewer"],
                [1, "team", "member", 2, "grp", "member"],
                [2, "grp", "member", 3, "x", "y"],
            ])

            let reportPath = try #require(rest.fields(ofLineStartingWith: "report=")?["report"])
            let report = try workspace.reportLines(reportPath)
            #expect(report.count == 1)
            #expect(report.first?["namespace"] as? String == Self.hostileNamespaces[0].name)
            #expect(report.first?["reason"] as? String == "unknown_subject_namespace")

            let status = try workspace.retuple(["status"])
            #expect(status.status == 0)
            #expect(status.lines.filter { !$0.hasPrefix("schema ") } == [
                #"legacy namespace="it's \"quoted\"" id=0 table=keto_0000000000_relation_tuples rows=3"#,
                #"unified namespace="it's \"quoted\"" id=0 rows=2"#,
                #"unified namespace="with spaces" id=1 rows=2"#,
                "unified namespace=ünïcødé-名前 id=2 rows=1",
                "unified namespace=semi;colon id=3 rows=1",
                #"broken namespace="it's \"quoted\"" id=0 recorded=1 unresolved=1"#,
            ])
            let statusJSON = try workspace.retuple(["status"], ["-f", "json"]).jsonDocument()
            let unifiedNames = (statusJSON["unified"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            #expect(unifiedNames == Self.hostileNamespaces.map(\.name))

            let verify = try workspace.retuple(["verify"], [Self.hostileNamespaces[0].name])
            #expect(verify.status == 0, "\(verify.stderr)")
            #expect(verify.lines.first == #"namespace="it's \"quoted\"" id=0 legacy=3 migrated=2 broken=1 missing=0"#)
        }
    }

    @Test("PostgreSQL: legacy-looking tables in another schema are neither counted nor touched", .enabled(if: TestBackends.postgresEnabled))
    func otherSchema() throws {
        try LegacyWorkspace.with(.postgres, .demo) { workspace in
            let otherTables = ["other.keto_0000000000_relation_tuples", "other.keto_0000000009_relation_tuples"]
            try workspace.withDatabase { database in
                try database.executeScript("CREATE SCHEMA other")
                for table in otherTables {
                    try database.executeScript("""
                        CREATE TABLE \(table) (
                            shard_id varchar(64), object varchar(64), relation varchar(64), subject varchar(256), commit_time timestamp,
                            PRIMARY KEY (shard_id, object, relation, subject, commit_time)
                        );
                        INSERT INTO \(table) VALUES
                            ('default', 'elsewhere', 'viewer', 'user-zed', '2021-09-20 10:00:00'),
                            ('default', 'elsewhere', 'owner', 'files:readme.md#owner', '2021-09-20 10:00:01')
                        """)
                }
            }
            func otherContent() throws -> [[String]] {
                try workspace.withDatabase { database in
                    try otherTables.map { try database.allRows("SELECT * FROM \($0)").map(renderedRow).sorted() }
                }
            }
            let before = try otherContent()

            let migrated = try workspace.migrateLegacy(["-y"])
            #expect(migrated.status == 3, "\(migrated.stderr)")
            #expect(migrated.namespaceFigures == DemoDataset.firstRunFigures(on: .postgres))
            #expect(try workspace.unifiedRows(namespaceID: 0) == 6)
            #expect(try workspace.unifiedRows(namespaceID: 9) == 0)

            let status = try workspace.retuple(["status"])
            #expect(status.lines.filter { $0.hasPrefix("legacy ") }.map { keyValueFields($0)["table"] ?? "" } == [
                "keto_0000000000_relation_tuples", "keto_0000000001_relation_tuples",
            ])
            #expect(try workspace.retuple(["verify"]).status == 0)

            let dropped = try workspace.migrateLegacy(["--down-only", "-y"])
            #expect(dropped.status == 0, "\(dropped.stderr)")
            #expect(try workspace.legacyTablesLeft().isEmpty)
            #expect(try otherContent() == before, "a table in schema other changed")
        }
    }
}
