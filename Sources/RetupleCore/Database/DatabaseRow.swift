/// One row of a streamed query, valid only inside the closure it is given to.
public protocol DatabaseRow {
    /// The number of columns.
    var count: Int { get }
    /// The value of the column at `index`, starting at 0.
    subscript(_ index: Int) -> DatabaseValue { get }
}

extension LegacyTuple {
    /// Reads the five columns of a row selected as `LegacyLayout.tupleColumns`.
    public init(row: any DatabaseRow) {
        self.init(shardID: row[0], object: row[1], relation: row[2], subject: row[3], commitTime: row[4])
    }
}
