import Foundation
import RetupleCore

/// An empty database of one test's own, on either backend, with a working
/// directory beside it: the one way the tests make a scratch database.
///
/// SQLite: a file (not created until something opens it) in the working
/// directory. PostgreSQL: a new database on the test server
/// (`TestPostgres`). Either may start as a copy of another database of
/// the same backend. `with` removes the database and the directory when
/// its body returns or throws.
public struct ScratchDatabase {
    public let backend: DatabaseBackend
    /// The DSN `retuple` takes: `sqlite://PATH`, or the superuser URL of
    /// the new PostgreSQL database.
    public let dsn: String
    /// A directory of the test's own (on SQLite the file lives there,
    /// unless `with` was given another directory).
    public let directory: TemporaryDirectory

    /// SQLite: the file's path; nil on PostgreSQL.
    public var sqlitePath: String? {
        backend == .sqlite ? String(dsn.dropFirst(Self.sqliteScheme.count)) : nil
    }

    /// PostgreSQL: the database's name; nil on SQLite.
    public var postgresDatabaseName: String? {
        backend == .postgres ? Self.postgresDatabaseName(in: dsn) : nil
    }

    /// Makes a scratch database of `backend`, runs `body` with it, and
    /// removes it and its directory afterwards.
    ///
    /// - Parameters:
    ///   - file: the SQLite file's name.
    ///   - directory: where the SQLite file goes and what `directory` is;
    ///     a new temporary directory when nil.
    ///   - source: the DSN of a database of the same backend to start
    ///     from: its SQLite file copied, or on PostgreSQL the database
    ///     made with `TEMPLATE` (no session may be connected to it).
    /// - Throws: `TestSupportError` when PostgreSQL is asked for and the
    ///   test server is not running: a failure, never a skip.
    public static func with<T>(
        _ backend: DatabaseBackend, file: String = "keto.db", in directory: TemporaryDirectory? = nil,
        copying source: String? = nil, _ body: (ScratchDatabase) throws -> T
    ) throws -> T {
        let directory = try directory ?? TemporaryDirectory()
        switch backend {
        case .sqlite:
            let path = directory.path(file)
            if let source {
                try FileManager.default.copyItem(atPath: String(source.dropFirst(sqliteScheme.count)), toPath: path)
            }
            return try body(ScratchDatabase(backend: .sqlite, dsn: sqliteScheme + path, directory: directory))
        case .postgres:
            return try TestPostgres.withFreshDatabase(template: source.map(postgresDatabaseName(in:))) { dsn in
                try body(ScratchDatabase(backend: .postgres, dsn: dsn, directory: directory))
            }
        }
    }

    /// `with`, and the database opened (creating the SQLite file) for
    /// `body`, closed afterwards.
    public static func withOpenDatabase<T>(
        _ backend: DatabaseBackend, file: String = "keto.db", _ body: (any Database, ScratchDatabase) throws -> T
    ) throws -> T {
        try with(backend, file: file) { scratch in
            try scratch.withOpenDatabase { try body($0, scratch) }
        }
    }

    /// Opens a connection of its own to the database (creating a missing
    /// SQLite file unless `intent` says otherwise).
    public func open(_ intent: OpenIntent = .readWriteCreatingFile) throws -> any Database {
        try openDatabase(try DataSourceName(parsing: dsn), intent: intent)
    }

    /// Opens a connection for `body` and closes it afterwards.
    public func withOpenDatabase<T>(_ intent: OpenIntent = .readWriteCreatingFile, _ body: (any Database) throws -> T) throws -> T {
        let database = try open(intent)
        defer { database.close() }
        return try body(database)
    }

    private static let sqliteScheme = "sqlite://"

    private static func postgresDatabaseName(in dsn: String) -> String {
        String((URLComponents(string: dsn)?.path ?? "").dropFirst())
    }
}
