extension Unicode.Scalar {
    /// How a message or output line writes this scalar when it is a control
    /// character (`\n`, `\t`, `\r`, else `\u{1b}` and the like); nil for
    /// any other scalar, which stands for itself.
    ///
    /// Legacy rows are written by Keto's clients, so their values are not
    /// trusted: written raw, an escape sequence in a subject would reach
    /// the operator's terminal (a log line at `--log-level debug`), and a
    /// line break would forge a line of its own.
    public var controlCharacterEscape: String? {
        switch self {
        case "\n": "\\n"
        case "\t": "\\t"
        case "\r": "\\r"
        default: properties.generalCategory == .control ? "\\u{\(String(value, radix: 16))}" : nil
        }
    }
}
