/// Writes rows of a running `COPY … FROM STDIN` in text format.
///
/// Obtain one from `PostgresConnection.copyIn(_:_:)`. Append each field of
/// a row in column order, then call `endRow()`. Data is sent in 64 KiB
/// chunks, so memory stays flat however many rows are written.
public final class PostgresCopyWriter {
    private let connection: PostgresConnection
    private var buffer: [UInt8] = []
    private var fieldsInRow = 0
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
    /// characters (\) can be used in the COPY data to quote data characters
    /// that might otherwise be taken as row or column delimiters"
    /// (sql-copy.html, Text Format).
    public func append(_ value: String) {
        startField()
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "\t"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "t"))
            case UInt8(ascii: "\n"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "n"))
            case UInt8(ascii: "\r"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "r"))
            default: buffer.append(byte)
            }
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
