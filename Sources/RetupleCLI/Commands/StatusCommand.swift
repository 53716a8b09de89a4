import ArgumentParser
import Foundation
import RetupleCore

/// `retuple status`: what is left to migrate, and what was.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show legacy tables left, unified and broken rows per namespace, and the schema state.",
        discussion: discussion(
            """
            With --wait, polls (1s, doubling up to 10s) until no legacy table is left and exits 0 \
            then; with --timeout it gives up after that long and exits 1. For deployment gates. \
            With --target-dsn the legacy tables are the source's (--dsn) and the rest the target's.
            """,
            examples(
                "retuple status -c keto.yml",
                "retuple status -c keto.yml --wait --timeout 10m",
                "retuple status -c keto.yml -f json"
            )
        )
    )

    @OptionGroup var options: GlobalOptions
    @OptionGroup var target: ReadTargetDatabaseOptions

    @Flag(help: "Block until no legacy table is left.")
    var wait = false

    @Option(help: "With --wait: give up after this long (30s, 10m, 1h).")
    var timeout: String?

    func validate() throws {
        if let timeout {
            guard wait else { throw ValidationError("--timeout only applies with --wait") }
            guard DurationText.parse(timeout) != nil else {
                throw ValidationError("--timeout \(timeout) is not a duration such as 30s, 10m or 1h")
            }
        }
    }

    func run() throws {
        let context = try CommandContext(options: options)
        let names = Dictionary(
            (context.configuration?.namespaces ?? []).map { (Int64($0.id), $0.name) }, uniquingKeysWith: { first, _ in first }
        )
        try context.withDatabases(target: target.options, intent: .readOnly) { source, database in
            var status = try StatusReport(of: database, legacyTablesIn: source, logger: context.logger)
            if wait {
                let deadline = timeout.flatMap(DurationText.parse).map { ContinuousClock.now + $0 }
                var pause = Duration.seconds(1)
                var lastShown: ContinuousClock.Instant?
                while !status.legacyTables.isEmpty {
                    // How the wait goes, at most every 10 s, on stderr.
                    if !options.quiet, lastShown.map({ ContinuousClock.now - $0 >= .seconds(10) }) ?? true {
                        lastShown = ContinuousClock.now
                        let tables = status.legacyTables.map { names[$0.namespaceID] ?? $0.table }
                        context.console.progress("\(tables.count) legacy tables left (\(tables.joined(separator: ", ")))")
                    }
                    var nap = pause
                    if let deadline {
                        let left = deadline - ContinuousClock.now
                        guard left > .zero else {
                            throw RetupleError(
                                "timed out after \(timeout ?? "") waiting: \(status.legacyTables.count) legacy tables are left in \(source.location)"
                            )
                        }
                        // The last look comes at the deadline, not a back-off step before it.
                        nap = min(nap, left)
                    }
                    Thread.sleep(forTimeInterval: Double(DurationText.milliseconds(nap)) / 1000)
                    pause = min(pause * 2, .seconds(10))
                    status = try StatusReport(of: database, legacyTablesIn: source, logger: context.logger)
                }
            }
            try show(status, names: names, context.console)
        }
    }

    private func show(_ status: StatusReport, names: [Int64: String], _ console: Console) throws {
        func name(_ id: Int64) -> String? { names[id] }
        if console.format == .json {
            try console.json(StatusDocument(
                schema: .init(applied: status.appliedMigrations, pending: status.pendingMigrations),
                legacy: status.legacyTables.map { .init(name: name($0.namespaceID), id: $0.namespaceID, table: $0.table, rows: $0.rows) },
                unified: status.unifiedRows.map { rows in
                    let id = rows.namespace.map { namespace in names.first { $0.value == namespace }?.key ?? -1 } ?? rows.namespaceID
                    return .init(name: rows.namespace ?? name(rows.namespaceID), id: id, rows: rows.rows)
                },
                broken: status.brokenRows.map { .init(name: name($0.namespaceID), id: $0.namespaceID, recorded: $0.recorded, unresolved: $0.unresolved) }
            ))
            return
        }
        let applied = String(status.appliedMigrations), pending = String(status.pendingMigrations)
        let state = status.pendingMigrations == 0 ? "up_to_date" : "migrate_up_needed"
        console.result(status.form == .latest
            ? keyValueLine("schema", ["applied": applied, "pending": pending, "state": state, "form": "latest"])
            : keyValueLine("schema", ["applied": applied, "pending": pending, "state": state]))
        if status.legacyTables.isEmpty { console.result("legacy tables: none left") }
        for table in status.legacyTables {
            console.result(keyValueLine("legacy", [
                "namespace": name(table.namespaceID) ?? "-", "id": String(table.namespaceID), "table": table.table, "rows": String(table.rows),
            ]))
        }
        for rows in status.unifiedRows {
            if let namespace = rows.namespace {
                let id = names.first { $0.value == namespace }.map { String($0.key) } ?? "-"
                console.result(keyValueLine("unified", ["namespace": namespace, "id": id, "rows": String(rows.rows)]))
                continue
            }
            console.result(keyValueLine("unified", ["namespace": name(rows.namespaceID) ?? "-", "id": String(rows.namespaceID), "rows": String(rows.rows)]))
        }
        for rows in status.brokenRows {
            console.result(keyValueLine("broken", [
                "namespace": name(rows.namespaceID) ?? "-", "id": String(rows.namespaceID),
                "recorded": String(rows.recorded), "unresolved": String(rows.unresolved),
            ]))
        }
    }
}

/// `status -f json`.
struct StatusDocument: Encodable {
    struct Schema: Encodable {
        let applied: Int
        let pending: Int
    }

    struct Legacy: Encodable {
        let name: String?
        let id: Int64
        let table: String
        let rows: Int
    }

    struct Unified: Encodable {
        let name: String?
        let id: Int64
        let rows: Int
    }

    struct Broken: Encodable {
        let name: String?
        let id: Int64
        let recorded: Int
        let unresolved: Int
    }

    let schema: Schema
    let legacy: [Legacy]
    let unified: [Unified]
    let broken: [Broken]
}
