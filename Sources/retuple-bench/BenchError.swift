/// A failure of the benchmark: a step that went wrong or rows that differ.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
