import RetupleSQLite

extension DatabaseError {
    /// The kind of a SQLite error, by its primary result code
    /// (sqlite.org/rescode.html). SQLite has no code for a missing table:
    /// its message says so (`no such table: …`).
    init(_ error: SQLiteError) {
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
        self.init(kind: kind, message: error.message, description: error.description, underlying: error)
    }
}

/// Runs `body`, mapping a `SQLiteError` it throws to a `DatabaseError`.
func mappingSQLiteErrors<T>(_ body: () throws -> T) throws -> T {
    try mappingErrors(SQLiteError.self, to: DatabaseError.init, body)
}
