import RetupleSQLite

extension DatabaseError {
    /// The kind of a SQLite error, by its primary result code
    /// (sqlite.org/rescode.html). SQLite has no code for a missing table:
    /// its message says so (`no such table: …`).
    ///
    /// `SQLITE_FULL` says "database or disk is full"; the description adds
    /// what the operator reads elsewhere, `No space left on device`, and
    /// the database file (`file`) when known.
    init(_ error: SQLiteError, file: String? = nil) {
        let kind: Kind = switch error.primaryCode {
        case SQLiteError.busy, SQLiteError.locked: .busy
        case SQLiteError.readOnly: .readOnly
        case 13: .diskFull // SQLITE_FULL
        case 3, 23: .missingPrivilege // SQLITE_PERM, SQLITE_AUTH
        case 9: .cancelled // SQLITE_INTERRUPT
        case SQLiteError.constraint: .constraint
        case _ where error.message.hasPrefix("no such table"): .noSuchTable
        default: .other
        }
        var description = error.description
        if kind == .diskFull {
            let place = file.map { " (writing \($0) or its journal)" } ?? ""
            description = "\(error.message): No space left on device\(place) (SQLite result code \(error.code))"
        }
        self.init(kind: kind, message: error.message, description: description, underlying: error)
    }
}

/// Runs `body`, mapping a `SQLiteError` it throws to a `DatabaseError`.
func mappingSQLiteErrors<T>(file: String? = nil, _ body: () throws -> T) throws -> T {
    try mappingErrors(SQLiteError.self, to: { DatabaseError($0, file: file) }, body)
}
