import Foundation
import RetupleCore

/// The backends the tests run on, and the one rule for PostgreSQL.
///
/// SQLite always. PostgreSQL when the test server is running, and also
/// when the run requires it (`RETUPLE_REQUIRE_POSTGRES=1`, as in
/// scripts/test and CI) but no server is there: then its cases are listed
/// and fail (`ScratchDatabase` and `TestPostgres.requiredAdminDSN()`
/// throw), instead of vanishing from the run.
///
/// Tests on both backends take `arguments: TestBackends.all`;
/// PostgreSQL-only tests and suites take `.enabled(if: TestBackends.postgresEnabled)`.
public enum TestBackends {
    /// Whether tests that need PostgreSQL run (and fail without a server).
    public static let postgresEnabled = TestPostgres.isAvailable || TestPostgres.isRequired

    /// The backends a test on both backends runs on.
    public static let all: [DatabaseBackend] = postgresEnabled ? [.sqlite, .postgres] : [.sqlite]
}

/// The repository root, for `legacy-fixtures/`, `runbooks/` and `scripts/`.
public let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
