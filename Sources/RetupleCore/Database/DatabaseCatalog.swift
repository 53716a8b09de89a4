/// Questions about what a database holds, answered from its catalog, in
/// the current schema only (the main database on SQLite).
public protocol DatabaseCatalog {
    /// The names of all tables, sorted.
    func tableNames() throws -> [String]

    /// Refuses a legacy tuple table that lacks one of the five v0.6
    /// columns or declares one whose text would read differently from what
    /// Keto v0.6 stored. Extra columns are allowed: Keto v0.6 never read them.
    ///
    /// - Throws: `RetupleError` naming the table, the column, its type and
    ///   the statement that fixes it.
    func checkLegacyShape(of table: String) throws

    /// `schema.table` of each legacy tuple table outside the current schema;
    /// those are never migrated, only mentioned (none on SQLite).
    func legacyTablesInOtherSchemas() throws -> [String]

    /// How `column` of `table`, an existing table whose column was made
    /// with `legacyValueColumnType` (by this or an earlier retuple), keeps
    /// a legacy value.
    func legacyValueStorage(ofColumn column: String, in table: String) throws -> LegacyValueStorage

    /// Which database this connection reaches, however its DSN spelled it;
    /// nil when no other connection can reach it (in-memory SQLite).
    func identity() throws -> DatabaseIdentity?

    /// Who is connected to what, for the doctor: the location, the role
    /// and the server's or library's version.
    func serverDescription() throws -> String
}

extension Database {
    /// Whether a table of this exact name exists.
    public func tableExists(_ name: String) throws -> Bool {
        try tableNames().contains(name)
    }

    /// The number of rows in a table named from code.
    public func rowCount(of table: String) throws -> Int {
        Int(try scalar("SELECT count(*) FROM \(quoteIdentifier(table))")?.integer ?? 0)
    }
}
