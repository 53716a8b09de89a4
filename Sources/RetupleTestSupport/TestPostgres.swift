import Foundation
import RetuplePostgres

/// The PostgreSQL server the test script starts.
///
/// `scripts/test` exports `RETUPLE_TEST_POSTGRES_DSN` (a superuser DSN) and
/// `RETUPLE_REQUIRE_POSTGRES=1`. Which tests run on it, and what a missing
/// server means, is `TestBackends`' rule; tests get a database of their
/// own from `ScratchDatabase`.
public enum TestPostgres {
    /// The superuser DSN of the test server, if one is running.
    public static var adminDSN: String? {
        ProcessInfo.processInfo.environment["RETUPLE_TEST_POSTGRES_DSN"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Whether the run must include the PostgreSQL tests (CI and scripts/test).
    public static var isRequired: Bool {
        ProcessInfo.processInfo.environment["RETUPLE_REQUIRE_POSTGRES"] == "1"
    }

    public static var isAvailable: Bool { adminDSN != nil }

    /// The superuser DSN of the test server.
    ///
    /// - Throws: `TestSupportError` when no server is running, so that a
    ///   test needing one fails instead of passing vacuously.
    public static func requiredAdminDSN() throws -> String {
        guard let adminDSN else {
            throw TestSupportError("RETUPLE_TEST_POSTGRES_DSN is not set: run the tests through scripts/test")
        }
        return adminDSN
    }

    /// Creates an empty database (or a copy of database `template`, which
    /// no session may be connected to), runs `body` with its DSN, then
    /// drops it. Tests use it through `ScratchDatabase`.
    static func withFreshDatabase<T>(template: String? = nil, _ body: (String) throws -> T) throws -> T {
        let adminDSN = try requiredAdminDSN()
        let name = "retuple_test_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        let admin = try PostgresConnection(conninfo: adminDSN)
        try admin.execute("CREATE DATABASE \(name)" + (template.map { " TEMPLATE \"\($0)\"" } ?? ""))
        defer {
            _ = try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        }
        return try body(dsn(forDatabase: name))
    }

    /// The admin DSN pointing at another database of the same server.
    public static func dsn(forDatabase name: String) -> String {
        guard let adminDSN, var components = URLComponents(string: adminDSN) else { return "" }
        components.path = "/" + name
        return components.string ?? ""
    }
}

/// A failure of the test environment itself.
public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
