/// How a column made with `SQLDialect.legacyValueColumnType` keeps a
/// legacy value, as `DatabaseCatalog.legacyValueStorage(ofColumn:in:)`
/// finds it in a table that exists.
public enum LegacyValueStorage: Sendable, Equatable {
    /// The value itself, in its own type: SQLite's untyped columns, where a
    /// number stays a number and invalid UTF-8 stays bytes; also a
    /// PostgreSQL `TEXT` column of a table an earlier retuple made, which
    /// holds text (bytes as `\x…`, numbers as their digits).
    case asStored
    /// The value in the report's JSON shape (null, a number, a string, or
    /// `{"hex": "…"}`): PostgreSQL's `JSONB` column, which keeps the kind of
    /// the value and every byte of it.
    case reportJSON
}
