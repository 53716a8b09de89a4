import Foundation
import RetupleSQLite

/// `locks`: would the migration wait for another session right now?
///
/// PostgreSQL: `pg_locks` joined with `pg_stat_activity`, for the legacy
/// tuple tables of the current schema. The migration's
/// `LOCK TABLE … IN EXCLUSIVE MODE` waits for every lock but a reader's
/// ACCESS SHARE, and the drop's ACCESS EXCLUSIVE for that too; a reader
/// is listed only when its session sits idle in a transaction (it holds
/// the lock until someone ends it), since ordinary reads come and go. A
/// retuple run holding `MigrationLock.advisoryKey` is named as a
/// migration in progress.
///
/// SQLite: a write transaction opened without waiting and rolled back at
/// once (nothing is written) tells whether another connection holds the
/// write lock, as Keto v0.6 still running would.
///
/// Both are warnings: locks come and go, and the migration waits for them
/// up to `--lock-timeout`, then fails that namespace cleanly.
enum LockDiagnosis {
    static func check(_ session: DoctorSession) throws -> DoctorCheck {
        switch session.dsn.target {
        case .postgres: try postgres(session)
        case .sqliteFile(let path): sqliteFile(path)
        case .sqliteMemory: DoctorCheck(.locks, .skip, "an in-memory database: no other connection can reach it")
        }
    }

    private static func postgres(_ session: DoctorSession) throws -> DoctorCheck {
        let database = session.database
        let (classID, objectID) = MigrationLock.advisoryKey
        let migrations = try database.allRows("""
            SELECT l.pid, coalesce(a.application_name, ''), coalesce(a.usename, '')
            FROM pg_catalog.pg_locks l LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.classid = ? AND l.objid = ? AND l.objsubid = 2
              AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
            ORDER BY l.pid
            """, [.integer(Int64(UInt32(bitPattern: classID))), .integer(Int64(UInt32(bitPattern: objectID)))])
        let migrating = Set(migrations.map { $0[0].displayText })

        let legacy = Set(try session.legacyTables().map(\.table))
        let holders = try database.allRows("""
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

    private static func describe(user: DatabaseValue, application: DatabaseValue) -> String {
        let name = application.displayText
        return "user \(user.displayText), application \(name.isEmpty ? "unnamed" : name)"
    }

    private static func sqliteFile(_ path: String) -> DoctorCheck {
        // SQLite opens a file it may not write read-only, and there a
        // write transaction takes no lock: the probe would see nothing.
        guard access(path, W_OK) == 0 else {
            return DoctorCheck(.locks, .skip, "not checked: \(path) cannot be written (see privileges)")
        }
        do {
            let probe = try SQLiteConnection(path: path, mode: .readWrite)
            defer { probe.close() }
            probe.setBusyTimeout(milliseconds: 0)
            try probe.executeScript("BEGIN IMMEDIATE")
            try probe.executeScript("ROLLBACK")
            return DoctorCheck(.locks, .ok, "no other connection holds the write lock on \(path)")
        } catch let error as SQLiteError where error.primaryCode == SQLiteError.busy {
            return DoctorCheck(
                .locks, .warn, "another connection holds the write lock on \(path) (is Keto v0.6 still running?)",
                fix: "stop whatever writes to it; `fuser -v \(path)` names the processes that have it open"
            )
        } catch {
            return DoctorCheck(.locks, .fail, "could not check: \(error)")
        }
    }
}
