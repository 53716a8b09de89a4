import Foundation
@testable import RetupleCore
@testable import RetupleTransformation
import Testing

/// Properties of the transformation (PRODUCT §1.3) over generated hostile
/// legacy rows (`HostileLegacyRows`), each checked on 10,000 seeded rows.
///
/// `RETUPLE_PROPERTY_SEED` and `RETUPLE_PROPERTY_CASES` change the seed
/// (default 20260601) and the number of rows; a failure names the seed and
/// the case, which `HostileLegacyRows(seed: seed &+ case)` makes again.
@Suite("Legacy tuple transformation: properties over generated rows")
struct LegacyTupleTransformerPropertyTests {
    static let environment = ProcessInfo.processInfo.environment
    static let seed = environment["RETUPLE_PROPERTY_SEED"].flatMap(UInt64.init) ?? 20_260_601
    static let cases = environment["RETUPLE_PROPERTY_CASES"].flatMap(Int.init) ?? 10_000
    static let network = UUID(uuidString: "4a3c0d5e-8b1f-4c2a-9d6e-7f8091a2b3c4")!
    static let namespace = HostileLegacyRows.configuration.namespaces[0]

    static func transformer() -> LegacyTupleTransformer {
        LegacyTupleTransformer(namespace: namespace, networkID: network, configuration: HostileLegacyRows.configuration)
    }

    /// Case `index` of the run: its own generator, so it can be made alone.
    static func row(_ index: Int) -> GeneratedRow {
        var rows = HostileLegacyRows(seed: seed &+ UInt64(index))
        return rows.row()
    }

    /// Checks `property` on every case, recording the first violation
    /// (with the seed, the case and the row) and stopping there.
    static func forAllRows(_ property: (GeneratedRow, LegacyTupleTransformer.Outcome) -> String?, sourceLocation: SourceLocation = #_sourceLocation) {
        var transformer = transformer()
        for index in 0..<cases {
            let row = row(index)
            if let violation = property(row, transformer.transform(row.tuple)) {
                Issue.record("case \(index) of seed \(seed) (RETUPLE_PROPERTY_SEED=\(seed)): \(violation)\nrow: \(row.tuple)", sourceLocation: sourceLocation)
                return
            }
        }
    }

    @Test("every row is transformed, or broken for the first of its defects in the documented order, as a byte-wise model of PRODUCT §1.3 says (10,000 seeded rows)")
    func outcomeMatchesModel() {
        var seen: [String: Int] = [:]
        Self.forAllRows { row, outcome in
            let model = TransformationModel(row, configuration: HostileLegacyRows.configuration)
            seen[model.reason?.rawValue ?? "transformed", default: 0] += 1
            switch (outcome, model.reason) {
            case (.unified(let tuple), nil):
                guard Array(tuple.object.utf8) == model.object, Array(tuple.relation.utf8) == model.relation else {
                    return "object or relation changed: \(tuple)"
                }
                if case .set(let id, _, _) = tuple.subject, id != model.subjectNamespaceID {
                    return "subject set namespace id \(id), the configured one is \(String(describing: model.subjectNamespaceID))"
                }
                guard tuple.namespaceID == Self.namespace.id, tuple.commitTime == row.instant else {
                    return "namespace id or commit time wrong: \(tuple), expected instant \(String(describing: row.instant))"
                }
                return nil
            case (.broken(let broken), let reason?):
                guard broken.reason == reason else { return "reported \(broken.reason), the first defect is \(reason): \(broken.message)" }
                if let column = model.column, !broken.message.hasPrefix(column + " is ") {
                    return "message \"\(broken.message)\" does not start by naming \(column)"
                }
                return nil
            case (.unified(let tuple), let reason?):
                return "transformed, but the row is \(reason): \(tuple)"
            case (.broken(let broken), nil):
                return "broken as \(broken.reason) (\(broken.message)), but the row is clean"
            }
        }
        // The rows reach every outcome, each in at least 2 % of the cases.
        print("transformation outcomes of \(Self.cases) generated rows (seed \(Self.seed)): \(seen.sorted { $0.key < $1.key })")
        for outcome in ["transformed"] + BrokenReason.allCases.map(\.rawValue) {
            #expect(seen[outcome, default: 0] * 50 >= Self.cases, "\(outcome): \(seen[outcome, default: 0]) of \(Self.cases)")
        }
    }

    @Test("a transformed subject re-encodes byte for byte to the legacy subject; a subject id is the legacy string (10,000 seeded rows)")
    func subjectRoundTrip() {
        let names = Dictionary(uniqueKeysWithValues: HostileLegacyRows.configuration.namespaces.map { ($0.id, $0.name) })
        Self.forAllRows { row, outcome in
            guard case .unified(let tuple) = outcome else { return nil }
            let legacy = TransformationModel.textBytes(row.tuple.subject)
            let encoded: [UInt8] = switch tuple.subject {
            case .id(let id): Array(id.utf8)
            case .set(let id, let object, let relation): Array("\(names[id] ?? "?"):\(object)#\(relation)".utf8)
            }
            return encoded == legacy ? nil : "subject \(tuple.subject) re-encodes to \(String(decoding: encoded, as: UTF8.self).debugDescription)"
        }
    }

    @Test("recreate is given exactly when the commit time is the only defect, and is the legacy tuple byte for byte (10,000 seeded rows)")
    func recreate() {
        Self.forAllRows { row, outcome in
            guard case .broken(let broken) = outcome else { return nil }
            guard broken.reason == .invalidCommitTime else {
                return broken.recreate == nil ? nil : "recreate given for \(broken.reason)"
            }
            guard let recreate = broken.recreate else { return "no recreate for invalid_commit_time" }
            let model = TransformationModel(row, configuration: HostileLegacyRows.configuration)
            let subject: TransformationModel.Subject = if let set = recreate.subjectSet {
                .set(namespace: Array(set.namespace.utf8), object: Array(set.object.utf8), relation: Array(set.relation.utf8))
            } else {
                .id(Array((recreate.subjectID ?? "").utf8))
            }
            guard recreate.namespace == Self.namespace.name, Array(recreate.object.utf8) == model.object,
                  Array(recreate.relation.utf8) == model.relation, subject == model.subject,
                  (recreate.subjectID == nil) != (recreate.subjectSet == nil)
            else { return "recreate \(recreate) is not the legacy tuple" }
            return nil
        }
    }

    @Test("messages are one line and name values in at most 80 characters (10,000 seeded rows)")
    func oneLineMessages() {
        Self.forAllRows { _, outcome in
            guard case .broken(let broken) = outcome else { return nil }
            if broken.message.unicodeScalars.contains(where: { $0 == "\n" || $0 == "\r" }) {
                return "message breaks the line: \(broken.message.debugDescription)"
            }
            // A quoted value of 80 characters, an ellipsis, and the words around it.
            return broken.message.unicodeScalars.count <= 200 ? nil : "message of \(broken.message.unicodeScalars.count) characters"
        }
    }

    @Test("the same row gives the same outcome from a fresh or a reused transformer, in any order (10,000 seeded rows)")
    func deterministic() {
        let rows = (0..<Self.cases).map { Self.row($0).tuple }
        var forward = Self.transformer()
        let outcomes = rows.map { forward.transform($0) }
        var backward = Self.transformer()
        let reversed = Array(rows.reversed().map { backward.transform($0) }.reversed())
        for index in rows.indices {
            var fresh = Self.transformer()
            let again = fresh.transform(rows[index])
            guard outcomes[index] == reversed[index], outcomes[index] == again else {
                Issue.record("case \(index) of seed \(Self.seed): outcomes differ: \(outcomes[index]), \(reversed[index]), \(again)")
                return
            }
        }
    }

    @Test("row keys: one legacy key gives one shard_id, different legacy keys different ones (10,000 seeded rows, a variation and a restamped copy of each)")
    func rowKeys() {
        var transformer = Self.transformer()
        var keyOf: [[KeyPart]: UUID] = [:]
        var legacyKeyOf: [UUID: [KeyPart]] = [:]
        var checked = 0
        for index in 0..<Self.cases {
            var rows = HostileLegacyRows(seed: Self.seed &+ UInt64(index))
            let row = rows.row()
            let variation = rows.variation(of: row.tuple)
            var candidates: [(LegacyTuple, Timestamp?)] = [(row.tuple, row.instant), (variation, row.instant)]
            if let restamped = row.restamped { candidates.append((restamped, row.instant)) }
            for (tuple, instant) in candidates {
                let key = switch transformer.transform(tuple) {
                case .unified(let unified): unified.shardID
                case .broken(let broken): broken.rowKey
                }
                let legacyKey = KeyPart.key(of: tuple, instant: instant)
                checked += 1
                if let known = keyOf[legacyKey], known != key {
                    Issue.record("case \(index) of seed \(Self.seed): one legacy key got two keys, \(known) and \(key): \(tuple)")
                    return
                }
                if let other = legacyKeyOf[key], other != legacyKey {
                    Issue.record("case \(index) of seed \(Self.seed): two legacy keys got one key \(key): \(tuple) and \(other)")
                    return
                }
                keyOf[legacyKey] = key
                legacyKeyOf[key] = legacyKey
            }
        }
        #expect(checked >= 2 * Self.cases)
        // Most rows are not duplicates of each other: the sample is not degenerate.
        #expect(keyOf.count > Self.cases)
    }
}
