/// The SQL text that differs between the backends: column types, and how
/// times are written and read back.
///
/// Feature code builds its statements from these instead of asking which
/// backend it talks to. Every value is a constant of the backend.
public protocol SQLDialect {
    /// The text a time is written as into a unified `commit_time`, a
    /// network's timestamps and retuple's own bookkeeping times: what Keto
    /// itself writes there on this backend, and reads back unchanged.
    func timestampText(_ time: Timestamp) -> String

    /// An expression reading the timestamp column `column` as text in a
    /// layout `LegacyCommitTime` parses, whatever the session's DateStyle.
    func timestampAsText(_ column: String) -> String

    /// The select-list expression that reads a legacy `commit_time` as the
    /// transformation expects it: text as stored (SQLite), or the
    /// `timestamp` printed in ISO form (PostgreSQL; the migration's
    /// transaction sets DateStyle).
    var legacyCommitTimeExpression: String { get }

    /// The type of a column holding a UUID: `UUID`, or `TEXT` with the
    /// canonical lowercase form.
    var uuidColumnType: String { get }

    /// The type of a column holding a time retuple writes.
    var timestampColumnType: String { get }

    /// The type of a column keeping a legacy value exactly as stored:
    /// empty on SQLite (no type, so a number stays a number and invalid
    /// UTF-8 stays bytes), `JSONB` on PostgreSQL (the value in the report's
    /// JSON shape, so its kind and bytes survive; an earlier retuple made
    /// `TEXT`, see `LegacyValueStorage`).
    var legacyValueColumnType: String { get }

    /// Whether a bulk insert that skips rows already present costs about
    /// what a plain one does. When it does (SQLite: one prepared
    /// `INSERT … ON CONFLICT DO NOTHING` either way), the migration always
    /// skips, which also absorbs one legacy instant stored in two shapes.
    var skipsPresentRowsCheaply: Bool { get }

    /// `CREATE TABLE networks (…)` as Keto v0.7 made it on this backend.
    var networksTableDefinition: String { get }

    /// The query reading every row of legacy table `table` (quoted), the
    /// select list `columns`, sorted by `order`: the table read front to
    /// back and sorted, never walked through one of its indexes. Following
    /// the `(object, relation)` index reads the rows where they lie, a
    /// random page per row once the table outgrows the cache, and on
    /// PostgreSQL it fills `shared_buffers` with legacy pages, pushing out
    /// the unified indexes the same transaction writes; a full scan goes
    /// through a small ring of buffers instead (benchmarks/ANALYSIS.md).
    /// The sort spills to temporary files past its memory.
    func legacyFullRead(of table: String, columns: String, orderedBy order: String) -> String

    /// Sets the connection up for writing a whole namespace in one
    /// transaction; `pageCacheMiB` is the SQLite page cache it may fill
    /// (ignored where the server manages its own memory).
    func prepareForMigration(pageCacheMiB: Int) throws
}
