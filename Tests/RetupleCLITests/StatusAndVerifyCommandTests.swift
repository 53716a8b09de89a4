import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

/// `retuple status [--wait]` and `retuple verify [NAME]` through the built
/// binary, before and after a migration of the demo dataset.
@Suite("status and verify (built binary)")
struct StatusAndVerifyCommandTests {
    /// The `legacy …` line `status` prints for a demo namespace.
    static func legacyLine(_ figures: NamespaceFigures) -> String {
        "legacy namespace=\(figures.name) id=\(figures.id) table=\(LegacyLayout.tupleTable(namespaceID: figures.id)) rows=\(figures.legacy)"
    }

    @Test("status: schema state, legacy tables, unified and broken rows, in text and json", arguments: TestBackends.all)
    func status(backend: DatabaseBackend) throws {
        try LegacyWorkspace.with(backend, .demo, applyingSchema: false) { workspace in
            let demo = DemoDataset.figures(on: backend)
            let unapplied = try workspace.retuple(["status"])
            #expect(unapplied.status == 0, "\(unapplied.stderr)")
            // Keto v0.6 recorded the first unified migration's version already.
            #expect(unapplied.lines == ["schema applied=1 pending=7 state=migrate_up_needed"] + demo.map(Self.legacyLine))

            #expect(try workspace.retuple(["migrate", "up"], ["-y"]).status == 0)
            let before = try workspace.retuple(["status"])
            #expect(before.lines == ["schema applied=8 pending=0 state=up_to_date"] + demo.map(Self.legacyLine))

            #expect(try workspace.migrateLegacy(["-y"]).status == 3)
            let after = try workspace.retuple(["status"])
            #expect(after.status == 0)
            let withBroken = demo.filter { $0.broken > 0 }
            #expect(after.lines == ["schema applied=8 pending=0 state=up_to_date"]
                + withBroken.map(Self.legacyLine)
                + demo.map { "unified namespace=\($0.name) id=\($0.id) rows=\($0.migrated)" }
                + withBroken.map { "broken namespace=\($0.name) id=\($0.id) recorded=\($0.broken) unresolved=\($0.broken)" })

            let json = try workspace.retuple(["status"], ["-f", "json"])
            #expect(json.status == 0)
            let document = try json.jsonDocument()
            #expect(Set(document.keys) == ["schema", "legacy", "unified", "broken"])
            #expect(document["schema"] as? [String: Int] == ["applied": 8, "pending": 0])
            let legacy = try #require(document["legacy"] as? [[String: Any]])
            #expect(legacy.map { $0["name"] as? String } == withBroken.map(\.name))
            #expect(legacy.map { $0["table"] as? String } == withBroken.map { LegacyLayout.tupleTable(namespaceID: $0.id) })
            #expect(legacy.map { $0["rows"] as? Int } == withBroken.map(\.legacy))
            let unified = try #require(document["unified"] as? [[String: Any]])
            #expect(unified.map { $0["rows"] as? Int } == demo.map(\.migrated))
            let broken = try #require(document["broken"] as? [[String: Any]])
            #expect(broken.map { $0["recorded"] as? Int } == withBroken.map(\.broken))
            #expect(broken.map { $0["unresolved"] as? Int } == withBroken.map(\.broken))
        }
    }

    @Test("status --wait: gives up after --timeout while legacy tables remain, returns once none is left", arguments: TestBackends.all)
    func statusWait(backend: DatabaseBackend) throws {
        try LegacyWorkspace.with(backend, .clean) { workspace in
            let started = ContinuousClock.now
            let timedOut = try workspace.retuple(["status"], ["--wait", "--timeout", "2s"])
            #expect(ContinuousClock.now - started < .seconds(10))
            #expect(timedOut.status == 1)
            // The wait says what is left (at most every 10 s), then the one error line.
            #expect(timedOut.stderrLines.count == 2)
            #expect(timedOut.stderrLines.first == "3 legacy tables left (files, directories, groups)")
            #expect(timedOut.stderrLines.last?.hasPrefix("error: timed out after 2s waiting: 3 legacy tables are left in ") == true)

            // A deployment gate: waiting without a limit ends when the migration has dropped the tables.
            let gate = try RunningProcess(workspace.commandLine(["status"], ["--wait"]), in: workspace.directory.url)
            #expect(try workspace.migrateLegacy(["-y"]).status == 0)
            let opened = try #require(try gate.wait(timeout: .seconds(30)), "status --wait did not return after the tables were dropped")
            #expect(opened.status == 0)
            #expect(opened.lines.contains("legacy tables: none left"))

            let done = try workspace.retuple(["status"], ["--wait", "--timeout", "2s"])
            #expect(done.status == 0)
            #expect(done.lines.contains("legacy tables: none left"))
        }
    }

    @Test("verify: exit 1 naming the count before the migration, 0 after it, 1 again after a late row", arguments: TestBackends.all)
    func verify(backend: DatabaseBackend) throws {
        try LegacyWorkspace.with(backend, .demo) { workspace in
            let demo = DemoDataset.figures(on: backend)
            let total = demo.reduce(0) { $0 + $1.legacy }
            let unmigrated = try workspace.retuple(["verify"])
            #expect(unmigrated.status == 1)
            #expect(unmigrated.lines == demo.map { "namespace=\($0.name) id=\($0.id) legacy=\($0.legacy) migrated=0 broken=0 missing=\($0.legacy)" })
            let perNamespace = demo.map { "\($0.name): \($0.legacy)" }.joined(separator: ", ")
            #expect(unmigrated.stderr == "error: \(total) legacy rows are neither migrated nor recorded broken (\(perNamespace)); run `retuple namespace migrate legacy`\n")

            #expect(try workspace.migrateLegacy(["-y"]).status == 3)
            let left = demo.filter { $0.broken > 0 }
            let accounted = try workspace.retuple(["verify"])
            #expect(accounted.status == 0, "\(accounted.stderr)")
            #expect(accounted.stderr.isEmpty)
            #expect(accounted.lines == left.map {
                "namespace=\($0.name) id=\($0.id) legacy=\($0.legacy) migrated=\($0.migrated) broken=\($0.broken) missing=0"
            } + ["verify ok: every legacy row is accounted for"])

            let inserted = try workspace.withDatabase { database in
                try database.execute(
                    "INSERT INTO keto_0000000000_relation_tuples (shard_id, object, relation, subject, commit_time) VALUES ('default', 'late.txt', 'owner', 'user-late', '2021-09-20 10:00:00')",
                    []
                )
            }
            #expect(inserted == 1)
            let late = try workspace.retuple(["verify"])
            #expect(late.status == 1)
            #expect(late.lines.first == "namespace=files id=0 legacy=10 migrated=6 broken=3 missing=1")
            #expect(late.stderr == "error: 1 legacy rows are neither migrated nor recorded broken (files: 1); run `retuple namespace migrate legacy`\n")

            let otherNamespace = try workspace.retuple(["verify"], ["directories"])
            #expect(otherNamespace.status == 0, "\(otherNamespace.stderr)")
            #expect(otherNamespace.lines.count == 2)

            let json = try workspace.retuple(["verify"], ["-f", "json"])
            #expect(json.status == 1)
            let document = try json.jsonDocument()
            #expect(document["missing"] as? Int == 1)
            #expect(document["ok"] as? Bool == false)
            #expect((document["namespaces"] as? [[String: Any]])?.first?["missing"] as? Int == 1)
        }
    }
}
