import RetupleCore
import RetupleTestSupport
import Testing

@Suite("DSN")
struct DataSourceNameTests {
    @Test(
        "understands every documented form",
        arguments: [
            ("memory", DataSourceName.Target.sqliteMemory),
            ("sqlite:///var/lib/keto/db.sqlite", .sqliteFile(path: "/var/lib/keto/db.sqlite")),
            ("sqlite://./keto.db", .sqliteFile(path: "./keto.db")),
            ("sqlite://keto.db?_fk=true", .sqliteFile(path: "keto.db")),
            ("sqlite://file::memory:?_fk=true", .sqliteMemory),
            ("sqlite://:memory:", .sqliteMemory),
            ("postgres://u:p@db:5432/keto?sslmode=disable", .postgres(conninfo: "postgres://u:p@db:5432/keto?sslmode=disable")),
            ("postgresql://db/keto", .postgres(conninfo: "postgresql://db/keto")),
            ("postgres://db/keto?sslmode=require&max_conns=20&max_idle_conns=4", .postgres(conninfo: "postgres://db/keto?sslmode=require")),
            ("postgres://db/keto?max_conns=20", .postgres(conninfo: "postgres://db/keto")),
            ("host=db dbname=keto sslmode=disable", .postgres(conninfo: "host=db dbname=keto sslmode=disable")),
        ]
    )
    func parses(text: String, target: DataSourceName.Target) throws {
        #expect(try DataSourceName(parsing: text).target == target)
    }

    @Test(
        "rejects forms it cannot use, in one line",
        arguments: [
            ("", "the DSN is empty"),
            ("   ", "the DSN is empty"),
            ("sqlite://", "has no file path"),
            ("sqlite://?_fk=true", "has no file path"),
            ("mysql://root:secret@tcp(db:3306)/keto", "unsupported database `mysql`"),
            ("cockroach://db/keto", "unsupported database `cockroach`"),
            ("keto.db", "cannot read the DSN keto.db"),
        ]
    )
    func rejects(text: String, expected: String) {
        let error = dsnParsingError(text)
        #expect(error?.contains(expected) == true && error?.contains("secret") == false, "\(String(describing: error))")
    }

    @Test(
        "never shows a password",
        arguments: [
            ("postgres://keto:s3cr%40t@db:5432/keto", "postgres://keto:***@db:5432/keto"),
            ("postgresql://keto:pw@db/keto?password=other&sslmode=disable", "postgresql://keto:***@db/keto?password=***&sslmode=disable"),
            ("host=db password=s3cret dbname=keto", "host=db password=*** dbname=keto"),
            ("host=db password='s3 cret' dbname=keto", "host=db password=*** dbname=keto"),
            ("postgres://db/keto", "postgres://db/keto"),
            // libpq reads everything before the last `@` ahead of the first `/` as user:password.
            ("postgresql://keto:s3cret?x@db/keto", "postgresql://keto:***@db/keto"),
            ("postgresql://keto:s3@cret@db:5432/keto", "postgresql://keto:***@db:5432/keto"),
            ("postgresql://db:5432/keto?user=me@corp", "postgresql://db:5432/keto?user=me@corp"),
        ]
    )
    func redacts(text: String, shown: String) throws {
        #expect(try DataSourceName(parsing: text).description == shown)
    }

    @Test("precedence: --dsn, then DSN, then the config file")
    func precedence() throws {
        let configuration = Configuration(dsn: "sqlite://from-config.db")
        let environment = ["DSN": "sqlite://from-env.db"]
        #expect(try resolveDataSourceName(flag: "sqlite://from-flag.db", environment: environment, configuration: configuration).target == .sqliteFile(path: "from-flag.db"))
        #expect(try resolveDataSourceName(flag: nil, environment: environment, configuration: configuration).target == .sqliteFile(path: "from-env.db"))
        #expect(try resolveDataSourceName(flag: nil, environment: [:], configuration: configuration).target == .sqliteFile(path: "from-config.db"))
        #expect(throws: RetupleError("no database given: pass --dsn URL, set DSN, or put dsn: in the config file (-c)")) {
            try resolveDataSourceName(flag: nil, environment: ["DSN": ""], configuration: Configuration())
        }
    }

    /// Found by the hostile-input matrix: libpq quotes a URI it cannot
    /// parse whole, and the password went out with it.
    @Test("a URI libpq cannot parse is refused without its password", arguments: [
        "postgres://keto:s3cret-pw@[::1/keto", "postgresql://keto:s3cret-pw@db/keto?sslmode=disable&x=%zz",
    ])
    func unparsableURIHidesPassword(uri: String) {
        #expect {
            _ = try openDatabase(try DataSourceName(parsing: uri))
        } throws: { error in
            "\(error)".hasPrefix("cannot connect to PostgreSQL (") && !"\(error)".contains("s3cret-pw")
        }
    }

    @Test("an invalid DSN says where it came from")
    func invalidNamesSource() {
        #expect {
            try resolveDataSourceName(flag: nil, environment: ["DSN": "mysql://x"], configuration: nil)
        } throws: { "\($0)".hasSuffix("(from the DSN environment variable)") }
    }
}

/// What parsing `text` as a DSN throws, as text; nil when it parses.
func dsnParsingError(_ text: String) -> String? {
    errorThrown { _ = try DataSourceName(parsing: text) }.map { "\($0)" }
}
