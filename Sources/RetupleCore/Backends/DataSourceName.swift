import Foundation

/// Where the database is, parsed from a DSN as Keto writes them.
///
/// Accepted forms (docs/commands.md, "Databases"):
/// - `memory`: an in-memory SQLite database;
/// - `sqlite://PATH`: `sqlite:///abs/x.db`, `sqlite://./x.db`; query
///   parameters such as Keto's `?_fk=true` are accepted and ignored (they
///   configure Go's driver, not the file);
/// - `postgres://…` and `postgresql://…` URIs and libpq `key=value`
///   strings, handed to libpq so `PG*` variables, `.pgpass`, service files
///   and `sslmode` work as for `psql`. Keto's own pool parameters
///   (`max_conns`, `max_idle_conns`, `max_conn_lifetime`,
///   `max_idle_conn_time`) are removed first, as libpq would reject them.
public struct DataSourceName: Sendable, Equatable, CustomStringConvertible {
    public enum Target: Sendable, Equatable {
        case sqliteFile(path: String)
        case sqliteMemory
        case postgres(conninfo: String)
    }

    public let target: Target
    /// The DSN as given, password included: never print it, use `description`.
    public let original: String

    /// Keto's connection-pool parameters, meaningless to libpq.
    static let ketoPoolParameters: Set<String> = ["max_conns", "max_idle_conns", "max_conn_lifetime", "max_idle_conn_time"]

    /// Parses a DSN.
    /// - Throws: `RetupleError` naming the form it did not understand.
    public init(parsing text: String) throws {
        original = text
        let dsn = text.trimmingCharacters(in: .whitespaces)
        if dsn.isEmpty {
            throw RetupleError("the DSN is empty: give sqlite://PATH, memory, postgres://… or a libpq key=value string")
        }
        if dsn == "memory" {
            target = .sqliteMemory
            return
        }
        if let schemeEnd = dsn.range(of: "://") {
            let scheme = dsn[..<schemeEnd.lowerBound].lowercased()
            let rest = String(dsn[schemeEnd.upperBound...])
            switch scheme {
            case "sqlite", "sqlite3":
                let path = String(rest.prefix { $0 != "?" })
                if path.isEmpty {
                    throw RetupleError("the sqlite DSN \(Self.redact(dsn)) has no file path: write sqlite:///absolute/path.db or sqlite://./relative.db")
                }
                target = (path == ":memory:" || path.hasPrefix("file::memory:")) ? .sqliteMemory : .sqliteFile(path: path)
            case "postgres", "postgresql":
                if Self.hasSlashInPassword(afterScheme: rest) {
                    throw RetupleError("the DSN \(Self.redact(dsn)) has a / in its password: percent-encode it as %2F, or libpq reads the URI as another host, port and database")
                }
                target = .postgres(conninfo: Self.removingKetoPoolParameters(from: dsn))
            default:
                throw RetupleError("unsupported database `\(scheme)` in DSN \(Self.redact(dsn)): retuple works with sqlite:// and postgres://")
            }
            return
        }
        if dsn.contains("=") {
            target = .postgres(conninfo: dsn)
            return
        }
        throw RetupleError("cannot read the DSN \(Self.redact(dsn)): give sqlite://PATH, memory, postgres://… or a libpq key=value string")
    }

    /// The DSN with any password replaced by `***`.
    public var description: String { Self.redact(original) }

    public var backend: DatabaseBackend {
        switch target {
        case .sqliteFile, .sqliteMemory: .sqlite
        case .postgres: .postgres
        }
    }

    /// What to check when the database cannot be opened, for the doctor.
    public var connectionAdvice: String {
        switch target {
        case .postgres:
            "check the DSN's host, port, dbname, user and password (libpq's PG* variables, ~/.pgpass and sslmode apply as for psql)"
        case .sqliteFile(let path):
            "check the path in the DSN: \(path) must be the existing Keto v0.6 database, readable by this user"
        case .sqliteMemory:
            "use a sqlite:// or postgres:// DSN"
        }
    }

    /// Replaces passwords in URIs (`user:secret@`, `?password=secret`) and
    /// key=value strings (`password=secret`, `password='se cret'`).
    public static func redact(_ dsn: String) -> String {
        var redacted = dsn
        let patterns = [
            // user:password@ as libpq finds it: up to the last `@` before the first `/`.
            #"(://[^:/@]*:)[^/]*(@)"#,
            // user:password@ with a `/` in the password, which libpq misreads
            // (and the parser refuses): up to the last `@` before any `?`.
            #"(://[^:/@?]*:)[^?]*/[^?]*(@)"#,
            #"((?:^|[?&\s])password\s*=\s*)('(?:[^'\\]|\\.)*'|[^&\s]*)"#,
        ]
        for pattern in patterns {
            let expression = try! NSRegularExpression(pattern: pattern, options: [.caseInsensitive])
            let range = NSRange(redacted.startIndex..., in: redacted)
            let template = pattern.hasSuffix("(@)") ? "$1***$2" : "$1***"
            redacted = expression.stringByReplacingMatches(in: redacted, range: range, withTemplate: template)
        }
        return redacted
    }

    /// Whether `user:password@` (up to the first `@`) has a `/` in the
    /// password. libpq ends the credentials at the first `/`, so it would
    /// take part of the password for a port or a database name, and print
    /// it in its error.
    private static func hasSlashInPassword(afterScheme rest: String) -> Bool {
        let beforeQuery = rest.prefix { $0 != "?" }
        guard let at = beforeQuery.firstIndex(of: "@"), let colon = beforeQuery[..<at].firstIndex(of: ":") else { return false }
        return beforeQuery[colon..<at].contains("/")
    }

    private static func removingKetoPoolParameters(from uri: String) -> String {
        guard let queryStart = uri.firstIndex(of: "?") else { return uri }
        let kept = uri[uri.index(after: queryStart)...]
            .split(separator: "&")
            .filter { parameter in
                let name = parameter.prefix { $0 != "=" }
                return !ketoPoolParameters.contains(String(name))
            }
        let base = String(uri[..<queryStart])
        return kept.isEmpty ? base : base + "?" + kept.joined(separator: "&")
    }
}
