extension LegacyMigrator {
    /// Checks, before anything changes, that the login may do all that
    /// `command` does to `tables`: the privilege model's needs
    /// (`PrivilegeModel`), asked of the source for the legacy tables and
    /// of the target for the rest. On SQLite the files written (and their
    /// directories, where the journal goes) must be writable.
    ///
    /// Without it a missing privilege would only show in the transaction
    /// that needs it: after the namespaces before it have committed, or,
    /// with `-y`, at the drop of the first clean namespace.
    ///
    /// - Throws: `RetupleError` naming the role, the database and every
    ///   privilege missing.
    public func checkPrivileges(for tables: [LegacyTable], _ command: PrivilegeModel.Command) throws {
        let brokenTableExists = try database.tableExists(BrokenTupleTable.name)
        func report(_ database: any Database, _ side: PrivilegeModel.Side?) throws -> PrivilegeReport {
            try database.checkPrivileges(PrivilegeModel.needs(of: [command], on: side, legacy: tables, brokenTableExists: brokenTableExists))
        }
        let reports = isCrossDatabase
            ? [(source, try report(source, .source)), (database, try report(database, .target))]
            : [(database, try report(database, nil))]
        var problems: [String] = []
        for (database, report) in reports where !report.gaps.isEmpty {
            guard let role = report.role else {
                // No roles: the file cannot be written, and the fix is a command.
                let found = report.gaps.compactMap { gap -> String? in
                    if case .file(let problem) = gap.kind { problem } else { nil }
                }
                throw RetupleError(
                    "cannot migrate \(database.location): \(found.joined(separator: "; ")); fix: \(report.gaps.map(\.fix).joined(separator: "; "))"
                )
            }
            problems.append("as \(role) on \(database.location): " + report.gaps.flatMap(\.refusal).joined(separator: ", "))
        }
        guard problems.isEmpty else {
            let drops = command == .migrateAndDrop ? " (-y drops the legacy table of each clean namespace; without -y none is dropped)" : ""
            throw RetupleError(
                "missing privileges, nothing changed: " + problems.joined(separator: "; ")
                    + "\(drops); `retuple doctor` prints the GRANT statements that fix this"
            )
        }
    }
}

extension PrivilegeGap {
    /// The gap as a refusal lists it: one phrase per right.
    var refusal: [String] {
        switch kind {
        case .noCurrentSchema:
            ["no schema of the search_path exists"]
        case .missing(let rights, on: .table(let table), _, _):
            rights.map { "no \($0.rawValue) on \(table)" }
        case .missing(let rights, on: .currentDatabase, _, _):
            rights.map { "no \($0.rawValue) on the database" }
        case .missing(let rights, on: .currentSchema, named: let schema, purpose: let purpose):
            rights.map { "no \($0.rawValue) on schema \(schema)" + (purpose.map { " (\($0))" } ?? "") }
        case .cannotLock(let table):
            ["cannot LOCK \(table) (needs UPDATE, DELETE or TRUNCATE)"]
        case .cannotDrop(let table, let owner):
            ["cannot drop \(table) (owned by \(owner))"]
        case .file(let problem):
            [problem]
        }
    }
}
