import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

/// What an operator meets on an upgrade night, through the built binary:
/// a run interrupted by SIGINT or SIGTERM, a SQLite file left with a hot
/// journal by a SIGKILL, output read from a pipe or a file while the run
/// goes on, lock waits, questions, help, durations, error messages.
@Suite("Operator experience", .serialized)
struct OperatorExperienceTests {
    /// Three namespaces of 30,000 clean rows each: long enough, in a debug
    /// build, for a signal to land in the middle of the second.
    static let threeNamespaces = LegacyDataset.generated(tuples: 90_000, namespaces: 3, brokenShare: 0)
    static let rowsPerNamespace = 30_000

    // MARK: Interrupts

    // One namespace at a time (--jobs 1), so that which namespace is in
    // flight when the signal comes is known; --jobs 2 below.
    @Test("SIGTERM after the first of three namespaces committed: stdout holds its line, stderr the interrupted: line, exit 143; a re-run completes with exact figures", arguments: TestBackends.all)
    func sigtermAfterFirstNamespace(backend: DatabaseBackend) throws {
        try LegacyWorkspace.with(backend, Self.threeNamespaces) { workspace in
            let process = try workspace.startMigrateLegacy(["-y", "-q", "--jobs", "1"])
            // RunningProcess writes stdout to a file: wait for the first line there.
            let sawLine = try eventually(timeout: .seconds(120)) {
                if !process.isRunning { return true }
                return try process.currentStdout().contains("namespace=ns0 ")
            }
            let soFar = try process.currentStdout()
            try #require(sawLine && process.isRunning, "the run ended before its second namespace: \(soFar)")
            process.send(SIGTERM)
            let outcome = try #require(try process.wait(timeout: .seconds(60)), "the run did not stop within 60 s of SIGTERM")

            #expect(outcome.status == 143, "\(outcome.stderr)")
            #expect(outcome.namespaceFigures.map(\.name) == ["ns0"], "\(outcome.stdout)")
            #expect(outcome.stdout.hasSuffix("\n"), "a cut line: \(outcome.stdout)")
            #expect(!outcome.stdout.contains("migration finished"))
            #expect(outcome.stderrLines == ["interrupted: ns0 committed; ns1 rolled back; re-run to continue"], "\(outcome.stderr)")
            #expect(try workspace.unifiedRows(namespaceID: 1) == 0)
            #expect(try workspace.legacyRows(namespaceID: 1) == Self.rowsPerNamespace)
            #expect(try workspace.legacyRows(namespaceID: 0) == nil)

            let rerun = try workspace.migrateLegacy(["-y"])
            #expect(rerun.status == 0, "\(rerun.stderr)")
            #expect(rerun.namespaceFigures == ["ns1", "ns2"].enumerated().map { offset, name in
                NamespaceFigures(
                    name: name, id: Int32(offset + 1), legacy: Self.rowsPerNamespace, migrated: Self.rowsPerNamespace,
                    alreadyPresent: 0, broken: 0, dropped: true
                )
            })
            for id in Int32(0)...2 { #expect(try workspace.unifiedRows(namespaceID: id) == Self.rowsPerNamespace) }
            #expect(try workspace.legacyTablesLeft().isEmpty)
        }
    }

    @Test("--jobs 2, SIGTERM once a namespace committed: every namespace in flight rolled back, those committed printed and named, exit 143; a re-run completes", arguments: TestBackends.all)
    func sigtermWithJobs(backend: DatabaseBackend) throws {
        try LegacyWorkspace.with(backend, Self.threeNamespaces) { workspace in
            let process = try workspace.startMigrateLegacy(["-y", "-q", "--jobs", "2"])
            let sawLine = try eventually(timeout: .seconds(120)) {
                if !process.isRunning { return true }
                return try process.currentStdout().contains("namespace=")
            }
            let soFar = try process.currentStdout()
            try #require(sawLine && process.isRunning, "the run ended before the signal: \(soFar)")
            process.send(SIGTERM)
            let outcome = try #require(try process.wait(timeout: .seconds(60)), "the run did not stop within 60 s of SIGTERM")

            #expect(outcome.status == 143, "\(outcome.stderr)")
            let committed = outcome.namespaceFigures.map(\.name)
            try #require(committed.count < 3, "every namespace committed before the signal took effect: \(outcome.stdout)")
            #expect(!outcome.stdout.contains("migration finished"))
            #expect(outcome.stderrLines.count == 1, "\(outcome.stderr)")
            let line = try #require(outcome.stderrLines.first)
            let rolledBack = try #require(line.firstMatch(of: /; (.+) rolled back;/).map { $0.1.components(separatedBy: ", ") }, "\(line)")
            #expect(line == "interrupted: \(committed.joined(separator: ", ")) committed; \(rolledBack.joined(separator: ", ")) rolled back; re-run to continue")
            #expect(Set(rolledBack).isDisjoint(with: committed) && Set(rolledBack).isSubset(of: ["ns0", "ns1", "ns2"]), "\(line)")
            for id in Int32(0)...2 {
                if committed.contains("ns\(id)") {
                    #expect(try workspace.unifiedRows(namespaceID: id) == Self.rowsPerNamespace)
                    #expect(try workspace.legacyRows(namespaceID: id) == nil)
                } else {
                    #expect(try workspace.unifiedRows(namespaceID: id) == 0, "ns\(id) is half migrated")
                    #expect(try workspace.legacyRows(namespaceID: id) == Self.rowsPerNamespace)
                }
            }

            let rerun = try workspace.migrateLegacy(["-y", "--jobs", "2"])
            #expect(rerun.status == 0, "\(rerun.stderr)")
            #expect(rerun.namespaceFigures.map(\.name) == ["ns0", "ns1", "ns2"].filter { !committed.contains($0) })
            #expect(rerun.namespaceFigures.allSatisfy { $0.migrated == Self.rowsPerNamespace && $0.alreadyPresent == 0 && $0.dropped })
            for id in Int32(0)...2 { #expect(try workspace.unifiedRows(namespaceID: id) == Self.rowsPerNamespace) }
            #expect(try workspace.legacyTablesLeft().isEmpty)
        }
    }

    @Test("PostgreSQL --jobs 2: SIGINT while one worker waits for a legacy table's lock and the other migrates ends both at once, exit 130, nothing half done", .enabled(if: TestBackends.postgresEnabled))
    func sigintDuringLockWaitWithJobs() throws {
        try LegacyWorkspace.with(.postgres, Self.threeNamespaces) { workspace in
            let holder = try openDatabase(try DataSourceName(parsing: workspace.dsn(applicationName: "retuple-test-holder")))
            defer { holder.close() }
            let (outcome, waited) = try holder.transaction { () throws -> (ProcessOutcome?, Duration) in
                try holder.execute("LOCK TABLE keto_0000000000_relation_tuples IN ROW EXCLUSIVE MODE")
                let process = try workspace.startMigrateLegacy(["-y", "-q", "--jobs", "2", "--lock-timeout", "0"])
                let waiting = try eventually(timeout: .seconds(60)) {
                    try workspace.withDatabase { database in
                        try database.scalar("""
                            SELECT count(*) FROM pg_stat_activity
                            WHERE datname = current_database() AND application_name = 'retuple' AND wait_event_type = 'Lock'
                            """)?.integer == 1
                    }
                }
                try #require(waiting, "no worker waited for the lock")
                let signalled = ContinuousClock.now
                process.send(SIGINT)
                // The lock is still held: only a cancelled wait ends the run.
                let outcome = try process.wait(timeout: .seconds(20))
                return (outcome, ContinuousClock.now - signalled)
            }
            let ended = try #require(outcome, "the run still waited for the lock 20 s after SIGINT")
            #expect(waited < .seconds(20))
            #expect(ended.status == 130, "\(ended.stderr)")
            #expect(ended.stderrLines.count == 1 && ended.stderr.hasPrefix("interrupted: ") && ended.stderr.contains("ns0"), "\(ended.stderr)")
            let committed = ended.namespaceFigures.map(\.name)
            #expect(!committed.contains("ns0"))
            for id in Int32(0)...2 where !committed.contains("ns\(id)") {
                #expect(try workspace.unifiedRows(namespaceID: id) == 0, "ns\(id) is half migrated")
                #expect(try workspace.legacyRows(namespaceID: id) == Self.rowsPerNamespace)
            }
        }
    }

    @Test("lines reach a pipe as each namespace commits; SIGINT, then a second SIGINT while rolling back, exits 130 with the namespace in flight rolled back", arguments: TestBackends.all)
    func pipeAndSecondSigint(backend: DatabaseBackend) throws {
        try LegacyWorkspace.with(backend, Self.threeNamespaces) { workspace in
            let process = Process()
            process.executableURL = productsDirectory.appendingPathComponent("retuple")
            process.arguments = workspace.commandLine(LegacyWorkspace.migrateLegacyWords, ["-y", "-q", "--jobs", "1"])
            process.currentDirectoryURL = workspace.directory.url
            var environment = ProcessInfo.processInfo.environment
            environment.removeValue(forKey: "DSN")
            process.environment = environment
            let out = Pipe()
            let err = Pipe()
            process.standardOutput = out
            process.standardError = err
            process.standardInput = FileHandle.nullDevice
            try process.run()

            // Read the pipe while the process runs: the first line must come
            // before the process ends.
            var received = Data()
            while !String(decoding: received, as: UTF8.self).contains("\n") {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                received += chunk
            }
            let firstLine = String(decoding: received, as: UTF8.self)
            #expect(firstLine.hasPrefix("namespace=ns0 "), "\(firstLine)")
            try #require(process.isRunning, "the first line came only when the process ended")

            kill(process.processIdentifier, SIGINT)
            Thread.sleep(forTimeInterval: 0.05)
            kill(process.processIdentifier, SIGINT)
            received += out.fileHandleForReading.readDataToEndOfFile()
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()

            #expect(process.terminationReason == .exit && process.terminationStatus == 130, "\(stderr)")
            let lines = String(decoding: received, as: UTF8.self).split(separator: "\n").map(String.init)
            #expect(lines.count == 1 && lines[0].hasPrefix("namespace=ns0 "), "\(lines)")
            // The signal comes right after ns0's line: ns1 was in flight, or
            // (PostgreSQL, fast) not yet begun, so nothing was rolled back.
            #expect(
                stderr.hasSuffix("interrupted: ns0 committed; ns1 rolled back; re-run to continue\n")
                    || stderr.hasSuffix("interrupted: ns0 committed; re-run to continue\n"),
                "\(stderr)"
            )
            #expect(try workspace.unifiedRows(namespaceID: 0) == Self.rowsPerNamespace)
            #expect(try workspace.unifiedRows(namespaceID: 1) == 0)
            #expect(try workspace.legacyRows(namespaceID: 1) == Self.rowsPerNamespace)
            if backend == .sqlite {
                #expect(try workspace.withDatabase { try $0.scalar("PRAGMA integrity_check") } == "ok")
                #expect(!FileManager.default.fileExists(atPath: workspace.directory.path("keto.db-journal")))
            }
        }
    }

    // MARK: Recovery after a crash

    /// Runs the migration with a small page cache (so SQLite writes pages
    /// to the file mid-transaction, after syncing its journal) and kills it
    /// with SIGKILL once the journal is hot; returns the journal's path.
    static func leaveHotJournal(in workspace: LegacyWorkspace) throws -> String {
        let journal = workspace.directory.path("keto.db-journal")
        let process = try workspace.startMigrateLegacy(["-y", "-q", "--sqlite-cache-mib", "1"])
        let hot = try eventually(timeout: .seconds(120), interval: .milliseconds(5)) {
            guard process.isRunning else { return true }
            guard let handle = FileHandle(forReadingAtPath: journal) else { return false }
            defer { try? handle.close() }
            // The journal's magic number is written when it is synced, before
            // the first page of the database file is overwritten.
            return (try handle.read(upToCount: 8) ?? Data()).contains { $0 != 0 }
        }
        try #require(hot && process.isRunning, "the run ended before its journal was hot")
        process.send(SIGKILL)
        _ = try process.wait()
        try #require(FileManager.default.fileExists(atPath: journal))
        return journal
    }

    @Test("SQLite: every read-only command rolls back the hot journal a SIGKILL left, says so in one line, and does its job; nothing committed is touched")
    func hotJournalRecovered() throws {
        try LegacyWorkspace.with(.sqlite, Self.threeNamespaces) { workspace in
            let journal = try Self.leaveHotJournal(in: workspace)
            let database = workspace.directory.path("keto.db")
            let crashed = workspace.directory.path("crashed.db")
            try FileManager.default.copyItem(atPath: database, toPath: crashed)
            try FileManager.default.copyItem(atPath: journal, toPath: crashed + "-journal")
            let commands: [(words: [String], status: Int32)] = [
                (["status"], 0), (["verify"], 1), (["doctor"], 0), (["broken", "list"], 0), (["broken", "export"], 0),
                (["migrate", "status"], 0),
            ]
            let recovered = "recovered an interrupted transaction in \(database) (rolled back)"
            for (words, status) in commands {
                try? FileManager.default.removeItem(atPath: database)
                try? FileManager.default.removeItem(atPath: journal)
                try FileManager.default.copyItem(atPath: crashed, toPath: database)
                try FileManager.default.copyItem(atPath: crashed + "-journal", toPath: journal)
                let outcome = try workspace.retuple(words)
                #expect(outcome.status == status, "\(words): \(outcome.stderr)")
                #expect(outcome.stderrLines.first == recovered, "\(words): \(outcome.stderr)")
                #expect(!outcome.stderr.contains("readonly"), "\(words): \(outcome.stderr)")
                if words == ["doctor"] {
                    #expect(outcome.lines.contains { $0.hasPrefix("warn recovery ") }, "\(outcome.stdout)")
                }
                #expect(!FileManager.default.fileExists(atPath: journal), "\(words) left the journal")
                #expect(try workspace.withDatabase { try $0.scalar("PRAGMA integrity_check") } == "ok")
                // Each namespace is either as before or completely migrated.
                for id in Int32(0)...2 {
                    let legacy = try workspace.legacyRows(namespaceID: id)
                    let unified = try workspace.unifiedRows(namespaceID: id)
                    #expect((legacy == Self.rowsPerNamespace && unified == 0) || (legacy == nil && unified == Self.rowsPerNamespace), "ns\(id): legacy \(String(describing: legacy)), unified \(unified)")
                }
            }
            // A second look says nothing more.
            let again = try workspace.retuple(["status"])
            #expect(again.status == 0 && again.stderr.isEmpty, "\(again.stderr)")
        }
    }

    @Test("SQLite: a hot journal that cannot be rolled back (the file cannot be written) is one error: line saying so and what to run")
    func hotJournalUnwritable() throws {
        try LegacyWorkspace.with(.sqlite, Self.threeNamespaces) { workspace in
            _ = try Self.leaveHotJournal(in: workspace)
            let protection = try WriteProtection(workspace.directory.path("keto.db"))
            defer { try? protection.remove() }
            let outcome = try workspace.retuple(["status"])
            #expect(outcome.status == 1)
            #expect(outcome.stderrLines.count == 1, "\(outcome.stderr)")
            #expect(outcome.stderr.hasPrefix("error: sqlite database \(workspace.directory.path("keto.db")): an interrupted run left a journal"), "\(outcome.stderr)")
            #expect(outcome.stderr.contains("run `retuple status`"), "\(outcome.stderr)")
        }
    }

    @Test("PostgreSQL: after a SIGKILL mid-namespace the server rolled back; status and verify work at once, with no recovery line", .enabled(if: TestBackends.postgresEnabled))
    func postgresAfterSigkill() throws {
        try LegacyWorkspace.with(.postgres, Self.threeNamespaces) { workspace in
            let process = try workspace.startMigrateLegacy(["-y", "-q"])
            Thread.sleep(forTimeInterval: 1.5)
            process.send(SIGKILL)
            _ = try process.wait()
            let status = try workspace.retuple(["status"])
            #expect(status.status == 0 && status.stderr.isEmpty, "\(status.stderr)")
            let verify = try workspace.retuple(["verify"])
            #expect([0, 1].contains(verify.status) && !verify.stderr.contains("recovered"), "\(verify.stderr)")
            for id in Int32(0)...2 {
                let legacy = try workspace.legacyRows(namespaceID: id)
                let unified = try workspace.unifiedRows(namespaceID: id)
                #expect((legacy == Self.rowsPerNamespace && unified == 0) || (legacy == nil && unified == Self.rowsPerNamespace))
            }
        }
    }

    // MARK: Waiting made visible

    @Test("PostgreSQL: a lock not granted within a second is named on stderr while the run waits, empty fields left out; the run then completes", .enabled(if: TestBackends.postgresEnabled))
    func lockWaitShown() throws {
        try LegacyWorkspace.with(.postgres, .clean) { workspace in
            let table = "keto_0000000000_relation_tuples"
            let holder = try openDatabase(try DataSourceName(parsing: workspace.dsn(applicationName: "retuple-test-holder")))
            defer { holder.close() }
            var holderPID: Int64 = -1
            let holderUser = try holder.scalar("SELECT current_user")?.text ?? "?"
            let process = try holder.transaction { () throws -> RunningProcess in
                try holder.execute("LOCK TABLE \(table) IN ROW EXCLUSIVE MODE", [])
                holderPID = try holder.scalar("SELECT pg_backend_pid()")?.integer ?? -1
                let process = try workspace.startMigrateLegacy(["-y"])
                Thread.sleep(forTimeInterval: 3)
                return process
            }
            let outcome = try #require(try process.wait(timeout: .seconds(60)))
            #expect(outcome.status == 0, "\(outcome.stderr)")
            #expect(outcome.stderrLines == [
                "waiting for a lock on \(table) held by pid \(holderPID) (user \(holderUser), application retuple-test-holder, idle in transaction, RowExclusiveLock)… (up to 30s, --lock-timeout)",
            ], "\(outcome.stderr)")
            #expect(outcome.namespaceFigures == LegacyDataset.cleanFirstRunFigures)
        }
    }

    @Test("SQLite: a write lock another connection holds for over a second is said on stderr while the run waits; the run then completes")
    func sqliteLockWaitShown() throws {
        try LegacyWorkspace.with(.sqlite, .clean) { workspace in
            let process = try workspace.withDatabase { holder in
                try holder.transaction { () throws -> RunningProcess in
                    try holder.execute("DELETE FROM keto_0000000000_relation_tuples WHERE 0", [])
                    let process = try workspace.startMigrateLegacy(["-y"])
                    Thread.sleep(forTimeInterval: 3)
                    return process
                }
            }
            let outcome = try #require(try process.wait(timeout: .seconds(60)))
            #expect(outcome.status == 0, "\(outcome.stderr)")
            let path = String(workspace.dsn.dropFirst("sqlite://".count))
            #expect(outcome.stderrLines == [
                "waiting for a lock on sqlite database \(path) held by another connection… (up to 30s, --lock-timeout)",
            ], "\(outcome.stderr)")
            #expect(outcome.namespaceFigures == LegacyDataset.cleanFirstRunFigures)
        }
    }

    @Test("SQLite: Ctrl-C while waiting for another connection's write lock ends the run at once, nothing committed, exit 130")
    func sqliteLockWaitInterrupted() throws {
        try LegacyWorkspace.with(.sqlite, .clean) { workspace in
            let outcome = try workspace.withDatabase { holder in
                try holder.transaction { () throws -> ProcessOutcome? in
                    try holder.execute("DELETE FROM keto_0000000000_relation_tuples WHERE 0", [])
                    let process = try workspace.startMigrateLegacy(["-y"])
                    Thread.sleep(forTimeInterval: 2)
                    process.send(SIGINT)
                    // The lock is still held: only giving up the wait ends the run.
                    return try process.wait(timeout: .seconds(10))
                }
            }
            let ended = try #require(outcome, "the run went on waiting for the lock after SIGINT")
            #expect(ended.status == 130, "\(ended.stderr)")
            #expect(ended.stderrLines.last == "interrupted: nothing committed; re-run to continue", "\(ended.stderr)")
            #expect(try workspace.unifiedRows(namespaceID: 0) == 0)
        }
    }

    @Test("status --wait says how many legacy tables are left, and which, unless -q")
    func statusWaitShowsProgress() throws {
        try LegacyWorkspace.with(.sqlite, .clean) { workspace in
            let outcome = try workspace.retuple(["status"], ["--wait", "--timeout", "2s"])
            #expect(outcome.status == 1)
            #expect(outcome.stderrLines.first == "3 legacy tables left (files, directories, groups)", "\(outcome.stderr)")
            let quiet = try workspace.retuple(["status"], ["--wait", "--timeout", "1s", "-q"])
            #expect(quiet.stderrLines.count == 1 && quiet.stderr.hasPrefix("error: timed out"), "\(quiet.stderr)")
        }
    }

    // MARK: Questions after the facts

    @Test("a namespace's figures come before its drop question; the drop is its own line")
    func figuresBeforeDropQuestion() throws {
        try LegacyWorkspace.with(.sqlite, .clean) { workspace in
            let outcome = try workspace.migrateLegacy([], stdin: "y\ny\n")
            #expect(outcome.status == 0, "\(outcome.stderr)")
            let figures = try #require(outcome.stdout.range(of: "namespace=files id=0 legacy=3 migrated=3 already_present=0 broken=0 dropped=no duration="))
            let question = try #require(outcome.stdout.range(of: "drop the legacy table keto_0000000000_relation_tuples of namespace files?"))
            #expect(figures.lowerBound < question.lowerBound, "\(outcome.stdout)")
            #expect(outcome.lines.contains("dropped namespace=files id=0 table=keto_0000000000_relation_tuples"), "\(outcome.stdout)")
            #expect(try workspace.legacyRows(namespaceID: 0) == nil)
            #expect(try workspace.legacyRows(namespaceID: 1) == 2)
        }
    }

    @Test("migrate up -f json without -y lists the pending migrations on stderr before asking")
    func migrateUpListsBeforeAskingInJSON() throws {
        try LegacyWorkspace.with(.sqlite, .clean, applyingSchema: false) { workspace in
            let outcome = try workspace.retuple(["migrate", "up"], ["-f", "json"], stdin: "n\n")
            #expect(outcome.status == 0, "\(outcome.stderr)")
            #expect(outcome.stderr.hasPrefix("pending migrations on sqlite database "), "\(outcome.stderr)")
            #expect(outcome.stderr.contains("  20150100000001000000  networks\n"), "\(outcome.stderr)")
            #expect(outcome.stderr.contains("apply 7 migrations? [y/N]"), "\(outcome.stderr)")
            #expect(try outcome.jsonDocument()["declined"] as? Bool == true)
        }
    }

    // MARK: Durations

    @Test("each namespace line and the final line carry duration=…s, the final line rows_per_s; JSON carries seconds")
    func durations() throws {
        try LegacyWorkspace.with(.sqlite, .clean) { workspace in
            let outcome = try workspace.migrateLegacy(["-y", "--dry-run"])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            let seconds = /duration=[0-9]+\.[0-9]{2}s/
            let namespaces = outcome.lines.filter { $0.hasPrefix("namespace=") }
            #expect(namespaces.count == 3 && namespaces.allSatisfy { $0.suffix(from: $0.lastIndex(of: " ")!).dropFirst().wholeMatch(of: seconds) != nil }, "\(namespaces)")
            let final = try #require(outcome.fields(ofLineStartingWith: "migration finished"))
            #expect(final["duration"].map { $0.wholeMatch(of: /[0-9]+\.[0-9]{2}s/) != nil } == true)
            #expect(final["rows_per_s"].flatMap(Int.init) != nil)
            #expect(outcome.lines.last?.hasSuffix(" rows_per_s=\(final["rows_per_s"] ?? "")") == true)

            let json = try workspace.migrateLegacy(["-y", "--dry-run", "-f", "json"]).jsonDocument()
            let entries = try #require(json["namespaces"] as? [[String: Any]])
            #expect(entries.count == 3 && entries.allSatisfy { ($0["seconds"] as? Double).map { $0 >= 0 } == true })
            let totals = try #require(json["totals"] as? [String: Any])
            #expect(totals["seconds"] is Double && totals["rows_per_second"] is Int)
        }
    }

    // MARK: Kinder errors

    @Test("a namespace name differing in case or by one edit gets a suggestion; a directory as -c says so; PG* set without a DSN gets a hint")
    func kinderErrors() throws {
        try LegacyWorkspace.with(.sqlite, .clean) { workspace in
            let cased = try workspace.migrateLegacy(["Files"])
            #expect(cased.stderr == "error: namespace Files is not in the configuration (did you mean files?)\n")
            let typo = try workspace.migrateLegacy(["grups"])
            #expect(typo.stderr == "error: namespace grups is not in the configuration (did you mean groups?)\n")
            let far = try workspace.retuple(["verify"], ["nothing"])
            #expect(far.stderr == "error: namespace nothing is not in the configuration\n")
            let listed = try workspace.retuple(["broken", "list"], ["GROUPS"])
            #expect(listed.stderr == "error: namespace GROUPS is not in the configuration (did you mean groups?)\n")

            let directory = try run(["status", "--dsn", workspace.dsn, "-c", workspace.directory.url.path], in: workspace.directory.url)
            #expect(directory.status == 1)
            #expect(directory.stderr == "error: cannot read config file \(workspace.directory.url.path): it is a directory; pass the Keto configuration file (-c keto.yml)\n")
        }
        let bare = try run(["status"], environment: ["PGHOST": "", "PGDATABASE": "", "PGSERVICE": ""])
        #expect(bare.stderr == "error: no database given: pass --dsn URL, set DSN, or put dsn: in the config file (-c)\n")
        let libpq = try run(["status"], environment: ["PGHOST": "/tmp", "PGDATABASE": "keto"])
        #expect(libpq.status == 1)
        #expect(libpq.stderr == "error: no database given: pass --dsn URL, set DSN, or put dsn: in the config file (-c) (--dsn postgres:// uses your PG* environment)\n")
    }

    // MARK: Help and the man page

    static let commands: [[String]] = [
        [], ["migrate"], ["migrate", "up"], ["migrate", "status"], ["migrate", "down"], ["namespace"], ["namespace", "migrate"],
        ["namespace", "migrate", "legacy"], ["status"], ["verify"], ["doctor"], ["broken"], ["broken", "list"],
        ["broken", "export"], ["broken", "apply"],
    ]

    @Test("every command's --help has an EXAMPLES section of 2 to 4 invocations of retuple", arguments: commands)
    func helpHasExamples(words: [String]) throws {
        let outcome = try run(words + ["--help"])
        #expect(outcome.status == 0)
        let lines = outcome.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = try #require(lines.firstIndex(of: "EXAMPLES:"), "\(words): \(outcome.stdout)")
        let invocations = lines[(start + 1)...].prefix { $0.hasPrefix("  $ retuple ") }
        #expect((2...4).contains(invocations.count), "\(words): \(invocations)")
        if words.count == 3 || ["status", "verify", "doctor"].contains(words.last ?? "") {
            #expect(invocations.allSatisfy { $0.hasPrefix("  $ retuple " + words.joined(separator: " ")) }, "\(invocations)")
        }
    }

    @Test("--target-dsn on status and verify says they only read")
    func targetDsnHelpOfReaders() throws {
        for command in ["status", "verify"] {
            let help = try run([command, "--help"]).stdout.replacingOccurrences(of: "\n", with: " ")
                .replacingOccurrences(of: #" +"#, with: " ", options: .regularExpression)
            #expect(help.contains("--target-dsn <target-dsn> Read the unified tuples"), "\(help)")
            #expect(help.contains("Both are only read."), "\(help)")
            #expect(!help.contains("Write the unified schema"), "\(help)")
        }
    }

    @Test("the committed man page is current: made from the commands as they are (scripts/man)")
    func manPageIsCurrent() throws {
        let dump = try run(["--experimental-dump-help"])
        #expect(dump.status == 0)
        let committed = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/man/retuple.help.json"), encoding: .utf8)
        #expect(dump.stdout == committed, "docs/man is out of date: run scripts/man and commit docs/man")
        let page = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/man/retuple.1"), encoding: .utf8)
        #expect(page.contains(".Dt RETUPLE 1") && page.contains("EXAMPLES:") && page.contains("namespace migrate legacy"))
    }

    @Test("completion scripts complete file names for -c, --report, --output and broken apply FILE")
    func completionOfFiles() throws {
        let zsh = try run(["--generate-completion-script", "zsh"])
        #expect(zsh.status == 0)
        #expect(zsh.stdout.contains("{-c,--config}'[A Keto configuration file"), "\(zsh.stdout.prefix(2000))")
        for completion in [":config:_files'", ":report:_files'", ":output:_files'", ":file:_files'"] {
            #expect(zsh.stdout.contains(completion), "\(completion)")
        }
    }
}

extension RunningProcess {
    /// What the process printed on stdout so far.
    func currentStdout() throws -> String {
        let outcome = Mirror(reflecting: self).children.first { $0.label == "outURL" }?.value as? URL
        guard let outcome else { return "" }
        return (try? String(contentsOf: outcome, encoding: .utf8)) ?? ""
    }
}
