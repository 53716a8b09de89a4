import Foundation
@testable import RetupleCore
@testable import RetupleTransformation
import RetupleTestSupport
import Testing

/// What `retuple broken apply` builds on: the lines it reads, the
/// transformer's rules applied to Keto v0.7 tuples, and the keys recreated
/// tuples are stored under.
@Suite("Recreating broken tuples")
struct BrokenTupleRecreationTests {
    static let network = LegacyTupleTransformerTests.network
    static let configuration = LegacyTupleTransformerTests.configuration
    static let files = configuration.namespaces[0]
    static let time = Timestamp(seconds: 1_631_627_184, nanoseconds: 123_456_789)

    static func tuple(
        object: String = "readme.md", relation: String = "viewer", subjectID: String? = "user-1",
        subjectSet: KetoRelationTuple.SubjectSet? = nil
    ) -> KetoRelationTuple {
        KetoRelationTuple(namespace: "files", object: object, relation: relation, subjectID: subjectID, subjectSet: subjectSet)
    }

    static func recreate(_ tuple: KetoRelationTuple) -> Result<UnifiedTuple, LegacyTupleTransformer.TupleDefect> {
        var transformer = LegacyTupleTransformer(namespace: files, networkID: network, configuration: configuration)
        return transformer.transform(recreating: tuple, commitTime: time)
    }

    @Test("a valid tuple becomes the row the migration writes for the legacy row holding it")
    func sameRowAsTheMigration() throws {
        let cases: [(KetoRelationTuple, String)] = [
            (Self.tuple(), "user-1"),
            (Self.tuple(subjectID: nil, subjectSet: .init(namespace: "groups", object: "admins", relation: "member")), "groups:admins#member"),
            (Self.tuple(subjectID: nil, subjectSet: .init(namespace: "groups", object: "x", relation: "a:b")), "groups:x#a:b"),
        ]
        for (tuple, subject) in cases {
            var transformer = LegacyTupleTransformer(namespace: Self.files, networkID: Self.network, configuration: Self.configuration)
            let migrated = transformer.transform(LegacyTuple(
                shardID: .null, object: .text(tuple.object), relation: .text(tuple.relation), subject: .text(subject),
                commitTime: .text(Self.time.sqliteText)
            ))
            #expect(LegacyTupleTransformer.Outcome.unified(try Self.recreate(tuple).get()) == migrated, "\(subject)")
        }
    }

    @Test("lengths count characters, as the migration counts them")
    func lengths() throws {
        #expect(try Self.recreate(Self.tuple(object: String(repeating: "é", count: 64))).get().object.count == 64)
        #expect(throws: LegacyTupleTransformer.TupleDefect.self) { try Self.recreate(Self.tuple(subjectID: String(repeating: "é", count: 65))).get() }
    }

    @Test("defects are the migration's reasons", arguments: [
        (tuple(object: String(repeating: "x", count: 65)), BrokenReason.tooLong),
        (tuple(relation: String(repeating: "x", count: 65)), .tooLong),
        (tuple(subjectID: nil, subjectSet: .init(namespace: "groups", object: String(repeating: "x", count: 65), relation: "member")), .tooLong),
        (tuple(subjectID: nil, subjectSet: .init(namespace: "teams", object: "core", relation: "member")), .unknownSubjectNamespace),
        (tuple(subjectID: "a#b"), .malformedSubject),
        (tuple(subjectID: "groups:admins#member"), .malformedSubject),
        (tuple(subjectID: nil, subjectSet: .init(namespace: "groups", object: "a:b", relation: "member")), .malformedSubject),
        (tuple(subjectID: nil, subjectSet: .init(namespace: "groups", object: "a", relation: "b#c")), .malformedSubject),
        (tuple(subjectID: nil), .malformedSubject),
        (tuple(subjectSet: .init(namespace: "groups", object: "admins", relation: "member")), .malformedSubject),
    ])
    func defects(tuple: KetoRelationTuple, reason: BrokenReason) {
        switch Self.recreate(tuple) {
        case .success(let unified): Issue.record("accepted: \(unified)")
        case .failure(let defect): #expect(defect.reason == reason, "\(defect.message)")
        }
    }

    @Test("a report value goes back to the stored value it stands for")
    func reportValues() {
        let values: [DatabaseValue] = [.null, .integer(1_631_627_188), .real(1.5), .text("now"), .bytes([0x6F, 0x70, 0x73, 0x2D, 0xFF])]
        for value in values {
            #expect(ReportValue(value).databaseValue == value)
        }
        #expect(ReportValue.hex("6F").databaseValue == .bytes([0x6F]))
        #expect(ReportValue.hex("6f7").databaseValue == nil)
        #expect(ReportValue.hex("zz").databaseValue == nil)
    }

    @Test("lines: numbered as in the file, blank ones skipped, both shapes, legacy columns as the report wrote them")
    func parsing() throws {
        let legacy = LegacyTuple(shardID: "default", object: .bytes([0x6F, 0xFF]), relation: .null, subject: "user-1", commitTime: .integer(5))
        var reportLine = BrokenTupleReportLine(
            BrokenTuple(legacy: legacy, rowKey: UUID(), reason: .invalidUTF8, message: "object is not valid UTF-8 text", recreate: nil),
            in: LegacyTable(namespace: Self.configuration.namespaces[1])
        )
        reportLine.recreate = Self.tuple()
        var data = try BrokenTupleReport.lineEncoder().encode(reportLine)
        data.append(contentsOf: "\n \r\n{\"namespace\":\"files\",\"object\":\"a\",\"relation\":\"b\",\"subject_id\":\"c\"}\n{\n".utf8)

        let lines = RecreateLine.parse(data)
        #expect(lines.count == 3)
        let first = try lines[0].get()
        #expect(first.number == 1)
        #expect(first.tuple == Self.tuple())
        #expect(first.legacy?.namespaceID == 7)
        #expect(first.legacy?.tuple == legacy)
        let bare = try lines[1].get()
        #expect(bare.number == 3)
        #expect(bare.tuple == KetoRelationTuple(namespace: "files", object: "a", relation: "b", subjectID: "c"))
        #expect(bare.legacy == nil)
        #expect(throws: RecreateRejection(line: 4, reason: .invalidJSON, message: "the line is not valid JSON")) { try lines[2].get() }
    }

    @Test("a hand-written tuple is stored under a v5 UUID of network, namespace and tuple, the same on every apply", arguments: TestBackends.all)
    func keyOfAHandWrittenTuple(backend: DatabaseBackend) throws {
        try ScratchDatabase.withOpenDatabase(backend) { database, _ in
            _ = try SchemaMigrator(database: database, logger: testLogger).applyPending()
            try database.execute("UPDATE networks SET id = ?", [.text(Self.network.lowercasedString)])
            let recreator = try BrokenTupleRecreator(database: database, configuration: Self.configuration, logger: testLogger)
            let lines = RecreateLine.parse(Data("""
                {"namespace":"files","object":"readme.md","relation":"viewer","subject_id":"user-1"}
                {"namespace":"files","object":"readme.md","relation":"viewer","subject_set":{"namespace":"groups","object":"admins","relation":"member"}}
                """.utf8))
            let first = try recreator.apply(lines, dryRun: false, commitTime: Self.time)
            #expect(first.count(.inserted) == 2)
            let second = try recreator.apply(lines, dryRun: false, commitTime: Timestamp(seconds: 1_700_000_000))
            #expect(second.count(.alreadyPresent) == 2)
            // Computed independently from the encoding the README describes
            // (Python's hashlib over the network, namespace and tagged columns).
            let keys = try database.allRows("SELECT shard_id FROM keto_relation_tuples ORDER BY subject_id").compactMap { $0.first?.text }
            #expect(Set(keys) == ["e491de29-89a9-5ae5-adb6-8e101dcf98e0", "80529444-acd7-5946-aede-1cfb7a81e938"])
            #expect(try database.scalar("SELECT count(*) FROM keto_relation_tuples") == .integer(2))
        }
    }
}
