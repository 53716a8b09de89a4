import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

/// A PostgreSQL role of one test's own on the test server: a random name
/// (roles are shared by every database of the server), a login with a
/// random password, dropped afterwards with everything it owns or was
/// granted in the test's database.
struct TestRole {
    let name: String
    /// The test database's DSN logging in as this role.
    let dsn: String

    /// Creates the role (`LOGIN` unless `login` is false), runs `body`, drops it.
    ///
    /// - Parameter databaseDSN: the superuser DSN of the test's database
    ///   (from `TestPostgres.withFreshDatabase`).
    static func with<T>(in databaseDSN: String, login: Bool = true, _ body: (TestRole) throws -> T) throws -> T {
        let name = "retuple_doctor_" + UUID().uuidString.prefix(8).lowercased()
        let password = "pw-" + UUID().uuidString
        var components = try #require(URLComponents(string: databaseDSN), "not a URL: \(databaseDSN)")
        components.user = name
        components.password = password
        let admin = try openDatabase(try DataSourceName(parsing: databaseDSN))
        defer { admin.close() }
        try admin.executeScript("CREATE ROLE \(quoteIdentifier(name)) \(login ? "LOGIN PASSWORD '\(password)'" : "NOLOGIN")")
        defer { try? admin.executeScript("DROP OWNED BY \(quoteIdentifier(name)); DROP ROLE \(quoteIdentifier(name))") }
        return try body(TestRole(name: name, dsn: components.string ?? ""))
    }
}
