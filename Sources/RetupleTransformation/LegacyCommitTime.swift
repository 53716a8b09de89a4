/// Reads a legacy (Keto v0.6) `commit_time` as the instant Keto v0.6 saw.
///
/// Keto v0.6 read the column through mattn/go-sqlite3, which turns a
/// `timestamp` column's value into a `time.Time` like this (sqlite3.go):
/// an INTEGER is Unix time, in milliseconds when `val > 1e12 || val < -1e12`
/// ("Assume a millisecond unix timestamp if it's 13 digits"), seconds
/// otherwise; TEXT has one trailing `Z` removed (`strings.TrimSuffix(s, "Z")`)
/// and is parsed in UTC with the first of `SQLiteTimestampFormats` that
/// matches:
///
///     2006-01-02 15:04:05.999999999-07:00
///     2006-01-02T15:04:05.999999999-07:00
///     2006-01-02 15:04:05.999999999
///     2006-01-02T15:04:05.999999999
///     2006-01-02 15:04:05
///     2006-01-02T15:04:05
///     2006-01-02 15:04
///     2006-01-02T15:04
///     2006-01-02
///
/// PostgreSQL legacy values arrive as text in the ISO DateStyle
/// (`2021-09-14 13:46:24.123456`, UTC) and take the same path.
///
/// Where Go would bend a value into some instant, this refuses instead, so
/// that nothing is guessed and the row is reported as `invalid_commit_time`:
/// more than 9 fraction digits (Go truncates), a one-digit hour (Go's `15`
/// accepts it), a comma before the fraction (Go 1.17+ accepts it), offsets
/// outside ±23:59, and milliseconds whose nanosecond count overflows 64
/// bits (Go wraps them; instants outside the years 1677–2262). An instant
/// outside the years 1 to 9999 (in UTC) is refused too: the unified
/// column could not give it back in the 4-digit-year form Keto v0.7 reads
/// on SQLite, and PostgreSQL has no year 0.
public enum LegacyCommitTime {
    /// The earliest and latest instants a unified `commit_time` holds:
    /// 0001-01-01 00:00:00 and 9999-12-31 23:59:59.999999999 UTC.
    static let representableRange = Timestamp(seconds: -62_135_596_800)...Timestamp(seconds: 253_402_300_799, nanoseconds: 999_999_999)

    /// `instant`, or nil when it is outside `representableRange`.
    private static func representable(_ instant: Timestamp) -> Timestamp? {
        representableRange.contains(instant) ? instant : nil
    }

    /// The instant a stored legacy `commit_time` denotes, or nil when it
    /// denotes none (the row is then broken: `invalid_commit_time`).
    ///
    /// Text and integers are read as described on `LegacyCommitTime`;
    /// REAL, BLOB (or invalid UTF-8) and NULL are never an instant.
    public static func parse(_ value: DatabaseValue) -> Timestamp? {
        switch value {
        case .text(var text): text.withUTF8 { parse(text: UnsafeRawBufferPointer($0)) }
        case .integer(let unixTime): parse(unixTime: unixTime)
        case .real, .bytes, .null: nil
        }
    }

    /// The instant the UTF-8 `text` denotes, or nil; the allocation-free
    /// path for text already in a buffer.
    ///
    /// The whole text must be `YYYY-MM-DD`, optionally followed by a space
    /// or `T` and `HH:MM`, optionally `:SS`, then optionally `.` and 1 to 9
    /// digits, then optionally `+HH:MM` or `-HH:MM` (the offset east of
    /// UTC; none means UTC), then optionally one `Z`. Every field has
    /// exactly its width of ASCII digits and is range-checked, including
    /// the day against its month and leap years; no whitespace, no
    /// lowercase `t` or `z`, no `24:00:00`, no leap second.
    public static func parse(text: UnsafeRawBufferPointer) -> Timestamp? {
        var end = text.count
        if end > 0, text[end - 1] == UInt8(ascii: "Z") { end -= 1 }
        var reader = Reader(text: text, end: end)

        guard let year = reader.number(digits: 4), reader.skip("-"),
            let month = reader.number(digits: 2), reader.skip("-"),
            let day = reader.number(digits: 2),
            (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day)
        else { return nil }

        var hour = 0, minute = 0, second = 0, nanoseconds = 0, offset = 0
        if !reader.isAtEnd {
            guard reader.skip(" ") || reader.skip("T"),
                let hours = reader.number(digits: 2), reader.skip(":"),
                let minutes = reader.number(digits: 2),
                hours < 24, minutes < 60
            else { return nil }
            (hour, minute) = (hours, minutes)
        }
        if !reader.isAtEnd {
            guard reader.skip(":"), let seconds = reader.number(digits: 2), seconds < 60 else { return nil }
            second = seconds
            if reader.skip(".") {
                guard let fraction = reader.fraction() else { return nil }
                nanoseconds = fraction
            }
        }
        if !reader.isAtEnd {
            let sign = reader.skip("+") ? 1 : reader.skip("-") ? -1 : 0
            guard sign != 0,
                let hours = reader.number(digits: 2), reader.skip(":"),
                let minutes = reader.number(digits: 2),
                hours < 24, minutes < 60, reader.isAtEnd
            else { return nil }
            offset = sign * (hours * 3_600 + minutes * 60)
        }

        let local = Timestamp(
            year: Int64(year), month: month, day: day,
            hour: hour, minute: minute, second: second, nanoseconds: Int32(nanoseconds)
        )
        return representable(Timestamp(seconds: local.seconds - Int64(offset), nanoseconds: local.nanoseconds))
    }

    /// Unix time as mattn/go-sqlite3 reads an INTEGER: milliseconds beyond
    /// ±1e12, seconds otherwise. Nil where Go's `val * 1e6` nanoseconds
    /// would overflow.
    static func parse(unixTime: Int64) -> Timestamp? {
        guard unixTime > 1_000_000_000_000 || unixTime < -1_000_000_000_000 else {
            return representable(Timestamp(seconds: unixTime))
        }
        guard !unixTime.multipliedReportingOverflow(by: 1_000_000).overflow else { return nil }
        var (seconds, milliseconds) = unixTime.quotientAndRemainder(dividingBy: 1_000)
        if milliseconds < 0 {
            seconds -= 1
            milliseconds += 1_000
        }
        return representable(Timestamp(seconds: seconds, nanoseconds: Int32(milliseconds) * 1_000_000))
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// A cursor over the text before its end, for `LegacyCommitTime`.
private struct Reader {
    let text: UnsafeRawBufferPointer
    let end: Int
    var index = 0

    var isAtEnd: Bool { index == end }

    /// Moves past `character` if it is next.
    mutating func skip(_ character: Unicode.Scalar) -> Bool {
        guard index < end, text[index] == UInt8(ascii: character) else { return false }
        index += 1
        return true
    }

    /// Exactly `digits` ASCII digits as a number.
    mutating func number(digits: Int) -> Int? {
        guard end - index >= digits else { return nil }
        var value = 0
        for offset in 0..<digits {
            let digit = Int(text[index + offset]) &- 0x30
            guard (0...9).contains(digit) else { return nil }
            value = value * 10 + digit
        }
        index += digits
        return value
    }

    /// 1 to 9 digits after the point, as nanoseconds.
    mutating func fraction() -> Int? {
        var value = 0, count = 0
        while index < end, (0x30...0x39).contains(text[index]) {
            guard count < 9 else { return nil }
            value = value * 10 + Int(text[index] - 0x30)
            count += 1
            index += 1
        }
        guard count > 0 else { return nil }
        for _ in count..<9 { value *= 10 }
        return value
    }
}
