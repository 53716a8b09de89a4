import RetupleSQLite
import Foundation

extension SQLiteDatabase: DatabaseCatalog {
    public func tableNames() throws -> [String] {
        try allRows("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").compactMap { $0.first?.text }
    }

    /// Only the names count: SQLite columns hold any value whatever their
    /// declared type, and the transformation reads each value as stored.
    public func checkLegacyShape(of table: String) throws {
        var columns: [String: String] = [:]
        for row in try allRows("SELECT lower(name), type FROM pragma_table_info(?)", [.text(table)]) {
            if let name = row.first?.text { columns[name] = row.dropFirst().first?.text ?? "" }
        }
        try LegacyLayout.requireTupleColumns(in: columns, of: table)
    }

    /// None: a SQLite file has one schema.
    public func legacyTablesInOtherSchemas() throws -> [String] { [] }

    /// Always as stored: the columns have no type.
    public func legacyValueStorage(ofColumn column: String, in table: String) throws -> LegacyValueStorage { .asStored }

    /// The device and inode of the main database file (its absolute path
    /// from `sqlite3_db_filename`), so `./keto.db`, the absolute path, a
    /// symbolic or a hard link all name one database. An in-memory
    /// database has none: it is a database of its own.
    public func identity() throws -> DatabaseIdentity? {
        guard let path = connection.filename else { return nil }
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        guard let device = attributes[.systemNumber], let inode = attributes[.systemFileNumber] else { return nil }
        return DatabaseIdentity(value: "sqlite \(device):\(inode)")
    }

    public func serverDescription() throws -> String {
        "\(location): SQLite \(SQLiteConnection.libraryVersion)"
    }
}
