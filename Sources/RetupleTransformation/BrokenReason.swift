/// Why a legacy row cannot be carried over faithfully (docs/contract.md).
/// The raw values are the codes written to reports and the database.
public enum BrokenReason: String, CaseIterable, Sendable, Codable {
    /// A subject with `#` that does not split into `namespace:object#relation`.
    case malformedSubject = "malformed_subject"
    /// A subject set naming a namespace the configuration does not have.
    case unknownSubjectNamespace = "unknown_subject_namespace"
    /// A NULL where the unified table needs a value.
    case nullField = "null_field"
    /// A value over 64 characters for a 64-character column.
    case tooLong = "too_long"
    /// Stored bytes that are not valid UTF-8.
    case invalidUTF8 = "invalid_utf8"
    /// A commit time that cannot be read as an instant.
    case invalidCommitTime = "invalid_commit_time"
}
