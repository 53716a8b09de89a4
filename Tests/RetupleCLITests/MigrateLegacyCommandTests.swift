import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

/// `retuple namespace migrate legacy` through the built binary, on both
/// backends: detection, approval, broken rows and the report, the drop
/// guard, dry runs, re-runs, `--max-broken` and the report path check.
@Suite("namespace migrate legacy (built binary)")
struct MigrateLegacyCommandTests {
    // MARK: Detection

    /// The ways the command can find nothing (or the wrong thing) to migrate.
    enum Detection: String, CaseIterable, Sendable {
        case unconfiguredID, unknownName, nameWithoutTable, schemaNotApplied
    }

    @Test("detection: refusals change nothing; a configured name without a table is nothing to do", arguments: TestBackends.all, Detection.allCases)
    func detection(backend: DatabaseBackend, detection: Detection) throws {
        try LegacyWorkspace.with(backend, .demo, applyingSchema: detection != .schemaNotApplied) { workspace in
            let before = try workspace.dump()
            switch detection {
            case .unconfiguredID:
                workspace.configPath = try workspace.writeConfiguration([(0, "files"), (1, "directories")])
                let outcome = try workspace.migrateLegacy(["-y"])
                #expect(outcome.status == 1)
                #expect(outcome.stderr == "error: legacy table keto_0000000002_relation_tuples holds namespace id 2, which the configuration does not define; add it to namespaces\n")
                #expect(outcome.stdout.isEmpty)
            case .unknownName:
                let outcome = try workspace.migrateLegacy(["-y", "photos"])
                #expect(outcome.status == 1)
                #expect(outcome.stderr == "error: namespace photos is not in the configuration\n")
                #expect(outcome.stdout.isEmpty)
            case .nameWithoutTable:
                workspace.configPath = try workspace.writeConfiguration([(0, "files"), (1, "directories"), (2, "groups"), (7, "archive")])
                let outcome = try workspace.migrateLegacy(["-y", "archive"])
                #expect(outcome.status == 0)
                #expect(outcome.stderr.isEmpty)
                #expect(outcome.lines.first?.hasPrefix("nothing to do: no legacy table of namespace archive is left in ") == true)
                #expect(outcome.namespaceFigures.isEmpty)
            case .schemaNotApplied:
                let outcome = try workspace.migrateLegacy(["-y"])
                #expect(outcome.status == 1)
                #expect(outcome.stderrLines.count == 1)
                #expect(outcome.stderr.hasPrefix("error: the unified schema is not applied to "))
                #expect(outcome.stderr.contains("run `retuple migrate up` first"))
                #expect(outcome.stdout.isEmpty)
            }
            #expect(try workspace.dump() == before, "the database changed")
            #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.directory.url.path).allSatisfy { !$0.hasSuffix(".jsonl") })
        }
    }

    // MARK: Approval

    @Test("no, end of input or anything but yes at the first question changes nothing", arguments: TestBackends.all, ["n\n", "", "maybe\n"])
    func declined(backend: DatabaseBackend, answer: String) throws {
        try LegacyWorkspace.with(backend, .clean) { workspace in
            let before = try workspace.dump()
            let outcome = try workspace.migrateLegacy(stdin: answer)
            #expect(outcome.status == 0)
            #expect(outcome.stdout.contains("  files (id 0): 3 rows in keto_0000000000_relation_tuples\n"))
            #expect(outcome.stdout.contains("migrate these namespaces? [y/N] "))
            #expect(outcome.stdout.contains("nothing migrated\n"))
            #expect(!outcome.stdout.contains("drop the legacy table"))
            #expect(outcome.namespaceFigures.isEmpty)
            #expect(try workspace.dump() == before, "declining changed the database")
        }
    }

    @Test("yes to both questions migrates each namespace and drops its tables", arguments: TestBackends.all)
    func yesToEverything(backend: DatabaseBackend) throws {
        try LegacyWorkspace.with(backend, .clean) { workspace in
            let outcome = try workspace.migrateLegacy(stdin: "y\nYes\nY\nYES\n")
            #expect(outcome.status == 0)
            #expect(outcome.stderr.isEmpty)
            for (id, name) in [(0, "files"), (1, "directories"), (2, "groups")] {
                #expect(outcome.stdout.contains(
                    "drop the legacy table keto_000000000\(id)_relation_tuples of namespace \(name)? This deletes all data in it [y/N] "
                ))
            }
            // Each namespace's figures come before its drop question, so
            // they say dropped=no; each drop then has its own line.
            #expect(outcome.namespaceFigures == Self.cleanFigures(dropped: false))
            #expect(outcome.allFields(ofLinesStartingWith: "dropped ").map { $0["namespace"] } == ["files", "directories", "groups"])
            #expect(try workspace.legacyTablesLeft().isEmpty)
            try Self.expectCleanRowsMigrated(workspace)
        }
    }

    @Test("-y migrates and drops without asking", arguments: TestBackends.all)
    func yesFlag(backend: DatabaseBackend) throws {
        try LegacyWorkspace.with(backend, .clean) { workspace in
            let outcome = try workspace.migrateLegacy(["-y"])
            #expect(outcome.status == 0)
            #expect(!outcome.stdout.contains("[y/N]"))
            #expect(outcome.namespaceFigures == Self.cleanFigures(dropped: true))
            #expect(outcome.fields(ofLineStartingWith: "migration finished")?.filter { $0.key != "duration" && $0.key != "rows_per_s" } == [
                "namespaces": "3", "migrated": "7", "already_present": "0", "broken": "0", "failed": "0",
            ])
            #expect(outcome.fields(ofLineStartingWith: "report=") == nil)
            #expect(try workspace.legacyTablesLeft().isEmpty)
            try Self.expectCleanRowsMigrated(workspace)
        }
    }

    @Test("yes to migrate, no to every drop: migrated, tables kept; a re-run finds every row already present", arguments: TestBackends.all)
    func yesThenNoAndRerun(backend: DatabaseBackend) throws {
        try LegacyWorkspace.with(backend, .clean) { workspace in
            let first = try workspace.migrateLegacy(stdin: "y\nn\nnope\n")
            #expect(first.status == 0)
            #expect(first.namespaceFigures == Self.cleanFigures(dropped: false))
            for (id, rows) in [(Int32(0), 3), (1, 2), (2, 2)] {
                #expect(try workspace.legacyRows(namespaceID: id) == rows)
                #expect(try workspace.tableExists(LegacyLayout.migrationTable(namespaceID: id)))
            }
            try Self.expectCleanRowsMigrated(workspace)

            // Declining the drops again: nothing new is written.
            let again = try workspace.migrateLegacy(stdin: "y\n")
            #expect(again.status == 0)
            #expect(again.namespaceFigures == Self.cleanFigures(dropped: false).map(\.rerun))
            #expect(again.fields(ofLineStartingWith: "migration finished")?["already_present"] == "7")
            try Self.expectCleanRowsMigrated(workspace)

            let dropping = try workspace.migrateLegacy(["-y"])
            #expect(dropping.status == 0)
            #expect(dropping.namespaceFigures == Self.cleanFigures(dropped: false).map { $0.rerun.with(dropped: true) })
            #expect(try workspace.legacyTablesLeft().isEmpty)
            try Self.expectCleanRowsMigrated(workspace)
        }
    }

    @Test("json: prompts and plan on stderr, stdout is exactly one document", arguments: TestBackends.all)
    func jsonWithPrompts(backend: DatabaseBackend) throws {
        try LegacyWorkspace.with(backend, .clean) { workspace in
            let outcome = try workspace.migrateLegacy(["-f", "json"], stdin: "y\ny\n")
            #expect(outcome.status == 0)
            #expect(outcome.stderr.contains("migrate these namespaces? [y/N] "))
            #expect(outcome.stderr.contains("drop the legacy table keto_0000000000_relation_tuples of namespace files? This deletes all data in it [y/N] "))
            #expect(outcome.stderr.contains("  groups (id 2): 2 rows in keto_0000000002_relation_tuples"))
            #expect(!outcome.stdout.contains("[y/N]"))
            let document = try outcome.jsonDocument()
            #expect(Set(document.keys) == ["namespaces", "totals", "report", "dry_run", "failures"])
            #expect((document["failures"] as? [Any])?.isEmpty == true)
            let namespaces = try #require(document["namespaces"] as? [[String: Any]])
            // Only the first drop was approved; end of input declines the rest.
            #expect(namespaces.compactMap(NamespaceFigures.init(json:)) == Self.cleanFigures(dropped: false).enumerated().map {
                $0.element.with(dropped: $0.offset == 0)
            })
            let totals = try #require(document["totals"] as? [String: Any])
            #expect(totals["seconds"] is Double && totals["rows_per_second"] is Int)
            #expect(totals.compactMapValues { $0 as? Int }.filter { $0.key != "rows_per_second" && $0.key != "seconds" } == ["namespaces": 3, "migrated": 7, "already_present": 0, "broken": 0, "failed": 0])
            #expect(document["report"] is NSNull)
            #expect(document["dry_run"] as? Bool == false)
            #expect(try workspace.legacyRows(namespaceID: 0) == nil)
            #expect(try workspace.legacyRows(namespaceID: 1) == 2)
        }
    }

    /// The figures of a first migration of `LegacyDataset.clean`.
    static func cleanFigures(dropped: Bool) -> [NamespaceFigures] {
        [("files", Int32(0)), ("directories", 1), ("groups", 2)].map { name, id in
            let rows = LegacyDataset.cleanRows[name] ?? 0
            return NamespaceFigures(name: name, id: id, legacy: rows, migrated: rows, alreadyPresent: 0, broken: 0, dropped: dropped)
        }
    }

    /// Checks `keto_relation_tuples` holds each clean row exactly once,
    /// with subject sets resolved to namespace ids.
    static func expectCleanRowsMigrated(_ workspace: LegacyWorkspace, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for (id, name) in [(Int32(0), "files"), (1, "directories"), (2, "groups")] {
            #expect(try workspace.unifiedRows(namespaceID: id) == LegacyDataset.cleanRows[name], "namespace \(name)", sourceLocation: sourceLocation)
        }
        let sets = try workspace.withDatabase { database in
            try database.allRows("""
                SELECT namespace_id, object, relation, subject_set_namespace_id, subject_set_object, subject_set_relation
                FROM keto_relation_tuples WHERE subject_id IS NULL ORDER BY namespace_id, object
                """)
        }
        #expect(sets == [
            [0, "readme.md", "viewer", 2, "engineering", "member"],
            [1, "docs", "parent", 0, "readme.md", "viewer"],
            [2, "admins", "member", 2, "engineering", "member"],
        ], sourceLocation: sourceLocation)
    }

    // MARK: Broken rows and the report

    @Test("broken rows: exit 3, a 0600 report, tables kept, one record per row however often it runs", arguments: TestBackends.all)
    func brokenRows(backend: DatabaseBackend) throws {
        try LegacyWorkspace.with(backend, .demo) { workspace in
            let first = try workspace.migrateLegacy(["-y"])
            #expect(first.status == 3)
            #expect(first.stderr.isEmpty)
            let expected = DemoDataset.firstRunFigures(on: backend)
            #expect(first.namespaceFigures == expected)
            let broken = expected.reduce(0) { $0 + $1.broken }
            #expect(first.fields(ofLineStartingWith: "migration finished")?.filter { $0.key != "duration" && $0.key != "rows_per_s" } == [
                "namespaces": "3", "migrated": String(expected.reduce(0) { $0 + $1.migrated }),
                "already_present": "0", "broken": String(broken), "failed": "0",
            ])

            // The report: default name in the working directory, mode 0600.
            let reportPath = try #require(first.fields(ofLineStartingWith: "report=")?["report"])
            #expect(reportPath.wholeMatch(of: /retuple-broken-tuples-\d{8}T\d{6}Z\.jsonl/) != nil, "\(reportPath)")
            #expect(try workspace.permissions(of: reportPath) == 0o600)
            try Self.expectDemoReport(try workspace.reportLines(reportPath), on: backend)

            for figures in expected {
                #expect(try workspace.legacyRows(namespaceID: figures.id) == (figures.broken > 0 ? figures.legacy : nil), "\(figures.name)")
                #expect(try workspace.tableExists(LegacyLayout.migrationTable(namespaceID: figures.id)) == (figures.broken > 0))
                #expect(try workspace.unifiedRows(namespaceID: figures.id) == figures.migrated)
                #expect(try workspace.brokenRecords(namespaceID: figures.id) == figures.broken)
            }

            // A second run counts the same broken rows again, records none twice.
            let second = try workspace.migrateLegacy(["-y", "--report", "second.jsonl"])
            #expect(second.status == 3)
            #expect(second.namespaceFigures == expected.filter { $0.broken > 0 }.map(\.rerun))
            #expect(second.fields(ofLineStartingWith: "report=")?["report"] == "second.jsonl")
            #expect(try workspace.reportLines("second.jsonl").count == broken)
            #expect(try workspace.count("SELECT count(*) FROM retuple_broken_tuples") == broken)
            for figures in expected {
                #expect(try workspace.brokenRecords(namespaceID: figures.id) == figures.broken)
                #expect(try workspace.unifiedRows(namespaceID: figures.id) == figures.migrated)
            }
        }
    }

    /// Checks the report of the demo dataset line by line: keys, reasons
    /// per namespace, values as stored, `recreate` only for a bad commit time.
    static func expectDemoReport(_ lines: [[String: Any]], on backend: DatabaseBackend) throws {
        let keys: Set = [
            "namespace", "namespace_id", "table", "shard_id", "object", "relation", "subject", "commit_time",
            "reason", "message", "recreate",
        ]
        var reasons: [String: [String]] = [:]
        for line in lines {
            #expect(Set(line.keys) == keys)
            let namespace = try #require(line["namespace"] as? String)
            let reason = try #require(line["reason"] as? String)
            reasons[namespace, default: []].append(reason)
            let id = try #require(line["namespace_id"] as? Int)
            #expect(line["table"] as? String == LegacyLayout.tupleTable(namespaceID: Int32(id)))
            #expect(line["shard_id"] as? String == "default")
            #expect((line["message"] as? String)?.isEmpty == false)
            switch reason {
            case "invalid_commit_time":
                #expect(line["commit_time"] as? String == (backend == .sqlite ? "now" : "infinity"))
                #expect(line["recreate"] as? [String: String] == [
                    "namespace": "files", "object": "notes.txt", "relation": "editor", "subject_id": "user-erin",
                ])
            case "invalid_utf8":
                #expect(line["object"] as? [String: String] == ["hex": "6f70732dff"])
                #expect(line["recreate"] is NSNull)
            case "null_field":
                #expect(line["relation"] is NSNull)
                #expect(line["recreate"] is NSNull)
            case "unknown_subject_namespace":
                #expect(line["subject"] as? String == "teams:core#member")
                #expect(line["recreate"] is NSNull)
            default:
                #expect(line["recreate"] is NSNull, "\(reason)")
            }
        }
        #expect(reasons.mapValues { $0.sorted() } == DemoDataset.brokenReasons(on: backend))
    }

    // MARK: The drop guard

    @Test("--down-only refuses unaccounted rows, --force drops anyway, and after the migration it drops everything", arguments: TestBackends.all)
    func downOnlyGuard(backend: DatabaseBackend) throws {
        try LegacyWorkspace.with(backend, .demo) { workspace in
            let refused = try workspace.migrateLegacy(["--down-only", "-y", "files"])
            #expect(refused.status == 1)
            #expect(refused.stderr == "error: refusing to drop keto_0000000000_relation_tuples: 9 of its 9 rows are neither migrated nor recorded broken; run `retuple namespace migrate legacy files` first, or pass --force to drop them\n")
            #expect(try workspace.legacyRows(namespaceID: 0) == 9)
            #expect(try workspace.tableExists("keto_namespace_0000000000_migrations"))

            let forced = try workspace.migrateLegacy(["--down-only", "--force", "-y", "directories"])
            #expect(forced.status == 0)
            #expect(forced.namespaceFigures.map(\.name) == ["directories"])
            #expect(forced.namespaceFigures.first?.dropped == true)
            #expect(try workspace.legacyRows(namespaceID: 1) == nil)
            #expect(try !workspace.tableExists("keto_namespace_0000000001_migrations"))

            let migrated = try workspace.migrateLegacy(["-y"])
            #expect(migrated.status == 3)
            let afterMigration = try workspace.dump()

            let dropped = try workspace.migrateLegacy(["--down-only", "-y"])
            #expect(dropped.status == 0, "\(dropped.stderr)")
            #expect(dropped.stderr.isEmpty)
            let remaining = migrated.namespaceFigures.filter { !$0.dropped }
            #expect(dropped.namespaceFigures.map(\.name) == remaining.map(\.name))
            #expect(dropped.namespaceFigures.allSatisfy { $0.dropped })
            #expect(try workspace.legacyTablesLeft().isEmpty)
            // Only the legacy tables went; the migrated and recorded rows stay.
            let afterDrop = try workspace.dump()
            #expect(afterDrop["keto_relation_tuples"] == afterMigration["keto_relation_tuples"])
            #expect(afterDrop["retuple_broken_tuples"] == afterMigration["retuple_broken_tuples"])

            let status = try workspace.retuple(["status"])
            #expect(status.status == 0)
            #expect(status.lines.contains("legacy tables: none left"))
            #expect(!status.lines.contains { $0.hasPrefix("legacy namespace=") })
        }
    }

    // MARK: Dry run

    @Test("--dry-run changes nothing, writes the report, exits 3 and shows the figures the real run then shows", arguments: TestBackends.all)
    func dryRun(backend: DatabaseBackend) throws {
        try LegacyWorkspace.with(backend, .demo) { workspace in
            let before = try workspace.dump()
            let dry = try workspace.migrateLegacy(["-y", "--dry-run", "--report", "dry.jsonl"])
            #expect(dry.status == 3)
            #expect(dry.namespaceFigures == DemoDataset.figures(on: backend))
            #expect(dry.namespaceFigures.allSatisfy { !$0.dropped })
            #expect(dry.fields(ofLineStartingWith: "report=")?["report"] == "dry.jsonl")
            try Self.expectDemoReport(try workspace.reportLines("dry.jsonl"), on: backend)
            #expect(try workspace.dump() == before, "a dry run changed the database")

            let dryJSON = try workspace.migrateLegacy(["-y", "--dry-run", "-f", "json", "--report", "dry-json.jsonl"])
            #expect(dryJSON.status == 3)
            let document = try dryJSON.jsonDocument()
            #expect(document["dry_run"] as? Bool == true)
            #expect(document["report"] as? String == "dry-json.jsonl")
            #expect((document["namespaces"] as? [[String: Any]])?.compactMap(NamespaceFigures.init(json:)) == DemoDataset.figures(on: backend))
            #expect(try workspace.dump() == before, "a json dry run changed the database")

            let real = try workspace.migrateLegacy(["-y", "--report", "real.jsonl"])
            #expect(real.status == 3)
            #expect(real.namespaceFigures.map { $0.with(dropped: false) } == dry.namespaceFigures)
            let figures = { (outcome: ProcessOutcome) in
                outcome.fields(ofLineStartingWith: "migration finished")?.filter { $0.key != "duration" && $0.key != "rows_per_s" }
            }
            #expect(figures(real) == figures(dry))
            let lineSet = { (lines: [[String: Any]]) in
                Set(try lines.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: .sortedKeys), as: UTF8.self) })
            }
            #expect(try lineSet(workspace.reportLines("real.jsonl")) == lineSet(workspace.reportLines("dry.jsonl")))
            #expect(try workspace.dump() != before)
        }
    }

    // MARK: --max-broken

    @Test("--max-broken rolls back a namespace over the limit, commits the others; the report holds only committed rows", arguments: TestBackends.all)
    func maxBroken(backend: DatabaseBackend) throws {
        try LegacyWorkspace.with(backend, .demo) { workspace in
            let before = try workspace.dump()
            let outcome = try workspace.migrateLegacy(["-y", "--max-broken", "1", "--report", "report.jsonl"])
            #expect(outcome.status == 1)
            let all = DemoDataset.firstRunFigures(on: backend)
            let overLimit = all.filter { $0.broken > 1 }
            let committed = all.filter { $0.broken <= 1 }
            #expect(outcome.namespaceFigures == committed)
            let failed = outcome.allFields(ofLinesStartingWith: "namespace=").filter { $0["failed"] != nil }
            #expect(failed.map { $0["namespace"] ?? "" } == overLimit.map(\.name))
            for (fields, figures) in zip(failed, overLimit) {
                #expect(fields["failed"] == "namespace \(figures.name) has more than 1 broken rows (--max-broken); rolled back")
                #expect(try workspace.unifiedRows(namespaceID: figures.id) == 0)
                #expect(try workspace.brokenRecords(namespaceID: figures.id) == 0)
                let table = LegacyLayout.tupleTable(namespaceID: figures.id)
                #expect(try workspace.rows(of: table) == before[table])
            }
            #expect(outcome.fields(ofLineStartingWith: "migration finished")?["failed"] == String(overLimit.count))
            #expect(outcome.stderrLines.count == 1)
            #expect(outcome.stderr.hasPrefix("error: namespace files has more than 1 broken rows (--max-broken); rolled back"))

            // The report describes what was committed: none of a rolled-back namespace's rows.
            let committedBroken = committed.reduce(0) { $0 + $1.broken }
            let lines = FileManager.default.fileExists(atPath: workspace.directory.path("report.jsonl"))
                ? try workspace.reportLines("report.jsonl") : []
            let reported = lines.compactMap { $0["namespace"] as? String }
            #expect(Set(reported).isSubset(of: committed.map(\.name)), "the report holds rows of rolled-back namespaces: \(reported)")
            #expect(reported.count == committedBroken)
        }
    }

    // MARK: The report path

    /// Report paths that cannot be written.
    enum UnwritableReport: String, CaseIterable, Sendable {
        case missingDirectory, existingDirectory, belowARegularFile, readOnlyDirectory, readOnlyFile
        /// No `--report`: the default name in a working directory that cannot be written.
        case readOnlyWorkingDirectory
    }

    @Test("a report path that cannot be written is refused before anything changes", arguments: TestBackends.all, UnwritableReport.allCases)
    func unwritableReport(backend: DatabaseBackend, unwritable: UnwritableReport) throws {
        try LegacyWorkspace.with(backend, .demo) { workspace in
            let directory = workspace.directory
            let (path, message): (String, String)
            // Made read-only as WriteProtection does: root ignores modes.
            var protection: WriteProtection?
            defer { try? protection?.remove() }
            switch unwritable {
            case .missingDirectory:
                path = directory.path("missing/report.jsonl")
                message = "directory \(directory.path("missing")) does not exist"
            case .existingDirectory:
                try FileManager.default.createDirectory(atPath: directory.path("reports"), withIntermediateDirectories: false)
                path = directory.path("reports")
                message = "it exists and is not a regular file"
            case .belowARegularFile:
                try "notes".write(toFile: directory.path("notes.txt"), atomically: true, encoding: .utf8)
                path = directory.path("notes.txt/report.jsonl")
                message = "directory \(directory.path("notes.txt")) does not exist"
            case .readOnlyDirectory:
                try FileManager.default.createDirectory(atPath: directory.path("locked"), withIntermediateDirectories: false)
                protection = try WriteProtection(directory.path("locked"))
                path = directory.path("locked/report.jsonl")
                message = "directory \(directory.path("locked")) is not writable"
            case .readOnlyFile:
                try "".write(toFile: directory.path("old.jsonl"), atomically: true, encoding: .utf8)
                protection = try WriteProtection(directory.path("old.jsonl"))
                path = directory.path("old.jsonl")
                message = "the file is not writable"
            case .readOnlyWorkingDirectory:
                protection = try WriteProtection(directory.path(""))
                path = ""
                message = "directory . is not writable"
            }
            let before = try workspace.dump()
            let outcome = try workspace.migrateLegacy(path.isEmpty ? ["-y"] : ["-y", "--report", path])
            #expect(outcome.status == 1)
            if path.isEmpty {
                #expect(outcome.stderr.wholeMatch(of: /error: cannot write the report to retuple-broken-tuples-\d{8}T\d{6}Z\.jsonl: (.*)\n/)?.1 == message[...], "\(outcome.stderr)")
            } else {
                #expect(outcome.stderr == "error: cannot write the report to \(path): \(message)\n")
            }
            #expect(outcome.stdout.isEmpty)
            #expect(try workspace.dump() == before, "the database changed")
        }
    }
}
