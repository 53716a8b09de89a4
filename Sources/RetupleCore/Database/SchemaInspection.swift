/// Reads a table's shape from the catalog as comparable facts, and knows
/// the facts each form's tables have on this backend, as Keto's own
/// migrations leave them (the doctor's schema check compares the two).
///
/// A fact is one line: `column <name> <type> null|not null`,
/// `primary key [<name>] (<columns>)`, `index <name> [unique] (<columns>)
/// [where <predicate>]`, `foreign key [<name>] (<column>) references
/// <table>(<column>) on update <action> on delete <action>`, `check <name>`.
public protocol SchemaInspection {
    /// The facts of `table` in the current schema; nil when it is missing.
    func schemaFacts(of table: String) throws -> [String]?

    /// The facts of each table of `form`, as Keto leaves them on this backend.
    func expectedSchemaFacts(_ form: SchemaForm) -> [String: [String]]
}
