import Logging

/// The steps of one namespace's migration transaction, logged at `trace`
/// level as each begins (`--log-level trace`): a run that seems stuck shows
/// where it stands, and the fault-injection tests learn from them in which
/// step a killed run died.
///
/// Each is logged *before* its work starts, with the metadata `step`,
/// `namespace` and, where it says something, `rows`:
///
///     2026-11-21T23:40:00+0000 trace retuple: namespace=ns0 rows=10000 step=writing [RetupleCore] migration step
///
/// so the last step line a process wrote names the step it was in.
///
/// `--down-only` logs `reading` (the rows are accounted for), `dropping`,
/// `committing` and `committed` for each table. `broken apply` logs the
/// steps of its one transaction with the namespace `*`: `reading` (the
/// lines are staged and looked up), `writing` (the tuples), `finishing`
/// (the records are resolved), `committing`, `committed`.
public enum MigrationStep: String, Sendable, CaseIterable {
    /// Streaming legacy rows into the next batch.
    case reading
    /// Transforming a batch and writing its unified rows (`rows` in it).
    case writing
    /// Writing a batch's broken rows to the report and `retuple_broken_tuples`
    /// (`rows` of them).
    case recording
    /// Marking migrated records resolved, flushing the report, checking the figures.
    case finishing
    /// Dropping the legacy table and its `keto_namespace_N_migrations`.
    case dropping
    /// Committing the namespace's transaction.
    case committing
    /// The namespace's transaction has committed.
    case committed

    /// The message every step line carries.
    public static let logMessage = "migration step"
}

extension Logger {
    /// Logs that `step` of `table`'s migration begins (trace level).
    func trace(_ step: MigrationStep, of table: LegacyTable, rows: Int? = nil) {
        var metadata: Logger.Metadata = ["step": "\(step.rawValue)", "namespace": "\(table.namespace.name)"]
        if let rows { metadata["rows"] = "\(rows)" }
        trace("\(MigrationStep.logMessage)", metadata: metadata)
    }

    /// Logs that `step` of a transaction over several namespaces begins
    /// (`broken apply`), with the namespace `*`.
    func trace(_ step: MigrationStep, rows: Int? = nil) {
        var metadata: Logger.Metadata = ["step": "\(step.rawValue)", "namespace": "*"]
        if let rows { metadata["rows"] = "\(rows)" }
        trace("\(MigrationStep.logMessage)", metadata: metadata)
    }
}
