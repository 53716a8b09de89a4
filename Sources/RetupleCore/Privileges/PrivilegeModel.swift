/// The one table of what each retuple command needs on each object it
/// touches. The migration refuses from it before it changes anything, and
/// `retuple doctor` renders its finding and fixes from it, so the two can
/// never disagree. Backends answer whether a login has it
/// (`PrivilegeChecking`); docs/SECURITY.md lists the same table for people.
public enum PrivilegeModel {
    /// What touches the database, as far as privileges go.
    public enum Command: Sendable, CaseIterable {
        /// `migrate up`: creates the unified tables, drops `keto_namespace`.
        case migrateUp
        /// `status`, `verify`, `broken list`: read.
        case read
        /// `namespace migrate legacy` without dropping (no `-y`, or across databases).
        case migrate
        /// `namespace migrate legacy -y` in place: migrates and drops clean namespaces.
        case migrateAndDrop
        /// `namespace migrate legacy --down-only`: drops legacy tables whose rows are accounted for.
        case dropLegacy
    }

    /// Which database of a cross-database run an object lives in.
    enum Side { case source, target }

    /// The objects retuple touches.
    enum Object {
        case legacyTuples, legacyBookkeeping, ketoNamespace
        case unifiedTuples, brokenTuples, networks, schemaMigration
        case currentSchema, currentDatabase

        var side: Side {
            switch self {
            case .legacyTuples, .legacyBookkeeping: .source
            default: .target
            }
        }
    }

    /// The table itself: each row an object, the commands that touch it and
    /// the rights each needs there. `lock` is what `LOCK TABLE … IN
    /// EXCLUSIVE MODE` (or `SHARE` in a read-only transaction) requires;
    /// `drop` is ownership (or membership in the owner's role).
    static let table: [(Object, [Command: [PrivilegeNeed.Right]])] = [
        (.legacyTuples, [.migrate: [.select, .lock], .migrateAndDrop: [.select, .lock, .drop], .dropLegacy: [.select, .drop]]),
        (.legacyBookkeeping, [.migrateAndDrop: [.drop], .dropLegacy: [.drop]]),
        (.currentDatabase, [.migrate: [.temporary], .migrateAndDrop: [.temporary], .dropLegacy: [.temporary]]),
        (.unifiedTuples, [.read: [.select], .migrate: [.select, .insert], .migrateAndDrop: [.select, .insert], .dropLegacy: [.select]]),
        (.brokenTuples, [.read: [.select], .migrate: [.select, .insert, .update], .migrateAndDrop: [.select, .insert, .update], .dropLegacy: [.select]]),
        (.currentSchema, [.migrateUp: [.create]]),
        (.ketoNamespace, [.migrateUp: [.drop]]),
        (.networks, [.read: [.select]]),
        (.schemaMigration, [.read: [.select]]),
    ]

    /// The needs of `commands` on one side, for the legacy tables `legacy`.
    ///
    /// - Parameter brokenTableExists: whether `retuple_broken_tuples`
    ///   exists; while it does not, a migration needs CREATE on the schema
    ///   to create it instead of rights on it.
    static func needs(
        of commands: Set<Command>, on side: Side?, legacy: [LegacyTable], brokenTableExists: Bool
    ) -> [PrivilegeNeed] {
        var needs: [PrivilegeNeed] = []
        func rights(_ object: Object) -> [PrivilegeNeed.Right] {
            var merged: [PrivilegeNeed.Right] = []
            for command in Command.allCases where commands.contains(command) {
                for right in table.first(where: { $0.0 == object })?.1[command] ?? [] where !merged.contains(right) {
                    merged.append(right)
                }
            }
            return merged
        }
        for (object, _) in table where side == nil || object.side == side {
            let wanted = rights(object)
            guard !wanted.isEmpty else { continue }
            switch object {
            case .legacyTuples:
                for table in legacy {
                    needs.append(PrivilegeNeed(.table(table.name), wanted.filter { $0 != .drop }))
                    if wanted.contains(.drop) { needs.append(PrivilegeNeed(.table(table.name), [.drop])) }
                    if !rights(.legacyBookkeeping).isEmpty { needs.append(PrivilegeNeed(.table(table.migrationTable), [.drop])) }
                }
            case .legacyBookkeeping:
                continue // with its tuple table, above
            case .currentDatabase:
                needs.append(PrivilegeNeed(.currentDatabase, wanted))
            case .currentSchema:
                needs.append(PrivilegeNeed(.currentSchema, wanted))
            case .unifiedTuples:
                needs.append(PrivilegeNeed(.table(UnifiedTupleWriter.table), wanted))
            case .brokenTuples:
                if brokenTableExists {
                    needs.append(PrivilegeNeed(.table(BrokenTupleTable.name), wanted))
                } else if wanted.contains(.insert) {
                    needs.append(PrivilegeNeed(.currentSchema, [.create], purpose: "to create \(BrokenTupleTable.name)"))
                }
            case .ketoNamespace:
                needs.append(PrivilegeNeed(.table(LegacyLayout.ketoNamespaceTable), wanted))
            case .networks:
                needs.append(PrivilegeNeed(.table("networks"), wanted))
            case .schemaMigration:
                needs.append(PrivilegeNeed(.table(UnifiedSchema.bookkeepingTable), wanted))
            }
        }
        return needs
    }
}

/// Rights a command needs on one object.
public struct PrivilegeNeed: Sendable, Equatable {
    public enum Object: Sendable, Hashable {
        case table(String)
        case currentSchema
        case currentDatabase
    }

    public enum Right: String, Sendable {
        case select = "SELECT", insert = "INSERT", update = "UPDATE"
        /// Any of UPDATE, DELETE or TRUNCATE, which a lock above ROW EXCLUSIVE needs.
        case lock = "LOCK"
        /// Ownership, or membership in the owner's role.
        case drop = "DROP"
        case create = "CREATE"
        case temporary = "TEMPORARY"
    }

    public let object: Object
    public let rights: [Right]
    /// Why, when a refusal should say it.
    public let purpose: String?

    public init(_ object: Object, _ rights: [Right], purpose: String? = nil) {
        self.object = object
        self.rights = rights
        self.purpose = purpose
    }
}

/// One thing the login may not do, and what closes the gap.
public struct PrivilegeGap: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// No schema of the search path exists: there is nowhere to work.
        case noCurrentSchema
        /// Rights missing on the current schema, the database or a table
        /// (named), e.g. `no CREATE on schema public`.
        case missing([PrivilegeNeed.Right], on: PrivilegeNeed.Object, named: String, purpose: String?)
        /// The table cannot be locked against writers.
        case cannotLock(table: String)
        /// The table cannot be dropped; `owner` owns it.
        case cannotDrop(table: String, owner: String)
        /// A file or directory the database writes cannot be written: the
        /// problem as a phrase.
        case file(String)
    }

    public let kind: Kind
    /// The statement or command that closes it; gaps of one table or one
    /// owner may share one.
    public let fix: String

    public init(_ kind: Kind, fix: String) {
        self.kind = kind
        self.fix = fix
    }
}

/// A backend's answer to `PrivilegeChecking.checkPrivileges(_:)`.
public struct PrivilegeReport: Sendable {
    /// The role asked about; nil where there are no roles (SQLite).
    public let role: String?
    public let gaps: [PrivilegeGap]
    /// What is held, for a line saying all is well.
    public let held: String

    public init(role: String?, gaps: [PrivilegeGap], held: String) {
        self.role = role
        self.gaps = gaps
        self.held = held
    }
}
