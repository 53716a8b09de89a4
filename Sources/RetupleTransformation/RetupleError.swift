/// A failure retuple explains to the operator in one line: what went wrong
/// and where (path, table, id, name, host or port).
public struct RetupleError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
