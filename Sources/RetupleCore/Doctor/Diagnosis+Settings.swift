/// `settings`: server settings in force for this login that cut retuple's
/// work short (PostgreSQL).
///
/// Read from `pg_settings` as the session started, with where each value
/// comes from, so the fix undoes it where it was set. Each non-zero one is
/// a warning, not a failure, because the migration copes: every namespace
/// transaction sets `statement_timeout` and
/// `idle_in_transaction_session_timeout` to 0 and `lock_timeout` to
/// `--lock-timeout` (`MigrationLock`), and `verify` and the drop run the
/// same way. `migrate up`, `migrate down` and `status` run under them.
///
/// A connection pooler is not looked for: pgbouncer passes `SHOW` and
/// catalog queries to the server, so its pool mode cannot be seen from a
/// client connection, and retuple's locks and settings are all
/// transaction-scoped, so they work through any pool mode.
enum SettingDiagnosis {
    static let timeouts = ["idle_in_transaction_session_timeout", "lock_timeout", "statement_timeout"]

    static func check(_ session: DoctorSession) throws -> DoctorCheck {
        let database = session.database
        guard database.backend == .postgres else {
            return DoctorCheck(.settings, .skip, "SQLite has no server settings")
        }
        let identity = try database.firstRow("SELECT current_user, current_database()") ?? []
        let user = quoteIdentifier(identity[0].displayText), databaseName = quoteIdentifier(identity[1].displayText)
        let placeholders = timeouts.map { _ in "?" }.joined(separator: ", ")
        let rows = try database.allRows("""
            SELECT name, current_setting(name), source FROM pg_catalog.pg_settings
            WHERE name IN (\(placeholders)) AND setting <> '0' ORDER BY name
            """, timeouts.map(DatabaseValue.text))
        guard !rows.isEmpty else {
            return DoctorCheck(.settings, .ok, timeouts.joined(separator: ", ") + " are 0 (no limit)")
        }
        var found: [String] = []
        var fixes: [String] = []
        for row in rows {
            let name = row[0].displayText, source = row[2].displayText
            found.append("\(name)=\(row[1].displayText) (source: \(source)): \(consequence[name, default: ""])")
            let fix = switch source {
            case "user": "ALTER ROLE \(user) RESET \(name)"
            case "database user": "ALTER ROLE \(user) IN DATABASE \(databaseName) RESET \(name)"
            case "client", "environment variable": "remove \(name) from PGOPTIONS or the DSN's options"
            default: "ALTER ROLE \(user) IN DATABASE \(databaseName) SET \(name) = 0"
            }
            fixes.append(fix)
        }
        return DoctorCheck(
            .settings, .warn, found.joined(separator: "; "),
            fix: fixes.map { $0 + ";" }.joined(separator: " ") + " then reconnect"
        )
    }

    /// What each timeout does to retuple.
    private static let consequence = [
        "statement_timeout": "namespace migrate legacy and verify lift it in their transactions, but migrate up/down and status can be cut off",
        "lock_timeout": "namespace migrate legacy uses --lock-timeout instead, but migrate up/down give up waiting after it",
        "idle_in_transaction_session_timeout": "namespace migrate legacy and verify lift it in their transactions; other tools in the same role are cut off when they pause inside one",
    ]
}
