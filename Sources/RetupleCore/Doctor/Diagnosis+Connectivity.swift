/// `connectivity`: can retuple open the database, and what runs it.
enum ConnectivityDiagnosis {
    /// The database opened: where it is, and the server or library version.
    static func connected(_ session: DoctorSession) throws -> DoctorCheck {
        DoctorCheck(.connectivity, .ok, try session.database.serverDescription())
    }

    /// The database could not be opened: the backend's reason, which names
    /// the host and port or the file (`openDatabase` never puts the
    /// password in it).
    static func unreachable(_ dsn: DataSourceName, _ error: any Error) -> DoctorCheck {
        DoctorCheck(.connectivity, .fail, "\(error)", fix: dsn.connectionAdvice)
    }
}
