import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

/// A broken row's legacy values keep their bytes on every source/target
/// pair: the migration's report, `broken list -f json` and `broken export`
/// print the same JSON, and export → fix → `broken apply` recreates every
/// row, in place and across databases.
@Suite("broken rows keep their bytes across databases (built binary)")
struct BrokenBytesAcrossDatabasesTests {
    /// Where the unified schema is written: into the source itself, or
    /// into a new database named with `--target-dsn`.
    enum TargetKind: String, Sendable {
        case inPlace = "in place"
        case sqlite
        case postgres
    }

    struct Pair: Sendable, CustomTestStringConvertible {
        let source: DatabaseBackend
        let target: TargetKind
        var testDescription: String { "\(source.rawValue) → \(target.rawValue)" }
    }

    static let pairs: [Pair] = TestBackends.all.flatMap { source in
        ([TargetKind.inPlace, .sqlite] + (TestBackends.postgresEnabled ? [TargetKind.postgres] : [])).map { Pair(source: source, target: $0) }
    }

    /// Broken rows whose object is invalid UTF-8 (SQLite only: a
    /// PostgreSQL text column cannot hold it), a NUL-free binary-ish value
    /// (a blob of control bytes on SQLite, control characters on
    /// PostgreSQL) and the text `\x6f70ff73`, which looks like PostgreSQL's
    /// bytea text form; one clean row beside them.
    static func dataset(on backend: DatabaseBackend) -> LegacyDataset {
        let values = switch backend {
        case .sqlite: ["X'6f70ff73'", "X'01027f1b09'", "'\\x6f70ff73'"]
        case .postgres: ["E'\\x01\\x02\\x7f\\x1b\\x09'", "'\\x6f70ff73'", "'\\x01027f1b09'"]
        }
        return .statements(namespaces: [(0, "files"), (1, "groups")], sql: """
            INSERT INTO keto_0000000000_relation_tuples (shard_id, object, relation, subject, commit_time) VALUES
                ('default', \(values[0]), 'viewer', 'nope:a#member', '2021-09-14 13:46:24'),
                ('default', \(values[1]), 'viewer', 'nope:b#member', '2021-09-14 13:46:25'),
                ('default', \(values[2]), 'viewer', 'nope:c#member', '2021-09-14 13:46:26'),
                ('default', 'readme.md', 'owner', 'user-alice', '2021-09-14 13:46:27');
            INSERT INTO keto_0000000001_relation_tuples (shard_id, object, relation, subject, commit_time) VALUES
                ('default', 'admins', 'member', 'user-bob', '2021-09-16 10:00:00');
            """)
    }

    /// The objects the report must print, as `objectJSON` renders them.
    static func expectedObjects(on backend: DatabaseBackend) -> Set<String> {
        let objects: [Any] = switch backend {
        case .sqlite: [["hex": "6f70ff73"], ["hex": "01027f1b09"], "\\x6f70ff73"]
        case .postgres: ["\u{01}\u{02}\u{7f}\u{1b}\t", "\\x6f70ff73", "\\x01027f1b09"]
        }
        return Set(objects.compactMap(json))
    }

    @Test("report, list -f json and export agree byte for byte; export → fix → apply recreates every row; verify passes", arguments: pairs)
    func roundTrip(pair: Pair) throws {
        try LegacyWorkspace.with(pair.source, Self.dataset(on: pair.source), applyingSchema: pair.target == .inPlace) { source in
            try Self.withTarget(pair.target, beside: source) { targetDSN in
                let crossing = targetDSN.map { ["--target-dsn", $0] } ?? []
                let brokenDSN = targetDSN ?? source.dsn
                if targetDSN != nil {
                    let up = try source.retuple(["migrate", "up"], crossing + ["-y"])
                    #expect(up.status == 0, "\(up.stderr)")
                }
                let migration = try source.migrateLegacy(crossing + ["-y", "--report", "report.jsonl"])
                #expect(migration.status == 3, "\(migration.stderr)")
                let report = try Self.rawLines(source.directory.path("report.jsonl"))
                #expect(report.count == 3)
                #expect(Set(report.compactMap(Self.objectJSON)) == Self.expectedObjects(on: pair.source), "\(report)")

                func broken(_ words: [String], _ arguments: [String]) throws -> ProcessOutcome {
                    try run(["broken"] + words + ["--dsn", brokenDSN, "-c", source.configPath] + arguments, in: source.directory.url)
                }
                let export = try broken(["export"], ["--output", "export.jsonl"])
                #expect(export.status == 0, "\(export.stderr)")
                #expect(Set(try Self.rawLines(source.directory.path("export.jsonl"))) == Set(report), "the export is not the report, byte for byte")

                let list = try broken(["list"], ["-f", "json"])
                #expect(list.status == 0, "\(list.stderr)")
                let records = try #require(try list.jsonDocument()["records"] as? [[String: Any]])
                let reported = try report.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
                let listed = records.map { $0.filter { !["row_key", "recorded_at", "resolved_at"].contains($0.key) } }
                #expect(try BrokenCommandTests.canonical(listed) == BrokenCommandTests.canonical(reported), "list -f json is not the report")

                // The operator's fix: every row recreated under a clean object.
                let fixed = try Self.rawLines(source.directory.path("export.jsonl")).enumerated().map { index, line in
                    var object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                    object["recreate"] = ["namespace": "files", "object": "fixed-\(index)", "relation": "viewer", "subject_id": "user-carol"]
                    return object
                }
                try source.writeLines(fixed, to: "fixed.jsonl")
                let apply = try broken(["apply"], ["fixed.jsonl", "-y"])
                #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
                #expect(apply.fields(ofLineStartingWith: "apply finished")?["inserted"] == "3", "\(apply.stdout)")
                #expect(apply.fields(ofLineStartingWith: "apply finished")?["resolved"] == "3", "\(apply.stdout)")

                let verify = try source.retuple(["verify"], crossing)
                #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
            }
        }
    }

    @Test("a retuple_broken_tuples an earlier retuple made on PostgreSQL (TEXT columns) is still read and written", .enabled(if: TestBackends.postgresEnabled))
    func earlierTextTable() throws {
        try LegacyWorkspace.with(.postgres, Self.dataset(on: .postgres)) { workspace in
            try workspace.withDatabase { database in
                try database.executeScript("""
                    CREATE TABLE retuple_broken_tuples (
                        row_key UUID NOT NULL PRIMARY KEY, nid UUID NOT NULL, namespace TEXT NOT NULL, namespace_id INTEGER NOT NULL,
                        legacy_table TEXT NOT NULL, shard_id TEXT, object TEXT, relation TEXT, subject TEXT, commit_time TEXT,
                        reason TEXT NOT NULL, message TEXT NOT NULL, recreate TEXT NULL, recorded_at TIMESTAMP NOT NULL, resolved_at TIMESTAMP NULL
                    )
                    """)
            }
            #expect(try workspace.migrateLegacy(["-y", "--report", "report.jsonl"]).status == 3)
            let report = try Self.rawLines(workspace.directory.path("report.jsonl"))
            #expect(report.count == 3)
            let export = try workspace.retuple(["broken", "export"], ["--output", "export.jsonl"])
            #expect(export.status == 0, "\(export.stderr)")
            #expect(Set(try Self.rawLines(workspace.directory.path("export.jsonl"))) == Set(report))
            #expect(try workspace.withDatabase { try $0.legacyValueStorage(ofColumn: "object", in: BrokenTupleTable.name) } == .asStored)
        }
    }

    /// Runs `body` with the DSN of a new empty target, or nil in place.
    static func withTarget(_ kind: TargetKind, beside workspace: LegacyWorkspace, _ body: (String?) throws -> Void) throws {
        switch kind {
        case .inPlace: try body(nil)
        case .sqlite: try body("sqlite://" + workspace.directory.path("target.db"))
        case .postgres: try ScratchDatabase.with(.postgres) { try body($0.dsn) }
        }
    }

    /// The non-empty lines of a file, as written.
    static func rawLines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    /// The `object` of a report line as JSON text, keys sorted.
    static func objectJSON(_ line: String) -> String? {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["object"].flatMap(json)
    }

    static func json(_ value: Any) -> String? {
        (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes]))
            .map { String(decoding: $0, as: UTF8.self) }
    }
}
