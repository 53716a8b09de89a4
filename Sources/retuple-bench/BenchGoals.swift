/// The benchmark's goals (benchmarks/README.md), judged on one run's summary.
struct BenchGoal {
    enum Status: String {
        case met, missed
        case notMeasured = "not measured"
    }

    let goal: String
    let figure: String
    let status: Status

    /// The largest size the goals name per backend, for the flat-memory goal.
    static let largestSize = ["postgres": 10_000_000, "sqlite": 5_000_000]
    /// The peak RSS budget of retuple (with the default page cache).
    static let memoryBudgetMiB = 320.0

    static func all(_ summary: BenchSummary) -> [BenchGoal] {
        ["postgres", "sqlite"].flatMap { goals(for: $0, summary) }
    }

    private static func goals(for backend: String, _ summary: BenchSummary) -> [BenchGoal] {
        let name = backend == "postgres" ? "PostgreSQL" : "SQLite"
        let largest = largestSize[backend]!
        var goals = [
            ratioGoal("\(name), 1M: retuple ≤ 1.0× (b) INSERT…SELECT", "a/b", summary.ratio(.retuple, .insertSelect, backend, 1_000_000)) { $0 <= 1.0 },
            ratioGoal("\(name), 1M: retuple ≤ 1.25× (c) load, then index", "a/c", summary.ratio(.retuple, .loadThenIndex, backend, 1_000_000)) { $0 <= 1.25 },
            ratioGoal("\(name), 100k: retuple ≥ 25× faster than (d) Keto-style", "d/a", summary.ratio(.ketoStyle, .retuple, backend, 100_000)) { $0 >= 25 },
        ]
        goals.append(flatMemoryGoal(name, backend, largest, summary))
        goals.append(memoryBudgetGoal(name, backend, summary))
        if backend == "postgres" {
            let tenMillion = summary.line(backend, 10_000_000, .retuple)?.medianSeconds
            let growth = tenMillion.flatMap { ten in summary.line(backend, 1_000_000, .retuple).map { ten / $0.medianSeconds } }
            goals.append(ratioGoal("\(name): linear cost, 10M/1M wall time ≤ 11", "10M/1M", growth) { $0 <= 11 })
        }
        return goals
    }

    /// retuple's median peak RSS at the largest size against 1M.
    private static func flatMemoryGoal(_ name: String, _ backend: String, _ largest: Int, _ summary: BenchSummary) -> BenchGoal {
        let goal = "\(name): peak RSS flat, \(sizeName(largest)) within 10% of 1M"
        guard let oneMillion = summary.line(backend, 1_000_000, .retuple)?.medianPeakRSSKiB,
              let atLargest = summary.line(backend, largest, .retuple)?.medianPeakRSSKiB
        else { return BenchGoal(goal: goal, figure: "–", status: .notMeasured) }
        return BenchGoal(
            goal: goal,
            figure: "\(mebibytes(atLargest)) vs \(mebibytes(oneMillion)) MiB (\(signedPercent(Double(atLargest) / Double(oneMillion) - 1)))",
            status: Double(atLargest) <= Double(oneMillion) * 1.1 ? .met : .missed
        )
    }

    /// The largest peak RSS of any retuple run against the budget.
    private static func memoryBudgetGoal(_ name: String, _ backend: String, _ summary: BenchSummary) -> BenchGoal {
        let goal = "\(name): peak RSS ≤ \(Int(memoryBudgetMiB)) MiB at every size"
        guard let peak = summary.lines.filter({ $0.backend == backend }).flatMap(\.peakRSSKiB).max() else {
            return BenchGoal(goal: goal, figure: "–", status: .notMeasured)
        }
        return BenchGoal(goal: goal, figure: "max \(mebibytes(peak)) MiB", status: Double(peak) / 1024 <= memoryBudgetMiB ? .met : .missed)
    }

    private static func ratioGoal(_ goal: String, _ label: String, _ ratio: Double?, _ isMet: (Double) -> Bool) -> BenchGoal {
        guard let ratio else { return BenchGoal(goal: goal, figure: "–", status: .notMeasured) }
        return BenchGoal(goal: goal, figure: "\(label) = \(fixed(ratio, 2))", status: isMet(ratio) ? .met : .missed)
    }
}

private func signedPercent(_ share: Double) -> String {
    (share >= 0 ? "+" : "") + fixed(share * 100, 1) + " %"
}
