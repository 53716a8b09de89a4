/// One timed run of one method on a fresh copy of one dataset.
struct Measurement: Codable, Sendable {
    let backend: String
    /// Legacy rows in the dataset.
    let tuples: Int
    let method: BenchMethod
    /// 1-based, in the order the runs alternated.
    let run: Int
    /// Wall-clock seconds: the whole `retuple` process for (a), the
    /// transactions for (b), (c) and (d).
    let seconds: Double
    /// Peak resident set size of the `retuple` process, (a) only.
    let peakRSSKiB: Int?
    /// Unified rows the method produced.
    let rows: Int
    /// `UnifiedRowsDigest` of those rows; equal for every run of a dataset.
    let digest: String

    /// Legacy rows handled per second.
    var rowsPerSecond: Double { Double(tuples) / seconds }
}
