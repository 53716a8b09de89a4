import Foundation

/// One line of a file given to `retuple broken apply`: a tuple to write to
/// `keto_relation_tuples`, and the legacy row it stands for when the line
/// is a report line.
///
/// Two shapes are read (JSON Lines, one object a line):
/// - a report line (docs/contract.md), as the migration or `retuple broken
///   export` wrote it, whose `recreate` an operator filled in or fixed: the
///   tuple is `recreate`, and the legacy columns (`namespace_id`,
///   `shard_id`, `object`, `relation`, `subject`, `commit_time`) name the
///   broken row it replaces. A line with `recreate` but no `namespace_id`
///   carries no legacy row;
/// - a tuple in Keto v0.7's JSON shape, written by hand: `namespace`,
///   `object`, `relation`, and `subject_id` or `subject_set` {`namespace`,
///   `object`, `relation`}.
///
/// A tuple is read strictly: an unknown key (`subject`, a typo) or a value
/// that is not a string is refused rather than guessed at.
public struct RecreateLine: Sendable {
    /// The 1-based line number in the file.
    public let number: Int
    public let tuple: KetoRelationTuple
    /// The broken legacy row the tuple replaces, as the report gave it.
    public let legacy: LegacyRow?

    /// A legacy row named by a report line.
    public struct LegacyRow: Sendable {
        public let namespaceID: Int32
        public let tuple: LegacyTuple
    }

    /// Parses the lines of a JSON Lines file; blank lines are skipped and
    /// lines are numbered as in the file.
    public static func parse(_ data: Data) -> [Result<RecreateLine, RecreateRejection>] {
        var results: [Result<RecreateLine, RecreateRejection>] = []
        for (index, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            guard line.contains(where: { ![UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r")].contains($0) }) else { continue }
            do {
                results.append(.success(try parse(Data(line), number: index + 1)))
            } catch {
                results.append(.failure(error))
            }
        }
        return results
    }

    /// Reads and parses the file at `path`.
    ///
    /// - Throws: `RetupleError` naming the file when it cannot be read.
    public static func read(path: String) throws -> [Result<RecreateLine, RecreateRejection>] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw RetupleError("cannot read \(path): it does not exist")
        }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else {
            throw RetupleError("cannot read \(path): \(isDirectory.boolValue ? "it is a directory" : "it cannot be read")")
        }
        return parse(data)
    }

    private static func parse(_ line: Data, number: Int) throws(RecreateRejection) -> RecreateLine {
        func reject(_ reason: RecreateRejection.Reason, _ message: String) -> RecreateRejection {
            RecreateRejection(line: number, reason: reason, message: message)
        }
        guard let value = try? JSONSerialization.jsonObject(with: line, options: .fragmentsAllowed) else {
            throw reject(.invalidJSON, "the line is not valid JSON")
        }
        guard let object = value as? [String: Any] else {
            throw reject(.invalidLine, "the line is not a JSON object")
        }
        guard let recreate = object["recreate"] else {
            return RecreateLine(number: number, tuple: try tuple(object, path: "the tuple", reject), legacy: nil)
        }
        if recreate is NSNull {
            throw reject(.nothingToRecreate, "recreate is null: nothing to recreate; fill in the tuple or leave the line out")
        }
        guard let fields = recreate as? [String: Any] else {
            throw reject(.invalidLine, "recreate is not a JSON object")
        }
        let tuple = try tuple(fields, path: "recreate", reject)
        guard object["namespace_id"] != nil else {
            return RecreateLine(number: number, tuple: tuple, legacy: nil)
        }
        let columns: ReportedLegacyColumns
        do {
            columns = try JSONDecoder().decode(ReportedLegacyColumns.self, from: line)
        } catch let DecodingError.keyNotFound(key, context) where context.codingPath.isEmpty {
            throw reject(.invalidLine, "the report line has no \(key.stringValue)")
        } catch let error as DecodingError {
            throw reject(.invalidLine, "\(error.codingKey ?? "a legacy column") is not what the report writes there")
        } catch {
            throw reject(.invalidLine, "the legacy columns cannot be read")
        }
        var values: [DatabaseValue] = []
        for (key, value) in columns.values {
            guard let stored = value.databaseValue else {
                throw reject(.invalidLine, "\(key) is not what the report writes there: {\"hex\": …} needs pairs of hex digits")
            }
            values.append(stored)
        }
        let legacy = LegacyTuple(shardID: values[0], object: values[1], relation: values[2], subject: values[3], commitTime: values[4])
        return RecreateLine(number: number, tuple: tuple, legacy: LegacyRow(namespaceID: columns.namespaceID, tuple: legacy))
    }

    /// Reads a tuple in Keto v0.7's JSON shape from `fields`; `path` names
    /// it in messages (`recreate`, `recreate.subject_set`).
    private static func tuple(
        _ fields: [String: Any], path: String, _ reject: (RecreateRejection.Reason, String) -> RecreateRejection
    ) throws(RecreateRejection) -> KetoRelationTuple {
        try expectOnly(["namespace", "object", "relation", "subject_id", "subject_set"], in: fields, path: path, reject)
        let namespace = try string("namespace", in: fields, path: path, reject)
        let object = try string("object", in: fields, path: path, reject)
        let relation = try string("relation", in: fields, path: path, reject)
        var subjectID: String?
        if fields["subject_id"] != nil, !(fields["subject_id"] is NSNull) {
            subjectID = try string("subject_id", in: fields, path: path, reject)
        }
        var subjectSet: KetoRelationTuple.SubjectSet?
        switch fields["subject_set"] {
        case nil, is NSNull:
            break
        case let set as [String: Any]:
            let setPath = "\(path).subject_set"
            try expectOnly(["namespace", "object", "relation"], in: set, path: setPath, reject)
            subjectSet = .init(
                namespace: try string("namespace", in: set, path: setPath, reject),
                object: try string("object", in: set, path: setPath, reject),
                relation: try string("relation", in: set, path: setPath, reject)
            )
        default:
            throw reject(.invalidLine, "\(path).subject_set is not a JSON object")
        }
        return KetoRelationTuple(namespace: namespace, object: object, relation: relation, subjectID: subjectID, subjectSet: subjectSet)
    }

    private static func expectOnly(
        _ keys: Set<String>, in fields: [String: Any], path: String, _ reject: (RecreateRejection.Reason, String) -> RecreateRejection
    ) throws(RecreateRejection) {
        if let unknown = fields.keys.sorted().first(where: { !keys.contains($0) }) {
            throw reject(.invalidLine, "\(path) has the unknown key \(unknown); a Keto v0.7 tuple has \(keys.sorted().joined(separator: ", "))")
        }
    }

    /// A string field; missing or null is `null_field`, as a NULL legacy
    /// column is.
    private static func string(
        _ key: String, in fields: [String: Any], path: String, _ reject: (RecreateRejection.Reason, String) -> RecreateRejection
    ) throws(RecreateRejection) -> String {
        switch fields[key] {
        case nil: throw reject(.broken(.nullField), "\(path).\(key) is missing")
        case is NSNull: throw reject(.broken(.nullField), "\(path).\(key) is null")
        case let text as String: return text
        default: throw reject(.invalidLine, "\(path).\(key) is not a string")
        }
    }
}

/// A line `retuple broken apply` refuses, and why.
public struct RecreateRejection: Error, Equatable, Sendable {
    /// The 1-based line number in the file.
    public let line: Int
    public let reason: Reason
    public let message: String

    public init(line: Int, reason: Reason, message: String) {
        self.line = line
        self.reason = reason
        self.message = message
    }

    /// What is wrong with the line: its shape, or the tuple's defect in the
    /// migration's terms.
    public enum Reason: Hashable, Sendable {
        /// The line is not JSON.
        case invalidJSON
        /// JSON, but not a report line or tuple: a missing or unknown key,
        /// a value of the wrong type.
        case invalidLine
        /// A report line whose `recreate` is null.
        case nothingToRecreate
        /// The tuple's namespace is not in the configuration.
        case unknownNamespace
        /// A report line whose legacy row has no record in
        /// `retuple_broken_tuples` (another database, a dry run's report, or
        /// legacy columns edited).
        case noBrokenRecord
        /// The tuple has a defect the migration reports for legacy rows.
        case broken(BrokenReason)

        /// The code printed for it: `invalid_json`, …, or the broken reason.
        public var code: String {
            switch self {
            case .invalidJSON: "invalid_json"
            case .invalidLine: "invalid_line"
            case .nothingToRecreate: "nothing_to_recreate"
            case .unknownNamespace: "unknown_namespace"
            case .noBrokenRecord: "no_broken_record"
            case .broken(let reason): reason.rawValue
            }
        }
    }
}

/// The legacy columns of a report line, decoded as the report encodes them.
private struct ReportedLegacyColumns: Decodable {
    let namespaceID: Int32
    let shardID: ReportValue
    let object: ReportValue
    let relation: ReportValue
    let subject: ReportValue
    let commitTime: ReportValue

    /// The five columns in table order, with their keys.
    var values: [(String, ReportValue)] {
        [("shard_id", shardID), ("object", object), ("relation", relation), ("subject", subject), ("commit_time", commitTime)]
    }

    enum CodingKeys: String, CodingKey {
        case object, relation, subject
        case namespaceID = "namespace_id"
        case shardID = "shard_id"
        case commitTime = "commit_time"
    }
}

extension DecodingError {
    /// The key the error is about, for a message.
    fileprivate var codingKey: String? {
        let path: [any CodingKey] = switch self {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context), .dataCorrupted(let context):
            context.codingPath
        @unknown default: []
        }
        return path.first?.stringValue
    }
}
