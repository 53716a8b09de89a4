import Foundation

/// The report file of broken rows (docs/contract.md): JSON Lines,
/// mode 0600, created only when the first broken row is added.
///
/// Lines are buffered and written whole, each `write(2)` holding only
/// complete lines, so a process killed at any moment leaves a file of
/// whole lines. An existing file at the path is replaced: the report
/// describes one run, and `retuple_broken_tuples` keeps the durable record.
public final class BrokenTupleReport {
    /// Where the report goes, as given.
    public let path: String
    /// Lines added so far.
    public private(set) var lineCount = 0
    private var descriptor: Int32 = -1
    private var pending: [UInt8] = []
    /// Bytes written to the file so far.
    private var written = 0
    private let encoder: JSONEncoder
    /// The report a section writes into; nil for the report itself.
    private let parent: BrokenTupleReport?
    /// The report's: serializes the sections' writes and removals.
    private let mutex = NSLock()
    /// The report's: what each write put in the file, in file order, so a
    /// rolled-back section's lines can be taken out again.
    private var chunks: [(section: ObjectIdentifier, size: Int, lines: Int)] = []

    public init(path: String) {
        self.path = path
        encoder = Self.lineEncoder()
        parent = nil
    }

    private init(sectionOf parent: BrokenTupleReport) {
        path = parent.path
        encoder = Self.lineEncoder()
        self.parent = parent
    }

    /// A part of this report for one namespace of a run that migrates
    /// several at once, used by one thread. Its lines reach the file whole,
    /// a batch of whole lines per write, never inside another section's
    /// line; `discard(since:)` on it takes out only its own lines, however
    /// they lie between the other sections'. `lineCount`, `mark()` and
    /// `discard(since:)` on a section count its own lines; `isCreated` and
    /// `lineCount` of the report itself count every section's.
    public func section() -> BrokenTupleReport {
        precondition(parent == nil, "a section has no sections")
        return BrokenTupleReport(sectionOf: self)
    }

    /// The encoder of report lines: one line of sorted keys per value.
    /// Whatever writes lines of this format elsewhere (`retuple broken
    /// export` to stdout) uses it, so the bytes are the same.
    public static func lineEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // SQLite can store an infinite REAL; JSON has no such number.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return encoder
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// `retuple-broken-tuples-<UTC time>.jsonl`, e.g.
    /// `retuple-broken-tuples-20261121T101500Z.jsonl`.
    public static func defaultFileName(at time: Timestamp = .now()) -> String {
        let (year, month, day, hour, minute, second) = time.components
        let stamp = String(format: "%04d%02d%02dT%02d%02d%02dZ", Int(year), month, day, hour, minute, second)
        return "retuple-broken-tuples-\(stamp).jsonl"
    }

    /// Whether the file was created (something was reported).
    public var isCreated: Bool {
        guard parent == nil else { return parent!.isCreated }
        mutex.lock()
        defer { mutex.unlock() }
        return descriptor >= 0
    }

    /// Checks, before anything changes, that the report could be written:
    /// an existing path must be a writable regular file, a new one must be
    /// in a writable directory. A symbolic link is refused: followed, it
    /// would put the report, and its mode 0600, on whatever file it
    /// points to.
    ///
    /// - Throws: `RetupleError` naming the path and what is wrong.
    public func checkWritable() throws {
        var status = stat()
        if lstat(path, &status) == 0 {
            guard status.st_mode & S_IFMT != S_IFLNK else {
                throw RetupleError("cannot write the report to \(path): it is a symbolic link; give the path of the file itself")
            }
            guard status.st_mode & S_IFMT == S_IFREG else {
                throw RetupleError("cannot write the report to \(path): it exists and is not a regular file")
            }
            guard access(path, W_OK) == 0 else {
                throw RetupleError("cannot write the report to \(path): the file is not writable")
            }
            return
        }
        let directory = (path as NSString).deletingLastPathComponent
        let parent = directory.isEmpty ? "." : directory
        guard stat(parent, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
            throw RetupleError("cannot write the report to \(path): directory \(parent) does not exist")
        }
        guard access(parent, W_OK | X_OK) == 0 else {
            throw RetupleError("cannot write the report to \(path): directory \(parent) is not writable")
        }
    }

    /// Adds the line for one broken row; writes buffered lines when enough
    /// have gathered.
    public func add(_ line: BrokenTupleReportLine) throws {
        pending.append(contentsOf: try encoder.encode(line))
        pending.append(UInt8(ascii: "\n"))
        lineCount += 1
        if pending.count >= 1 << 16 { try flush() }
    }

    /// Creates the file (mode 0600, replacing one at the path) even when no
    /// line is added: for an export, whose file must exist when empty.
    /// Never follows a symbolic link at the path (`O_NOFOLLOW`), even one
    /// made after `checkWritable()`.
    public func create() throws {
        guard descriptor < 0 else { return }
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { throw failure("cannot create") }
        // The mode given to open(2) does not change an existing file's.
        guard fchmod(descriptor, 0o600) == 0 else { throw failure("cannot restrict") }
    }

    /// Writes every buffered line (creating the file on first use).
    public func flush() throws {
        guard !pending.isEmpty else { return }
        if let parent {
            try parent.append(pending, lines: lineCount - flushedLines, from: self)
            written += pending.count
            flushedLines = lineCount
            pending.removeAll(keepingCapacity: true)
            return
        }
        try create()
        var offset = 0
        let failed: RetupleError? = pending.withUnsafeBytes { buffer in
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return failure("cannot write")
                }
                offset += written
            }
            return nil
        }
        if let failed {
            // A full disk may take part of the buffer before refusing the
            // rest: count what reached the file, so `discard` cuts it off.
            written += offset
            pending.removeFirst(offset)
            throw failed
        }
        written += pending.count
        pending.removeAll(keepingCapacity: true)
    }

    /// A point in the report to go back to: lines and bytes so far.
    public struct Mark: Sendable {
        let lineCount: Int
        let size: Int
    }

    /// Where the report stands now, before a namespace adds its lines.
    public func mark() -> Mark {
        Mark(lineCount: lineCount, size: written + pending.count)
    }

    /// Forgets every line added after `mark`: its namespace was rolled back,
    /// so the report keeps describing only what was committed (or dry-run).
    public func discard(since mark: Mark) throws {
        if let parent {
            if mark.size >= written {
                pending.removeLast(pending.count - (mark.size - written))
            } else {
                pending.removeAll(keepingCapacity: true)
                try parent.remove(from: self, keepingBytes: mark.size, lines: flushedLines - mark.lineCount)
                written = mark.size
                flushedLines = mark.lineCount
            }
            lineCount = mark.lineCount
            return
        }
        if mark.size >= written {
            pending.removeLast(pending.count - (mark.size - written))
        } else {
            pending.removeAll(keepingCapacity: true)
            guard ftruncate(descriptor, off_t(mark.size)) == 0, lseek(descriptor, off_t(mark.size), SEEK_SET) >= 0 else {
                throw failure("cannot truncate")
            }
            written = mark.size
        }
        lineCount = mark.lineCount
    }

    /// A section's lines written so far.
    private var flushedLines = 0

    /// Writes a section's whole lines at the end of the file in one piece.
    private func append(_ bytes: [UInt8], lines: Int, from section: BrokenTupleReport) throws {
        mutex.lock()
        defer { mutex.unlock() }
        try create()
        try writeAll(bytes, to: descriptor)
        written += bytes.count
        lineCount += lines
        chunks.append((ObjectIdentifier(section), bytes.count, lines))
    }

    /// Takes a rolled-back section's lines out of the file, but its first
    /// `keepingBytes`: the other lines are written to a new file beside it,
    /// which then replaces it (`rename(2)`), so the report is whole
    /// whenever the process stops.
    private func remove(from section: BrokenTupleReport, keepingBytes kept: Int, lines removedLines: Int) throws {
        mutex.lock()
        defer { mutex.unlock() }
        let owner = ObjectIdentifier(section)
        guard descriptor >= 0 else { return }
        var content = [UInt8](repeating: 0, count: written)
        var offset = 0
        while offset < written {
            let count = content.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + offset, written - offset, off_t(offset)) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw failure("cannot read") }
            offset += count
        }
        var kept = kept
        var remaining: [UInt8] = []
        var newChunks: [(section: ObjectIdentifier, size: Int, lines: Int)] = []
        var start = 0
        for chunk in chunks {
            defer { start += chunk.size }
            if chunk.section == owner {
                let keep = min(kept, chunk.size)
                kept -= keep
                guard keep > 0 else { continue }
                remaining.append(contentsOf: content[start..<start + keep])
                newChunks.append((owner, keep, 0))
            } else {
                remaining.append(contentsOf: content[start..<start + chunk.size])
                newChunks.append(chunk)
            }
        }
        let temporary = path + ".retuple-\(getpid())"
        let replacement = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard replacement >= 0 else { throw failure("cannot rewrite") }
        do {
            guard fchmod(replacement, 0o600) == 0 else { throw failure("cannot restrict") }
            try writeAll(remaining, to: replacement)
            guard rename(temporary, path) == 0 else { throw failure("cannot replace") }
        } catch {
            close(replacement)
            unlink(temporary)
            throw error
        }
        close(descriptor)
        descriptor = replacement
        guard lseek(descriptor, 0, SEEK_END) >= 0 else { throw failure("cannot seek in") }
        written = remaining.count
        lineCount -= removedLines
        chunks = newChunks
    }

    private func writeAll(_ bytes: [UInt8], to descriptor: Int32) throws {
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw failure("cannot write")
                }
                offset += written
            }
        }
    }

    private func failure(_ what: String) -> RetupleError {
        RetupleError("\(what) the report \(path): \(String(cString: strerror(errno)))")
    }
}

/// One line of the report (docs/contract.md), also the shape
/// operators edit to recreate tuples.
public struct BrokenTupleReportLine: Codable, Hashable, Sendable {
    public var namespace: String
    public var namespaceID: Int32
    public var table: String
    public var shardID: ReportValue
    public var object: ReportValue
    public var relation: ReportValue
    public var subject: ReportValue
    public var commitTime: ReportValue
    public var reason: BrokenReason
    public var message: String
    public var recreate: KetoRelationTuple?

    public init(_ broken: BrokenTuple, in table: LegacyTable) {
        namespace = table.namespace.name
        namespaceID = table.namespace.id
        self.table = table.name
        shardID = ReportValue(broken.legacy.shardID)
        object = ReportValue(broken.legacy.object)
        relation = ReportValue(broken.legacy.relation)
        subject = ReportValue(broken.legacy.subject)
        commitTime = ReportValue(broken.legacy.commitTime)
        reason = broken.reason
        message = broken.message
        recreate = broken.recreate
    }

    enum CodingKeys: String, CodingKey {
        case namespace, table, object, relation, subject, reason, message, recreate
        case namespaceID = "namespace_id"
        case shardID = "shard_id"
        case commitTime = "commit_time"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(namespace, forKey: .namespace)
        try container.encode(namespaceID, forKey: .namespaceID)
        try container.encode(table, forKey: .table)
        try container.encode(shardID, forKey: .shardID)
        try container.encode(object, forKey: .object)
        try container.encode(relation, forKey: .relation)
        try container.encode(subject, forKey: .subject)
        try container.encode(commitTime, forKey: .commitTime)
        try container.encode(reason, forKey: .reason)
        try container.encode(message, forKey: .message)
        try container.encode(recreate, forKey: .recreate) // null, not absent
    }
}

/// A stored legacy value in a report: JSON null, a number, a string, or
/// `{"hex": "…"}` for bytes that are not valid UTF-8.
public enum ReportValue: Codable, Hashable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case hex(String)

    public init(_ value: DatabaseValue) {
        switch value {
        case .null: self = .null
        case .integer(let integer): self = .integer(integer)
        case .real(let real): self = .real(real)
        case .text(let text): self = .text(text)
        case .bytes(let bytes): self = .hex(hexString(bytes))
        }
    }

    private struct Hex: Codable { let hex: String }

    /// The stored value this stands for: the inverse of `init(_:)`; nil
    /// for `hex` that is not an even number of hexadecimal digits.
    public var databaseValue: DatabaseValue? {
        switch self {
        case .null: return .null
        case .integer(let integer): return .integer(integer)
        case .real(let real): return .real(real)
        case .text(let text): return .text(text)
        case .hex(let hex):
            let digits = Array(hex.utf8)
            guard digits.count % 2 == 0 else { return nil }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(digits.count / 2)
            for index in stride(from: 0, to: digits.count, by: 2) {
                guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
                bytes.append(high << 4 | low)
            }
            return .bytes(bytes)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .integer(let integer): try container.encode(integer)
        case .real(let real): try container.encode(real)
        case .text(let text): try container.encode(text)
        case .hex(let hex): try container.encode(Hex(hex: hex))
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let integer = try? container.decode(Int64.self) {
            self = .integer(integer)
        } else if let real = try? container.decode(Double.self) {
            self = .real(real)
        } else if let text = try? container.decode(String.self) {
            self = .text(text)
        } else {
            self = .hex(try container.decode(Hex.self).hex)
        }
    }
}

/// The value of one hexadecimal digit (either case), or nil.
private func hexValue(_ digit: UInt8) -> UInt8? {
    switch digit {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
    default: nil
    }
}
