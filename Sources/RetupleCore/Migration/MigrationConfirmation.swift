/// Asks the operator a yes/no question on behalf of a run.
///
/// A `LegacyMigrationRun` asks through it before it migrates and before
/// each drop, unless told to answer yes itself (`-y`). An implementation
/// must answer no when there is nobody to answer (end of input), so an
/// unattended run never proceeds by accident; the CLI's `Console` does.
public protocol MigrationConfirmation {
    /// Whether the operator said yes to `question` (worded without the
    /// `[y/N]` suffix, which the implementation adds if it wants one).
    func confirm(_ question: String) -> Bool
}
