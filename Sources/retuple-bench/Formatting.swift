import Foundation

/// `value` with `digits` decimals.
func fixed(_ value: Double, _ digits: Int) -> String {
    String(format: "%.\(digits)f", value)
}

/// KiB as MiB with one decimal.
func mebibytes(_ kibibytes: Int) -> String {
    fixed(Double(kibibytes) / 1024, 1)
}

/// The middle value (the mean of the two middle ones for an even count).
func median(_ values: [Double]) -> Double? {
    guard !values.isEmpty else { return nil }
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// 100000 as `100k`, 1000000 as `1M`: the sizes as the results name them.
func sizeName(_ tuples: Int) -> String {
    if tuples >= 1_000_000, tuples % 1_000_000 == 0 { return "\(tuples / 1_000_000)M" }
    if tuples >= 1_000, tuples % 1_000 == 0 { return "\(tuples / 1_000)k" }
    return String(tuples)
}

/// Reads `100k`, `1M` or `250000`; nil for anything else.
func parseSize(_ text: Substring) -> Int? {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    let multipliers: [Character: Int] = ["k": 1_000, "K": 1_000, "M": 1_000_000]
    if let last = trimmed.last, let multiplier = multipliers[last] {
        return Int(trimmed.dropLast()).map { $0 * multiplier }
    }
    return Int(trimmed)
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
