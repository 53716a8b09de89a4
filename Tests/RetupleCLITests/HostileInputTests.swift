import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

/// Hostile and malformed input, table-driven, through the built binary:
/// bad DSNs, unreachable servers, wrong passwords, bad configuration
/// files, legacy tables of the wrong shape, databases that are empty, not
/// Keto's or not databases at all. Each input is tried against every
/// command it concerns (`HostileInputCommand`) with the exact exit status
/// and the exact one `error:` line, and the database (or the directory)
/// is checked to be unchanged afterwards.
@Suite("Hostile and malformed input (built binary)")
struct HostileInputTests {
    /// A password that must never be printed.
    static let secret = "s3cret-dsn-Pw"

    // MARK: DSNs

    /// A DSN retuple or the database library refuses, and the message every
    /// command prints for it. `DIR` stands for the working directory.
    struct BadDSN: Sendable, CustomTestStringConvertible {
        let label: String
        let dsn: String
        let expected: ExpectedRefusal
        /// Where the DSN is given: `--dsn`, the `DSN` variable or the config file.
        var source = Source.flag
        /// The connection itself fails (libpq or SQLite says why): `doctor`
        /// reports it as its failed connectivity check instead.
        var failsToConnect = false
        /// A message of its own for a command (`migrate up` creates files).
        var overrides: [HostileInputCommand: String] = [:]

        enum Source: Sendable { case flag, environment, configuration }

        var testDescription: String { label }
    }

    static let badDSNs: [BadDSN] = [
        BadDSN(label: "unknown scheme", dsn: "mysql://keto:\(secret)@db:3306/keto", expected: .init(
            message: "unsupported database `mysql` in DSN mysql://keto:***@db:3306/keto: retuple works with sqlite:// and postgres:// (from --dsn)")),
        BadDSN(label: "sqlite:// without a path", dsn: "sqlite://", expected: .init(
            message: "the sqlite DSN sqlite:// has no file path: write sqlite:///absolute/path.db or sqlite://./relative.db (from --dsn)")),
        BadDSN(label: "sqlite:// with parameters only", dsn: "sqlite://?_fk=true", expected: .init(
            message: "the sqlite DSN sqlite://?_fk=true has no file path: write sqlite:///absolute/path.db or sqlite://./relative.db (from --dsn)")),
        BadDSN(label: "garbage", dsn: "keto at db", expected: .init(
            message: "cannot read the DSN keto at db: give sqlite://PATH, memory, postgres://… or a libpq key=value string (from --dsn)")),
        BadDSN(label: "blank", dsn: "   ", expected: .init(status: 64, message: "--dsn is empty")),
        BadDSN(label: "garbage in DSN", dsn: "keto at db", expected: .init(
            message: "cannot read the DSN keto at db: give sqlite://PATH, memory, postgres://… or a libpq key=value string (from the DSN environment variable)"),
            source: .environment),
        BadDSN(label: "unknown scheme in dsn: of the config", dsn: "mysql://keto:\(secret)@db/keto", expected: .init(
            message: "unsupported database `mysql` in DSN mysql://keto:***@db/keto: retuple works with sqlite:// and postgres:// (from dsn: in the config file)"),
            source: .configuration),
        BadDSN(label: "URI with an unclosed IPv6 bracket", dsn: "postgres://keto:\(secret)@[::1/keto", expected: .init(
            message: "cannot connect to PostgreSQL (postgres://keto:***@[::1/keto): end of string reached when looking for matching \"]\" in IPv6 host address in URI: \"postgres://keto:***@[::1/keto\""),
            failsToConnect: true),
        BadDSN(label: "URI with a port that is no number", dsn: "postgres://keto:\(secret)@127.0.0.1:notaport/keto", expected: .init(
            message: "cannot connect to PostgreSQL (postgres://keto:***@127.0.0.1:notaport/keto): invalid integer value \"notaport\" for connection option \"port\""),
            failsToConnect: true),
        BadDSN(label: "URI with an unknown parameter", dsn: "postgres://keto@127.0.0.1/keto?colour=blue", expected: .init(
            message: "cannot connect to PostgreSQL (postgres://keto@127.0.0.1/keto?colour=blue): invalid URI query parameter: \"colour\""),
            failsToConnect: true),
        BadDSN(label: "URI with a bad sslmode", dsn: "postgres://keto@127.0.0.1/keto?sslmode=bogus", expected: .init(
            message: "cannot connect to PostgreSQL (postgres://keto@127.0.0.1/keto?sslmode=bogus): invalid sslmode value: \"bogus\""),
            failsToConnect: true),
        BadDSN(label: "key=value without =", dsn: "host=127.0.0.1 port", expected: .init(
            message: "cannot connect to PostgreSQL (host=127.0.0.1 port): missing \"=\" after \"port\" in connection info string"),
            failsToConnect: true),
        BadDSN(label: "key=value with an unknown key", dsn: "host=127.0.0.1 password=\(secret) colour=blue", expected: .init(
            message: "cannot connect to PostgreSQL (host=127.0.0.1 password=*** colour=blue): invalid connection option \"colour\""),
            failsToConnect: true),
        BadDSN(label: "key=value with an unterminated quote", dsn: "host=127.0.0.1 password='\(secret)", expected: .init(
            message: "cannot connect to PostgreSQL (host=127.0.0.1 password=***): unterminated quoted string in connection info string"),
            failsToConnect: true),
        BadDSN(label: "unreachable port", dsn: "postgresql://keto:\(secret)@127.0.0.1:1/keto?sslmode=disable", expected: .init(
            message: "cannot connect to PostgreSQL (postgresql://keto:***@127.0.0.1:1/keto?sslmode=disable): connection to server at \"127.0.0.1\", port 1 failed: Connection refused"),
            failsToConnect: true),
        BadDSN(label: "sqlite file in a missing directory", dsn: "sqlite://DIR/missing/keto.db", expected: .init(
            message: "sqlite database DIR/missing/keto.db does not exist (run `retuple migrate up` to create a new one)"),
            failsToConnect: true,
            overrides: [
                .migrateUp: "cannot open sqlite database DIR/missing/keto.db: unable to open database file",
                // Commands that only read open the file read-only and say just that.
                .status: "sqlite database DIR/missing/keto.db does not exist",
                .doctor: "sqlite database DIR/missing/keto.db does not exist",
            ]),
        BadDSN(label: "sqlite path that is a directory", dsn: "sqlite://DIR", expected: .init(
            message: "cannot open sqlite database DIR: it is a directory"),
            failsToConnect: true),
    ]

    @Test("bad DSNs: every command exits with the one error line, prints no password and creates nothing", arguments: badDSNs)
    func badDSN(_ input: BadDSN) throws {
        let directory = try TemporaryDirectory()
        let dsn = input.dsn.replacingOccurrences(of: "DIR", with: directory.url.path)
        let configPath = directory.path("keto.yml")
        let dsnLine = input.source == .configuration ? "dsn: \"\(dsn)\"\n" : ""
        try (dsnLine + "namespaces:\n  - {id: 0, name: files}\n").write(toFile: configPath, atomically: true, encoding: .utf8)
        let before = try directorySnapshot(directory.url)
        for command in HostileInputCommand.allCases {
            let dsnFlag = input.source == .flag ? ["--dsn", dsn] : []
            let environment = input.source == .environment ? ["DSN": dsn] : [:]
            let outcome = try run(command.words + dsnFlag + ["-c", configPath] + command.flags, environment: environment, in: directory.url)
            let message = (input.overrides[command] ?? input.expected.message).replacingOccurrences(of: "DIR", with: directory.url.path)
            if command == .doctor, input.failsToConnect {
                outcome.expectRefused(.init(message: "1 doctor checks failed: connectivity"), by: command, input: input.label, secrets: [Self.secret])
                #expect(outcome.lines.first?.hasPrefix("fail connectivity  \(message); fix: ") == true, "\(outcome.stdout)")
            } else {
                // `migrate up` shows what it would apply to a new file before it fails to create it.
                outcome.expectRefused(
                    .init(status: input.expected.status, message: message), by: command, input: input.label, secrets: [Self.secret],
                    printsNothing: !(command == .migrateUp && input.overrides[.migrateUp] != nil)
                )
            }
        }
        #expect(try directorySnapshot(directory.url) == before, "a file was created or changed")
    }

    /// The test server with a wrong password, or a database it does not
    /// have: refused by the server, and neither password is printed.
    @Test("PostgreSQL: a wrong password and a missing database are refused by every command, no password printed", .enabled(if: TestBackends.postgresEnabled))
    func wrongPasswordAndMissingDatabase() throws {
        let admin = try #require(URLComponents(string: try TestPostgres.requiredAdminDSN()))
        let realPassword = try #require(admin.password)
        var wrongPassword = admin
        wrongPassword.password = Self.secret
        var missingDatabase = admin
        missingDatabase.path = "/no_such_database"
        let user = admin.user ?? "postgres"
        let server = "connection to server at \"\(admin.host ?? "")\", port \(admin.port ?? 5432) failed: FATAL:  "
        let cases: [(label: String, dsn: String, reason: String)] = [
            ("wrong password", wrongPassword.string ?? "", "password authentication failed for user \"\(user)\""),
            ("wrong password, key=value", "host=\(admin.host ?? "") port=\(admin.port ?? 5432) dbname=postgres user=\(user) password=\(Self.secret) sslmode=disable",
             "password authentication failed for user \"\(user)\""),
            ("missing database", missingDatabase.string ?? "", "database \"no_such_database\" does not exist"),
        ]
        let directory = try TemporaryDirectory()
        let configPath = directory.path("keto.yml")
        try "namespaces: [{id: 0, name: files}]\n".write(toFile: configPath, atomically: true, encoding: .utf8)
        for input in cases {
            let redacted = DataSourceName.redact(input.dsn)
            let message = "cannot connect to PostgreSQL (\(redacted)): \(server)\(input.reason)"
            for command in HostileInputCommand.allCases {
                let outcome = try run(command.words + ["--dsn", input.dsn, "-c", configPath] + command.flags, in: directory.url)
                let secrets = [Self.secret, realPassword]
                if command == .doctor {
                    outcome.expectRefused(.init(message: "1 doctor checks failed: connectivity"), by: command, input: input.label, secrets: secrets)
                    #expect(outcome.lines.first?.hasPrefix("fail connectivity  \(message); fix: ") == true, "\(outcome.stdout)")
                } else {
                    outcome.expectRefused(.init(message: message), by: command, input: input.label, secrets: secrets)
                }
            }
        }
        // Nothing was created on the server.
        let cluster = try openDatabase(try DataSourceName(parsing: try TestPostgres.requiredAdminDSN()))
        defer { cluster.close() }
        #expect(try cluster.scalar("SELECT count(*) FROM pg_database WHERE datname = 'no_such_database'")?.integer == 0)
    }

    // MARK: Configuration files

    /// A configuration file and what every command says of it. `PATH`
    /// stands for the file's path.
    struct BadConfiguration: Sendable, CustomStringConvertible {
        let label: String
        let content: [UInt8]
        let message: String

        init(_ label: String, _ content: String, _ message: String) {
            self.init(label, Array(content.utf8), message)
        }

        init(_ label: String, _ content: [UInt8], _ message: String) {
            self.label = label
            self.content = content
            self.message = message
        }

        var description: String { label }
    }

    static let badConfigurations: [BadConfiguration] = [
        .init("not YAML", "namespaces: [\n", "config file PATH is not valid YAML or JSON: 2:1: error: parser: while parsing a flow node in line 2, column 1"),
        .init("not UTF-8", [0x6E, 0x61, 0x6D, 0x65, 0xFF, 0xFE, 0x3A, 0x0A], "cannot read config file PATH: it is not UTF-8 text"),
        .init("binary", [0x00, 0x01, 0x02, 0x7F], "config file PATH is not valid YAML or JSON: 1:1: error: reader: control characters are not allowed:"),
        .init("namespaces not a list", "namespaces: 5\n", "config file PATH: namespaces is not a list; list the namespaces inline as [{id: 0, name: files}, …]"),
        .init("namespaces a location", "namespaces: file:///etc/keto/namespaces\n",
              "config file PATH: namespaces is a location (file:///etc/keto/namespaces); list the namespaces inline as [{id: 0, name: files}, …]"),
        .init("duplicate ids", "namespaces:\n  - {id: 1, name: a}\n  - {id: 1, name: b}\n",
              "config file PATH: namespaces[1]: namespace id 1 is used twice (\"a\" and \"b\")"),
        .init("duplicate names", "namespaces:\n  - {id: 1, name: a}\n  - {id: 2, name: a}\n",
              "config file PATH: namespaces[1]: namespace name \"a\" is used twice (ids 1 and 2)"),
        .init("names equal under Unicode normalization", "namespaces:\n  - {id: 1, name: \"\\u00e9\"}\n  - {id: 2, name: \"e\\u0301\"}\n",
              "config file PATH: namespaces[1]: namespace name \"e\u{301}\" is used twice (ids 1 and 2)"),
        .init("negative id", "namespaces: [{id: -1, name: a}]\n", "config file PATH: namespaces[0].id: namespace id -1 is out of range (0 to 2147483647)"),
        .init("id over Int32", "namespaces: [{id: 2147483648, name: a}]\n", "config file PATH: namespaces[0].id: namespace id 2147483648 is out of range (0 to 2147483647)"),
        .init("id over Int64", "namespaces: [{id: 99999999999999999999, name: a}]\n", "config file PATH: namespaces[0].id: expected an integer"),
        .init("fractional id", "namespaces: [{id: 1.5, name: a}]\n", "config file PATH: namespaces[0].id: expected an integer"),
        .init("id as a word", "namespaces: [{id: one, name: a}]\n", "config file PATH: namespaces[0].id: expected an integer"),
        .init("no id", "namespaces: [{name: a}]\n", "config file PATH: namespaces[0]: missing key `id`"),
        .init("no name", "namespaces: [{id: 0}]\n", "config file PATH: namespaces[0]: missing key `name`"),
        .init("name a list", "namespaces: [{id: 0, name: [a]}]\n", "config file PATH: namespaces[0].name: expected one value, not a list or map"),
        .init("empty name", "namespaces: [{id: 0, name: \"\"}]\n", "config file PATH: namespaces[0] has an empty name"),
        .init("name with :", "namespaces: [{id: 0, name: \"a:b\"}]\n",
              "config file PATH: namespaces[0]: the name \"a:b\" contains \":\", which subject sets (namespace:object#relation) cannot hold"),
        .init("name with #", "namespaces: [{id: 0, name: \"a#b\"}]\n",
              "config file PATH: namespaces[0]: the name \"a#b\" contains \"#\", which subject sets (namespace:object#relation) cannot hold"),
        .init("name with a line break", "namespaces: [{id: 0, name: \"a\\nb\"}]\n",
              "config file PATH: namespaces[0]: the name \"a\\nb\" contains \"\\n\", which subject sets (namespace:object#relation) cannot hold"),
        .init("name with : and a combining accent", "namespaces: [{id: 0, name: \"a:\\u0301b\"}]\n",
              "config file PATH: namespaces[0]: the name \"a:\u{301}b\" contains \":\", which subject sets (namespace:object#relation) cannot hold"),
        .init("dsn a list", "dsn: [a]\nnamespaces: [{id: 0, name: a}]\n", "config file PATH: dsn: expected one value, not a list or map"),
    ]

    @Test("bad configuration files: every command exits with the one error line naming the file and the entry; nothing changes", arguments: TestBackends.all)
    func badConfiguration(backend: DatabaseBackend) throws {
        try LegacyWorkspace.with(backend, .clean) { workspace in
            let before = try workspace.dump()
            let directory = workspace.directory.url
            var inputs: [(label: String, path: String, message: String)] = []
            for (index, input) in Self.badConfigurations.enumerated() {
                let path = workspace.directory.path("bad-\(index).yml")
                try Data(input.content).write(to: URL(fileURLWithPath: path))
                inputs.append((input.label, path, input.message.replacingOccurrences(of: "PATH", with: path)))
            }
            let missing = workspace.directory.path("missing.yml")
            inputs.append(("missing file", missing, "cannot read config file \(missing): it does not exist"))
            // Unreadable: a directory, for anyone; a file without read permission, where modes apply (not as root).
            inputs.append(("a directory", directory.path, "cannot read config file \(directory.path): it is a directory; pass the Keto configuration file (-c keto.yml)"))
            if geteuid() != 0 {
                let locked = workspace.directory.path("locked.yml")
                try #require(
                    FileManager.default.createFile(atPath: locked, contents: Data("namespaces: []\n".utf8), attributes: [.posixPermissions: 0o000]),
                    "cannot create \(locked)"
                )
                inputs.append(("a file without read permission", locked, "cannot read config file \(locked): it cannot be read"))
            }
            let files = try directorySnapshot(directory)
            for input in inputs {
                workspace.configPath = input.path
                for command in HostileInputCommand.allCases {
                    let outcome = try workspace.retuple(command.words, command.flags)
                    outcome.expectRefused(.init(message: input.message), by: command, input: input.label)
                }
            }
            #expect(try workspace.dump() == before, "the database changed")
            #expect(try directorySnapshot(directory) == files, "a file was created or changed")
            print("hostile input: \(inputs.count) configuration files × \(HostileInputCommand.allCases.count) commands on \(backend)")
        }
    }

    /// Names that SQL, shells, YAML or logfmt could trip over, and that a
    /// subject set can still name: they must work, as any other name.
    static let awkwardNames: [(id: Int32, name: String)] = [
        (0, "'; DROP TABLE keto_relation_tuples; --"), (1, #"\"); DELETE FROM networks; --"#), (2, " padded "),
        (3, "tab\there"), (4, "@admins"), (5, "名前\u{200D}🙂"), (6, "e\u{301}"),
    ]

    @Test("awkward but valid namespace names: migrated, and subject sets naming them resolve byte for byte", arguments: TestBackends.all)
    func awkwardNamespaceNames(backend: DatabaseBackend) throws {
        func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
        let names = Self.awkwardNames
        // Each namespace's one row grants to the subject set of the next one.
        let sql = names.map { namespace in
            let next = names[(Int(namespace.id) + 1) % names.count]
            return """
                INSERT INTO \(LegacyLayout.tupleTable(namespaceID: namespace.id)) (shard_id, object, relation, subject, commit_time)
                VALUES ('default', 'obj', 'rel', \(literal(next.name + ":obj#rel")), '2021-09-14 13:46:24');
                """
        }.joined(separator: "\n")
        try LegacyWorkspace.with(backend, .statements(namespaces: names, sql: sql)) { workspace in
            let outcome = try workspace.migrateLegacy(["-y"])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            #expect(outcome.stderr.isEmpty)
            #expect(outcome.namespaceFigures.map(\.name) == names.map(\.name))
            #expect(outcome.namespaceFigures.allSatisfy { $0.migrated == 1 && $0.dropped })
            let sets = try workspace.withDatabase { database in
                try database.allRows("SELECT namespace_id, subject_set_namespace_id FROM keto_relation_tuples ORDER BY namespace_id")
            }
            let expected = names.map { [DatabaseValue.integer(Int64($0.id)), .integer(Int64(($0.id + 1) % Int32(names.count)))] }
            #expect(sets == expected)
            #expect(try workspace.tableExists("networks"))
        }
    }

    // MARK: Legacy tables of the wrong shape

    /// A change to a clean v0.6 database that makes its tables other than
    /// Keto v0.6 made them, and what each command must do then.
    enum LegacyShape: String, CaseIterable, Sendable {
        /// An extra column: ignored; the v0.6 columns are migrated.
        case extraColumn
        /// No `commit_time` column: refused, naming the table and column.
        case missingColumn
        /// `commit_time` declared `timestamptz` (PostgreSQL): refused, naming the type.
        case wrongType
        /// `keto_` + 9 or 11 digits: not a legacy table, never touched.
        case wrongDigitCount
        /// `keto_9999999999_relation_tuples`: an id no configuration can hold.
        case overflowingID
    }

    @Test("legacy tables of the wrong shape: extra columns and wrong digit counts are ignored; missing columns, wrong types and overflowing ids refused", arguments: TestBackends.all, LegacyShape.allCases)
    func legacyShape(backend: DatabaseBackend, shape: LegacyShape) throws {
        try LegacyWorkspace.with(backend, .clean) { workspace in
            let files = LegacyLayout.tupleTable(namespaceID: 0)
            let columns = "shard_id varchar(64), object varchar(64), relation varchar(64), subject varchar(256)"
            let rows = "('default', 'a', 'b', 'user-1'), ('default', 'c', 'd', 'user-2')"
            let script: String = switch shape {
            case .extraColumn:
                "ALTER TABLE \(files) ADD COLUMN tenant varchar(64) DEFAULT 'acme'"
            case .missingColumn:
                "DROP TABLE \(files); CREATE TABLE \(files) (\(columns)); INSERT INTO \(files) VALUES \(rows)"
            case .wrongType:
                backend == .postgres
                    ? "ALTER TABLE \(files) ALTER COLUMN commit_time TYPE timestamptz"
                    : "DROP TABLE \(files); CREATE TABLE \(files) (\(columns), commit_time blob); INSERT INTO \(files) VALUES ('default', 'a', 'b', 'user-1', x'00ff')"
            case .wrongDigitCount:
                """
                CREATE TABLE keto_000000001_relation_tuples (\(columns), commit_time timestamp);
                INSERT INTO keto_000000001_relation_tuples VALUES ('default', 'a', 'b', 'user-1', '2021-09-14 13:46:24');
                CREATE TABLE keto_00000000001_relation_tuples (\(columns), commit_time timestamp);
                """
            case .overflowingID:
                "CREATE TABLE keto_9999999999_relation_tuples (\(columns), commit_time timestamp)"
            }
            try workspace.withDatabase { try $0.executeScript(script) }
            let before = try workspace.dump()
            let refusal: String? = switch (shape, backend) {
            case (.extraColumn, _), (.wrongDigitCount, _), (.wrongType, .sqlite): nil
            case (.missingColumn, _):
                "legacy table \(files) has no column commit_time, so it is not the table Keto v0.6 made (shard_id, object, relation, subject, commit_time)"
            case (.wrongType, .postgres):
                "legacy table \(files): column commit_time is timestamp with time zone, where Keto v0.6 made timestamp; convert it first: "
                    + "ALTER TABLE \"\(files)\" ALTER COLUMN commit_time TYPE timestamp USING commit_time AT TIME ZONE 'UTC'"
            case (.overflowingID, _):
                "legacy table keto_9999999999_relation_tuples holds namespace id 9999999999, which the configuration does not define; add it to namespaces"
            }
            if let refusal {
                for command in [HostileInputCommand.migrateLegacy, .verify] {
                    let outcome = try workspace.retuple(command.words, command.flags)
                    outcome.expectRefused(.init(message: refusal), by: command, input: shape.rawValue)
                }
                // status needs no configuration and reads no row: it lists the table.
                let status = try workspace.retuple(["status"])
                #expect(status.status == 0, "\(status.stderr)")
                let doctor = try workspace.retuple(["doctor"])
                #expect(doctor.status == 1)
                let finding = shape == .overflowingID ? "keto_9999999999_relation_tuples holds namespace id 9999999999" : refusal
                #expect(doctor.lines.contains { $0.hasPrefix("fail namespaces") && $0.contains(finding) }, "\(doctor.stdout)")
                #expect(try workspace.dump() == before, "the database changed")
                return
            }
            // Accepted: the namespaces migrate as on a clean database.
            let outcome = try workspace.migrateLegacy(["-y"])
            #expect(outcome.status == (shape == .wrongType ? 3 : 0), "\(outcome.stderr)")
            #expect(outcome.stderr.isEmpty)
            #expect(outcome.namespaceFigures.map(\.name) == ["files", "directories", "groups"])
            if shape == .wrongDigitCount {
                // Not legacy tables: untouched and never listed.
                #expect(try workspace.rows(of: "keto_000000001_relation_tuples") == before["keto_000000001_relation_tuples"])
                #expect(try workspace.tableExists("keto_00000000001_relation_tuples"))
                #expect(try !workspace.retuple(["status"]).stdout.contains("keto_000000001_relation_tuples"))
            }
            #expect(try workspace.retuple(["verify"]).status == 0)
        }
    }

    // MARK: Databases that are empty, not Keto's, or not databases

    /// Tables of some other application, in a database without Keto.
    static let foreignTables = """
        CREATE TABLE users (id integer PRIMARY KEY, email varchar(64));
        INSERT INTO users VALUES (1, 'a@example.com'), (2, 'b@example.com');
        CREATE TABLE keto_notes (note varchar(64));
        """

    @Test("an empty database and one that is not Keto's: nothing to migrate or verify, the schema is reported pending, nothing changes", arguments: TestBackends.all, [false, true])
    func notKeto(backend: DatabaseBackend, foreign: Bool) throws {
        try withEmptyDatabase(backend) { dsn, directory in
            if foreign {
                let database = try openDatabase(try DataSourceName(parsing: dsn))
                try database.executeScript(Self.foreignTables)
                database.close()
            }
            func dump() throws -> [String] {
                let database = try openDatabase(try DataSourceName(parsing: dsn))
                defer { database.close() }
                return try database.tableNames().flatMap { table in
                    try database.allRows("SELECT * FROM \(quoteIdentifier(table))").map { "\(table): \(renderedRow($0))" }.sorted()
                }
            }
            let before = try dump()
            let configPath = directory.path("keto.yml")
            try "namespaces: [{id: 0, name: files}]\n".write(toFile: configPath, atomically: true, encoding: .utf8)
            let place = location(of: dsn)
            func retuple(_ command: HostileInputCommand) throws -> ProcessOutcome {
                try run(command.words + ["--dsn", dsn, "-c", configPath] + command.flags, in: directory.url)
            }
            let label = foreign ? "a database of another application" : "an empty database"

            let notApplied = "the unified schema is not applied to \(place) (8 migrations pending); run `retuple migrate up` first"
            try retuple(.migrateLegacy).expectRefused(.init(message: notApplied), by: .migrateLegacy, input: label)
            try retuple(.verify).expectRefused(.init(message: notApplied), by: .verify, input: label)
            let status = try retuple(.status)
            #expect(status.status == 0, "\(status.stderr)")
            #expect(status.lines == ["schema applied=0 pending=8 state=migrate_up_needed", "legacy tables: none left"])
            let migrateStatus = try retuple(.migrateStatus)
            #expect(migrateStatus.status == 0, "\(migrateStatus.stderr)")
            #expect(migrateStatus.lines.last == "8 of 8 migrations pending", "\(migrateStatus.stdout)")
            // Nothing stands in the way of `migrate up`: the schema is only a warning without legacy tables.
            let doctor = try retuple(.doctor)
            #expect(doctor.status == 0, "\(doctor.stdout)\(doctor.stderr)")
            #expect(doctor.stderr.isEmpty)
            #expect(doctor.lines.contains { $0.hasPrefix("warn schema") }, "\(doctor.stdout)")
            #expect(try dump() == before, "the database changed")
        }
    }

    @Test("SQLite: a file that is not a database is refused by every command and left byte for byte as it was", arguments: ["random bytes", "a text file"])
    func notADatabase(kind: String) throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("keto.db")
        var random = SystemRandomNumberGenerator()
        let content = kind == "a text file"
            ? Data("dsn: sqlite:///var/lib/keto/keto.db\nthis is not a database, only text that is long enough to look like a header of one\n".utf8)
            : Data((0..<8_192).map { _ in UInt8.random(in: 0...255, using: &random) })
        try content.write(to: URL(fileURLWithPath: path))
        let configPath = directory.path("keto.yml")
        try "namespaces: [{id: 0, name: files}]\n".write(toFile: configPath, atomically: true, encoding: .utf8)
        let files = try directorySnapshot(directory.url)
        let message = "cannot open sqlite database \(path): file is not a database"
        for command in HostileInputCommand.allCases {
            let outcome = try run(command.words + ["--dsn", "sqlite://" + path, "-c", configPath] + command.flags, in: directory.url)
            if command == .doctor {
                outcome.expectRefused(.init(message: "1 doctor checks failed: connectivity"), by: command, input: kind)
                #expect(outcome.lines.first?.hasPrefix("fail connectivity  \(message); fix: ") == true, "\(outcome.stdout)")
            } else {
                outcome.expectRefused(.init(message: message), by: command, input: kind)
            }
        }
        #expect(try directorySnapshot(directory.url) == files, "the file changed, or another was created")
    }
}
