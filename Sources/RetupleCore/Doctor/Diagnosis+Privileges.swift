/// `privileges`: may this login do what every command will do? The needs
/// are the privilege model's (`PrivilegeModel`), for every command; the
/// backend says what is missing and what fixes it: PostgreSQL's privilege
/// functions, or on SQLite write access to the file and to its directory,
/// where SQLite creates its rollback journal.
enum PrivilegeDiagnosis {
    static func check(_ session: DoctorSession) throws -> DoctorCheck {
        let database = session.database
        let legacy = try session.legacyTables().map { LegacyTable(namespace: Namespace(id: Int32(clamping: $0.id), name: "")) }
        let needs = PrivilegeModel.needs(
            of: Set(PrivilegeModel.Command.allCases), on: nil, legacy: legacy,
            brokenTableExists: try database.tableExists(BrokenTupleTable.name)
        )
        let report = try database.checkPrivileges(needs)
        let who = report.role.map { "as \($0): " } ?? ""
        guard !report.gaps.isEmpty else {
            return DoctorCheck(.privileges, .ok, who + report.held)
        }
        if let noSchema = report.gaps.first(where: { $0.kind == .noCurrentSchema }) {
            return DoctorCheck(
                .privileges, .fail, who + "no schema of the search_path exists, so there is no current schema to work in", fix: noSchema.fix
            )
        }
        // The schema and the database first, then each table by name, then
        // the tables that cannot be dropped, by owner.
        var problems: [String] = []
        var fixes: [String] = []
        func fix(_ gap: PrivilegeGap) {
            if !fixes.contains(gap.fix) { fixes.append(gap.fix) }
        }
        for object in [PrivilegeNeed.Object.currentSchema, .currentDatabase] {
            for gap in report.gaps {
                guard case .missing(let rights, on: object, named: let name, _) = gap.kind else { continue }
                let text = "no \(rights.map(\.rawValue).joined(separator: ", ")) on \(gap.kind.objectWord) \(name)"
                if !problems.contains(text) { problems.append(text) }
                fix(gap)
            }
        }
        for gap in report.gaps {
            guard case .file(let problem) = gap.kind else { continue }
            problems.append(problem)
            fix(gap)
        }
        let tableGaps = report.gaps.filter { $0.kind.table != nil }.sorted { $0.kind.table! < $1.kind.table! }
        for gap in tableGaps {
            switch gap.kind {
            case .missing(let rights, on: .table(let table), _, _):
                problems.append("no \(rights.map(\.rawValue).joined(separator: ", ")) on \(table)")
                fix(gap)
            case .cannotLock(let table):
                problems.append("cannot LOCK \(table) (needs UPDATE, DELETE or TRUNCATE)")
                fix(gap)
            default:
                continue
            }
        }
        let undroppable = report.gaps.compactMap { gap -> (table: String, owner: String, fix: String)? in
            guard case .cannotDrop(let table, let owner) = gap.kind else { return nil }
            return (table, owner, gap.fix)
        }
        for (owner, owned) in Dictionary(grouping: undroppable, by: \.owner).sorted(by: { $0.key < $1.key }) {
            let sorted = owned.sorted { $0.table < $1.table }
            problems.append("cannot drop \(sorted.map(\.table).joined(separator: ", ")) (owned by \(owner))")
            for item in sorted where !fixes.contains(item.fix) { fixes.append(item.fix) }
        }
        let fixText = report.role == nil
            ? fixes.joined(separator: "; ")
            : "as the owner or a superuser: " + fixes.map { $0 + ";" }.joined(separator: " ")
        return DoctorCheck(.privileges, .fail, who + problems.joined(separator: "; "), fix: fixText)
    }
}

extension PrivilegeGap.Kind {
    /// The table the gap is about, if it is about one.
    var table: String? {
        switch self {
        case .missing(_, on: .table(let name), _, _), .cannotLock(let name), .cannotDrop(let name, _): name
        default: nil
        }
    }

    /// `schema` or `database`, for the object of a `missing` gap.
    var objectWord: String {
        switch self {
        case .missing(_, on: .currentSchema, _, _): "schema"
        case .missing(_, on: .currentDatabase, _, _): "database"
        default: "table"
        }
    }
}
