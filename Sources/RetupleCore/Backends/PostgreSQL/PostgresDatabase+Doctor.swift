/// The doctor's PostgreSQL questions.
///
/// Locks: `pg_locks` joined with `pg_stat_activity`, for the legacy tuple
/// tables of the current schema. The migration's `LOCK TABLE … IN
/// EXCLUSIVE MODE` waits for every lock but a reader's ACCESS SHARE, and
/// the drop's ACCESS EXCLUSIVE for that too; a reader is listed only when
/// its session sits idle in a transaction (it holds the lock until someone
/// ends it), since ordinary reads come and go. A retuple run holding the
/// run lock is named as a migration in progress.
///
/// Settings: read from `pg_settings` as the session started, with where
/// each value comes from, so the fix undoes it where it was set. Each
/// non-zero timeout is a warning, not a failure, because the migration
/// copes: every namespace transaction sets `statement_timeout` and
/// `idle_in_transaction_session_timeout` to 0 and `lock_timeout` to
/// `--lock-timeout`, and `verify` and the drop run the same way.
/// `migrate up`, `migrate down` and `status` run under them. A connection
/// pooler is not looked for: pgbouncer passes `SHOW` and catalog queries
/// to the server, so its pool mode cannot be seen from a client, and
/// retuple's locks and settings are all transaction-scoped.
extension PostgresDatabase: BackendDiagnostics {
    public func diagnoseLocks(legacyTables legacy: Set<String>) throws -> DoctorCheck {
        let (condition, bindings) = Self.runLockCondition
        let migrations = try allRows("""
            SELECT l.pid, coalesce(a.application_name, ''), coalesce(a.usename, '')
            FROM pg_catalog.pg_locks l LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
            WHERE \(condition)
            ORDER BY l.pid
            """, bindings)
        let migrating = Set(migrations.map { $0[0].displayText })
        let holders = try allRows("""
            SELECT c.relname, l.pid, coalesce(a.application_name, ''), coalesce(a.usename, ''), coalesce(a.state, ''), l.mode
            FROM pg_catalog.pg_locks l
            JOIN pg_catalog.pg_class c ON c.oid = l.relation
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
            WHERE l.granted AND l.pid <> pg_backend_pid() AND n.nspname = current_schema()
              AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
            ORDER BY c.relname, l.pid, l.mode
            """).filter { row in
            let state = row[4].displayText, mode = row[5].displayText
            return legacy.contains(row[0].displayText) && !migrating.contains(row[1].displayText)
                && (mode != "AccessShareLock" || state.hasPrefix("idle in transaction"))
        }

        var found: [String] = []
        var fixes: [String] = []
        for row in migrations {
            found.append("a retuple migration is running (pid \(row[0].displayText), \(describe(user: row[2], application: row[1])))")
            fixes.append("wait for pid \(row[0].displayText) to finish; `retuple status` shows what is left")
        }
        for row in holders {
            let pid = row[1].displayText
            let state = row[4].displayText.isEmpty ? "" : ", \(row[4].displayText)"
            found.append("pid \(pid) (\(describe(user: row[3], application: row[2]))\(state)) holds \(row[5].displayText) on \(row[0].displayText)")
            let fix = "let pid \(pid) finish, or end it: SELECT pg_terminate_backend(\(pid))"
            if !fixes.contains(fix) { fixes.append(fix) }
        }
        guard found.isEmpty else {
            return DoctorCheck(.locks, .warn, found.joined(separator: "; "), fix: fixes.joined(separator: "; "))
        }
        return DoctorCheck(.locks, .ok, "no other session holds a lock on the \(legacy.count) legacy tables, and no retuple migration is running")
    }

    private func describe(user: DatabaseValue, application: DatabaseValue) -> String {
        let name = application.displayText
        return "user \(user.displayText), application \(name.isEmpty ? "unnamed" : name)"
    }

    public func diagnoseSettings() throws -> DoctorCheck {
        let timeouts = ["idle_in_transaction_session_timeout", "lock_timeout", "statement_timeout"]
        let identity = try firstRow("SELECT current_user, current_database()") ?? []
        let user = quoteIdentifier(identity[0].displayText), databaseName = quoteIdentifier(identity[1].displayText)
        let placeholders = timeouts.map { _ in "?" }.joined(separator: ", ")
        let rows = try allRows("""
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
            found.append("\(name)=\(row[1].displayText) (source: \(source)): \(Self.timeoutConsequence[name, default: ""])")
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
    private static let timeoutConsequence = [
        "statement_timeout": "namespace migrate legacy and verify lift it in their transactions, but migrate up/down and status can be cut off",
        "lock_timeout": "namespace migrate legacy uses --lock-timeout instead, but migrate up/down give up waiting after it",
        "idle_in_transaction_session_timeout": "namespace migrate legacy and verify lift it in their transactions; other tools in the same role are cut off when they pause inside one",
    ]
}
