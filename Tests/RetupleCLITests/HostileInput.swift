import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

/// The commands every hostile input is tried against, with the flags that
/// keep them from asking.
enum HostileInputCommand: String, CaseIterable, Sendable {
    case migrateLegacy = "namespace migrate legacy"
    case migrateUp = "migrate up"
    case migrateStatus = "migrate status"
    case status
    case verify
    case doctor

    var words: [String] { rawValue.split(separator: " ").map(String.init) }

    var flags: [String] {
        switch self {
        case .migrateLegacy, .migrateUp: ["-y"]
        default: []
        }
    }

    /// The commands that only read: the database must not change whatever
    /// they are given.
    static let readers: [HostileInputCommand] = [.migrateStatus, .status, .verify, .doctor]
}

/// What a command must do with a hostile input: its exit status and, for a
/// refusal, its one stderr line (`error: ` and this message).
struct ExpectedRefusal: Sendable, CustomStringConvertible {
    var status: Int32 = 1
    var message: String

    var description: String { "exit \(status): error: \(message)" }
}

extension ProcessOutcome {
    /// Checks the outcome is exactly `expected`: the status, and stderr
    /// exactly one line `error: MESSAGE` (so no stack trace, no log line,
    /// no usage text), and that none of `secrets` appears in any output.
    /// stdout must be empty unless `printsNothing` is false, and for
    /// `doctor`, which prints its checks.
    func expectRefused(
        _ expected: ExpectedRefusal, by command: HostileInputCommand, input: String, secrets: [String] = [],
        printsNothing: Bool = true, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let label = "\(command.rawValue) with \(input)"
        #expect(status == expected.status, "\(label): exit \(status), stderr: \(stderr)", sourceLocation: sourceLocation)
        #expect(stderr == "error: \(expected.message)\n", "\(label)", sourceLocation: sourceLocation)
        if command != .doctor, printsNothing {
            #expect(stdout.isEmpty, "\(label): stdout: \(stdout)", sourceLocation: sourceLocation)
        }
        for secret in secrets {
            #expect(!stdout.contains(secret) && !stderr.contains(secret), "\(label): a password is in the output", sourceLocation: sourceLocation)
        }
    }
}

/// Names of every entry of a directory and its content, to tell that a
/// refused command created, changed or removed no file there.
func directorySnapshot(_ directory: URL) throws -> [String: Data] {
    var snapshot: [String: Data] = [:]
    let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
    for name in names {
        let path = directory.appendingPathComponent(name).path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TestSupportError("\(path) is listed but does not exist (a dangling link?)")
        }
        snapshot[name] = isDirectory.boolValue ? Data("directory".utf8) : try Data(contentsOf: URL(fileURLWithPath: path))
    }
    return snapshot
}

/// An empty database of `backend` (no table at all) for `body`, with a
/// working directory: an empty SQLite file, or a new PostgreSQL database.
func withEmptyDatabase(_ backend: DatabaseBackend, _ body: (_ dsn: String, _ directory: TemporaryDirectory) throws -> Void) throws {
    try ScratchDatabase.with(backend, file: "empty.db") { scratch in
        if let path = scratch.sqlitePath {
            try Data().write(to: URL(fileURLWithPath: path))
        }
        try body(scratch.dsn, scratch.directory)
    }
}

/// Where a command says the database of `dsn` is: `sqlite database PATH`
/// or `postgres database NAME at HOST:PORT`, as `Database.location`.
func location(of dsn: String) -> String {
    if dsn.hasPrefix("sqlite://") { return "sqlite database " + String(dsn.dropFirst("sqlite://".count)) }
    let components = URLComponents(string: dsn)
    let name = String((components?.path ?? "").dropFirst())
    return "postgres database \(name) at \(components?.host ?? ""):\(components?.port ?? 5432)"
}
