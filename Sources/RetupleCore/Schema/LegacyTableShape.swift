/// The columns of a legacy tuple table as Keto v0.6 made them
/// (PRODUCT §1.1), checked before a table's rows are read.
extension Database {
    /// Refuses a legacy tuple table that lacks one of the five v0.6
    /// columns or, on PostgreSQL, declares one with a type whose text
    /// would read differently: a text column that is not `varchar` or
    /// `text` (`char(n)` pads, a number is no string), or a `commit_time`
    /// that is not `timestamp` (a `timestamptz` prints an offset such as
    /// `+00`, which no v0.6 layout has, so every row would be reported
    /// broken). Extra columns are allowed: Keto v0.6 never read them.
    /// SQLite columns hold any value whatever their declared type, and the
    /// transformation reads each value as stored, so only names count there.
    ///
    /// - Throws: `RetupleError` naming the table, the column and its type.
    func checkLegacyShape(of table: String) throws {
        let sql = switch backend {
        case .sqlite:
            "SELECT lower(name), type FROM pragma_table_info(?)"
        case .postgres:
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?"
        }
        var types: [String: String] = [:]
        for row in try allRows(sql, [.text(table)]) {
            if let name = row.first?.text { types[name] = row.dropFirst().first?.text ?? "" }
        }
        for column in LegacyLayout.tupleColumns {
            guard let type = types[column] else {
                throw RetupleError("legacy table \(table) has no column \(column), so it is not the table Keto v0.6 made (\(LegacyLayout.tupleColumns.joined(separator: ", ")))")
            }
            guard backend == .postgres else { continue }
            let expected = column == "commit_time" ? ["timestamp without time zone"] : ["character varying", "text"]
            guard expected.contains(type) else {
                let made = column == "commit_time" ? "timestamp" : "varchar"
                let using = type == "timestamp with time zone" ? " USING commit_time AT TIME ZONE 'UTC'" : ""
                throw RetupleError("legacy table \(table): column \(column) is \(type), where Keto v0.6 made \(made); convert it first: ALTER TABLE \(quoteIdentifier(table)) ALTER COLUMN \(column) TYPE \(made)\(using)")
            }
        }
    }
}
