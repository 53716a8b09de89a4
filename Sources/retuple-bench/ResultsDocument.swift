/// `benchmarks/RESULTS.md`: the machine, the data, the medians, the ratios
/// and the goals of one benchmark run, as Markdown.
struct ResultsDocument {
    let facts: MachineFacts
    let plan: BenchPlan
    let datasets: [DatasetRecord]
    let summary: BenchSummary
    let totalSeconds: Double

    /// What was generated for one backend and size.
    struct DatasetRecord {
        let backend: String
        let generated: GeneratedLegacy
    }

    /// The medians of every method, one line per backend, size and method.
    var mediansTable: String {
        var text = """
            | backend | tuples | method | median wall s | rows/s | retuple peak RSS MiB | runs (s) |
            |---|---:|---|---:|---:|---:|---|

            """
        for line in summary.lines {
            let runs = line.seconds.map { fixed($0, 2) }.joined(separator: ", ")
            text += "| \(line.backend) | \(sizeName(line.tuples)) | \(line.method.label) | \(fixed(line.medianSeconds, 2)) | \(fixed(line.rowsPerSecond, 0)) | \(line.medianPeakRSSKiB.map(mebibytes) ?? "–") | \(runs) |\n"
        }
        return text
    }

    /// a/b, a/c, a1/c, a/a1 and d/a per backend and size.
    var ratiosTable: String {
        var text = """
            | backend | tuples | a/b | a/c | a1/c | a/a1 | d/a |
            |---|---:|---:|---:|---:|---:|---:|

            """
        for (backend, tuples) in summary.datasets {
            let ratios = [(BenchMethod.retuple, BenchMethod.insertSelect), (.retuple, .loadThenIndex), (.retupleOneJob, .loadThenIndex), (.retuple, .retupleOneJob), (.ketoStyle, .retuple)]
                .map { summary.ratio($0.0, $0.1, backend, tuples).map { fixed($0, 2) } ?? "–" }
            text += "| \(backend) | \(sizeName(tuples)) | \(ratios.joined(separator: " | ")) |\n"
        }
        return text
    }

    var markdown: String {
        var text = """
            # Benchmark results

            Written by `scripts/bench` (the `retuple-bench` executable); re-run it to
            refresh this file rather than editing it. What is measured and how:
            [README.md](README.md), and the methods below. Where the time
            goes, and why a goal is missed: [ANALYSIS.md](ANALYSIS.md).

            ## Machine

            | | |
            |---|---|

            """
        for (label, value) in facts.entries {
            text += "| \(label) | \(value) |\n"
        }
        text += "| runs per method | \(plan.runs), in alternation (a, b, c, d, a, …), each on a fresh copy; medians below |\n"
        text += "| benchmark runtime | \(duration(totalSeconds)) in all, generation and checks included |\n"
        text += """

            ## Data

            Generated once per backend and size with `retuple-fixtures generate --tuples N
            --namespaces \(plan.dataset.namespaces) --seed \(plan.dataset.seed) --broken-share \(plan.dataset.brokenShare)` (release build).
            Every run works on a fresh copy (SQLite: a copy of the file; PostgreSQL:
            `CREATE DATABASE … TEMPLATE`, after `VACUUM (FREEZE, ANALYZE)` of the
            original, and a `CHECKPOINT` before each timed run) with
            `retuple migrate up -y` applied (not timed).

            | backend | tuples | broken | unified rows | generated in s |
            |---|---:|---:|---:|---:|

            """
        for record in datasets {
            let generated = record.generated
            text += "| \(record.backend) | \(sizeName(generated.tuples)) | \(generated.broken) | \(generated.expectedUnifiedRows) | \(fixed(generated.generatorSeconds, 1)) |\n"
        }
        let notRun = plan.sizesNotRun
        if !notRun.isEmpty {
            text += "\nNot run this time (of the default sizes): \(notRun.joined(separator: ", ")).\n"
        }
        text += "\n## Medians\n\n" + mediansTable
        text += "\n## Ratios (medians)\n\n" + ratiosTable
        text += """

            ## Goals

            | goal | figure | status |
            |---|---|---|

            """
        for goal in BenchGoal.all(summary) {
            text += "| \(goal.goal) | \(goal.figure) | \(goal.status.rawValue) |\n"
        }
        text += "\n" + Self.methodsSection + "\n"
        return text
    }

    static let methodsSection = """
        ## Methods

        Every run ends with a check: the unified rows (all columns but
        `shard_id`, `nid` equal to the copy's network, `commit_time` as the
        instant it denotes) must be the same multiset as those of run 1 (a),
        and as many as the legacy rows that are not broken; otherwise the
        benchmark stops with an error.

        - **(a) retuple**: `retuple namespace migrate legacy --dsn … -c keto.yml -y
          --report …`, the release binary with its default `--jobs auto`, timed
          as a whole process (start to exit), with its peak RSS as the machine
          table says.
        - **(a1) retuple --jobs 1**: the same, one namespace at a time on one
          thread and one connection.
        - **skewed datasets** (`…, 80 % in one namespace`): generated the same
          way, but 80 % of the rows in the first namespace and the rest spread
          over the others.
        - **(b) INSERT…SELECT**: in one transaction, one `INSERT INTO
          keto_relation_tuples SELECT …` per namespace into the table with its
          three secondary indexes, parsing the subject in SQL (`CASE` over the
          configured names), `nid` from `networks`, `shard_id` random
          (`gen_random_uuid()`; SQLite: `randomblob(16)` as UUID text), and a
          `WHERE` that leaves out the rows retuple reports broken, as far as SQL
          can tell them (NULLs, lengths, malformed subjects, unknown namespaces,
          impossible times; on SQLite only Go's `… +00:00` time layout and only
          invalid UTF-8 that SQLite's decoder replaces). Default settings.
        - **(c) load, then index**: the same statements between `DROP INDEX` and
          `CREATE INDEX` (the definitions read back from the catalog) of the three
          secondary indexes, in one transaction, with \(InDatabaseMigration.memoryBudgetMiB) MiB for the
          database (`maintenance_work_mem` on PostgreSQL, `cache_size` on SQLite).
          The primary key stays.
        - **(d) Keto-v0.7-style** (up to 100k tuples): per namespace one
          transaction reading `ORDER BY object, relation, subject, commit_time
          LIMIT 100 OFFSET k` pages, each followed by the `SELECT COUNT(*)`
          that Keto's pagination (pop's `Paginate`) runs to learn whether
          another page follows, and writing one `INSERT` per row, rows
          transformed by retuple's transformer, `shard_id` random.
        """
}

/// Seconds as `1 h 02 min`, `3 min 05 s` or `12.3 s`.
func duration(_ seconds: Double) -> String {
    let whole = Int(seconds.rounded())
    if whole >= 3_600 { return "\(whole / 3_600) h \(String(format: "%02d", whole % 3_600 / 60)) min" }
    if whole >= 60 { return "\(whole / 60) min \(String(format: "%02d", whole % 60)) s" }
    return fixed(seconds, 1) + " s"
}
