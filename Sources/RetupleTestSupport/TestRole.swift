import Foundation
import RetuplePostgres

/// A PostgreSQL role of one test's own on the test server: a random name
/// (roles are shared by every database of the server), a login with a
/// random password, dropped afterwards with everything it owns or was
/// granted in the test's database.
public struct TestRole: Sendable {
    /// The role's name: lowercase letters, digits and `_`, so it needs no
    /// quoting (quoted anyway).
    public let name: String
    /// The test database's DSN logging in as this role.
    public let dsn: String

    /// Creates the role (`LOGIN` unless `login` is false), runs `body`, drops it.
    ///
    /// - Parameter databaseDSN: the superuser DSN of the test's database
    ///   (a `ScratchDatabase`'s DSN).
    public static func with<T>(in databaseDSN: String, login: Bool = true, _ body: (TestRole) throws -> T) throws -> T {
        let name = "retuple_role_" + UUID().uuidString.prefix(8).lowercased()
        let password = "pw-" + UUID().uuidString
        guard var components = URLComponents(string: databaseDSN) else {
            throw TestSupportError("not a URL: \(databaseDSN)")
        }
        components.user = name
        components.password = password
        let admin = try PostgresConnection(conninfo: databaseDSN)
        defer { admin.close() }
        try admin.executeScript("CREATE ROLE \"\(name)\" \(login ? "LOGIN PASSWORD '\(password)'" : "NOLOGIN")")
        defer { try? admin.executeScript("DROP OWNED BY \"\(name)\"; DROP ROLE \"\(name)\"") }
        return try body(TestRole(name: name, dsn: components.string ?? ""))
    }
}
