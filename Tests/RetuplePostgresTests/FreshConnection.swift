import RetuplePostgres
import RetupleTestSupport

/// Connects to a fresh `ScratchDatabase` on the test server for the duration of `body`.
func withFreshConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
    try ScratchDatabase.with(.postgres) { scratch in
        let connection = try PostgresConnection(conninfo: scratch.dsn)
        defer { connection.close() }
        return try body(connection)
    }
}
