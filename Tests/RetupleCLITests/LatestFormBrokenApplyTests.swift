import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

/// `retuple broken apply` on a database in the latest form (built binary,
/// both backends): the tuples go in as namespace names and UUIDs with
/// their mappings, a tuple already there is found by what it means in that
/// form, and applying again changes nothing.
@Suite("broken apply into the latest form (built binary)")
struct LatestFormBrokenApplyTests {
    @Test("fixed report lines are written once, a hand-written tuple already migrated is already_present, a second apply is already_resolved; verify passes", arguments: TestBackends.all)
    func applyIntoLatestForm(backend: DatabaseBackend) throws {
        try LegacyWorkspace.with(backend, .demo, applyingSchema: false) { workspace in
            let up = try workspace.retuple(["migrate", "up"], ["--to", "latest", "-y"])
            try #require(up.status == 0, "\(up.stderr)")
            #expect(try workspace.migrateLegacy(["-y", "--report", "report.jsonl"]).status == 3)
            let export = try workspace.retuple(["broken", "export"], ["--output", "export.jsonl"])
            #expect(export.status == 0, "\(export.stderr)")
            let fixed = try workspace.reportLines("export.jsonl").map(BrokenCommandTests.fix)
            // Migrated from the demo's first row: present in the latest form.
            let handWritten: [String: Any] = ["namespace": "files", "object": "readme.md", "relation": "owner", "subject_id": "user-alice"]
            try workspace.writeLines(fixed + [handWritten], to: "fixed.jsonl")
            let tuplesBefore = try workspace.count("SELECT count(*) FROM keto_relation_tuples")

            let apply = try workspace.retuple(["broken", "apply"], ["fixed.jsonl", "-y"])
            #expect(apply.status == 0, "\(apply.stderr)")
            let statuses = apply.allFields(ofLinesStartingWith: "line=").map { $0["status"] ?? "" }
            #expect(statuses == Array(repeating: "inserted", count: fixed.count) + ["already_present"])
            #expect(try workspace.count("SELECT count(*) FROM keto_relation_tuples") == tuplesBefore + fixed.count)
            // Every string a new tuple names is mapped, once.
            #expect(try workspace.count("""
                SELECT count(*) FROM keto_relation_tuples t
                WHERE NOT EXISTS (SELECT 1 FROM keto_uuid_mappings m WHERE m.id = t.object)
                   OR (t.subject_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM keto_uuid_mappings m WHERE m.id = t.subject_id))
                """, []) == 0)
            #expect(try workspace.count(
                "SELECT count(*) FROM (SELECT string_representation FROM keto_uuid_mappings GROUP BY string_representation HAVING count(*) > 1) d", []
            ) == 0)

            let again = try workspace.retuple(["broken", "apply"], ["fixed.jsonl", "-y"])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.allFields(ofLinesStartingWith: "line=").map { $0["status"] ?? "" }
                == Array(repeating: "already_resolved", count: fixed.count) + ["already_present"])
            #expect(try workspace.count("SELECT count(*) FROM keto_relation_tuples") == tuplesBefore + fixed.count)

            let verify = try workspace.retuple(["verify"], [])
            #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        }
    }
}
