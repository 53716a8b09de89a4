extension LegacyMigrator {
    /// Refuses, before anything changes, a run that this login could not
    /// finish on the database receiving the rows: the check of `retuple
    /// doctor`'s `privileges` (PostgreSQL: CREATE on the schema, TEMPORARY,
    /// ownership of the legacy tables it drops, the rights to read, lock
    /// and write the tables it uses; SQLite: the file and its directory,
    /// where the journal goes, writable).
    ///
    /// Without it, the failure would come in the middle of the run: a
    /// role that may migrate but not drop would commit the namespaces
    /// with broken rows and fail at the first clean one's drop; a
    /// read-only SQLite file would fail at the first write with SQLite's
    /// own "attempt to write a readonly database".
    ///
    /// - Throws: `RetupleError`: "cannot migrate LOCATION: what is
    ///   missing; fix: the SQL or command that grants it".
    public func requirePrivileges() throws {
        let check = try PrivilegeDiagnosis.check(database)
        guard check.status == .fail else { return }
        throw RetupleError("cannot migrate \(database.location): \(check.found)" + (check.fix.map { "; fix: \($0)" } ?? ""))
    }
}
