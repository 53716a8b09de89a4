import Logging

/// One finding of `retuple doctor`: what was checked, how it stands, what
/// was found, and what fixes it.
public struct DoctorCheck: Sendable, Equatable {
    /// The checks, in the order `Diagnosis` runs them.
    public enum Name: String, Sendable, CaseIterable {
        case connectivity, privileges, schema, namespaces
        case brokenTuples = "broken_tuples"
        case locks, settings
        /// Only when a SQLite file's interrupted transaction was rolled
        /// back as the doctor opened it; not in `allCases`.
        case recovery

        /// The checks every diagnosis makes, in order.
        public static var allCases: [Name] {
            [.connectivity, .privileges, .schema, .namespaces, .brokenTuples, .locks, .settings]
        }
    }

    public enum Status: String, Sendable {
        /// Nothing in the way.
        case ok
        /// Worth acting on, but no command is refused because of it.
        case warn
        /// A retuple command will fail until it is fixed.
        case fail
        /// Not checked: it does not apply to this database, or a check it
        /// depends on failed (`found` says which).
        case skip
    }

    public let name: Name
    public let status: Status
    /// What was found, on one line; never a password.
    public let found: String
    /// The command or SQL that fixes a `warn` or `fail`; nil otherwise,
    /// and for a failure no command can fix (`found` says what happened).
    public let fix: String?

    public init(_ name: Name, _ status: Status, _ found: String, fix: String? = nil) {
        self.name = name
        self.status = status
        self.found = found.split(whereSeparator: \.isNewline).joined(separator: " ")
        self.fix = fix?.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}

/// What `retuple doctor` finds (docs/doctor.md): whether the other
/// commands can run against a database, and what to do where they cannot.
///
/// The checks only read: the database is opened read-only (SQLite) and
/// PostgreSQL is asked through its catalog and privilege functions, so
/// running it on a live database changes nothing and takes no lock a
/// writer waits for. (On SQLite the lock check briefly opens a write
/// transaction and rolls it back, writing nothing, to see whether another
/// connection holds the write lock.)
///
/// A check that cannot be made (the server answers an error) is a `fail`
/// naming the error; an unreachable database is a failed `connectivity`
/// and every other check is skipped.
public struct Diagnosis: Sendable {
    /// One per `DoctorCheck.Name`, in that order.
    public let checks: [DoctorCheck]

    /// The failed checks; `retuple doctor` exits 1 when there is one.
    public var failures: [DoctorCheck] { checks.filter { $0.status == .fail } }

    /// Runs every check against the database `dsn` names.
    ///
    /// - Parameter configuration: Keto's configuration (`-c`), nil when
    ///   none was given: legacy tables are then all unconfigured.
    public init(dsn: DataSourceName, configuration: Configuration?, logger: Logger) {
        let database: any Database
        var recoveredPath: String?
        do {
            database = try openDatabase(dsn, intent: .readOnly) { recoveredPath = $0 }
        } catch {
            checks = [ConnectivityDiagnosis.unreachable(dsn, error)] + DoctorCheck.Name.allCases.dropFirst().map {
                DoctorCheck($0, .skip, "not checked: no connection to the database")
            }
            return
        }
        defer { database.close() }
        let session = DoctorSession(database: database, dsn: dsn, configuration: configuration, logger: logger)
        let groups: [(DoctorCheck.Name, (DoctorSession) throws -> DoctorCheck)] = [
            (.connectivity, ConnectivityDiagnosis.connected),
            (.privileges, PrivilegeDiagnosis.check),
            (.schema, SchemaDiagnosis.schema),
            (.namespaces, SchemaDiagnosis.namespaces),
            (.brokenTuples, SchemaDiagnosis.brokenTuples),
            (.locks, { try $0.database.diagnoseLocks(legacyTables: Set(try $0.legacyTables().map(\.table))) }),
            (.settings, { try $0.database.diagnoseSettings() }),
        ]
        var checks = groups.map { name, check in
            do {
                return try check(session)
            } catch {
                return DoctorCheck(name, .fail, "could not check: \(error)")
            }
        }
        if let recoveredPath {
            checks.insert(DoctorCheck(
                .recovery, .warn, "recovered an interrupted transaction in \(recoveredPath) (rolled back): a run was killed or the machine stopped in the middle of a write",
                fix: "nothing left to do for the file, which is at its last commit; run `retuple status` to see what is left to migrate"
            ), at: 1)
        }
        self.checks = checks
    }
}

/// What every check of one `Diagnosis` works with.
struct DoctorSession {
    let database: any Database
    let dsn: DataSourceName
    let configuration: Configuration?
    let logger: Logger

    /// The namespace ids of the legacy tuple tables in the current schema,
    /// with their table names, in id order.
    func legacyTables() throws -> [(id: Int64, table: String)] {
        try database.tableNames()
            .compactMap { name in LegacyLayout.namespaceID(ofTupleTable: name).map { (id: $0, table: name) } }
            .sorted { $0.id < $1.id }
    }
}
