import RetupleCore
import Testing

/// A `/` in the password of a `postgres://` URI (regression: the whole DSN,
/// password included, was printed in the connection error, and libpq's
/// message quoted the part before the `/` as a port).
@Suite("DSN: a / in a URI's password")
struct DataSourceNamePasswordTests {
    @Test("is refused before connecting, with the password hidden and the fix named", arguments: [
        ("postgres://keto:pa/ss@db:5432/keto", "postgres://keto:***@db:5432/keto"),
        ("postgresql://keto:a/b@c@db/keto?sslmode=disable", "postgresql://keto:***@db/keto?sslmode=disable"),
    ])
    func refused(dsn: String, shown: String) {
        #expect(
            dsnParsingError(dsn)
                == "the DSN \(shown) has a / in its password: percent-encode it as %2F, or libpq reads the URI as another host, port and database"
        )
    }

    @Test("encoded, or in the path or query, it is no password of the URI's", arguments: [
        "postgres://keto:pa%2Fss@db:5432/keto",
        "postgres://keto:pw@db/keto@x",
        "postgresql://db:5432/keto?user=me@corp/x",
    ])
    func accepted(dsn: String) throws {
        _ = try DataSourceName(parsing: dsn)
    }
}
