/// A statement that must fail, with the code the database documents for
/// the failure and the library's named constant for that code: one row of
/// the error tables of the SQLite and PostgreSQL wrapper tests.
public struct StatementErrorCase<Code: Sendable & Equatable>: CustomStringConvertible, Sendable {
    /// The case's name in the test log.
    public let description: String
    public let statement: String
    /// The code as the database's documentation gives it (SQLite's
    /// extended result code, PostgreSQL's SQLSTATE).
    public let code: Code
    /// The wrapper's named constant for it.
    public let constant: Code

    public init(_ description: String, statement: String, code: Code, constant: Code) {
        self.description = description
        self.statement = statement
        self.code = code
        self.constant = constant
    }
}
