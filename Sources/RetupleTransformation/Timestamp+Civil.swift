extension Timestamp {
    /// The instant of a UTC calendar date and time (proleptic Gregorian),
    /// the inverse of `components`.
    ///
    /// The caller must pass fields in range (month 1–12, a day that exists
    /// in that month, hour 0–23, minute and second 0–59, nanoseconds
    /// 0..<1e9): they are not checked or normalized.
    init(year: Int64, month: Int, day: Int, hour: Int, minute: Int, second: Int, nanoseconds: Int32 = 0) {
        // "days_from_civil" (Howard Hinnant, chrono-compatible date algorithms).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = Int64((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1)
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        self.init(seconds: days * 86_400 + Int64(hour * 3_600 + minute * 60 + second), nanoseconds: nanoseconds)
    }
}
