import RetuplePostgres

extension DatabaseError {
    /// The kind of a PostgreSQL error, by its SQLSTATE class
    /// (postgresql.org/docs/15/errcodes-appendix.html); a client-side
    /// failure without one (refused or broken connection) is a lost
    /// connection.
    init(_ error: PostgresError) {
        let kind: Kind = switch error.sqlstate {
        case nil: .connectionLost
        case PostgresError.lockNotAvailable: .lockTimeout
        case PostgresError.insufficientPrivilege: .missingPrivilege
        case PostgresError.undefinedTable: .noSuchTable
        case PostgresError.queryCanceled: .cancelled
        case "25006": .readOnly // read_only_sql_transaction
        case let code? where code.hasPrefix("53"): .diskFull // insufficient resources
        case let code? where code.hasPrefix("08") || code.hasPrefix("57P"): .connectionLost
        case let code? where code.hasPrefix("23"): .constraint
        default: .other
        }
        // A tablespace whose file system ends inside a block reports
        // "could not extend file …: wrote only 4096 of 8192 bytes": say
        // what the SQLSTATE says, and keep the server's hint.
        var description = error.description
        if error.sqlstate == PostgresError.diskFull, !error.message.contains("No space left on device") {
            description = "\(error.message): No space left on device (SQLSTATE \(PostgresError.diskFull))"
        }
        if let hint = error.hint { description += "; hint: \(hint)" }
        self.init(kind: kind, message: error.message, hint: error.hint, description: description, underlying: error)
    }
}

/// Runs `body`, mapping a `PostgresError` it throws to a `DatabaseError`.
func mappingPostgresErrors<T>(_ body: () throws -> T) throws -> T {
    try mappingErrors(PostgresError.self, to: DatabaseError.init, body)
}
