/// What a login may do, asked of the backend for the needs the privilege
/// model lists (`PrivilegeModel`).
public protocol PrivilegeChecking {
    /// Checks `needs` against what this login may do. Needs on a table
    /// that does not exist are met: nothing will touch it.
    ///
    /// - Returns: the gaps in the order of `needs`, each with the statement
    ///   or command that closes it, and what is held, for a line saying
    ///   all is well.
    func checkPrivileges(_ needs: [PrivilegeNeed]) throws -> PrivilegeReport
}
