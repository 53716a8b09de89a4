extension LegacyMigrator {
    /// What a run of `namespace migrate legacy` will do to the tables.
    public enum Work: Sendable {
        /// Migrate without dropping (no `-y`, or across databases).
        case migrate
        /// Migrate and drop the legacy tables of clean namespaces (`-y` in place).
        case migrateAndDrop
        /// Drop the legacy tables whose rows are accounted for (`--down-only`).
        case drop
    }

    /// Checks, before anything changes, that the login may do all that
    /// `work` does to `tables`. On SQLite there are no privileges: the file
    /// written to and its directory (where the journal goes) must be
    /// writable, as `retuple doctor`'s `privileges` check sees them.
    ///
    /// Without it a missing privilege would only show in the transaction
    /// that needs it: after the namespaces before it have committed, or,
    /// with `-y`, at the drop of the first clean namespace. The privileges
    /// are those of docs/SECURITY.md:
    /// - source, each legacy table: SELECT, and UPDATE, DELETE or TRUNCATE
    ///   (what `LOCK TABLE … IN EXCLUSIVE MODE` and, in a read-only
    ///   transaction, `IN SHARE MODE` require on PostgreSQL 15,
    ///   sql-lock.html); to drop it and its `keto_namespace_N_migrations`,
    ///   ownership (or membership in the owner's role);
    /// - target: TEMPORARY on the database (rows are staged in temporary
    ///   tables); SELECT on `keto_relation_tuples`, INSERT too to migrate;
    ///   `retuple_broken_tuples`: CREATE on the schema while it does not
    ///   exist, else SELECT, and INSERT and UPDATE to migrate.
    ///
    /// - Throws: `RetupleError` naming the role, the database and every
    ///   privilege missing.
    public func checkPrivileges(for tables: [LegacyTable], _ work: Work) throws {
        let written: any Database = isCrossDatabase && work == .drop ? source : database
        if written.backend == .sqlite {
            let check = try PrivilegeDiagnosis.check(written)
            guard check.status != .fail else {
                throw RetupleError("cannot migrate \(written.location): \(check.found)" + (check.fix.map { "; fix: \($0)" } ?? ""))
            }
        }
        var sourceMissing: [String] = []
        if source.backend == .postgres {
            let query = PrivilegeQuery(source)
            for table in tables {
                sourceMissing += try query.tableProblems(table.name, work == .drop ? [.select] : [.select, .lock])
                if work != .migrate {
                    sourceMissing += try query.dropProblems([table.name, table.migrationTable])
                }
            }
        }
        var targetMissing: [String] = []
        if database.backend == .postgres {
            let query = PrivilegeQuery(database)
            let migrating = work != .drop
            targetMissing += try query.databaseProblems()
            targetMissing += try query.tableProblems(UnifiedTupleWriter.table, migrating ? [.select, .insert] : [.select])
            if try database.tableExists(BrokenTupleTable.name) {
                targetMissing += try query.tableProblems(BrokenTupleTable.name, migrating ? [.select, .insert, .update] : [.select])
            } else if migrating {
                targetMissing += try query.schemaProblems()
            }
        }
        var problems: [String] = []
        if isCrossDatabase {
            if !sourceMissing.isEmpty { problems.append(try PrivilegeQuery(source).describe(sourceMissing)) }
            if !targetMissing.isEmpty { problems.append(try PrivilegeQuery(database).describe(targetMissing)) }
        } else if !(sourceMissing + targetMissing).isEmpty {
            problems.append(try PrivilegeQuery(database).describe(sourceMissing + targetMissing))
        }
        guard problems.isEmpty else {
            let drops = work == .migrateAndDrop ? " (-y drops the legacy table of each clean namespace; without -y none is dropped)" : ""
            throw RetupleError(
                "missing privileges, nothing changed: " + problems.joined(separator: "; ")
                    + "\(drops); `retuple doctor` prints the GRANT statements that fix this"
            )
        }
    }
}

/// Asks PostgreSQL's privilege functions what the current role may do.
private struct PrivilegeQuery {
    let database: any Database

    init(_ database: any Database) {
        self.database = database
    }

    enum Right: String {
        case select = "SELECT"
        case insert = "INSERT"
        case update = "UPDATE"
        /// Any of these lets `LOCK TABLE` take a mode above ROW EXCLUSIVE.
        case lock = "UPDATE, DELETE, TRUNCATE"
    }

    /// The rights in `rights` the role lacks on `table` (a table that does
    /// not exist lacks nothing: the run does not touch it).
    func tableProblems(_ table: String, _ rights: [Right]) throws -> [String] {
        guard try database.tableExists(table) else { return [] }
        return try rights.compactMap { right in
            // "Multiple privilege types can be listed separated by commas,
            // in which case the result will be true if any of the listed
            // privileges is held" (functions-info.html).
            let held = try database.scalar("SELECT has_table_privilege(?, ?)", [.text(quoteIdentifier(table)), .text(right.rawValue)])
            guard held?.text != "t" else { return nil }
            return right == .lock ? "cannot LOCK \(table) (needs UPDATE, DELETE or TRUNCATE)" : "no \(right.rawValue) on \(table)"
        }
    }

    /// The tables of `tables` the role may not drop: "Only the table
    /// owner, the schema owner, and superuser can drop a table"
    /// (sql-droptable.html); membership in the owner's role counts.
    func dropProblems(_ tables: [String]) throws -> [String] {
        try tables.compactMap { table in
            let row = try database.firstRow("""
                SELECT pg_catalog.pg_has_role(c.relowner, 'USAGE') OR pg_catalog.pg_has_role(n.nspowner, 'USAGE'), r.rolname
                FROM pg_catalog.pg_class c
                JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                JOIN pg_catalog.pg_roles r ON r.oid = c.relowner
                WHERE c.oid = pg_catalog.to_regclass(?)
                """, [.text(quoteIdentifier(table))])
            guard let row, row[0].text != "t" else { return nil }
            return "cannot drop \(table) (owned by \(row[1].text ?? "another role"))"
        }
    }

    /// TEMPORARY on the current database, which the staging tables need.
    func databaseProblems() throws -> [String] {
        let held = try database.scalar("SELECT has_database_privilege(current_database(), 'TEMPORARY')")
        return held?.text == "t" ? [] : ["no TEMPORARY on the database"]
    }

    /// CREATE on the current schema, where `retuple_broken_tuples` is created.
    func schemaProblems() throws -> [String] {
        let row = try database.firstRow("SELECT coalesce(current_schema(), ''), coalesce(has_schema_privilege(current_schema(), 'CREATE'), false)")
        return row?[1].text == "t" ? [] : ["no CREATE on schema \(row?[0].text ?? "") (to create \(BrokenTupleTable.name))"]
    }

    /// `problems` prefixed with the role and the database.
    func describe(_ problems: [String]) throws -> String {
        let user = try database.scalar("SELECT current_user")?.text ?? "?"
        return "as \(user) on \(database.location): " + problems.joined(separator: ", ")
    }
}
