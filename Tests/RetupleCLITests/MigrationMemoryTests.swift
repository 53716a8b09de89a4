import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

/// Memory does not grow with the table (PRODUCT §3 "Fast"): the peak
/// resident memory of the `retuple` process, as it reports it at
/// `--log-level info` (`VmHWM`, its own image's high-water mark), is the
/// same for a table six times larger. Measured in the child process
/// because the test runner's memory moves with every test running beside
/// this one, and `wait4`'s `ru_maxrss` would include the runner's peak
/// (Linux carries it over `execve`).
///
/// SQLite's page cache fills up to its bound (`--sqlite-cache-mib`, 64 MiB
/// by default) with the first few hundred thousand rows: the growth test
/// runs with SQLite's own 2 MiB so that it sees retuple's streaming alone,
/// and a second test holds the default cache to the memory budget.
@Suite("migration memory (built binary)")
struct MigrationMemoryTests {
    /// How much more the larger run may peak at: far less than its extra
    /// data (100k rows of ~150 bytes in several representations).
    static let growthBoundKiB = 8 * 1024
    /// The documented budget (README, "Memory"), page cache included.
    static let budgetKiB = 320 * 1024

    /// Migrates a generated single-namespace table of `tuples` rows and
    /// returns the process's peak RSS in KiB.
    func peakRSS(migrating tuples: Int, on backend: DatabaseBackend, _ arguments: [String] = []) throws -> Int {
        var peak = 0
        try LegacyWorkspace.with(backend, .generated(tuples: tuples, namespaces: 1, brokenShare: 0.001)) { workspace in
            let outcome = try workspace.migrateLegacy(["-y", "-q", "--log-level", "info"] + arguments)
            #expect(outcome.status == 3, "\(outcome.stderr)")
            #expect(outcome.stdout.contains("legacy=\(tuples) "))
            let reported = outcome.stderr.firstMatch(of: /peak_rss_kib=(\d+)/).flatMap { Int($0.1) }
            peak = try #require(reported, "no peak_rss_kib in: \(outcome.stderr)")
        }
        return peak
    }

    @Test("peak memory of a 120k-row migration is that of a 20k-row one", arguments: TestBackends.all)
    func flatMemory(backend: DatabaseBackend) throws {
        let smallCache = ["--sqlite-cache-mib", "2"]
        let small = try peakRSS(migrating: 20_000, on: backend, smallCache)
        let large = try peakRSS(migrating: 120_000, on: backend, smallCache)
        #expect(small > 1024, "a peak of \(small) KiB is not a real reading")
        #expect(large - small < Self.growthBoundKiB, "peak RSS \(small) KiB at 20k rows, \(large) KiB at 120k rows")
    }

    @Test("SQLite: the default page cache fills, and stays within the memory budget")
    func sqlitePageCache() throws {
        let withDefault = try peakRSS(migrating: 120_000, on: .sqlite)
        let withSmallCache = try peakRSS(migrating: 120_000, on: .sqlite, ["--sqlite-cache-mib", "2"])
        #expect(withDefault - withSmallCache > 16 * 1024, "the 64 MiB cache was not used: \(withDefault) KiB vs \(withSmallCache) KiB with 2 MiB")
        #expect(withDefault < Self.budgetKiB, "peak RSS \(withDefault) KiB is over the \(Self.budgetKiB) KiB budget")
    }
}
