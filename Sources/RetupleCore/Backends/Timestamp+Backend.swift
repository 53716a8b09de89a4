extension Timestamp {
    /// The text the given backend's unified `commit_time` and network
    /// timestamps are written as.
    public func text(for backend: DatabaseBackend) -> String {
        switch backend {
        case .sqlite: sqliteText
        case .postgres: postgresText
        }
    }
}
