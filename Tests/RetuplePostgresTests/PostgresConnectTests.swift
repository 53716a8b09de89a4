import Foundation
import RetuplePostgres
import RetupleTestSupport
import Testing

@Suite("PostgreSQL connecting")
struct PostgresConnectTests {
    @Test("connecting to a closed port fails without SQLSTATE and names the port")
    func closedPort() throws {
        let conninfo = "host=127.0.0.1 port=1 dbname=nothing user=nobody connect_timeout=5"
        let error = try #require(throws: PostgresError.self) {
            _ = try PostgresConnection(conninfo: conninfo)
        }
        #expect(error.sqlstate == nil)
        #expect(error.message.contains("127.0.0.1"))
        #expect(error.message.firstMatch(of: /port 1\b/) != nil, "message: \(error.message)")
        #expect(!error.message.contains("\n"))
    }

    static let wrongPasswords = [
        "wrong-\(UUID().uuidString)",
        // A word libpq's own message contains: it must be scrubbed there too.
        "authentication",
    ]

    @Test(
        "PostgreSQL: a wrong password is refused and never appears in the error",
        .enabled(if: TestBackends.postgresEnabled),
        arguments: wrongPasswords
    )
    func wrongPassword(password: String) throws {
        let adminDSN = try TestPostgres.requiredAdminDSN()
        var components = try #require(URLComponents(string: adminDSN))
        components.password = password
        let conninfo = try #require(components.string)

        let error = try #require(throws: PostgresError.self) {
            _ = try PostgresConnection(conninfo: conninfo)
        }
        #expect(error.sqlstate == nil)
        #expect(error.message.contains("password"), "message: \(error.message)")
        #expect(!error.message.contains(password))
        #expect(!error.description.contains(password))
        #expect(error.detail.map { !$0.contains(password) } ?? true)
    }

    static let malformedConninfo = [
        "host=127.0.0.1 port",  // a keyword without `=`
        "host=127.0.0.1 port=1 bogus_option=1",  // an unknown keyword
        "host='127.0.0.1 port=1",  // an unterminated quote
        "postgresql://[::1/db",  // a broken URI
    ]

    @Test("a malformed connection string is rejected before connecting", arguments: malformedConninfo)
    func malformedConninfoIsRejected(conninfo: String) throws {
        let error = try #require(throws: PostgresError.self) {
            _ = try PostgresConnection(conninfo: conninfo)
        }
        #expect(error.sqlstate == nil)
        #expect(!error.message.isEmpty)
        // A parse failure, not an attempt to reach port 1.
        #expect(!error.message.contains("Connection refused"), "message: \(error.message)")
    }

    @Test("an unknown keyword is named in the error")
    func unknownKeywordIsNamed() throws {
        let error = try #require(throws: PostgresError.self) {
            _ = try PostgresConnection(conninfo: "host=127.0.0.1 bogus_option=1")
        }
        #expect(error.message.contains("bogus_option"))
    }

    @Test("PostgreSQL: a connection reports its server, database and state", .enabled(if: TestBackends.postgresEnabled))
    func connectionState() throws {
        try ScratchDatabase.with(.postgres) { scratch in
            let connection = try PostgresConnection(conninfo: scratch.dsn)
            defer { connection.close() }
            let components = try #require(URLComponents(string: scratch.dsn))

            #expect(connection.databaseName == String(components.path.dropFirst()))
            #expect(connection.host == components.host)
            #expect(connection.port == components.port.map(String.init))
            #expect(connection.serverVersion >= 100_000)
            #expect(connection.transactionStatus == .idle)

            try connection.execute("BEGIN")
            #expect(connection.transactionStatus == .inTransaction)
            let divisionError = errorThrown { try connection.execute("SELECT 1/0") }
            #expect((divisionError as? PostgresError)?.sqlstate == "22012")  // division_by_zero
            #expect(connection.transactionStatus == .failedTransaction)
            try connection.execute("ROLLBACK")
            #expect(connection.transactionStatus == .idle)

            let encoding = try connection.execute("SHOW client_encoding")
            #expect(encoding.string(row: 0, column: 0) == "UTF8")
        }
    }
}
