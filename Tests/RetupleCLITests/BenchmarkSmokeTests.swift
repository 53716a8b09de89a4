import Foundation
import RetupleTestSupport
import Testing

/// The benchmark's smoke run, as CI runs it: a tiny size, even and
/// skewed, the default methods, one run each. Correctness only, never
/// timing.
@Suite("retuple-bench smoke run (built binary)")
struct BenchmarkSmokeTests {
    /// Enough rows for a few broken ones per reason at a 5 % share.
    static let tuples = 600

    @Test("SQLite: every method produces the same unified rows")
    func sqlite() throws {
        try expectSameRowsFromEveryMethod(backend: "sqlite", [
            "--sqlite-sizes", String(Self.tuples), "--skewed-sqlite-sizes", String(Self.tuples),
            "--postgres-sizes", "none", "--skewed-postgres-sizes", "none",
        ])
    }

    @Test("PostgreSQL: every method produces the same unified rows", .enabled(if: TestBackends.postgresEnabled))
    func postgres() throws {
        let dsn = try TestPostgres.requiredAdminDSN()
        try expectSameRowsFromEveryMethod(
            backend: "postgres",
            [
                "--postgres-sizes", String(Self.tuples), "--skewed-postgres-sizes", String(Self.tuples),
                "--sqlite-sizes", "none", "--skewed-sqlite-sizes", "none", "--postgres-dsn", dsn,
            ]
        )
    }

    /// Runs the bench and reads back every measurement it wrote: on each
    /// dataset (even, and 80 % in one namespace) the default methods ran,
    /// and the v0.7 ones produced the same digest and row count, fewer
    /// than the legacy rows by the broken ones; (e), into the latest form,
    /// at least as many rows.
    private func expectSameRowsFromEveryMethod(backend: String, _ arguments: [String]) throws {
        let directory = try TemporaryDirectory()
        let json = directory.path("measurements.json")
        let results = directory.path("RESULTS.md")
        let outcome = try run(
            arguments + ["--runs", "1", "--broken-share", "0.05", "--work-dir", directory.path("work"), "--json", json, "--results", results],
            executable: "retuple-bench"
        )
        #expect(outcome.status == 0, "retuple-bench failed: \(outcome.stderr)")
        let data = try Data(contentsOf: URL(fileURLWithPath: json))
        let measurements = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        let datasets = Dictionary(grouping: measurements) { $0["backend"] as? String ?? "" }
        #expect(Set(datasets.keys) == [backend, "\(backend), 80 % in one namespace"])
        for (dataset, measurements) in datasets {
            #expect(measurements.compactMap { $0["method"] as? String }.sorted() == ["a", "a1", "b", "c", "d", "e"], "\(dataset)")
            #expect(measurements.allSatisfy { $0["tuples"] as? Int == Self.tuples }, "\(dataset)")
            // (e) writes the latest form, which also holds the rows too long
            // for v0.7: compared with the others by its row count only.
            let v07 = measurements.filter { $0["method"] as? String != "e" }
            let digests = Set(v07.compactMap { $0["digest"] as? String })
            #expect(digests.count == 1, "\(dataset): methods disagree: \(digests)")
            let rows = Set(v07.compactMap { $0["rows"] as? Int })
            #expect(rows.count == 1, "\(dataset)")
            #expect((rows.first ?? 0) < Self.tuples && (rows.first ?? 0) > Self.tuples * 9 / 10, "\(dataset)")
            let latestRows = measurements.first { $0["method"] as? String == "e" }?["rows"] as? Int ?? 0
            #expect(latestRows >= (rows.first ?? .max) && latestRows <= Self.tuples, "\(dataset): (e) wrote \(latestRows) rows")
        }
        let document = try String(contentsOfFile: results, encoding: .utf8)
        #expect(document.contains("## Goals"))
        #expect(outcome.stdout.contains("every run produced the same unified rows"))
    }
}
