import RetuplePostgres
import RetupleTestSupport

/// Connects to a fresh database of the test server for the duration of `body`.
func withFreshConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
    try TestPostgres.withFreshDatabase { dsn in
        let connection = try PostgresConnection(conninfo: dsn)
        defer { connection.close() }
        return try body(connection)
    }
}
