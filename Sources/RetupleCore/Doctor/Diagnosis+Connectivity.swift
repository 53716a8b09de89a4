import RetupleSQLite

/// `connectivity`: can retuple open the database, and what runs it.
enum ConnectivityDiagnosis {
    /// The database opened: where it is, and the server or library version.
    static func connected(_ session: DoctorSession) throws -> DoctorCheck {
        let database = session.database
        switch database.backend {
        case .postgres:
            let row = try database.firstRow("SELECT current_setting('server_version'), current_user") ?? []
            let version = row.first?.displayText ?? "?"
            let user = row.dropFirst().first?.displayText ?? "?"
            return DoctorCheck(.connectivity, .ok, "\(database.location) as \(user): PostgreSQL \(version)")
        case .sqlite:
            return DoctorCheck(.connectivity, .ok, "\(database.location): SQLite \(SQLiteConnection.libraryVersion)")
        }
    }

    /// The database could not be opened: libpq's or SQLite's reason, which
    /// names the host and port or the file (`openDatabase` never puts the
    /// password in it).
    static func unreachable(_ dsn: DataSourceName, _ error: any Error) -> DoctorCheck {
        let fix = switch dsn.target {
        case .postgres:
            "check the DSN's host, port, dbname, user and password (libpq's PG* variables, ~/.pgpass and sslmode apply as for psql)"
        case .sqliteFile(let path):
            "check the path in the DSN: \(path) must be the existing Keto v0.6 database, readable by this user"
        case .sqliteMemory:
            "use a sqlite:// or postgres:// DSN"
        }
        return DoctorCheck(.connectivity, .fail, "\(error)", fix: fix)
    }
}
