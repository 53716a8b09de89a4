import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

/// The doctor's schema check reads each table's catalog as facts and
/// compares them with the facts of the form (`SchemaInspection`): a fresh
/// database of either form has exactly the expected facts, and a change to
/// the catalog shows as a missing or extra fact.
@Suite("schema facts of both forms")
struct SchemaFormFactsTests {
    @Test("a fresh database of each form has exactly the facts of its form", arguments: TestBackends.all)
    func freshDatabasesMatch(backend: DatabaseBackend) throws {
        try ScratchDatabase.withOpenDatabase(backend) { database, _ in
            _ = try SchemaMigrator(database: database, logger: testLogger).applyPending()
            #expect(try SchemaForm.current(in: database) == .v07)
            for (table, expected) in database.expectedSchemaFacts(.v07) {
                #expect(try database.schemaFacts(of: table).map(Set.init) == Set(expected), "\(table)")
            }
        }
        try ScratchDatabase.withOpenDatabase(backend) { database, _ in
            _ = try LatestSchemaMigrator(database: database, logger: testLogger).applyPending(conversion: nil)
            #expect(try SchemaForm.current(in: database) == .latest)
            for (table, expected) in database.expectedSchemaFacts(.latest) {
                #expect(try database.schemaFacts(of: table).map(Set.init) == Set(expected), "\(table)")
            }
            let facts = try #require(try database.schemaFacts(of: "keto_relation_tuples"))
            #expect(facts.contains { $0.contains("keto_relation_tuples_uuid_reverse_subject_sets_idx") })
            #expect(facts.contains { $0.hasPrefix("foreign key") && $0.hasSuffix("on update restrict on delete cascade") })
            // Keto's migrator's bookkeeping, with its index on version_self.
            let bookkeeping = try #require(try database.schemaFacts(of: "schema_migration"))
            #expect(bookkeeping.contains { $0.hasPrefix("index schema_migration_version_self_idx") })
            let versions = try database.allRows("SELECT version FROM schema_migration ORDER BY version").compactMap { $0.first?.text }
            #expect(versions == Self.latestVersions)
        }
    }

    @Test("a dropped index and a changed column show as drift", arguments: TestBackends.all)
    func driftIsSeen(backend: DatabaseBackend) throws {
        try ScratchDatabase.withOpenDatabase(backend) { database, _ in
            _ = try LatestSchemaMigrator(database: database, logger: testLogger).applyPending(conversion: nil)
            try database.executeScript("DROP INDEX keto_relation_tuples_uuid_full_idx")
            let facts = try #require(try database.schemaFacts(of: "keto_relation_tuples"))
            let expected = try #require(database.expectedSchemaFacts(.latest)["keto_relation_tuples"])
            #expect(Set(expected).subtracting(facts).count == 1)
        }
    }

    /// Every Keto migration version through 20230228091200000000, as Keto
    /// v26.2.0 has them (networks, Keto v0.7's, then the later ones).
    static let latestVersions = [
        "20150100000001000000", "20201110175414000000", "20201110175414000001", "20210623162417000000",
        "20210623162417000001", "20210623162417000002", "20210623162417000003", "20210914134624000000",
        "20220217152313000000", "20220512151000000000", "20220513200300000000", "20220513200400000000",
        "20220513200400000001", "20220513200500000000", "20220513200600000000", "20220513200600000001",
        "20230228091200000000",
    ]
}
