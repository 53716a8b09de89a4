import Foundation

/// An instant in UTC with nanosecond precision, as Keto stores commit times.
public struct Timestamp: Hashable, Comparable, Sendable {
    /// Seconds since 1970-01-01 00:00:00 UTC.
    public let seconds: Int64
    /// Nanoseconds within the second, 0 ..< 1_000_000_000.
    public let nanoseconds: Int32

    public init(seconds: Int64, nanoseconds: Int32 = 0) {
        precondition((0..<1_000_000_000).contains(nanoseconds), "nanoseconds out of range")
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    /// The current time.
    public static func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(seconds: Int64(spec.tv_sec), nanoseconds: Int32(spec.tv_nsec))
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }

    /// The calendar fields in UTC (proleptic Gregorian).
    public var components: (year: Int64, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        // "civil_from_days" (Howard Hinnant, chrono-compatible date algorithms).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * monthIndex + 2) / 5 + 1)
        let month = Int(monthIndex < 10 ? monthIndex + 3 : monthIndex - 9)
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day, secondOfDay / 3_600, secondOfDay / 60 % 60, secondOfDay % 60)
    }

    /// `2006-01-02 15:04:05` followed by `fractionDigits` digits of fraction,
    /// trailing zeros (and a bare dot) removed as Go's `.999…` layouts do,
    /// then `suffix`. Written straight into the string's storage: this runs
    /// once per migrated row.
    func formatted(fractionDigits: Int, suffix: StaticString = "") -> String {
        let (year, month, day, hour, minute, second) = components
        var fraction = Int(nanoseconds)
        for _ in fractionDigits..<9 { fraction /= 10 }
        var digits = fractionDigits
        while digits > 0, fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        let yearDigits = max(4, String(year).utf8.count)
        let capacity = yearDigits + 15 + (digits > 0 ? 1 + digits : 0) + suffix.utf8CodeUnitCount
        return String(unsafeUninitializedCapacity: capacity) { buffer in
            var index = 0
            func put(_ value: Int64, width: Int) {
                var remaining = value
                for position in stride(from: index + width - 1, through: index, by: -1) {
                    buffer[position] = UInt8(ascii: "0") + UInt8(remaining % 10)
                    remaining /= 10
                }
                index += width
            }
            func put(_ byte: Unicode.Scalar) {
                buffer[index] = UInt8(ascii: byte)
                index += 1
            }
            put(year, width: yearDigits); put("-"); put(Int64(month), width: 2); put("-"); put(Int64(day), width: 2)
            put(" "); put(Int64(hour), width: 2); put(":"); put(Int64(minute), width: 2); put(":"); put(Int64(second), width: 2)
            if digits > 0 {
                put(".")
                put(Int64(fraction), width: digits)
            }
            suffix.withUTF8Buffer { bytes in
                for byte in bytes {
                    buffer[index] = byte
                    index += 1
                }
            }
            return index
        }
    }

    /// As Keto v0.7 stores a time on SQLite through Go's driver:
    /// `2006-01-02 15:04:05.999999999-07:00` in UTC, e.g.
    /// `2021-09-14 13:46:24.123456789+00:00`.
    public var sqliteText: String {
        formatted(fractionDigits: 9, suffix: "+00:00")
    }

    /// As input for a PostgreSQL `timestamp` column: UTC wall time with
    /// microseconds, the column's precision.
    public var postgresText: String {
        formatted(fractionDigits: 6)
    }
}
