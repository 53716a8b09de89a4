import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

/// What a workspace's v0.6 database is made of.
enum LegacyDataset {
    /// `legacy-fixtures/demo/`: files (0), directories (1), groups (2), with
    /// the broken rows `DemoDataset` lists.
    case demo
    /// A test's own namespaces and INSERTs into their v0.6 tables, loaded
    /// with `retuple-fixtures load` (the same SQL on both backends).
    case statements(namespaces: [(id: Int32, name: String)], sql: String)
    /// `retuple-fixtures generate`: namespaces `ns0`, `ns1`, … and a share
    /// of broken rows spread over every reason the backend can hold.
    case generated(tuples: Int, namespaces: Int, brokenShare: Double)

    /// Three namespaces named as in the demo, every row clean: 3, 2 and 2
    /// rows, with subject sets across namespaces.
    static let clean = LegacyDataset.statements(
        namespaces: [(0, "files"), (1, "directories"), (2, "groups")],
        sql: """
            INSERT INTO keto_0000000000_relation_tuples (shard_id, object, relation, subject, commit_time) VALUES
                ('default', 'readme.md', 'owner',  'user-alice',                '2021-09-14 13:46:24'),
                ('default', 'readme.md', 'viewer', 'groups:engineering#member', '2021-09-14 13:46:25'),
                ('default', 'notes.txt', 'owner',  'user-bob',                  '2021-09-14 13:46:26');
            INSERT INTO keto_0000000001_relation_tuples (shard_id, object, relation, subject, commit_time) VALUES
                ('default', 'docs', 'owner',  'user-alice',             '2021-09-15 08:00:00'),
                ('default', 'docs', 'parent', 'files:readme.md#viewer', '2021-09-15 08:00:01');
            INSERT INTO keto_0000000002_relation_tuples (shard_id, object, relation, subject, commit_time) VALUES
                ('default', 'engineering', 'member', 'user-alice',                '2021-09-16 10:00:00'),
                ('default', 'admins',      'member', 'groups:engineering#member', '2021-09-16 10:00:01');
            """
    )

    /// Rows per namespace name in `clean`.
    static let cleanRows = ["files": 3, "directories": 2, "groups": 2]
}

/// What the demo dataset holds on each backend, and what a migration of it
/// must report.
enum DemoDataset {
    /// Per namespace, in id order: rows and broken rows (the rest migrate).
    static func figures(on backend: DatabaseBackend) -> [NamespaceFigures] {
        let counts: [(String, Int32, legacy: Int, broken: Int)] = switch backend {
        case .sqlite: [("files", 0, 9, 3), ("directories", 1, 5, 2), ("groups", 2, 4, 1)]
        case .postgres: [("files", 0, 9, 3), ("directories", 1, 4, 1), ("groups", 2, 3, 0)]
        }
        return counts.map {
            NamespaceFigures(
                name: $0.0, id: $0.1, legacy: $0.legacy, migrated: $0.legacy - $0.broken,
                alreadyPresent: 0, broken: $0.broken, dropped: false
            )
        }
    }

    /// The figures of a first `-y` run: namespaces without broken rows are dropped.
    static func firstRunFigures(on backend: DatabaseBackend) -> [NamespaceFigures] {
        figures(on: backend).map { $0.with(dropped: $0.broken == 0) }
    }

    /// The reasons of the broken rows per namespace, sorted.
    static func brokenReasons(on backend: DatabaseBackend) -> [String: [String]] {
        switch backend {
        case .sqlite: [
            "files": ["invalid_commit_time", "malformed_subject", "unknown_subject_namespace"],
            "directories": ["null_field", "too_long"],
            "groups": ["invalid_utf8"],
        ]
        case .postgres: [
            "files": ["invalid_commit_time", "malformed_subject", "unknown_subject_namespace"],
            "directories": ["too_long"],
        ]
        }
    }
}

/// A v0.6 database on one backend, the Keto configuration naming its
/// namespaces and a working directory: what each end-to-end test of the
/// legacy migration starts from. Runs `retuple` against them and looks
/// into the database between runs.
final class LegacyWorkspace {
    let backend: DatabaseBackend
    let dsn: String
    /// The working directory of every command (default reports land here).
    let directory: TemporaryDirectory
    /// The configuration passed with `-c`.
    var configPath: String

    /// A workspace over an existing database (a copy of another
    /// workspace's, say); most tests start from `with(_:_:applyingSchema:_:)`.
    init(backend: DatabaseBackend, dsn: String, directory: TemporaryDirectory, configPath: String = "") {
        self.backend = backend
        self.dsn = dsn
        self.directory = directory
        self.configPath = configPath
    }

    /// Creates `dataset` on a new `ScratchDatabase` of `backend`, applies the
    /// unified schema unless told not to, and runs `body`; removes the
    /// database and directory afterwards.
    static func with(
        _ backend: DatabaseBackend, _ dataset: LegacyDataset, applyingSchema: Bool = true,
        _ body: (LegacyWorkspace) throws -> Void
    ) throws {
        try ScratchDatabase.with(backend) { scratch in
            let workspace = LegacyWorkspace(backend: backend, dsn: scratch.dsn, directory: scratch.directory)
            try workspace.load(dataset)
            if applyingSchema {
                try workspace.succeed(["migrate", "up", "--dsn", scratch.dsn, "-y"])
            }
            try body(workspace)
        }
    }

    private func load(_ dataset: LegacyDataset) throws {
        switch dataset {
        case .demo:
            let demo = repositoryRoot.appendingPathComponent("legacy-fixtures/demo")
            configPath = demo.appendingPathComponent("keto.yml").path
            let script = demo.appendingPathComponent(backend == .sqlite ? "sqlite.sql" : "postgres.sql").path
            try succeed(["load", "--dsn", dsn, "-c", configPath, script], executable: "retuple-fixtures")
        case .statements(let namespaces, let sql):
            configPath = try writeConfiguration(namespaces)
            let script = directory.path("fixture.sql")
            try sql.write(toFile: script, atomically: true, encoding: .utf8)
            try succeed(["load", "--dsn", dsn, "-c", configPath, script], executable: "retuple-fixtures")
        case .generated(let tuples, let namespaces, let brokenShare):
            configPath = directory.path("keto.yml")
            try succeed(
                [
                    "generate", "--dsn", dsn, "--tuples", String(tuples), "--namespaces", String(namespaces),
                    "--broken-share", String(brokenShare), "--config-out", configPath,
                ],
                executable: "retuple-fixtures"
            )
        }
    }

    /// Writes a Keto configuration declaring `namespaces` (names quoted, so
    /// any name survives YAML) and returns its path.
    func writeConfiguration(_ namespaces: [(id: Int32, name: String)], file: String = "keto.yml") throws -> String {
        let encoder = JSONEncoder()
        var yaml = "namespaces:\n"
        for namespace in namespaces {
            let name = String(decoding: try encoder.encode(namespace.name), as: UTF8.self)
            yaml += "  - id: \(namespace.id)\n    name: \(name)\n"
        }
        let path = directory.path(file)
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Runs a set-up command that must succeed.
    private func succeed(_ arguments: [String], executable: String = "retuple") throws {
        let outcome = try run(arguments, executable: executable, in: directory.url)
        guard outcome.status == 0 else {
            throw TestSupportError("\(executable) \(arguments.joined(separator: " ")) failed (\(outcome.status)): \(outcome.stderr)")
        }
    }

    // MARK: Running retuple

    /// The full command line: command words, then `--dsn` and `-c`, then
    /// the test's own arguments.
    func commandLine(_ words: [String], _ arguments: [String]) -> [String] {
        words + ["--dsn", dsn, "-c", configPath] + arguments
    }

    /// Runs `retuple WORDS --dsn … -c … ARGUMENTS` in the working directory,
    /// and checks the DSN's password appears in none of its output.
    func retuple(
        _ words: [String], _ arguments: [String] = [], stdin: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> ProcessOutcome {
        let outcome = try run(commandLine(words, arguments), stdin: stdin, in: directory.url)
        if let password = URLComponents(string: dsn)?.password, !password.isEmpty {
            #expect(!outcome.stdout.contains(password) && !outcome.stderr.contains(password), "the password is in the output", sourceLocation: sourceLocation)
        }
        return outcome
    }

    /// `retuple namespace migrate legacy …`.
    func migrateLegacy(
        _ arguments: [String] = [], stdin: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> ProcessOutcome {
        try retuple(Self.migrateLegacyWords, arguments, stdin: stdin, sourceLocation: sourceLocation)
    }

    /// Starts `retuple namespace migrate legacy …` in the background.
    func startMigrateLegacy(_ arguments: [String] = [], stdin: String? = nil) throws -> RunningProcess {
        try RunningProcess(commandLine(Self.migrateLegacyWords, arguments), stdin: stdin, in: directory.url)
    }

    static let migrateLegacyWords = ["namespace", "migrate", "legacy"]

    /// Runs `body` with a fresh copy of this workspace's database (the
    /// SQLite file, or `CREATE DATABASE … TEMPLATE`) in a directory of its
    /// own, so its reports land there, with the same configuration; removes
    /// both afterwards. A fault trial spoils its copy, never the original.
    func withCopy<T>(_ body: (LegacyWorkspace) throws -> T) throws -> T {
        try ScratchDatabase.with(backend, copying: dsn) { copy in
            try body(LegacyWorkspace(backend: backend, dsn: copy.dsn, directory: copy.directory, configPath: configPath))
        }
    }

    // MARK: Looking into the database

    /// Opens a connection of the test's own for `body` (on PostgreSQL its
    /// `application_name` is `retuple-test`).
    func withDatabase<T>(_ body: (any Database) throws -> T) throws -> T {
        let database = try openDatabase(try DataSourceName(parsing: dsn(applicationName: "retuple-test")))
        defer { database.close() }
        return try body(database)
    }

    /// Every table of the database (current schema) with its rows, each
    /// row rendered as text, sorted: equal dumps mean equal content.
    func dump() throws -> [String: [String]] {
        try withDatabase { database in
            var tables: [String: [String]] = [:]
            for table in try database.tableNames() {
                tables[table] = try rows(of: table, in: database)
            }
            return tables
        }
    }

    /// The rows of one table, rendered and sorted.
    func rows(of table: String) throws -> [String] {
        try withDatabase { try rows(of: table, in: $0) }
    }

    private func rows(of table: String, in database: any Database) throws -> [String] {
        try database.allRows("SELECT * FROM \(quoteIdentifier(table))").map(renderedRow).sorted()
    }

    /// The value of a one-number query.
    func count(_ sql: String, _ bindings: [DatabaseValue] = []) throws -> Int {
        try withDatabase { Int(try $0.scalar(sql, bindings)?.integer ?? -1) }
    }

    /// Rows of namespace `id` in `keto_relation_tuples`.
    func unifiedRows(namespaceID id: Int32) throws -> Int {
        try count("SELECT count(*) FROM keto_relation_tuples WHERE namespace_id = ?", [.integer(Int64(id))])
    }

    /// Records of namespace `id` in `retuple_broken_tuples` (0 when the
    /// table was never created).
    func brokenRecords(namespaceID id: Int32) throws -> Int {
        guard try tableExists("retuple_broken_tuples") else { return 0 }
        return try count("SELECT count(*) FROM retuple_broken_tuples WHERE namespace_id = ?", [.integer(Int64(id))])
    }

    /// Rows of namespace `id`'s legacy table; nil when the table is gone.
    func legacyRows(namespaceID id: Int32) throws -> Int? {
        let table = LegacyLayout.tupleTable(namespaceID: id)
        guard try tableExists(table) else { return nil }
        return try count("SELECT count(*) FROM \(table)")
    }

    /// Deletes the rows of a generated dataset's namespace 0 after its
    /// first hour (about 1,800 rows are left), so that a migration is soon
    /// inside namespace 1.
    ///
    /// - Throws: when there was nothing to delete (not a generated dataset).
    func shrinkFirstNamespaceToItsFirstHour() throws {
        let deleted = try withDatabase { database in
            try database.execute("DELETE FROM keto_0000000000_relation_tuples WHERE commit_time >= '2021-06-01 01:00:00'", [])
        }
        guard deleted > 0 else { throw TestSupportError("namespace 0 has no row after its first hour to delete") }
    }

    func tableExists(_ name: String) throws -> Bool {
        try withDatabase { try $0.tableExists(name) }
    }

    /// The legacy tuple and migration tables left (current schema).
    func legacyTablesLeft() throws -> [String] {
        try withDatabase { database in
            try database.tableNames().filter {
                LegacyLayout.namespaceID(ofTupleTable: $0) != nil || ($0.hasPrefix("keto_namespace_") && $0.hasSuffix("_migrations"))
            }
        }
    }

    /// The file mode bits of a file in the working directory (or at an
    /// absolute path).
    func permissions(of path: String) throws -> Int {
        let full = path.hasPrefix("/") ? path : directory.path(path)
        return (try FileManager.default.attributesOfItem(atPath: full)[.posixPermissions] as? Int) ?? -1
    }

    /// The lines of a JSON Lines report, each parsed.
    func reportLines(_ path: String) throws -> [[String: Any]] {
        let full = path.hasPrefix("/") ? path : directory.path(path)
        return try String(contentsOfFile: full, encoding: .utf8).split(separator: "\n").map { line in
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw TestSupportError("report line is not a JSON object: \(line)")
            }
            return object
        }
    }

    /// The report's lines by namespace, each namespace's in file order: a
    /// run with `--jobs` above 1 promises the order within a namespace,
    /// not between namespaces, whose lines may interleave batch by batch
    /// (docs/decisions.md).
    func reportLinesByNamespace(_ path: String) throws -> [String: [NSDictionary]] {
        Dictionary(grouping: try reportLines(path).map(NSDictionary.init)) { $0["namespace"] as? String ?? "" }
    }
}

/// A row as one line of text that tells every value and its kind apart
/// (cheaper than `String(describing:)`, which matters for 200,000 rows).
func renderedRow(_ row: [DatabaseValue]) -> String {
    row.map { value in
        switch value {
        case .null: "NULL"
        case .integer(let integer): "i:\(integer)"
        case .real(let real): "r:\(real)"
        case .text(let text): "t:\(text)"
        case .bytes(let bytes): "x:\(hexString(bytes))"
        }
    }.joined(separator: " | ")
}

// MARK: Reading the output

/// One namespace's line of `namespace migrate legacy`:
/// `namespace=… id=… legacy=… migrated=… already_present=… broken=… dropped=…`.
struct NamespaceFigures: Equatable, CustomStringConvertible {
    var name: String
    var id: Int32
    var legacy: Int
    var migrated: Int
    var alreadyPresent: Int
    var broken: Int
    var dropped: Bool

    /// Reads the figures from a parsed output line; nil for other lines.
    init?(_ fields: [String: String]) {
        guard let name = fields["namespace"], let id = fields["id"].flatMap(Int32.init),
              let legacy = fields["legacy"].flatMap(Int.init), let migrated = fields["migrated"].flatMap(Int.init),
              let alreadyPresent = fields["already_present"].flatMap(Int.init), let broken = fields["broken"].flatMap(Int.init),
              let dropped = fields["dropped"], ["yes", "no"].contains(dropped)
        else { return nil }
        self.init(name: name, id: id, legacy: legacy, migrated: migrated, alreadyPresent: alreadyPresent, broken: broken, dropped: dropped == "yes")
    }

    /// Reads the figures of one entry of the `-f json` document's `namespaces`.
    init?(json: [String: Any]) {
        guard let name = json["name"] as? String, let id = json["id"] as? Int, let legacy = json["legacy"] as? Int,
              let migrated = json["migrated"] as? Int, let alreadyPresent = json["already_present"] as? Int,
              let broken = json["broken"] as? Int, let dropped = json["dropped"] as? Bool
        else { return nil }
        self.init(name: name, id: Int32(id), legacy: legacy, migrated: migrated, alreadyPresent: alreadyPresent, broken: broken, dropped: dropped)
    }

    init(name: String, id: Int32, legacy: Int, migrated: Int, alreadyPresent: Int, broken: Int, dropped: Bool) {
        self.name = name
        self.id = id
        self.legacy = legacy
        self.migrated = migrated
        self.alreadyPresent = alreadyPresent
        self.broken = broken
        self.dropped = dropped
    }

    func with(dropped: Bool) -> NamespaceFigures {
        var copy = self
        copy.dropped = dropped
        return copy
    }

    /// The figures a re-run shows once this run committed: everything it
    /// migrated is already present.
    var rerun: NamespaceFigures {
        var copy = self
        copy.alreadyPresent += copy.migrated
        copy.migrated = 0
        copy.dropped = false
        return copy
    }

    var description: String {
        "\(name)(\(id)) legacy=\(legacy) migrated=\(migrated) already_present=\(alreadyPresent) broken=\(broken) dropped=\(dropped)"
    }
}

extension ProcessOutcome {
    /// stdout's lines, each without the questions answered before it: an
    /// answer read from a pipe is not echoed, so what follows a question
    /// goes on the question's line.
    var lines: [String] {
        stdout.split(separator: "\n", omittingEmptySubsequences: true).map { line in
            line.range(of: "[y/N] ", options: .backwards).map { String(line[$0.upperBound...]) } ?? String(line)
        }
    }

    /// The namespace lines of a migration, in order.
    var namespaceFigures: [NamespaceFigures] {
        lines.filter { $0.hasPrefix("namespace=") }.compactMap { NamespaceFigures(keyValueFields($0)) }
    }

    /// The fields of the first stdout line starting with `prefix`
    /// (`migration finished`, `report=`, `schema`, …).
    func fields(ofLineStartingWith prefix: String) -> [String: String]? {
        lines.first { $0.hasPrefix(prefix) }.map { keyValueFields($0) }
    }

    /// The lines of stdout starting with `prefix`, each parsed.
    func allFields(ofLinesStartingWith prefix: String) -> [[String: String]] {
        lines.filter { $0.hasPrefix(prefix) }.map { keyValueFields($0) }
    }

    /// stdout parsed as one JSON document (the whole of it).
    func jsonDocument() throws -> [String: Any] {
        guard let document = try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any] else {
            throw TestSupportError("stdout is not one JSON object: \(stdout)")
        }
        return document
    }

    /// stderr's lines, so a test can require exactly one `error: …` line.
    var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }

    /// Whether a stderr line is one of the progress lines a run without
    /// `-q` shows every few seconds when stderr is not a terminal
    /// (`progress namespace=…`, or `progress all …` with --jobs above 1).
    /// Whether any come depends on how long the namespaces take, so on the
    /// machine's load and the jobs sharing it: a test that requires exactly
    /// one error line leaves them out.
    static func isProgressLine(_ line: some StringProtocol) -> Bool {
        line.hasPrefix("progress ")
    }
}

/// Parses a `key=value …` line as logfmt: values may be double-quoted with
/// `\"` and `\\` escapes; words without `=` (a prefix such as `legacy`)
/// are skipped.
func keyValueFields(_ line: String) -> [String: String] {
    var fields: [String: String] = [:]
    var rest = Substring(line)
    while !rest.isEmpty {
        rest = rest.drop { $0 == " " }
        let key = rest.prefix { $0 != "=" && $0 != " " }
        rest = rest.dropFirst(key.count)
        guard rest.first == "=" else { continue }
        rest = rest.dropFirst()
        var value = ""
        if rest.first == "\"" {
            rest = rest.dropFirst()
            while let character = rest.first, character != "\"" {
                rest = rest.dropFirst()
                if character == "\\", let escaped = rest.first {
                    rest = rest.dropFirst()
                    value.append(escaped == "n" ? "\n" : escaped == "t" ? "\t" : escaped)
                } else {
                    value.append(character)
                }
            }
            rest = rest.dropFirst()
        } else {
            let word = rest.prefix { $0 != " " }
            value = String(word)
            rest = rest.dropFirst(word.count)
        }
        fields[String(key)] = value
    }
    return fields
}
