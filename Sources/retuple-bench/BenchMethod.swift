/// The ways the benchmark moves the same legacy rows into
/// `keto_relation_tuples` (benchmarks/README.md), named by the letters the results use.
enum BenchMethod: String, CaseIterable, Codable, Sendable, Comparable {
    /// `retuple namespace migrate legacy -y`, the built binary, timed as a
    /// whole process.
    case retuple = "a"
    /// The same with `--jobs 1`: one namespace at a time, one thread.
    case retupleOneJob = "a1"
    /// One `INSERT … SELECT` per namespace into the indexed unified table,
    /// all in one transaction.
    case insertSelect = "b"
    /// The same statements between dropping and re-creating the three
    /// secondary indexes, in one transaction.
    case loadThenIndex = "c"
    /// Keto v0.7's own algorithm: OFFSET pages of 100, one INSERT per row,
    /// one transaction per namespace.
    case ketoStyle = "d"
    /// `retuple namespace migrate legacy -y` into the latest form (after
    /// `migrate up --to latest`), the built binary.
    case retupleLatest = "e"
    /// `retuple migrate up --to latest -c` converting the rows of the v0.7
    /// form that (a) leaves, the built binary.
    case retupleConversion = "f"

    /// Whether the method's rows are in the latest form.
    var writesLatestForm: Bool { self == .retupleLatest || self == .retupleConversion }

    /// A short label for tables and progress lines.
    var label: String {
        switch self {
        case .retuple: "(a) retuple, default jobs"
        case .retupleOneJob: "(a1) retuple --jobs 1"
        case .insertSelect: "(b) INSERT…SELECT"
        case .loadThenIndex: "(c) load, then index"
        case .ketoStyle: "(d) Keto-v0.7-style"
        case .retupleLatest: "(e) retuple, latest form"
        case .retupleConversion: "(f) retuple, v0.7 form to latest"
        }
    }

    static func < (lhs: BenchMethod, rhs: BenchMethod) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    /// Whether this runs `retuple namespace migrate legacy`, timed as a
    /// whole process.
    var migratesLegacy: Bool { self == .retuple || self == .retupleOneJob || self == .retupleLatest }
}
