import Foundation
import RetupleCore

/// Where a namespace of a kill trial stands: all or nothing.
enum NamespaceState: String {
    /// Exactly as before: legacy tables intact, no unified row and no
    /// broken record of it.
    case untouched
    /// Completely migrated: every good row in `keto_relation_tuples`, every
    /// broken row recorded once, and the legacy table dropped when it was
    /// clean (`-y`) or kept, unchanged, when it had broken rows.
    case migrated
}

/// The invariants a migration must keep however it ends (PRODUCT §2.2
/// points 4–6, 9), checked by SQL against the template's oracle
/// (`KillTrialTemplate`).
struct KillTrialInvariants {
    let template: KillTrialTemplate

    /// Each namespace's state, and every invariant found broken (empty
    /// when all hold).
    struct Findings {
        var states: [Int32: NamespaceState] = [:]
        var violations: [String] = []
    }

    /// Checks the database of `workspace` and the JSON Lines reports in its
    /// directory.
    func check(_ workspace: LegacyWorkspace) throws -> Findings {
        var findings = try workspace.withDatabase { database in
            var findings = Findings()
            for expected in template.namespaces {
                let state = try state(of: expected, in: database)
                switch state {
                case .success(let state): findings.states[expected.namespace.id] = state
                case .failure(let violation): findings.violations.append(violation.description)
                }
            }
            findings.violations += try globalViolations(in: database)
            return findings
        }
        findings.violations += try reportViolations(in: workspace.directory.url)
        return findings
    }

    /// A namespace in neither state, with its figures.
    struct Violation: Error, CustomStringConvertible {
        let description: String
    }

    private func state(of expected: KillTrialTemplate.ExpectedNamespace, in database: any Database) throws -> Result<NamespaceState, Violation> {
        let id = DatabaseValue.integer(Int64(expected.namespace.id))
        let table = expected.table
        let legacyPresent = try database.tableExists(table.name)
        let migrationsPresent = try database.tableExists(table.migrationTable)
        let legacyIntact = try legacyPresent && Self.isIdentical(table.name, KillTrialTemplate.pristineTable(expected.namespace), rows: expected.legacy, in: database)
        let unified = try count("SELECT count(*) FROM keto_relation_tuples WHERE namespace_id = ?", [id], in: database)
        let unifiedExpected = try count("""
            SELECT count(*) FROM keto_relation_tuples t JOIN \(KillTrialTemplate.expectedTable) e ON e.key = t.shard_id
            WHERE t.namespace_id = ? AND e.namespace_id = t.namespace_id AND e.broken = 0
            """, [id], in: database)
        var recorded = 0, recordedExpected = 0
        if try database.tableExists(BrokenTupleTable.name) {
            recorded = try count("SELECT count(*) FROM \(BrokenTupleTable.name) WHERE namespace_id = ?", [id], in: database)
            recordedExpected = try count("""
                SELECT count(*) FROM \(BrokenTupleTable.name) b JOIN \(KillTrialTemplate.expectedTable) e ON e.key = b.row_key
                WHERE b.namespace_id = ? AND e.namespace_id = b.namespace_id AND e.broken = 1
                """, [id], in: database)
        }

        if legacyIntact, migrationsPresent, unified == 0, recorded == 0 {
            return .success(.untouched)
        }
        let tablesAsContracted = expected.isClean
            ? !legacyPresent && !migrationsPresent
            : legacyIntact && migrationsPresent
        if unified == expected.unified, unifiedExpected == unified, recorded == expected.broken, recordedExpected == recorded, tablesAsContracted {
            return .success(.migrated)
        }
        return .failure(Violation(description: """
            \(expected) is neither untouched nor migrated: legacy table \(legacyPresent ? (legacyIntact ? "intact" : "CHANGED") : "dropped"), \
            migrations table \(migrationsPresent ? "present" : "dropped"), unified rows \(unified) (\(unifiedExpected) of them its legacy rows'), \
            broken records \(recorded) (\(recordedExpected) of them its broken rows')
            """))
    }

    /// Whether `table` holds exactly the rows of `pristine` (`rows` of them).
    static func isIdentical(_ table: String, _ pristine: String, rows: Int, in database: any Database) throws -> Bool {
        let columns = LegacyLayout.tupleColumns.joined(separator: ", ")
        let quoted = quoteIdentifier(table)
        func count(_ sql: String) throws -> Int { Int(try database.scalar(sql, [])?.integer ?? -1) }
        return try count("SELECT count(*) FROM \(quoted)") == rows
            && count("SELECT count(*) FROM (SELECT \(columns) FROM \(quoted) EXCEPT SELECT \(columns) FROM \(pristine)) d") == 0
            && count("SELECT count(*) FROM (SELECT \(columns) FROM \(pristine) EXCEPT SELECT \(columns) FROM \(quoted)) d") == 0
    }

    /// Invariants over the whole database: no unified row or broken record
    /// outside the configured namespaces, no tuple twice, the unified
    /// table's indexes as they were, a sound file.
    private func globalViolations(in database: any Database) throws -> [String] {
        var violations: [String] = []
        let ids = template.namespaces.map { String($0.namespace.id) }.joined(separator: ", ")
        let strays = try count("SELECT count(*) FROM keto_relation_tuples WHERE namespace_id NOT IN (\(ids))", [], in: database)
        if strays > 0 { violations.append("\(strays) unified rows of namespaces that have no legacy table") }
        let duplicates = try count("""
            SELECT count(*) FROM (
                SELECT 1 FROM keto_relation_tuples
                GROUP BY nid, namespace_id, object, relation, subject_id, subject_set_namespace_id, subject_set_object, subject_set_relation, commit_time
                HAVING count(*) > 1
            ) d
            """, [], in: database)
        if duplicates > 0 { violations.append("\(duplicates) tuples are in keto_relation_tuples more than once") }
        if try database.tableExists(BrokenTupleTable.name) {
            let strayRecords = try count("SELECT count(*) FROM \(BrokenTupleTable.name) WHERE namespace_id NOT IN (\(ids))", [], in: database)
            if strayRecords > 0 { violations.append("\(strayRecords) broken records of namespaces that have no legacy table") }
        }
        let indexes = try database.indexDefinitions(of: "keto_relation_tuples")
        if indexes != template.unifiedIndexes {
            violations.append("keto_relation_tuples has the indexes \(indexes), not \(template.unifiedIndexes)")
        }
        if database.backend == .sqlite, let check = try database.scalar("PRAGMA integrity_check")?.text, check != "ok" {
            violations.append("PRAGMA integrity_check: \(check)")
        }
        return violations
    }

    /// Every `.jsonl` report in `directory` must consist of whole JSON
    /// Lines, each a report line of a namespace with broken rows.
    private func reportViolations(in directory: URL) throws -> [String] {
        let names = Set(template.namespaces.filter { !$0.isClean }.map(\.namespace.name))
        var violations: [String] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasSuffix(".jsonl") {
            let data = try Data(contentsOf: directory.appendingPathComponent(file))
            if !data.isEmpty, data.last != UInt8(ascii: "\n") {
                violations.append("report \(file) ends in the middle of a line")
            }
            for (number, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() {
                let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any]
                guard let object, let namespace = object["namespace"] as? String, object["reason"] is String else {
                    violations.append("report \(file) line \(number + 1) is not a whole report line: \(String(decoding: line, as: UTF8.self).prefix(200))")
                    continue
                }
                if !names.contains(namespace) {
                    violations.append("report \(file) line \(number + 1) reports a row of \(namespace), which has no broken rows")
                }
            }
        }
        return violations
    }

    private func count(_ sql: String, _ bindings: [DatabaseValue], in database: any Database) throws -> Int {
        Int(try database.scalar(sql, bindings)?.integer ?? -1)
    }
}
