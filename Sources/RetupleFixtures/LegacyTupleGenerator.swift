import RetupleCore

/// What to generate: how many tuples, over how many namespaces, and which
/// share of them broken for each reason.
public struct GeneratorPlan: Sendable {
    /// Total legacy rows over all namespaces.
    public var tuples: Int
    /// Namespaces `0 ..< namespaceCount`, named `ns0`, `ns1`, …
    public var namespaceCount: Int
    public var seed: UInt64
    /// Share of `tuples` (0…1) to make broken, per reason.
    public var brokenShares: [BrokenReason: Double]
    /// The share (0…1) of rows in the first namespace, the rest spread
    /// evenly over the others: a skewed shape. nil spreads all evenly.
    public var firstNamespaceShare: Double?

    public init(tuples: Int, namespaceCount: Int, seed: UInt64 = 1, brokenShares: [BrokenReason: Double] = [:]) {
        self.tuples = tuples
        self.namespaceCount = namespaceCount
        self.seed = seed
        self.brokenShares = brokenShares
    }

    /// The namespace of row `index` with `firstNamespaceShare`: of every
    /// 1000 rows, that share in the first namespace, the others in turn.
    func namespaceID(ofRow index: Int) -> Int32 {
        let first = Int(((firstNamespaceShare ?? 0) * 1000).rounded())
        let slot = index % 1000
        return slot < first ? 0 : Int32(1 + (slot - first) % (namespaceCount - 1))
    }

    /// The namespaces as the generated configuration declares them.
    public var namespaces: [Namespace] {
        (0..<namespaceCount).map { Namespace(id: Int32($0), name: "ns\($0)") }
    }

    /// The exact number of broken rows per reason: `share × tuples`, rounded.
    public var brokenCounts: [BrokenReason: Int] {
        brokenShares.mapValues { Int(($0 * Double(tuples)).rounded()) }.filter { $0.value > 0 }
    }

    /// The reasons a legacy table on `backend` can hold at all.
    ///
    /// PostgreSQL enforces the v0.6 column types, so its tables cannot
    /// hold NULL key columns, an object over 64 characters, or invalid
    /// UTF-8; a subject up to 256 characters and `infinity` commit times
    /// they can.
    public static func possibleReasons(on backend: DatabaseBackend) -> [BrokenReason] {
        switch backend {
        case .sqlite: BrokenReason.allCases
        case .postgres: [.malformedSubject, .unknownSubjectNamespace, .tooLong, .invalidCommitTime]
        }
    }

    /// Checks the plan can be made on `backend`.
    /// - Throws: `RetupleError` naming the flag or reason at fault.
    public func validate(for backend: DatabaseBackend) throws {
        guard tuples >= 0 else { throw RetupleError("--tuples must not be negative") }
        guard (1...1_000).contains(namespaceCount) else { throw RetupleError("--namespaces must be between 1 and 1000") }
        let possible = Self.possibleReasons(on: backend)
        for (reason, share) in brokenShares {
            guard (0...1).contains(share) else { throw RetupleError("broken share for \(reason.rawValue) must be between 0 and 1, got \(share)") }
            guard possible.contains(reason) || share == 0 else {
                throw RetupleError("a \(backend.rawValue) legacy table cannot hold \(reason.rawValue) rows: its column types reject them")
            }
        }
        guard brokenCounts.values.reduce(0, +) <= tuples else {
            throw RetupleError("the broken shares add up to more than all tuples")
        }
    }
}

/// What `LegacyTupleGenerator.generate` wrote.
public struct GeneratorSummary: Sendable, Equatable {
    /// Rows per namespace id.
    public var rowsPerNamespace: [Int32: Int] = [:]
    /// Broken rows per reason.
    public var brokenPerReason: [BrokenReason: Int] = [:]

    public var totalRows: Int { rowsPerNamespace.values.reduce(0, +) }
    public var totalBroken: Int { brokenPerReason.values.reduce(0, +) }
}

/// Generates a Keto v0.6 database of any size with a fixed seed: realistic
/// tuples (objects shared by several tuples, subject ids and subject sets
/// across namespaces, commit times as v0.6 stored them) and, on request,
/// an exact number of broken rows per reason.
///
/// Rows go through `Database.bulkInsert` (COPY on PostgreSQL, one prepared
/// INSERT on SQLite) in one transaction.
public struct LegacyTupleGenerator {
    public let plan: GeneratorPlan

    static let relations = ["owner", "editor", "viewer", "member"]
    /// 2021-06-01 00:00:00 UTC: commit times count up from here.
    static let firstCommit: Int64 = 1_622_505_600

    public init(plan: GeneratorPlan) {
        self.plan = plan
    }

    /// Creates the v0.6 schema and fills it.
    @discardableResult
    public func generate(into database: any Database) throws -> GeneratorSummary {
        try plan.validate(for: database.backend)
        if database.backend == .sqlite {
            // A fixture, not production data: trade durability for speed.
            try database.executeScript("PRAGMA synchronous = OFF; PRAGMA journal_mode = MEMORY")
        }
        let brokenAt = brokenPositions()
        var summary = GeneratorSummary()
        try database.transaction {
            try LegacySchema.create(in: database, namespaceIDs: plan.namespaces.map(\.id))
            for namespace in plan.namespaces {
                let table = LegacyLayout.tupleTable(namespaceID: namespace.id)
                summary.rowsPerNamespace[namespace.id] = try database.bulkInsert(into: table, columns: LegacyLayout.tupleColumns) { inserter in
                    var random = SeededGenerator(seed: plan.seed &+ UInt64(namespace.id) &* 0x1000_0001)
                    let skewed = plan.firstNamespaceShare != nil && plan.namespaceCount > 1
                    var index = skewed ? 0 : Int(namespace.id)
                    while index < plan.tuples {
                        if skewed, plan.namespaceID(ofRow: index) != namespace.id {
                            index += 1
                            continue
                        }
                        let reason = brokenAt[index]
                        let row = reason.map { brokenRow($0, index: index, backend: database.backend) }
                            ?? validRow(index: index, random: &random, backend: database.backend)
                        try inserter.insert(row)
                        if let reason { summary.brokenPerReason[reason, default: 0] += 1 }
                        index += skewed ? 1 : plan.namespaceCount
                    }
                }
            }
        }
        return summary
    }

    /// Which global row indexes are broken, and why: evenly spread over the
    /// table, reasons shuffled with the seed.
    func brokenPositions() -> [Int: BrokenReason] {
        var reasons: [BrokenReason] = []
        for reason in BrokenReason.allCases {
            reasons += Array(repeating: reason, count: plan.brokenCounts[reason] ?? 0)
        }
        guard !reasons.isEmpty else { return [:] }
        var random = SeededGenerator(seed: plan.seed ^ 0xB40C_E4)
        reasons.shuffle(using: &random)
        var positions: [Int: BrokenReason] = [:]
        let stride = Double(plan.tuples) / Double(reasons.count)
        for (offset, reason) in reasons.enumerated() {
            positions[Int(Double(offset) * stride)] = reason
        }
        return positions
    }

    /// A row the migration carries over.
    func validRow(index: Int, random: inout SeededGenerator, backend: DatabaseBackend) -> [DatabaseValue] {
        let objectsPerNamespace = max(1, plan.tuples / plan.namespaceCount / 4)
        let object = "object-\(random.next() % UInt64(objectsPerNamespace))"
        let relation = Self.relations[Int(random.next() % 4)]
        let subject: String
        if random.next() % 4 == 0 {
            let namespace = plan.namespaces[Int(random.next() % UInt64(plan.namespaceCount))]
            subject = "\(namespace.name):object-\(random.next() % UInt64(objectsPerNamespace))#\(Self.relations[Int(random.next() % 4)])"
        } else {
            subject = "user-\(random.next() % UInt64(max(1, plan.tuples / 2)))"
        }
        // Unique seconds per row keep the legacy primary key unique.
        let commit = Timestamp(seconds: Self.firstCommit + Int64(index), nanoseconds: Int32(random.next() % 1_000_000_000))
        return [.text("default"), .text(object), .text(relation), .text(subject), .text(legacyText(commit, backend))]
    }

    /// A row that must be reported broken with `reason`.
    func brokenRow(_ reason: BrokenReason, index: Int, backend: DatabaseBackend) -> [DatabaseValue] {
        let commit = DatabaseValue.text(legacyText(Timestamp(seconds: Self.firstCommit + Int64(index)), backend))
        let object = DatabaseValue.text("broken-\(index)")
        let variant = index % 3
        switch reason {
        case .malformedSubject:
            let subjects = ["ns0:object-\(index)#member#extra", "object-\(index)#member", "ns0:a:\(index)#member"]
            return ["default", object, "viewer", .text(subjects[variant]), commit]
        case .unknownSubjectNamespace:
            return ["default", object, "viewer", .text("unconfigured:object-\(index)#member"), commit]
        case .nullField:
            var row: [DatabaseValue] = ["default", object, "viewer", .text("user-\(index)"), commit]
            row[1 + index % 4] = .null
            return row
        case .tooLong:
            let long = "x\(index)-" + String(repeating: "y", count: 64)
            if backend == .sqlite && variant == 0 {
                return ["default", .text(long), "viewer", "user-1", commit]
            }
            let subject = variant == 1 ? long : "ns0:\(long)#member"
            return ["default", object, "viewer", .text(subject), commit]
        case .invalidUTF8:
            return ["default", .bytes(Array("broken-\(index)-".utf8) + [0xFF, 0xFE]), "viewer", "user-1", commit]
        case .invalidCommitTime:
            return ["default", object, "viewer", "user-1", backend == .postgres ? "infinity" : .text("not a time \(index)")]
        }
    }

    /// A commit time as Keto v0.6 stored it: Go's SQLite driver format, or
    /// a PostgreSQL `timestamp`.
    func legacyText(_ time: Timestamp, _ backend: DatabaseBackend) -> String {
        backend == .sqlite ? time.sqliteText : time.postgresText
    }
}
