/// The doctor's checks whose every question is one only a backend can
/// answer: who holds locks, which server settings are in force.
///
/// Both are asked without changing anything: PostgreSQL through its
/// catalog; SQLite by a write transaction opened without waiting and
/// rolled back at once.
public protocol BackendDiagnostics {
    /// `locks`: would the migration wait for another session right now?
    /// A warning when so (locks come and go, and the migration waits up
    /// to `--lock-timeout`, then fails that namespace cleanly).
    ///
    /// - Parameter legacyTables: the legacy tuple tables of the current schema.
    func diagnoseLocks(legacyTables: Set<String>) throws -> DoctorCheck

    /// `settings`: server settings in force for this login that cut
    /// retuple's work short; `skip` where there is no server.
    func diagnoseSettings() throws -> DoctorCheck
}
