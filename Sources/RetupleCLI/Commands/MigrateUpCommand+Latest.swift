import ArgumentParser
import Foundation
import RetupleCore

extension SchemaForm: ExpressibleByArgument {}

/// `retuple migrate up --to latest`: the latest form, converting the rows
/// of a Keto v0.7 table, in one transaction.
extension MigrateUpCommand {
    func runLatest(_ context: CommandContext) throws {
        try withApproval(context, creating: LatestSchema.migrations) { database in
            let migrator = LatestSchemaMigrator(database: database, logger: context.logger)
            let pending = try migrator.pendingMigrations()
            let rows = pending.isEmpty ? 0 : try migrator.rowsToConvert()
            if rows > 0 {
                context.console.info("keto_relation_tuples holds \(rows) Keto v0.7 tuples; they are converted to the latest form in the same transaction")
            }
            return pending
        } apply: { try applyLatest(on: $0, context) }
    }

    private func applyLatest(on database: any Database, _ context: CommandContext) throws {
        let conversion = context.configuration.map { V07TupleConversion(configuration: $0, logger: context.logger) }
        let result = try LatestSchemaMigrator(database: database, logger: context.logger).applyPending(conversion: conversion)
        if context.options.format == .json {
            try context.console.json(LatestUpReport(
                applied: result.applied.map(MigrationEntry.init),
                network: .init(id: result.networkID, created: result.createdNetwork),
                converted: result.converted, form: SchemaForm.latest.rawValue, declined: false
            ))
            return
        }
        if result.applied.isEmpty {
            context.console.info("nothing to apply: the database is in the latest form")
        } else {
            context.console.info("applied \(result.applied.count) migrations; the database is in the latest form (\(SchemaForm.latest.ketoReleases))")
        }
        if result.converted > 0 {
            context.console.info("converted \(result.converted) Keto v0.7 tuples")
        }
        if result.createdNetwork {
            context.console.info("created network \(result.networkID)")
        }
    }
}

/// `migrate up --to latest -f json`.
struct LatestUpReport: Encodable {
    let applied: [MigrationEntry]
    let network: UpReport.NetworkEntry?
    let converted: Int
    let form: String
    let declined: Bool
}
