/// The medians per backend, size and method, and the ratios the goals are judged on.
struct BenchSummary {
    /// One backend, size and method over all its runs.
    struct Line {
        let backend: String
        let tuples: Int
        let method: BenchMethod
        let seconds: [Double]
        let peakRSSKiB: [Int]

        var medianSeconds: Double { median(seconds) ?? 0 }
        var rowsPerSecond: Double { Double(tuples) / medianSeconds }
        var medianPeakRSSKiB: Int? { median(peakRSSKiB.map(Double.init)).map { Int($0.rounded()) } }
    }

    let lines: [Line]

    /// Groups `measurements` in the order they were taken: backend, size,
    /// then method (the alternation repeats the same order every run).
    init(_ measurements: [Measurement]) {
        var order: [String] = []
        var groups: [String: [Measurement]] = [:]
        for measurement in measurements {
            let key = "\(measurement.backend)/\(measurement.tuples)/\(measurement.method.rawValue)"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(measurement)
        }
        lines = order.compactMap { groups[$0] }.map { runs in
            Line(
                backend: runs[0].backend, tuples: runs[0].tuples, method: runs[0].method,
                seconds: runs.map(\.seconds), peakRSSKiB: runs.compactMap(\.peakRSSKiB)
            )
        }
    }

    /// The (backend, size) pairs measured, in table order.
    var datasets: [(backend: String, tuples: Int)] {
        lines.reduce(into: []) { pairs, line in
            if pairs.last.map({ $0.backend != line.backend || $0.tuples != line.tuples }) ?? true {
                pairs.append((line.backend, line.tuples))
            }
        }
    }

    func line(_ backend: String, _ tuples: Int, _ method: BenchMethod) -> Line? {
        lines.first { $0.backend == backend && $0.tuples == tuples && $0.method == method }
    }

    /// Median of `numerator` over median of `denominator`, same dataset.
    func ratio(_ numerator: BenchMethod, _ denominator: BenchMethod, _ backend: String, _ tuples: Int) -> Double? {
        guard let top = line(backend, tuples, numerator), let bottom = line(backend, tuples, denominator) else { return nil }
        return top.medianSeconds / bottom.medianSeconds
    }
}
