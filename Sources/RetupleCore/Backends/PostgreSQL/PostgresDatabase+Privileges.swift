/// Privileges asked of the server's privilege functions for the current
/// role, membership included, as the server itself decides. "Only the
/// table owner, the schema owner, and superuser can drop a table"
/// (sql-droptable.html); `LOCK TABLE` above ROW EXCLUSIVE needs UPDATE,
/// DELETE or TRUNCATE (sql-lock.html).
extension PostgresDatabase: PrivilegeChecking {
    public func checkPrivileges(_ needs: [PrivilegeNeed]) throws -> PrivilegeReport {
        let facts = try firstRow("""
            SELECT current_user, current_database(), coalesce(current_schema(), ''),
                   coalesce(has_schema_privilege(current_schema(), 'CREATE'), false),
                   has_database_privilege(current_database(), 'TEMPORARY')
            """) ?? []
        let user = facts[0].displayText, databaseName = facts[1].displayText, schema = facts[2].displayText
        let role = quoteIdentifier(user)
        let tables = Dictionary(uniqueKeysWithValues: try tableRights().map { ($0.name, $0) })
        var gaps: [PrivilegeGap] = []
        var dropped = 0
        var undroppable: Set<String> = []
        for need in needs {
            switch need.object {
            case .currentSchema where schema.isEmpty:
                let gap = PrivilegeGap(.noCurrentSchema, fix: "ALTER ROLE \(role) SET search_path = public")
                if !gaps.contains(gap) { gaps.append(gap) }
            case .currentSchema where !facts[3].isTrue:
                gaps.append(PrivilegeGap(
                    .missing([.create], on: .currentSchema, named: schema, purpose: need.purpose),
                    fix: "GRANT CREATE ON SCHEMA \(quoteIdentifier(schema)) TO \(role)"
                ))
            case .currentDatabase where !facts[4].isTrue:
                gaps.append(PrivilegeGap(
                    .missing([.temporary], on: .currentDatabase, named: databaseName, purpose: need.purpose),
                    fix: "GRANT TEMPORARY ON DATABASE \(quoteIdentifier(databaseName)) TO \(role)"
                ))
            case .table(let name):
                guard let table = tables[name] else { continue } // not there: nothing touches it
                if need.rights.contains(.drop) {
                    dropped += 1
                    if !table.mayDrop {
                        undroppable.insert(name)
                        // Membership in a superuser role would hand out SET ROLE to
                        // a superuser: take the table over instead.
                        let fix = table.ownerIsSuperuser
                            ? "ALTER TABLE \(quoteIdentifier(name)) OWNER TO \(role)"
                            : "GRANT \(quoteIdentifier(table.owner)) TO \(role)"
                        gaps.append(PrivilegeGap(.cannotDrop(table: name, owner: table.owner), fix: fix))
                    }
                }
                gaps += table.gaps(of: need.rights, role: role)
            default:
                continue
            }
        }
        // Owning a table gives every privilege on it: a table that cannot
        // be dropped lacks ownership, and that one gap says all.
        gaps.removeAll { gap in
            switch gap.kind {
            case .missing(_, on: .table(let name), _, _), .cannotLock(let name): undroppable.contains(name)
            default: false
            }
        }
        return PrivilegeReport(
            role: user, gaps: gaps,
            held: "CREATE on schema \(schema), TEMPORARY on database \(databaseName), may drop the \(dropped) tables retuple drops, and reads and writes what it must"
        )
    }

    /// Every table of the current schema with the current role's rights on it.
    private func tableRights() throws -> [TableRights] {
        let privileges = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE"]
        let checks = privileges.map { "has_table_privilege(c.oid, '\($0)')" }.joined(separator: ", ")
        return try allRows("""
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
}

/// One table of the current schema and what the current role may do with it.
private struct TableRights {
    let name: String
    let owner: String
    let ownerIsSuperuser: Bool
    /// Owner, member of the owner, schema owner or superuser.
    let mayDrop: Bool
    let granted: Set<String>

    /// The gaps of `rights` on this table, sharing the one GRANT that closes them.
    func gaps(of rights: [PrivilegeNeed.Right], role: String) -> [PrivilegeGap] {
        let missing = rights.filter { [.select, .insert, .update].contains($0) && !granted.contains($0.rawValue) }
        let cannotLock = rights.contains(.lock) && granted.isDisjoint(with: ["UPDATE", "DELETE", "TRUNCATE"])
        let grants = missing.map(\.rawValue) + (cannotLock && !missing.contains(.update) ? ["UPDATE"] : [])
        let fix = "GRANT \(grants.joined(separator: ", ")) ON \(quoteIdentifier(name)) TO \(role)"
        var gaps: [PrivilegeGap] = []
        if !missing.isEmpty { gaps.append(PrivilegeGap(.missing(missing, on: .table(name), named: name, purpose: nil), fix: fix)) }
        if cannotLock { gaps.append(PrivilegeGap(.cannotLock(table: name), fix: fix)) }
        return gaps
    }
}
