/// Told everything a `LegacyMigrationRun` has to show, in the order it
/// happens; calls come on the thread running the run.
///
/// The run words the plan and the informational lines; the observer
/// decides where they go and how results look (the CLI prints `key=value`
/// lines or one JSON document), and, in `finished`, how the run ends.
public protocol LegacyMigrationObserver {
    /// What will be migrated, line by line, before the operator is asked.
    ///
    /// - Parameter beforeQuestion: a question follows, so the lines must
    ///   be seen even where informational lines are suppressed; false
    ///   with `-y`, when nobody is asked.
    func planned(_ lines: [String], beforeQuestion: Bool)

    /// One namespace is done: migrated (and dropped, if `result.dropped`),
    /// or, with `--down-only`, dropped or left alone after a "no".
    func namespaceFinished(_ result: NamespaceMigrationResult)

    /// A namespace already reported by `namespaceFinished` (committed, its
    /// figures shown before the drop question) had its legacy table
    /// dropped afterwards, in a transaction of its own.
    func namespaceDropped(_ result: NamespaceMigrationResult)

    /// One namespace was rolled back or left alone; the run goes on.
    func namespaceFailed(_ failure: NamespaceFailure)

    /// A namespace's legacy table was dropped while the run waited for its
    /// lock, most likely by another retuple run: nothing is left to do for
    /// it, and that is not a failure.
    func namespaceGone(_ gone: LegacyTableGone)

    /// A line that explains what the run did or did not do.
    func informed(_ line: String)

    /// The run is over: every namespace was reported. Called by
    /// `LegacyMigrationRun.finish()`, once the databases may be closed.
    ///
    /// - Throws: whatever ends the command with a failing exit status.
    func finished(_ summary: LegacyMigrationSummary) throws
}

/// What a whole `LegacyMigrationRun` did, for its last word.
public struct LegacyMigrationSummary: Sendable {
    /// Every namespace that finished, in the order they did.
    public let results: [NamespaceMigrationResult]
    /// Every namespace that failed, in the order they did.
    public let failures: [NamespaceFailure]
    /// The report file of broken rows; nil when none was written.
    public let reportPath: String?
    public let dryRun: Bool
    /// With `--down-only` nothing was migrated: broken rows were only
    /// counted, not found by this run.
    public let downOnly: Bool

    /// The sum of one figure over every finished namespace.
    public func total(_ figure: KeyPath<NamespaceMigrationResult, Int>) -> Int {
        results.reduce(0) { $0 + $1[keyPath: figure] }
    }
}
