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
        var goals: [BenchGoal] = []
        if backend == "postgres" {
            goals += [
                ratioGoal("\(name), 1M: retuple ≤ 1.0× (c) load, then index", "a/c", summary.ratio(.retuple, .loadThenIndex, backend, 1_000_000)) { $0 <= 1.0 },
                ratioGoal("\(name), 10M: retuple ≤ 1.0× (c) load, then index", "a/c", summary.ratio(.retuple, .loadThenIndex, backend, 10_000_000)) { $0 <= 1.0 },
                ratioGoal("\(name), 1M: retuple ≤ 0.6× (b) INSERT…SELECT", "a/b", summary.ratio(.retuple, .insertSelect, backend, 1_000_000)) { $0 <= 0.6 },
            ]
        } else {
            goals += [
                ratioGoal("\(name), 1M: retuple ≤ 0.8× (c) load, then index", "a/c", summary.ratio(.retuple, .loadThenIndex, backend, 1_000_000)) { $0 <= 0.8 },
                ratioGoal("\(name), 5M: retuple ≤ 0.8× (c) load, then index", "a/c", summary.ratio(.retuple, .loadThenIndex, backend, 5_000_000)) { $0 <= 0.8 },
                ratioGoal("\(name), 1M: retuple ≤ 1.0× (b) INSERT…SELECT", "a/b", summary.ratio(.retuple, .insertSelect, backend, 1_000_000)) { $0 <= 1.0 },
            ]
        }
        goals.append(ratioGoal("\(name), 1M: (e) into the latest form ≤ 1.3× (a)", "e/a", summary.ratio(.retupleLatest, .retuple, backend, 1_000_000)) { $0 <= 1.3 })
        goals.append(ratioGoal("\(name), 100k: retuple ≥ 25× faster than (d) Keto-style", "d/a", summary.ratio(.ketoStyle, .retuple, backend, 100_000)) { $0 >= 25 })
        goals.append(flatMemoryGoal(name, backend, largest, summary))
        goals.append(memoryBudgetGoal(name, backend, summary))
        if backend == "postgres" {
            func growth(_ method: BenchMethod) -> Double? {
                guard let ten = summary.line(backend, 10_000_000, method)?.medianSeconds,
                      let one = summary.line(backend, 1_000_000, method)?.medianSeconds else { return nil }
                return ten / one
            }
            var goal = ratioGoal("\(name): linear cost, 10M/1M wall time ≤ 11", "10M/1M", growth(.retuple)) { $0 <= 11 }
            if let own = growth(.loadThenIndex) {
                goal = BenchGoal(goal: goal.goal, figure: goal.figure + " ((c): \(fixed(own, 1)))", status: goal.status)
            }
            goals.append(goal)
        }
        for (skewedBackend, tuples) in summary.datasets where skewedBackend.hasPrefix(backend + ",") {
            goals.append(ratioGoal(
                "\(skewedBackend), \(sizeName(tuples)): default jobs no slower than --jobs 1", "a/a1",
                summary.ratio(.retuple, .retupleOneJob, skewedBackend, tuples)
            ) { $0 <= 1.0 })
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
        guard let peak = summary.lines.filter({ $0.backend == backend || $0.backend.hasPrefix(backend + ",") }).flatMap(\.peakRSSKiB).max() else {
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
