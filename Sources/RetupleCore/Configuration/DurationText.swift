/// Durations as operators write them: `30s`, `500ms`, `2m`, `1h30m`, `0`
/// (like Go's `time.ParseDuration`, which Keto's flags use, limited to the
/// units a lock wait needs).
public enum DurationText {
    /// Parses `text`; nil when it is not a duration or is negative.
    public static func parse(_ text: String) -> Duration? {
        if text == "0" { return .zero }
        var total = Duration.zero
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(unit.count)
            let scale: Double
            switch unit {
            case "ms": scale = 0.001
            case "s": scale = 1
            case "m": scale = 60
            case "h": scale = 3600
            default: return nil
            }
            total += .milliseconds(Int64((value * scale * 1000).rounded()))
        }
        return total
    }

    /// `30s`, `1500ms`, or `no limit` for nil.
    public static func describe(_ duration: Duration?) -> String {
        guard let duration else { return "no limit" }
        let ms = milliseconds(duration)
        return ms % 1000 == 0 ? "\(ms / 1000)s" : "\(ms)ms"
    }

    /// The whole milliseconds of `duration`.
    public static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
