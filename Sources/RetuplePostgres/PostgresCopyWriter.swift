/// Writes rows of a running `COPY … FROM STDIN` in text format.
///
/// Obtain one from `PostgresConnection.copyIn(_:_:)`. Append each field of
/// a row in column order, then call `endRow()`. Data is sent in 64 KiB
/// chunks, so memory stays flat however many rows are written.
public final class PostgresCopyWriter {
    private let connection: PostgresConnection
    // Touched for every field of every row. Swift checks exclusive access
    // to a class's stored properties at run time, and those checks cost
    // more than the appends themselves; nothing here hands out long or
    // overlapping access to these two, so the checks are turned off.
    @exclusivity(unchecked) private var buffer: [UInt8] = []
    @exclusivity(unchecked) private var fieldsInRow = 0
    private static let chunkSize = 1 << 16

    init(connection: PostgresConnection) {
        self.connection = connection
        buffer.reserveCapacity(Self.chunkSize + 1024)
    }

    /// Appends SQL NULL (`\N` in text format).
    public func appendNull() {
        startField()
        buffer.append(UInt8(ascii: "\\"))
        buffer.append(UInt8(ascii: "N"))
    }

    public func append(_ value: Int64) {
        startField()
        buffer.append(contentsOf: String(value).utf8)
    }

    /// Appends text, escaped as COPY's text format requires: "Backslash
    /// characters (\\) can be used in the COPY data to quote data characters
    /// that might otherwise be taken as row or column delimiters"
    /// (sql-copy.html, Text Format).
    public func append(_ value: String) {
        var value = value
        value.withUTF8(appendEscaped)
    }

    /// Appends `bytes` as one field. Most values need no escaping and are
    /// copied in one piece: this runs for every field of every row.
    private func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>) {
        startField()
        guard bytes.contains(where: { Self.escapeLetter(of: $0) != nil }) else {
            buffer.append(contentsOf: bytes)
            return
        }
        for byte in bytes {
            if let letter = Self.escapeLetter(of: byte) {
                buffer.append(UInt8(ascii: "\\"))
                buffer.append(letter)
            } else {
                buffer.append(byte)
            }
        }
    }

    /// The letter that follows a backslash for `byte` in COPY text, or nil
    /// when `byte` stands for itself.
    private static func escapeLetter(of byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "\\"): UInt8(ascii: "\\")
        case UInt8(ascii: "\t"): UInt8(ascii: "t")
        case UInt8(ascii: "\n"): UInt8(ascii: "n")
        case UInt8(ascii: "\r"): UInt8(ascii: "r")
        default: nil
        }
    }

    /// Ends the current row; sends a chunk when enough data is buffered.
    public func endRow() throws {
        buffer.append(UInt8(ascii: "\n"))
        fieldsInRow = 0
        if buffer.count >= Self.chunkSize {
            try flush()
        }
    }

    func flush() throws {
        try buffer.withUnsafeBytes { try connection.putCopyData($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func startField() {
        if fieldsInRow > 0 { buffer.append(UInt8(ascii: "\t")) }
        fieldsInRow += 1
    }
}
