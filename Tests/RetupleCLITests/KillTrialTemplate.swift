import Foundation
import RetupleCore
import RetupleTestSupport

/// The v0.6 database every kill trial of one backend starts from, made
/// once, and what a migration of it must end with.
///
/// Generated (`retuple-fixtures generate`, several namespaces, a share of
/// broken rows), with the unified schema applied. The broken rows of every
/// other namespace are deleted, so that clean namespaces (dropped inside
/// their migration transaction under `-y`) and namespaces with broken
/// rows (which keep their table) alternate. Two kinds of table are added
/// for the checks, which retuple never looks at:
/// - `retuple_test_expected`: the key of every legacy row as the
///   transformer gives it (the unified `shard_id`, or the broken record's
///   `row_key`), with its namespace and whether it is broken: the oracle
///   the database is checked against by SQL, however far a killed run got;
/// - `retuple_test_pristine_N`: a copy of each legacy table, so "exactly
///   as before" is an `EXCEPT` away.
///
/// Each trial gets a fresh copy: the SQLite file copied, or on PostgreSQL
/// `CREATE DATABASE … TEMPLATE`.
final class KillTrialTemplate {
    /// What one namespace must end as.
    struct ExpectedNamespace: CustomStringConvertible {
        let namespace: Namespace
        let legacy: Int
        let unified: Int
        let broken: Int

        var table: LegacyTable { LegacyTable(namespace: namespace) }
        /// A clean namespace's legacy table is dropped by its migration (`-y`).
        var isClean: Bool { broken == 0 }

        var description: String { "\(namespace.name)(\(namespace.id)) legacy=\(legacy) unified=\(unified) broken=\(broken)" }
    }

    static let expectedTable = "retuple_test_expected"

    static func pristineTable(_ namespace: Namespace) -> String {
        "retuple_test_pristine_\(namespace.id)"
    }

    let workspace: LegacyWorkspace
    let namespaces: [ExpectedNamespace]
    /// The definitions of `keto_relation_tuples`' indexes as `migrate up`
    /// made them: a run that ends however it ends must leave them so (the
    /// first namespace on SQLite rebuilds them in its transaction).
    let unifiedIndexes: [String]

    private init(workspace: LegacyWorkspace, namespaces: [ExpectedNamespace], unifiedIndexes: [String]) {
        self.workspace = workspace
        self.namespaces = namespaces
        self.unifiedIndexes = unifiedIndexes
    }

    var backend: DatabaseBackend { workspace.backend }

    /// Makes the template on `backend` and runs `body` with it.
    ///
    /// - Parameters:
    ///   - tuples: legacy rows over all namespaces, before the broken rows
    ///     of the clean ones are deleted.
    ///   - namespaces: `ns0`, `ns1`, …; the odd ones are made clean.
    static func with(
        _ backend: DatabaseBackend, tuples: Int, namespaces: Int, brokenShare: Double, _ body: (KillTrialTemplate) throws -> Void
    ) throws {
        try LegacyWorkspace.with(backend, .generated(tuples: tuples, namespaces: namespaces, brokenShare: brokenShare)) { workspace in
            let (expected, indexes) = try workspace.withDatabase { database in
                let configuration = try Configuration.load(path: workspace.configPath)
                let networkID = try Network.currentID(in: database).flatMap(UUID.init(uuidString:))
                guard let network = networkID else { throw TestSupportError("no network in \(workspace.dsn)") }
                if database.backend == .postgres {
                    try database.executeScript("SET DateStyle = 'ISO, YMD'; SET TimeZone = 'UTC'")
                }
                try database.executeScript("""
                    CREATE TABLE \(expectedTable) (
                        key \(backend == .postgres ? "UUID" : "TEXT") NOT NULL PRIMARY KEY,
                        namespace_id INTEGER NOT NULL,
                        broken INTEGER NOT NULL
                    )
                    """)
                let expected = try database.legacyTables(configuredBy: configuration).map { table in
                    if table.namespace.id % 2 == 1 {
                        // Every generated broken row has an object other than `object-…`.
                        try database.execute("DELETE FROM \(quoteIdentifier(table.name)) WHERE object IS NULL OR object NOT LIKE 'object-%'")
                    }
                    try database.execute("CREATE TABLE \(pristineTable(table.namespace)) AS SELECT * FROM \(quoteIdentifier(table.name))")
                    return try expectations(of: table, networkID: network, configuration: configuration, in: database)
                }
                return (expected, try database.indexDefinitions(of: "keto_relation_tuples"))
            }
            try body(KillTrialTemplate(workspace: workspace, namespaces: expected, unifiedIndexes: indexes))
        }
    }

    /// Transforms every row of `table` as the migration would, records the
    /// keys in `retuple_test_expected` and counts the outcomes.
    private static func expectations(
        of table: LegacyTable, networkID: UUID, configuration: Configuration, in database: any Database
    ) throws -> ExpectedNamespace {
        var transformer = LegacyTupleTransformer(namespace: table.namespace, networkID: networkID, configuration: configuration)
        let commitTime = database.backend == .postgres ? "commit_time::text" : "commit_time"
        var keys: [(key: String, broken: Bool)] = []
        try database.forEachRow("SELECT shard_id, object, relation, subject, \(commitTime) FROM \(quoteIdentifier(table.name))", []) { row in
            switch transformer.transform(LegacyTuple(row: row)) {
            case .unified(let tuple): keys.append((tuple.shardID.lowercasedString, false))
            case .broken(let tuple): keys.append((tuple.rowKey.lowercasedString, true))
            }
        }
        let recorded = try database.transaction {
            try database.bulkInsert(into: expectedTable, columns: ["key", "namespace_id", "broken"]) { inserter in
                for (key, broken) in keys {
                    try inserter.insert([.text(key), .integer(Int64(table.namespace.id)), .integer(broken ? 1 : 0)])
                }
            }
        }
        guard recorded == keys.count else {
            throw TestSupportError("\(expectedTable): \(recorded) keys recorded for \(table.name)'s \(keys.count) rows")
        }
        let broken = keys.count(where: \.broken)
        return ExpectedNamespace(namespace: table.namespace, legacy: keys.count, unified: keys.count - broken, broken: broken)
    }

    /// Runs `body` with a fresh copy of the template in a directory of its
    /// own (its reports land there); removes both afterwards.
    func withCopy<T>(_ body: (LegacyWorkspace) throws -> T) throws -> T {
        try workspace.withCopy(body)
    }
}
