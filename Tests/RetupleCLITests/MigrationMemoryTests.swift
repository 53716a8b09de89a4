import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

/// Memory does not grow with the table (PRODUCT §3 "Fast"): the peak
/// resident memory of the `retuple` process, measured by `wait4` for that
/// process alone, is the same for a table six times larger. Measured in a
/// child process because the test runner's own memory moves with whatever
/// other tests run beside this one.
@Suite("migration memory (built binary)")
struct MigrationMemoryTests {
    /// How much more the larger run may peak at: far less than its extra
    /// data (100k rows of ~150 bytes in several representations).
    static let growthBoundKiB = 8 * 1024

    /// Migrates a generated single-namespace table of `tuples` rows and
    /// returns the process's peak RSS in KiB.
    func peakRSS(migrating tuples: Int, on backend: DatabaseBackend) throws -> Int {
        var peak = 0
        try LegacyWorkspace.with(backend, .generated(tuples: tuples, namespaces: 1, brokenShare: 0.001)) { workspace in
            let outcome = try ChildProcess.run(
                [productsDirectory.appendingPathComponent("retuple").path]
                    + workspace.commandLine(LegacyWorkspace.migrateLegacyWords, ["-y", "-q", "--report", workspace.directory.path("report.jsonl")]),
                logDirectory: workspace.directory.path(""), logName: "migrate"
            )
            let errors = try outcome.errorOutput()
            #expect(outcome.status == 3, "\(errors)")
            #expect(try outcome.output().contains("legacy=\(tuples) "))
            peak = outcome.peakRSSKiB
        }
        return peak
    }

    @Test("peak memory of a 120k-row migration is that of a 20k-row one", arguments: legacyBackends)
    func flatMemory(backend: DatabaseBackend) throws {
        let small = try peakRSS(migrating: 20_000, on: backend)
        let large = try peakRSS(migrating: 120_000, on: backend)
        #expect(large - small < Self.growthBoundKiB, "peak RSS \(small) KiB at 20k rows, \(large) KiB at 120k rows")
    }
}
