import Foundation

/// `privileges`: may this login do what the commands will do?
///
/// PostgreSQL, asked of the server's privilege functions for the current
/// role (membership included, as the server itself decides):
/// - CREATE on the current schema (`migrate up` creates the unified
///   tables, the first migration `retuple_broken_tuples`);
/// - TEMPORARY on the database (the drop guard, `verify` and re-runs stage
///   rows in temporary tables);
/// - ownership of the tables retuple drops (the legacy tuple tables, their
///   `keto_namespace_N_migrations`, and `keto_namespace`, which `migrate up`
///   drops): "Only the table owner, the schema owner, and superuser can
///   drop a table" (sql-droptable.html);
/// - SELECT on each legacy tuple table, and UPDATE, DELETE or TRUNCATE,
///   which `LOCK TABLE … IN EXCLUSIVE MODE` requires (sql-lock.html);
/// - SELECT and INSERT on `keto_relation_tuples`, SELECT, INSERT and
///   UPDATE on `retuple_broken_tuples`, SELECT on `networks` and
///   `schema_migration`, for those that exist.
///
/// SQLite: write access to the file and to its directory, where SQLite
/// creates its rollback journal (or `-wal` file) next to the database.
enum PrivilegeDiagnosis {
    static func check(_ session: DoctorSession) throws -> DoctorCheck {
        try check(session.database)
    }

    /// The check for the database `database` is connected to (a migration
    /// makes it before it starts: `LegacyMigrator.checkPrivileges(for:_:)`).
    static func check(_ database: any Database) throws -> DoctorCheck {
        switch database {
        case let sqlite as SQLiteDatabase where sqlite.connection.path == ":memory:":
            DoctorCheck(.privileges, .ok, "an in-memory database: nothing on disk to write")
        case let sqlite as SQLiteDatabase: sqliteFile(sqlite.connection.path)
        default: try postgres(database)
        }
    }

    // MARK: PostgreSQL

    /// One table of the current schema and what the current role may do with it.
    private struct TableRights {
        let name: String
        let owner: String
        let ownerIsSuperuser: Bool
        /// Owner, member of the owner, schema owner or superuser.
        let mayDrop: Bool
        let granted: Set<String>
    }

    private static func postgres(_ database: any Database) throws -> DoctorCheck {
        let facts = try database.firstRow("""
            SELECT current_user, current_database(), coalesce(current_schema(), ''),
                   coalesce(has_schema_privilege(current_schema(), 'CREATE'), false),
                   has_database_privilege(current_database(), 'TEMPORARY')
            """) ?? []
        let user = facts[0].displayText, databaseName = facts[1].displayText, schema = facts[2].displayText
        guard !schema.isEmpty else {
            return DoctorCheck(
                .privileges, .fail, "as \(user): no schema of the search_path exists, so there is no current schema to work in",
                fix: "ALTER ROLE \(quoteIdentifier(user)) SET search_path = public"
            )
        }
        var problems: [String] = []
        var fixes: [String] = []
        if !facts[3].isTrue {
            problems.append("no CREATE on schema \(schema)")
            fixes.append("GRANT CREATE ON SCHEMA \(quoteIdentifier(schema)) TO \(quoteIdentifier(user))")
        }
        if !facts[4].isTrue {
            problems.append("no TEMPORARY on database \(databaseName)")
            fixes.append("GRANT TEMPORARY ON DATABASE \(quoteIdentifier(databaseName)) TO \(quoteIdentifier(user))")
        }

        let tables = try tableRights(database)
        let needs = needs(given: Set(tables.map(\.name)))
        var dropped = 0
        var notDroppable: [TableRights] = []
        for table in tables {
            guard let need = needs[table.name] else { continue }
            if need.drop {
                dropped += 1
                if !table.mayDrop {
                    notDroppable.append(table)
                    continue // owning it gives every privilege below too
                }
            }
            let missing = need.privileges.filter { !table.granted.contains($0) }
            let cannotLock = need.lock && table.granted.isDisjoint(with: ["UPDATE", "DELETE", "TRUNCATE"])
            if !missing.isEmpty {
                problems.append("no \(missing.joined(separator: ", ")) on \(table.name)")
            }
            if cannotLock {
                problems.append("cannot LOCK \(table.name) (needs UPDATE, DELETE or TRUNCATE)")
            }
            let grants = missing + (cannotLock && !missing.contains("UPDATE") ? ["UPDATE"] : [])
            if !grants.isEmpty {
                fixes.append("GRANT \(grants.joined(separator: ", ")) ON \(quoteIdentifier(table.name)) TO \(quoteIdentifier(user))")
            }
        }
        for (owner, owned) in Dictionary(grouping: notDroppable, by: \.owner).sorted(by: { $0.key < $1.key }) {
            problems.append("cannot drop \(owned.map(\.name).joined(separator: ", ")) (owned by \(owner))")
            // Membership in a superuser role would hand out SET ROLE to a
            // superuser: take the tables over instead.
            if owned[0].ownerIsSuperuser {
                fixes += owned.map { "ALTER TABLE \(quoteIdentifier($0.name)) OWNER TO \(quoteIdentifier(user))" }
            } else {
                fixes.append("GRANT \(quoteIdentifier(owner)) TO \(quoteIdentifier(user))")
            }
        }
        guard problems.isEmpty else {
            return DoctorCheck(
                .privileges, .fail, "as \(user): " + problems.joined(separator: "; "),
                fix: "as the owner or a superuser: " + fixes.map { $0 + ";" }.joined(separator: " ")
            )
        }
        return DoctorCheck(
            .privileges, .ok,
            "as \(user): CREATE on schema \(schema), TEMPORARY on database \(databaseName), may drop the \(dropped) tables retuple drops, and reads and writes what it must"
        )
    }

    /// Every table of the current schema with the current role's rights on it.
    private static func tableRights(_ database: any Database) throws -> [TableRights] {
        let privileges = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE"]
        let checks = privileges.map { "has_table_privilege(c.oid, '\($0)')" }.joined(separator: ", ")
        return try database.allRows("""
            SELECT c.relname, r.rolname, r.rolsuper,
                   pg_has_role(c.relowner, 'USAGE') OR pg_has_role(n.nspowner, 'USAGE'), \(checks)
            FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_catalog.pg_roles r ON r.oid = c.relowner
            WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
            ORDER BY c.relname
            """).map { row in
            TableRights(
                name: row[0].displayText, owner: row[1].displayText, ownerIsSuperuser: row[2].isTrue, mayDrop: row[3].isTrue,
                granted: Set(zip(privileges, row[4...]).filter { $0.1.isTrue }.map(\.0))
            )
        }
    }

    /// What the commands do with a table.
    private struct Need {
        var drop = false
        var lock = false
        var privileges: [String] = []
    }

    /// The tables of `present` that retuple drops, locks, reads or writes.
    private static func needs(given present: Set<String>) -> [String: Need] {
        var needs: [String: Need] = [
            LegacyLayout.ketoNamespaceTable: Need(drop: true),
            "keto_relation_tuples": Need(privileges: ["SELECT", "INSERT"]),
            BrokenTupleTable.name: Need(privileges: ["SELECT", "INSERT", "UPDATE"]),
            "networks": Need(privileges: ["SELECT"]),
            UnifiedSchema.bookkeepingTable: Need(privileges: ["SELECT"]),
        ]
        for name in present {
            guard let id = LegacyLayout.namespaceID(ofTupleTable: name) else { continue }
            needs[name] = Need(drop: true, lock: true, privileges: ["SELECT"])
            needs[LegacyLayout.migrationTable(paddedID: id)] = Need(drop: true)
        }
        return needs
    }

    // MARK: SQLite

    private static func sqliteFile(_ path: String) -> DoctorCheck {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var problems: [String] = []
        var fixes: [String] = []
        for (item, mode, isDirectory) in [(path, R_OK | W_OK, false), (directory, W_OK | X_OK, true)] {
            guard access(item, mode) != 0 else { continue }
            let reason = errno
            let what = isDirectory ? "its directory \(item) is not writable (SQLite writes its journal there)" : "\(item) is not writable"
            problems.append("\(what): \(String(cString: strerror(reason)))")
            fixes.append(fileFix(item, isDirectory: isDirectory, errno: reason))
        }
        guard problems.isEmpty else {
            return DoctorCheck(.privileges, .fail, problems.joined(separator: "; "), fix: fixes.joined(separator: "; "))
        }
        return DoctorCheck(.privileges, .ok, "\(path) and its directory \(directory) are writable")
    }

    /// The command that lets this user write `path`, by why it cannot.
    private static func fileFix(_ path: String, isDirectory: Bool, errno reason: Int32) -> String {
        switch reason {
        case EROFS:
            return "the file system is mounted read-only: remount it read-write, or copy the database to a writable one"
        case EPERM:
            return "chattr -i \(path)" // immutable: even root may not write
        default:
            let owner = (try? FileManager.default.attributesOfItem(atPath: path)[.ownerAccountID] as? Int).flatMap { $0 }
            if owner == Int(geteuid()) {
                return "chmod \(isDirectory ? "u+wx" : "u+rw") \(path)"
            }
            return "chown \(currentUserName()) \(path)"
        }
    }

    private static func currentUserName() -> String {
        getpwuid(geteuid()).map { String(cString: $0.pointee.pw_name) } ?? String(geteuid())
    }
}
