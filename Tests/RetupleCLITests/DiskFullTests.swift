import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

/// A full disk in the middle of `namespace migrate legacy -y`, on small
/// tmpfs file systems the tests mount (root only): the SQLite database's,
/// the report's, a PostgreSQL tablespace holding the unified table. Each
/// trial leaves a different share of the space the migration needs, so the
/// disk fills in different namespaces; after each, the error is one line
/// saying `No space left on device` and where, the namespace in flight is
/// exactly as before, the committed ones intact, the report whole lines;
/// then the space is freed and a re-run completes with exact figures and
/// `verify` passes.
@Suite("fault injection: a full disk (built binary)", .serialized, .enabled(if: SmallFilesystem.isAvailable))
struct DiskFullTests {
    static let tuples = 20_000
    static let namespaces = 4
    static let brokenShare = 0.01
    /// The shares of the space an uninterrupted run needs that a trial leaves free.
    static let shares = [0.1, 0.3, 0.5, 0.7, 0.9]

    @Test("SQLite: the database's file system fills in the middle of a namespace")
    func sqliteDatabaseFull() throws {
        try KillTrialTemplate.with(.sqlite, tuples: Self.tuples, namespaces: Self.namespaces, brokenShare: Self.brokenShare) { template in
            let recovery = FaultRecovery(template: template)
            let original = try Self.fileSize(template.workspace.directory.path("keto.db"))
            let growth = try template.withCopy { workspace in
                #expect(try workspace.migrateLegacy(["-y", "-q"]).status == 3)
                return try Self.fileSize(workspace.directory.path("keto.db")) - original
            }
            var tally = FaultTally()
            for share in Self.shares {
                try SmallFilesystem.with(bytes: original + growth * 2 + (8 << 20)) { small in
                    let file = small.path + "/keto.db"
                    try FileManager.default.copyItem(atPath: template.workspace.directory.path("keto.db"), toPath: file)
                    let reports = try TemporaryDirectory()
                    let workspace = LegacyWorkspace(backend: .sqlite, dsn: "sqlite://" + file, directory: reports, configPath: template.workspace.configPath)
                    try small.fill(leaving: Int(Double(growth) * share))
                    let context = "SQLite database full, \(Int(share * 100))% of \(growth) bytes free"
                    let run = try workspace.migrateLegacy(["-y", "--report", "full.jsonl"])
                    var states: [Int32: NamespaceState]?
                    if run.status != 3 {
                        states = try recovery.checkFailed(run, of: workspace, mentioning: ["No space left on device", file], context: context)
                        Self.expectErrorLine(run, #"\#(literal: workspace.locationText): database or disk is full: No space left on device \(writing \#(literal: file) or its journal\) \(SQLite result code 13\)"#, context)
                    }
                    tally.count(states)
                    try small.free()
                    try recovery.rerun(workspace, after: states ?? [:], context: context)
                }
            }
            print("disk full, SQLite database: \(tally.description)")
            #expect(tally.failedAfterACommit >= 1 && tally.failed >= 3, "\(tally.description)")
        }
    }

    @Test("the report's file system fills; the database has room")
    func reportFull() throws {
        try KillTrialTemplate.with(.sqlite, tuples: Self.tuples, namespaces: Self.namespaces, brokenShare: Self.brokenShare) { template in
            let recovery = FaultRecovery(template: template)
            let reportSize = try template.withCopy { workspace in
                #expect(try workspace.migrateLegacy(["-y", "-q", "--report", "whole.jsonl"]).status == 3)
                return try Self.fileSize(workspace.directory.path("whole.jsonl"))
            }
            var tally = FaultTally()
            for share in Self.shares {
                try SmallFilesystem.with(bytes: reportSize * 2 + (1 << 20)) { small in
                    try template.withCopy { workspace in
                        try small.fill(leaving: Int(Double(reportSize) * share))
                        let report = small.path + "/full.jsonl"
                        let context = "report full, \(Int(share * 100))% of \(reportSize) bytes free"
                        let run = try workspace.migrateLegacy(["-y", "--report", report])
                        var states: [Int32: NamespaceState]?
                        if run.status != 3 {
                            states = try recovery.checkFailed(run, of: workspace, mentioning: ["No space left on device", report], context: context)
                            Self.expectErrorLine(run, "cannot write the report \(literal: report): No space left on device", context)
                            // The report keeps whole lines of committed namespaces only.
                            let committed = Set(template.namespaces.filter { states?[$0.namespace.id] == .migrated }.map(\.namespace.name))
                            let lines = try Self.reportLines(report)
                            #expect(lines.allSatisfy { committed.contains($0["namespace"] as? String ?? "") }, "\(context): \(lines.count) lines")
                            let expectedLines = template.namespaces.filter { committed.contains($0.namespace.name) }.map(\.broken).reduce(0, +)
                            #expect(lines.count == expectedLines, "\(context)")
                        }
                        tally.count(states)
                        try small.free()
                        try recovery.rerun(workspace, after: states ?? [:], context: context)
                    }
                }
            }
            print("disk full, report: \(tally.description)")
            #expect(tally.failedAfterACommit >= 1 && tally.failed >= 3, "\(tally.description)")
        }
    }

    @Test("PostgreSQL: the unified table and its indexes in a tablespace whose file system fills during a COPY", .enabled(if: TestBackends.postgresEnabled))
    func postgresTablespaceFull() throws {
        let owner = try #require(SmallFilesystem.postgresOwner, "no postgres account")
        let admin = try #require(TestPostgres.adminDSN)
        try KillTrialTemplate.with(.postgres, tuples: Self.tuples, namespaces: Self.namespaces, brokenShare: Self.brokenShare) { template in
            let recovery = FaultRecovery(template: template)
            let growth = try template.withCopy { workspace in
                #expect(try workspace.migrateLegacy(["-y", "-q"]).status == 3)
                return try workspace.withDatabase { Int(try $0.scalar("SELECT pg_total_relation_size('keto_relation_tuples')")?.integer ?? 0) }
            }
            var tally = FaultTally()
            for (number, share) in Self.shares.enumerated() {
                try SmallFilesystem.with(bytes: growth * 2 + (8 << 20), owner: owner) { small in
                    let tablespace = "retuple_test_small_\(UUID().uuidString.prefix(8).lowercased())"
                    _ = try Self.withDatabase(admin) { try $0.execute("CREATE TABLESPACE \(tablespace) LOCATION '\(small.path)'") }
                    let tablespaceOID = try Self.withDatabase(admin) {
                        String(try $0.scalar("SELECT oid::bigint FROM pg_tablespace WHERE spcname = ?", [.text(tablespace)])?.integer ?? -1)
                    }
                    defer { _ = try? Self.withDatabase(admin) { _ = try $0.execute("DROP TABLESPACE IF EXISTS \(tablespace)") } }
                    try template.withCopy { workspace in
                        try workspace.withDatabase { database in
                            try database.execute("ALTER TABLE keto_relation_tuples SET TABLESPACE \(tablespace)")
                            for index in try database.allRows("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'keto_relation_tuples'") {
                                try database.execute("ALTER INDEX \(quoteIdentifier(index.first?.text ?? "")) SET TABLESPACE \(tablespace)")
                            }
                        }
                        // Half a block over whole blocks: the server's last write ends inside one.
                        let free = Int(Double(growth) * share) / 8192 * 8192 + (number.isMultiple(of: 2) ? 4096 : 0)
                        try small.fill(leaving: free)
                        let context = "PostgreSQL tablespace full, \(free) of \(growth) bytes free"
                        let run = try workspace.migrateLegacy(["-y", "--report", "full.jsonl"])
                        var states: [Int32: NamespaceState]?
                        if run.status != 3 {
                            states = try recovery.checkFailed(
                                run, of: workspace, mentioning: ["No space left on device", "pg_tblspc/", "hint: Check free disk space."], context: context
                            )
                            // The file PostgreSQL could not extend, the whole or partial write, SQLSTATE 53100, the server's hint.
                            Self.expectErrorLine(
                                run,
                                #"\#(literal: workspace.locationText): could not extend file "pg_tblspc/\#(tablespaceOID)/PG_15_[0-9]+/[0-9]+/[0-9]+(\.[0-9]+)?"(: wrote only [0-9]+ of 8192 bytes at block [0-9]+)?: No space left on device \(SQLSTATE 53100\); hint: Check free disk space\."#,
                                context
                            )
                        }
                        tally.count(states)
                        try small.free()
                        try recovery.rerun(workspace, after: states ?? [:], context: context)
                    }
                }
            }
            print("disk full, PostgreSQL tablespace: \(tally.description)")
            #expect(tally.failedAfterACommit >= 1 && tally.failed >= 3, "\(tally.description)")
        }
    }

    /// Expects stderr to be exactly one line, `error: ` and then what
    /// `pattern` matches (a regular expression; `\(literal:)` escapes the
    /// parts that are plain text).
    static func expectErrorLine(_ outcome: ProcessOutcome, _ pattern: ErrorLinePattern, _ context: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let whole = "^error: " + pattern.regex + "\n$"
        let matches = outcome.stderr.range(of: whole, options: .regularExpression) != nil
        #expect(matches, "\(context): the error line is not what it should be:\n\(outcome.stderr)expected: \(whole)", sourceLocation: sourceLocation)
    }

    static func fileSize(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
    }

    static func reportLines(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            (try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) ?? [:]
        }
    }

    static func withDatabase<T>(_ dsn: String, _ body: (any Database) throws -> T) throws -> T {
        let database = try openDatabase(try DataSourceName(parsing: dsn))
        defer { database.close() }
        return try body(database)
    }
}

/// A regular expression written as a string, with `\(literal: text)` for
/// text to match as it is (a path, a database's location).
struct ErrorLinePattern: ExpressibleByStringInterpolation {
    var regex = ""

    init(stringLiteral value: String) { regex = value }

    init(stringInterpolation: StringInterpolation) { regex = stringInterpolation.regex }

    struct StringInterpolation: StringInterpolationProtocol {
        var regex = ""
        init(literalCapacity: Int, interpolationCount: Int) {}
        mutating func appendLiteral(_ literal: String) { regex += literal }
        mutating func appendInterpolation(literal text: String) { regex += NSRegularExpression.escapedPattern(for: text) }
        mutating func appendInterpolation(_ regex: String) { self.regex += regex }
    }
}
