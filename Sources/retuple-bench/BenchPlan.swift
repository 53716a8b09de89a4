import RetupleCore

/// What one benchmark invocation measures.
struct BenchPlan {
    /// Sizes per backend, in the order they run.
    var sizes: [(backend: DatabaseBackend, tuples: [Int])]
    var runs: Int
    var methods: [BenchMethod]
    /// (d) runs only up to this many tuples: it is quadratic.
    var ketoMaxTuples: Int
    /// Namespaces, seed and broken share; `tuples` is set per size.
    var dataset: DatasetPlan
    /// Sizes of the skewed dataset per backend, run after the even ones.
    var skewedSizes: [(backend: DatabaseBackend, tuples: [Int])] = []
    /// The first namespace's share in the skewed datasets.
    var skewedShare = 0.8
    /// (e) and (f), the latest form, run only up to this many tuples: its
    /// goal is set at 1M, and (e) takes three to four times (a)'s time.
    var latestMaxTuples = 1_000_000

    /// The sizes the benchmark runs by default.
    static let defaultSizes: [DatabaseBackend: [Int]] = [
        .postgres: [100_000, 1_000_000, 10_000_000],
        .sqlite: [100_000, 1_000_000, 5_000_000],
    ]

    /// The methods for a size, in the order they alternate.
    func methods(for tuples: Int) -> [BenchMethod] {
        methods.filter { method in
            switch method {
            case .ketoStyle: tuples <= ketoMaxTuples
            case .retupleLatest, .retupleConversion: tuples <= latestMaxTuples
            default: true
            }
        }
    }

    /// The default sizes this plan leaves out, as `postgres 10M`.
    var sizesNotRun: [String] {
        [DatabaseBackend.postgres, .sqlite].flatMap { backend in
            let planned = sizes.first { $0.backend == backend }?.tuples ?? []
            return Self.defaultSizes[backend, default: []].filter { !planned.contains($0) }.map { "\(backend.rawValue) \(sizeName($0))" }
        }
    }
}
