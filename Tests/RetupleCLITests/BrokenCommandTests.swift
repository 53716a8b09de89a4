import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

/// `retuple broken list | export | apply` through the built binary, on both
/// backends, from a migration of the demo dataset (one broken row per
/// reason the backend can hold).
@Suite("broken list, export and apply (built binary)")
struct BrokenCommandTests {
    // MARK: The round trip

    @Test("report → fix → apply → verify → --down-only: every legacy row ends migrated or recreated", arguments: TestBackends.all)
    func roundTrip(backend: DatabaseBackend) throws {
        try LegacyWorkspace.with(backend, .demo) { workspace in
            #expect(try workspace.migrateLegacy(["-y", "--report", "report.jsonl"]).status == 3)
            let legacyRows = DemoDataset.figures(on: backend).reduce(0) { $0 + $1.legacy }
            let brokenRows = DemoDataset.figures(on: backend).reduce(0) { $0 + $1.broken }

            let export = try workspace.retuple(["broken", "export"], ["--output", "export.jsonl"])
            #expect(export.status == 0, "\(export.stderr)")
            #expect(export.lines == ["exported records=\(brokenRows) output=export.jsonl"])
            #expect(try workspace.permissions(of: "export.jsonl") == 0o600)
            let exported = try workspace.reportLines("export.jsonl")
            #expect(try Self.canonical(exported) == Self.canonical(workspace.reportLines("report.jsonl")), "the export is not the report")
            var reasons: [String: [String]] = [:]
            for line in exported { reasons[line["namespace"] as? String ?? "", default: []].append(line["reason"] as? String ?? "") }
            #expect(reasons.mapValues { $0.sorted() } == DemoDataset.brokenReasons(on: backend), "not every reason code is exercised")

            let fixed = exported.map(Self.fix)
            try workspace.writeLines(fixed, to: "fixed.jsonl")
            let started = Timestamp.now()
            let apply = try workspace.retuple(["broken", "apply"], ["fixed.jsonl", "-y"])
            #expect(apply.status == 0, "\(apply.stderr)")
            #expect(apply.stderr.isEmpty)
            #expect(apply.allFields(ofLinesStartingWith: "line=").map { $0["status"] } == Array(repeating: "inserted", count: brokenRows))
            #expect(apply.fields(ofLineStartingWith: "apply finished") == [
                "lines": String(brokenRows), "inserted": String(brokenRows), "already_present": "0",
                "already_resolved": "0", "resolved": String(brokenRows), "rejected": "0",
            ])

            // Each fixed tuple is there, stamped with the time of the apply.
            for line in fixed {
                let tuple = try #require(line["recreate"] as? [String: Any])
                #expect(try workspace.unifiedTuples(like: tuple) == 1, "\(tuple)")
            }
            let recreatedTimes = try workspace.withDatabase { database in
                try database.allRows("SELECT commit_time FROM keto_relation_tuples WHERE commit_time > ?", ["2022-01-01 00:00:00"])
            }.compactMap { $0.first.flatMap(LegacyCommitTime.parse) }
            #expect(recreatedTimes.count == brokenRows)
            #expect(recreatedTimes.allSatisfy { $0 >= Timestamp(seconds: started.seconds) && $0 <= Timestamp.now() }, "\(recreatedTimes)")

            // verify counts every legacy row migrated: the recreated ones carry their row's key.
            let verify = try workspace.retuple(["verify"], ["-f", "json"])
            #expect(verify.status == 0, "\(verify.stderr)")
            let namespaces = try #require(try verify.jsonDocument()["namespaces"] as? [[String: Any]])
            for namespace in namespaces {
                #expect(namespace["migrated"] as? Int == namespace["legacy"] as? Int, "\(namespace)")
                #expect(namespace["broken"] as? Int == 0 && namespace["missing"] as? Int == 0, "\(namespace)")
            }
            let list = try workspace.retuple(["broken", "list"], ["--all"])
            #expect(list.fields(ofLineStartingWith: "listed") == ["records": String(brokenRows), "unresolved": "0", "resolved": String(brokenRows)])
            #expect(list.allFields(ofLinesStartingWith: "broken ").allSatisfy { $0["resolved_at"] != "-" })

            let drop = try workspace.migrateLegacy(["--down-only", "-y"])
            #expect(drop.status == 0, "\(drop.stderr)")
            #expect(try workspace.legacyTablesLeft().isEmpty)
            // Nothing lost: one unified row per legacy row, no more.
            #expect(try workspace.count("SELECT count(*) FROM keto_relation_tuples") == legacyRows)
        }
    }

    /// The operator's fix of one exported line of the demo dataset: fills
    /// `recreate` by what its reason says was wrong.
    static func fix(_ line: [String: Any]) -> [String: Any] {
        var line = line
        guard line["recreate"] is NSNull else { return line } // invalid_commit_time: recreate as reported
        let namespace = line["namespace"] as? String ?? ""
        let object = line["object"] as? String ?? "ops" // the invalid UTF-8 object was "ops" with a damaged byte
        let relation = line["relation"] as? String ?? "viewer" // a NULL relation
        let subject = line["subject"] as? String ?? ""
        var tuple: [String: Any] = ["namespace": namespace, "object": String(object.prefix(32)), "relation": relation]
        switch line["reason"] as? String {
        case "malformed_subject", "unknown_subject_namespace":
            // groups:admins#member#x and teams:core#member meant groups.
            tuple["subject_set"] = ["namespace": "groups", "object": subject.contains("admins") ? "admins" : "core", "relation": "member"]
        default:
            tuple["subject_id"] = String(subject.prefix(32))
        }
        line["recreate"] = tuple
        return line
    }

    /// Migrates the demo dataset (report in `report.jsonl`), fixes every
    /// reported line and writes them to `fixed.jsonl`; returns them.
    static func migrateAndFix(_ workspace: LegacyWorkspace, sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
        #expect(try workspace.migrateLegacy(["-y", "--report", "report.jsonl"]).status == 3, sourceLocation: sourceLocation)
        let fixed = try workspace.reportLines("report.jsonl").map(fix)
        try workspace.writeLines(fixed, to: "fixed.jsonl")
        return fixed
    }

    /// Lines as canonical JSON text, so two files compare as sets of lines.
    static func canonical(_ lines: [[String: Any]]) throws -> Set<String> {
        Set(try lines.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: .sortedKeys), as: UTF8.self) })
    }

    // MARK: list and export

    @Test("list and export: text and json, NAME filters, --all adds resolved records, no table is no record", arguments: TestBackends.all)
    func listAndExport(backend: DatabaseBackend) throws {
        try LegacyWorkspace.with(backend, .demo) { workspace in
            // Before any migration there is no retuple_broken_tuples.
            let empty = try workspace.retuple(["broken", "list"])
            #expect(empty.status == 0, "\(empty.stderr)")
            #expect(empty.lines == ["listed records=0 unresolved=0 resolved=0"])
            let emptyExport = try workspace.retuple(["broken", "export"])
            #expect(emptyExport.status == 0 && emptyExport.stdout.isEmpty)
            #expect(try workspace.retuple(["broken", "export"], ["--output", "none.jsonl"]).status == 0)
            #expect(try String(contentsOfFile: workspace.directory.path("none.jsonl"), encoding: .utf8).isEmpty)
            #expect(try workspace.permissions(of: "none.jsonl") == 0o600)

            #expect(try workspace.migrateLegacy(["-y", "--report", "report.jsonl"]).status == 3)
            let report = try workspace.reportLines("report.jsonl")
            let figures = DemoDataset.figures(on: backend)
            let brokenRows = figures.reduce(0) { $0 + $1.broken }

            let list = try workspace.retuple(["broken", "list"])
            #expect(list.status == 0)
            let records = list.allFields(ofLinesStartingWith: "broken ")
            #expect(records.count == brokenRows)
            #expect(Set(records.first?.keys.map { $0 } ?? []) == [
                "namespace", "id", "reason", "object", "relation", "subject", "commit_time", "recreate",
                "recorded_at", "resolved_at", "row_key", "message",
            ])
            #expect(records.map { $0["namespace"] ?? "" } == figures.flatMap { Array(repeating: $0.name, count: $0.broken) })
            let erin = try #require(records.first { $0["reason"] == "invalid_commit_time" })
            #expect(erin["recreate"] == "files:notes.txt#editor@user-erin")
            #expect(erin["commit_time"] == (backend == .sqlite ? "now" : "infinity"))
            #expect(erin["resolved_at"] == "-")
            #expect(records.filter { $0["reason"] != "invalid_commit_time" }.allSatisfy { $0["recreate"] == "-" })
            if backend == .sqlite {
                #expect(records.first { $0["reason"] == "null_field" }?["relation"] == "NULL")
                #expect(records.first { $0["reason"] == "invalid_utf8" }?["object"] == "x'6f70732dff'")
            }
            #expect(list.lines.last == "listed records=\(brokenRows) unresolved=\(brokenRows) resolved=0")

            // json: one document, each record the report line plus its key and times.
            let json = try workspace.retuple(["broken", "list"], ["-f", "json"])
            #expect(json.status == 0)
            let document = try json.jsonDocument()
            #expect(document["totals"] as? [String: Int] == ["listed": brokenRows, "unresolved": brokenRows, "resolved": 0])
            let jsonRecords = try #require(document["records"] as? [[String: Any]])
            #expect(jsonRecords.map { $0["row_key"] as? String } == records.map { $0["row_key"] })
            #expect(jsonRecords.allSatisfy { $0["resolved_at"] is NSNull && $0["recorded_at"] is String })
            let reportKeys: Set = ["namespace", "namespace_id", "table", "shard_id", "object", "relation", "subject", "commit_time", "reason", "message", "recreate"]
            let withoutOwnKeys = jsonRecords.map { $0.filter { reportKeys.contains($0.key) } }
            #expect(try Self.canonical(withoutOwnKeys) == Self.canonical(report))

            // NAME filters; a NAME not configured is an error.
            let files = try workspace.retuple(["broken", "list"], ["files"])
            #expect(files.allFields(ofLinesStartingWith: "broken ").map { $0["namespace"] } == Array(repeating: "files", count: 3))
            #expect(files.lines.last == "listed records=3 unresolved=3 resolved=0")
            let unknown = try workspace.retuple(["broken", "list"], ["photos"])
            #expect(unknown.status == 1)
            #expect(unknown.stderr == "error: namespace photos is not in the configuration\n")
            #expect(unknown.stdout.isEmpty)
            let unknownExport = try workspace.retuple(["broken", "export"], ["photos"])
            #expect(unknownExport.status == 1 && unknownExport.stderrLines.count == 1)

            // export: stdout and --output hold the same lines, the report's.
            let stdout = try workspace.retuple(["broken", "export"])
            #expect(stdout.status == 0 && stdout.stderr.isEmpty)
            let exportDocument = try workspace.retuple(["broken", "export"], ["--output", "export.jsonl", "-f", "json"]).jsonDocument()
            #expect(Set(exportDocument.keys) == ["output", "records"])
            #expect(exportDocument["output"] as? String == "export.jsonl" && exportDocument["records"] as? Int == brokenRows)
            #expect(try String(contentsOfFile: workspace.directory.path("export.jsonl"), encoding: .utf8) == stdout.stdout)
            #expect(try Self.canonical(workspace.reportLines("export.jsonl")) == Self.canonical(report))
            let filesExport = try workspace.retuple(["broken", "export"], ["files"])
            #expect(filesExport.stdout.split(separator: "\n").count == 3)

            // Once the invalid commit time's tuple is recreated, only --all shows its record.
            let erinLine = try #require(report.first { $0["reason"] as? String == "invalid_commit_time" })
            try workspace.writeLines([erinLine], to: "erin.jsonl")
            #expect(try workspace.retuple(["broken", "apply"], ["erin.jsonl", "-y"]).status == 0)
            let unresolved = try workspace.retuple(["broken", "list"], ["files"])
            #expect(unresolved.allFields(ofLinesStartingWith: "broken ").count == 2)
            #expect(unresolved.lines.last == "listed records=2 unresolved=2 resolved=1")
            let all = try workspace.retuple(["broken", "list"], ["files", "--all"])
            #expect(all.allFields(ofLinesStartingWith: "broken ").count == 3)
            #expect(all.allFields(ofLinesStartingWith: "broken ").first { $0["reason"] == "invalid_commit_time" }?["resolved_at"] != "-")
            #expect(try workspace.retuple(["broken", "export"]).stdout.split(separator: "\n").count == brokenRows - 1)
            #expect(try workspace.retuple(["broken", "export"], ["--all"]).stdout == stdout.stdout)
        }
    }

    // MARK: Rejections

    /// Lines `broken apply` must refuse, each with its reason code, and
    /// one valid line (a 64-character object: lengths count characters).
    static func invalidLines(report: [[String: Any]]) throws -> [(line: String, reason: String?)] {
        let reported = try #require(report.first { $0["reason"] as? String == "invalid_commit_time" })
        func json(_ object: Any) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: object, options: .sortedKeys), as: UTF8.self)
        }
        func tuple(_ changes: [String: Any?]) throws -> String {
            var fields: [String: Any] = ["namespace": "files", "object": "readme.md", "relation": "viewer", "subject_id": "user-zoe"]
            for (key, value) in changes { fields[key] = value ?? NSNull() }
            return try json(fields)
        }
        func reportLine(_ changes: [String: Any?]) throws -> String {
            var fields = reported
            for (key, value) in changes { fields[key] = value ?? NSNull() }
            return try json(fields)
        }
        let set: [String: Any] = ["namespace": "groups", "object": "engineering", "relation": "member"]
        return [
            ("{\"namespace\": \"files\",", "invalid_json"),
            ("[1, 2]", "invalid_line"),
            (try reportLine(["recreate": nil]), "nothing_to_recreate"),
            (try tuple(["namespace": "photos"]), "unknown_namespace"),
            (try tuple(["subject_id": nil, "subject": "user-zoe"]), "invalid_line"),
            (try tuple(["object": nil]), "null_field"),
            (try tuple(["relation": 5]), "invalid_line"),
            (try tuple(["subject_id": nil]), "malformed_subject"),
            (try tuple(["subject_set": set]), "malformed_subject"),
            (try tuple(["subject_id": "groups:engineering#member"]), "malformed_subject"),
            (try tuple(["subject_id": nil, "subject_set": set.merging(["object": "a:b"]) { $1 }]), "malformed_subject"),
            (try tuple(["object": String(repeating: "x", count: 65)]), "too_long"),
            (try tuple(["subject_id": nil, "subject_set": set.merging(["namespace": "teams"]) { $1 }]), "unknown_subject_namespace"),
            (try reportLine(["commit_time": "2021-09-14 13:46:32"]), "no_broken_record"),
            (try reportLine(["object": ["hex": "6f7"]]), "invalid_line"),
            (try tuple(["object": String(repeating: "é", count: 64)]), nil),
        ]
    }

    @Test("apply rejects each invalid line with its number and reason, and writes nothing (dry run or not, text or json)", arguments: TestBackends.all)
    func rejections(backend: DatabaseBackend) throws {
        try LegacyWorkspace.with(backend, .demo) { workspace in
            #expect(try workspace.migrateLegacy(["-y", "--report", "report.jsonl"]).status == 3)
            let cases = try Self.invalidLines(report: try workspace.reportLines("report.jsonl"))
            // Blank lines count in the numbering and are otherwise ignored.
            let text = "\n" + cases.map(\.line).joined(separator: "\n  \n") + "\n"
            try text.write(toFile: workspace.directory.path("bad.jsonl"), atomically: true, encoding: .utf8)
            let numbers = cases.indices.map { 2 + 2 * $0 }
            let before = try workspace.dump()

            for arguments in [["-y"], ["--dry-run"], []] {
                let outcome = try workspace.retuple(["broken", "apply"], ["bad.jsonl"] + arguments, stdin: "y\n")
                #expect(outcome.status == 1, "\(arguments)")
                #expect(outcome.stderrLines == [
                    "error: \(cases.count - 1) of \(cases.count) lines of bad.jsonl were rejected (first: line 2, invalid_json: the line is not valid JSON); nothing was applied",
                ])
                #expect(!outcome.stdout.contains("[y/N]"), "asked although lines were rejected")
                let lines = outcome.allFields(ofLinesStartingWith: "line=")
                #expect(lines.map { $0["line"] } == numbers.map(String.init))
                #expect(lines.map { $0["status"] == "rejected" ? $0["reason"] : nil } == cases.map(\.reason))
                #expect(lines.last?["status"] == "valid")
                #expect(outcome.fields(ofLineStartingWith: "apply finished") == [
                    "lines": String(cases.count), "inserted": "0", "already_present": "0", "already_resolved": "0",
                    "resolved": "0", "rejected": String(cases.count - 1),
                ])
                #expect(try workspace.dump() == before, "a rejected apply changed the database")
            }

            let json = try workspace.retuple(["broken", "apply"], ["bad.jsonl", "-y", "-f", "json"])
            #expect(json.status == 1)
            let document = try json.jsonDocument()
            let lines = try #require(document["lines"] as? [[String: Any]])
            #expect(lines.map { $0["line"] as? Int } == numbers)
            #expect(lines.map { $0["reason"] as? String } == cases.map(\.reason))
            #expect((document["totals"] as? [String: Int])?["rejected"] == cases.count - 1)
            #expect(try workspace.dump() == before)
        }
    }

    @Test("apply refuses a missing file, a config without namespaces and a database without the unified schema", arguments: TestBackends.all)
    func refusals(backend: DatabaseBackend) throws {
        try LegacyWorkspace.with(backend, .demo, applyingSchema: false) { workspace in
            try workspace.writeLines([["namespace": "files", "object": "a", "relation": "b", "subject_id": "c"]], to: "bare.jsonl")
            let before = try workspace.dump()
            let missing = try workspace.retuple(["broken", "apply"], ["missing.jsonl", "-y"])
            #expect(missing.status == 1)
            #expect(missing.stderr == "error: cannot read missing.jsonl: it does not exist\n")

            let schema = try workspace.retuple(["broken", "apply"], ["bare.jsonl", "-y"])
            #expect(schema.status == 1)
            #expect(schema.stderrLines.count == 1)
            #expect(schema.stderr.hasPrefix("error: the unified schema is not applied to "))
            #expect(schema.stderr.contains("run `retuple migrate up` first"))

            workspace.configPath = try workspace.writeConfiguration([], file: "empty.yml")
            let unconfigured = try workspace.retuple(["broken", "apply"], ["bare.jsonl", "-y"])
            #expect(unconfigured.status == 1)
            #expect(unconfigured.stderr == "error: no namespaces are configured, so no tuple can be checked: pass Keto's config with -c\n")
            #expect(try workspace.dump() == before, "a refusal changed the database")
        }
    }

    // MARK: Idempotence, dry run, approval

    @Test("re-applying writes nothing new; a resolved record is never recreated again; a tuple present is not written twice", arguments: TestBackends.all)
    func idempotence(backend: DatabaseBackend) throws {
        try LegacyWorkspace.with(backend, .demo) { workspace in
            let fixed = try Self.migrateAndFix(workspace)
            let apply = try workspace.retuple(["broken", "apply"], ["fixed.jsonl", "-y"])
            #expect(apply.status == 0, "\(apply.stderr)")
            #expect(apply.fields(ofLineStartingWith: "apply finished")?["inserted"] == String(fixed.count))
            let applied = try workspace.dump()

            let again = try workspace.retuple(["broken", "apply"], ["fixed.jsonl", "-y"])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.allFields(ofLinesStartingWith: "line=").allSatisfy { $0["status"] == "already_resolved" })
            #expect(again.fields(ofLineStartingWith: "apply finished")?["inserted"] == "0")
            #expect(try workspace.dump() == applied, "re-applying changed the database")

            // A recreated tuple deleted since (a revoked permission) stays deleted.
            let erin = ["namespace": "files", "object": "notes.txt", "relation": "editor", "subject_id": "user-erin"]
            try workspace.withDatabase { _ = try $0.execute("DELETE FROM keto_relation_tuples WHERE subject_id = 'user-erin'") }
            #expect(try workspace.retuple(["broken", "apply"], ["fixed.jsonl", "-y"]).status == 0)
            #expect(try workspace.unifiedTuples(like: erin) == 0)

            // Tuples without legacy columns: one already migrated, one new,
            // one repeated; applied twice.
            let bare: [[String: Any]] = [
                ["namespace": "files", "object": "readme.md", "relation": "owner", "subject_id": "user-alice"],
                ["namespace": "groups", "object": "ops", "relation": "member", "subject_set": ["namespace": "groups", "object": "engineering", "relation": "member"]],
                ["namespace": "groups", "object": "ops", "relation": "member", "subject_set": ["namespace": "groups", "object": "engineering", "relation": "member"]],
            ]
            try workspace.writeLines(bare, to: "bare.jsonl")
            let first = try workspace.retuple(["broken", "apply"], ["bare.jsonl", "-y"])
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.allFields(ofLinesStartingWith: "line=").map { $0["status"] } == ["already_present", "inserted", "already_present"])
            #expect(try workspace.unifiedTuples(like: bare[0]) == 1 && workspace.unifiedTuples(like: bare[1]) == 1)
            let withBare = try workspace.dump()
            let second = try workspace.retuple(["broken", "apply"], ["bare.jsonl", "-y"])
            #expect(second.allFields(ofLinesStartingWith: "line=").map { $0["status"] } == ["already_present", "already_present", "already_present"])
            #expect(try workspace.dump() == withBare)
        }
    }

    @Test("--dry-run checks and shows what would be written, changes nothing, asks nothing", arguments: TestBackends.all)
    func dryRun(backend: DatabaseBackend) throws {
        try LegacyWorkspace.with(backend, .demo) { workspace in
            let fixed = try Self.migrateAndFix(workspace)
            let before = try workspace.dump()
            let dry = try workspace.retuple(["broken", "apply"], ["fixed.jsonl", "--dry-run"])
            #expect(dry.status == 0, "\(dry.stderr)")
            #expect(!dry.stdout.contains("[y/N]"))
            #expect(dry.lines.contains("dry run: rolled back; nothing changed"))
            #expect(dry.fields(ofLineStartingWith: "apply finished")?["inserted"] == String(fixed.count))
            #expect(dry.fields(ofLineStartingWith: "apply finished")?["resolved"] == String(fixed.count))
            #expect(try workspace.dump() == before, "a dry run changed the database")

            let json = try workspace.retuple(["broken", "apply"], ["fixed.jsonl", "--dry-run", "-f", "json"])
            let document = try json.jsonDocument()
            #expect(document["dry_run"] as? Bool == true)
            #expect((document["totals"] as? [String: Int])?["inserted"] == fixed.count)
            #expect(try workspace.dump() == before)

            let real = try workspace.retuple(["broken", "apply"], ["fixed.jsonl", "-y"])
            #expect(real.allFields(ofLinesStartingWith: "line=") == dry.allFields(ofLinesStartingWith: "line="))
        }
    }

    @Test("without -y: the tuples are shown and asked about; no or end of input changes nothing", arguments: TestBackends.all, ["n\n", "", "yes please\n"])
    func declined(backend: DatabaseBackend, answer: String) throws {
        try LegacyWorkspace.with(backend, .demo) { workspace in
            let fixed = try Self.migrateAndFix(workspace)
            let before = try workspace.dump()
            let outcome = try workspace.retuple(["broken", "apply"], ["fixed.jsonl"], stdin: answer)
            #expect(outcome.status == 0, "\(outcome.stderr)")
            // Every line's tuple is shown (the report's namespaces come in the
            // order they finished, which --jobs may change).
            #expect(outcome.stdout.contains("  line \(fixed.count): "))
            #expect(outcome.stdout.contains("files:notes.txt#editor@user-erin"))
            #expect(outcome.stdout.contains(
                "insert \(fixed.count) tuples into keto_relation_tuples and mark \(fixed.count) broken records resolved? [y/N] "
            ))
            #expect(outcome.lines.last == "nothing applied")
            #expect(try workspace.dump() == before, "declining changed the database")

            let json = try workspace.retuple(["broken", "apply"], ["fixed.jsonl", "-f", "json"], stdin: answer)
            #expect(json.status == 0)
            #expect(json.stderr.contains("[y/N] "))
            #expect(try json.jsonDocument()["declined"] as? Bool == true)
            #expect(try workspace.dump() == before)
        }
    }

    @Test("without -y: yes applies what was shown", arguments: TestBackends.all)
    func approved(backend: DatabaseBackend) throws {
        try LegacyWorkspace.with(backend, .demo) { workspace in
            let fixed = try Self.migrateAndFix(workspace)
            let outcome = try workspace.retuple(["broken", "apply"], ["fixed.jsonl"], stdin: "Y\n")
            #expect(outcome.status == 0, "\(outcome.stderr)")
            #expect(outcome.fields(ofLineStartingWith: "apply finished")?["inserted"] == String(fixed.count))
            #expect(try workspace.count("SELECT count(*) FROM retuple_broken_tuples WHERE resolved_at IS NULL") == 0)

            // Nothing left to do: no question.
            let again = try workspace.retuple(["broken", "apply"], ["fixed.jsonl"])
            #expect(again.status == 0)
            #expect(!again.stdout.contains("[y/N]"))
        }
    }
}

extension LegacyWorkspace {
    /// Writes `lines` as JSON Lines to a file in the working directory.
    func writeLines(_ lines: [[String: Any]], to file: String) throws {
        let text = try lines.map {
            String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self) + "\n"
        }.joined()
        try text.write(toFile: directory.path(file), atomically: true, encoding: .utf8)
    }

    /// Rows of `keto_relation_tuples` holding `tuple` (Keto v0.7's JSON
    /// shape; namespaces named as in the demo configuration).
    func unifiedTuples(like tuple: [String: Any]) throws -> Int {
        let ids = ["files": 0, "directories": 1, "groups": 2]
        var sql = "SELECT count(*) FROM keto_relation_tuples WHERE namespace_id = ? AND object = ? AND relation = ?"
        var bindings: [DatabaseValue] = [
            .integer(Int64(ids[tuple["namespace"] as? String ?? ""] ?? -1)),
            .text(tuple["object"] as? String ?? ""), .text(tuple["relation"] as? String ?? ""),
        ]
        if let set = tuple["subject_set"] as? [String: String] {
            sql += " AND subject_id IS NULL AND subject_set_namespace_id = ? AND subject_set_object = ? AND subject_set_relation = ?"
            bindings += [.integer(Int64(ids[set["namespace"] ?? ""] ?? -1)), .text(set["object"] ?? ""), .text(set["relation"] ?? "")]
        } else {
            sql += " AND subject_id = ? AND subject_set_namespace_id IS NULL"
            bindings.append(.text(tuple["subject_id"] as? String ?? ""))
        }
        return try count(sql, bindings)
    }
}
