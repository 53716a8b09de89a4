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
/// A SQLite file left with a hot journal by an interrupted run (a kill, a
/// power cut) is first recovered the way SQLite recovers it on any
/// read-write open: the interrupted transaction is rolled back, and the
/// file is back at its last commit. Nothing committed is touched. This is
/// done whatever `intent` says, since a read-only connection refuses such a
/// file ("attempt to write a readonly database").
///
/// - Parameter recovered: told the path of a SQLite file whose interrupted
///   transaction was just rolled back.
/// - Throws: `RetupleError` in one line naming the file, or the host and
///   port, and what went wrong; never the password.
public func openDatabase(
    _ dsn: DataSourceName, intent: OpenIntent = .readWrite, recovered: ((String) -> Void)? = nil
) throws -> any Database {
    switch dsn.target {
    case .sqliteMemory:
        return SQLiteDatabase(connection: try SQLiteConnection(path: ":memory:"))
    case .sqliteFile(let path):
        if try recoverHotJournal(of: path) { recovered?(path) }
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

/// Rolls back the interrupted transaction a hot journal holds, by reading
/// once through a read-write connection, as SQLite does on any read-write
/// open; returns whether it did.
///
/// SQLite's rule (fileformat2.html, "hot journals"): a rollback journal is
/// hot when it exists, is not empty, has a header that was not zeroed, and
/// no other connection holds a RESERVED or greater lock on the database (a
/// writer at work has a journal that is not hot). The first three are
/// looked at here; the lock is SQLite's to judge during the read, so a
/// journal of a live writer is left alone and this returns false.
///
/// - Throws: `RetupleError` when the journal cannot be rolled back because
///   the file or its directory cannot be written.
func recoverHotJournal(of path: String) throws -> Bool {
    let journal = path + "-journal"
    guard mayBeHot(journal) else { return false }
    do {
        let connection = try SQLiteConnection(path: path, mode: .readWrite)
        defer { connection.close() }
        let database = SQLiteDatabase(connection: connection)
        _ = try database.scalar("SELECT count(*) FROM sqlite_master")
    } catch {
        let directory = (path as NSString).deletingLastPathComponent
        let what = access(path, W_OK) != 0 ? "the file" : "its directory \(directory.isEmpty ? "." : directory)"
        throw RetupleError(
            "sqlite database \(path): an interrupted run left a journal (\(journal)) that must be rolled back before the file can be read, and \(what) cannot be written; make it writable (or run as the owner of the file), then run `retuple status` to roll it back"
        )
    }
    return !mayBeHot(journal)
}

/// Whether `journal` exists, is not empty and its header was not zeroed.
private func mayBeHot(_ journal: String) -> Bool {
    guard let handle = FileHandle(forReadingAtPath: journal) else { return false }
    defer { try? handle.close() }
    guard let header = try? handle.read(upToCount: 28), !header.isEmpty else { return false }
    return header.contains { $0 != 0 }
}
