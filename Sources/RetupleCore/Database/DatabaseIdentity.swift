import Foundation

/// Which database a connection reaches, however its DSN spelled it: how a
/// cross-database run (`--target-dsn`) refuses a source and a target that
/// are one database.
///
/// - SQLite file: the device and inode of the main database file (its
///   absolute path from `sqlite3_db_filename`), so `./keto.db`, the
///   absolute path, a symbolic or a hard link all name one database. Every
///   in-memory database is a database of its own (no identity).
/// - PostgreSQL: the server, told apart by its start time and port
///   (`pg_postmaster_start_time()`, `current_setting('port')`; any role may
///   read both, unlike `pg_control_system()` on some managed services),
///   and the database's oid. Host names are not compared: `localhost`,
///   `127.0.0.1`, a socket directory or a pgbouncer in front all reach the
///   same server. Two schemas of one database are one database.
struct DatabaseIdentity: Equatable {
    let value: String

    /// The identity of the database `database` is connected to; nil when
    /// it has none another connection could share (in-memory SQLite).
    init?(of database: any Database) throws {
        switch database.backend {
        case .sqlite:
            guard let sqlite = database as? SQLiteDatabase, let path = sqlite.connection.filename else { return nil }
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            guard let device = attributes[.systemNumber], let inode = attributes[.systemFileNumber] else { return nil }
            value = "sqlite \(device):\(inode)"
        case .postgres:
            let row = try database.firstRow("""
                SELECT pg_postmaster_start_time()::text, current_setting('port'), d.oid::text
                FROM pg_catalog.pg_database d WHERE d.datname = current_database()
                """) ?? []
            value = "postgres " + row.map { $0.text ?? "" }.joined(separator: " ")
        }
    }
}

/// Refuses a cross-database run whose source and target are one database:
/// reading the legacy rows in a snapshot while writing the unified ones in
/// another transaction of the same database is what the in-place migration
/// does, safely, in one.
///
/// - Throws: `RetupleError` naming the database.
public func ensureDistinct(source: any Database, target: any Database) throws {
    guard let identity = try DatabaseIdentity(of: source), try DatabaseIdentity(of: target) == identity else { return }
    throw RetupleError(
        "the source (--dsn) and the target (--target-dsn) are the same database, \(target.location); to migrate in place, leave out --target-dsn"
    )
}
