import Foundation
import RetuplePostgres
import RetupleSQLite

/// How a command may touch the database it opens.
public enum OpenIntent: Sendable {
    /// Read and write an existing database; a missing SQLite file is an error.
    case readWrite
    /// Read and write, creating a missing SQLite file (`migrate up`).
    case readWriteCreatingFile
    /// Never write (a source read for another target).
    case readOnly
}

/// Opens the database a DSN names.
///
/// - Throws: `RetupleError` in one line naming the file, or the host and
///   port, and what went wrong; never the password.
public func openDatabase(_ dsn: DataSourceName, intent: OpenIntent = .readWrite) throws -> any Database {
    switch dsn.target {
    case .sqliteMemory:
        return SQLiteDatabase(connection: try SQLiteConnection(path: ":memory:"))
    case .sqliteFile(let path):
        return try openSQLiteFile(path, intent: intent)
    case .postgres(let conninfo):
        do {
            return PostgresDatabase(connection: try PostgresConnection(conninfo: conninfo))
        } catch let error as PostgresError {
            // libpq quotes a URI it cannot parse whole, password included
            // ("… in URI: \"postgres://keto:secret@[::1/keto\"").
            throw RetupleError("cannot connect to PostgreSQL (\(dsn)): \(DataSourceName.redact(error.message))")
        }
    }
}

private func openSQLiteFile(_ path: String, intent: OpenIntent) throws -> SQLiteDatabase {
    var isDirectory: ObjCBool = false
    let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
    if isDirectory.boolValue {
        throw RetupleError("cannot open sqlite database \(path): it is a directory")
    }
    if !exists && intent == .readOnly {
        throw RetupleError("sqlite database \(path) does not exist")
    }
    if !exists && intent != .readWriteCreatingFile {
        throw RetupleError("sqlite database \(path) does not exist (run `retuple migrate up` to create a new one)")
    }
    let mode: SQLiteConnection.OpenMode = switch intent {
    case .readWrite: .readWrite
    case .readWriteCreatingFile: .readWriteCreate
    case .readOnly: .readOnly
    }
    do {
        let database = SQLiteDatabase(connection: try SQLiteConnection(path: path, mode: mode))
        // Opening is lazy: only the first read finds out whether the file
        // is a database at all.
        _ = try database.scalar("SELECT count(*) FROM sqlite_master")
        return database
    } catch let error as SQLiteError {
        throw RetupleError("cannot open sqlite database \(path): \(error.message)")
    } catch let error as DatabaseError {
        throw RetupleError("cannot open sqlite database \(path): \(error.message)")
    }
}
