import RetupleCore
import RetupleFixtures
import Testing

/// Expected instants were computed with Python's `datetime` and
/// `date -u -d … +%s` and are written out here, not computed.
@Suite("Legacy commit_time")
struct LegacyCommitTimeTests {
    /// Parses `text` both as a `DatabaseValue` and from its UTF-8 bytes,
    /// expecting the two paths to agree.
    static func parse(_ text: String) -> Timestamp? {
        let fromValue = LegacyCommitTime.parse(.text(text))
        let fromBytes = Array(text.utf8).withUnsafeBytes { LegacyCommitTime.parse(text: $0) }
        #expect(fromValue == fromBytes)
        return fromValue
    }

    @Test(
        "reads every layout mattn/go-sqlite3 reads",
        arguments: [
            ("2021-09-14 13:46:24.123456789+00:00", 1_631_627_184, 123_456_789),
            ("2021-09-14T13:46:24.123456789", 1_631_627_184, 123_456_789),
            ("2021-09-14T13:46:24Z", 1_631_627_184, 0),
            ("2021-09-14T13:46:24.5+02:00", 1_631_619_984, 500_000_000),
            ("2021-09-14 13:46:24-05:30", 1_631_646_984, 0),
            ("2021-09-14 13:46:24+02:00Z", 1_631_619_984, 0),
            ("2021-09-14T00:00:00+23:59", 1_631_491_260, 0),
            ("2000-02-29T12:00:00.000000001-23:59", 951_911_940, 1),
            ("2021-09-14 13:46:24.123456", 1_631_627_184, 123_456_000),
            ("2021-09-14 13:46:24.5", 1_631_627_184, 500_000_000),
            ("2021-09-14 13:46:24", 1_631_627_184, 0),
            ("2021-09-14 13:46", 1_631_627_160, 0),
            ("2021-09-14T13:46", 1_631_627_160, 0),
            ("2021-09-14", 1_631_577_600, 0),
            ("2021-09-14Z", 1_631_577_600, 0),
            ("2020-02-29 00:00:00", 1_582_934_400, 0),
            ("1900-03-01 00:00:00", -2_203_891_200, 0),
            ("1969-12-31 23:59:59.999999999", -1, 999_999_999),
            ("0001-01-01 00:00:00", -62_135_596_800, 0),
            ("9999-12-31 23:59:59.999999999", 253_402_300_799, 999_999_999),
        ] as [(String, Int64, Int32)]
    )
    func acceptsText(text: String, seconds: Int64, nanoseconds: Int32) {
        #expect(Self.parse(text) == Timestamp(seconds: seconds, nanoseconds: nanoseconds))
    }

    @Test(
        "refuses text that is not one of those layouts, exactly",
        arguments: [
            "", "now", "infinity", "-infinity", "Z", "2021-09-14ZZ",
            " 2021-09-14 13:46:24", "2021-09-14 13:46:24 ", "2021-09-14\t13:46:24",
            "2021-09-14t13:46:24", "2021-09-14T13:46:24z",
            "2021-09-14 13:46:24 BC", "2021-09-14 13:46:24+0000", "2021-09-14 13:46:24 +00:00",
            "2021-09-14 13:46:24+02", "2021-09-14 13:46:24+02:00:00", "2021-09-14 13:46:24+24:00",
            "2021-09-14 13:46:24+02:60", "2021-09-14 13:46+02:00", "2021-09-14+02:00",
            "2021-09-14 24:00:00", "2021-09-14 13:60", "2021-09-14 13:46:60",
            "2021-02-29", "2100-02-29", "2021-13-01", "2021-00-10", "2021-09-00", "2021-09-31",
            "21-09-14", "2021-9-14", "2021-09-4", "+2021-09-14", "2021/09/14", "20210914",
            "2021-09-14 1:46:24", "2021-09-14 13", "2021-09-14T", "2021-09-14 13:46:",
            "2021-09-14 13:46:24.", "2021-09-14 13:46:24,5", "2021-09-14 13:46:24.1234567891",
            "2021-09-14 13:46:24.5.5", "２０２１-09-14",
        ]
    )
    func refusesText(text: String) {
        #expect(Self.parse(text) == nil)
    }

    @Test(
        "reads integers as Unix seconds, or milliseconds beyond ±1e12",
        arguments: [
            (0, 0, 0),
            (1_631_627_184, 1_631_627_184, 0),
            (-1_631_627_184, -1_631_627_184, 0),
            (253_402_300_799, 253_402_300_799, 0),
            (-62_135_596_800, -62_135_596_800, 0),
            (1_000_000_000_001, 1_000_000_000, 1_000_000),
            (1_631_627_184_123, 1_631_627_184, 123_000_000),
            (-1_631_627_184_123, -1_631_627_185, 877_000_000),
            (-1_000_000_000_001, -1_000_000_001, 999_000_000),
            (9_223_372_036_854, 9_223_372_036, 854_000_000),
            (-9_223_372_036_854, -9_223_372_037, 146_000_000),
        ] as [(Int64, Int64, Int32)]
    )
    func acceptsIntegers(value: Int64, seconds: Int64, nanoseconds: Int32) {
        #expect(LegacyCommitTime.parse(.integer(value)) == Timestamp(seconds: seconds, nanoseconds: nanoseconds))
    }

    @Test(
        "refuses what is not text or an integer, milliseconds Go would wrap, and instants outside the years 1 to 9999",
        arguments: [
            .real(1.5), .real(1_631_627_184), .bytes([0xFF]), .bytes(Array("2021-09-14".utf8)), .null,
            .integer(1_000_000_000_000), .integer(-1_000_000_000_000), .integer(253_402_300_800), .integer(-62_135_596_801),
            "9999-12-31 23:30:00-01:00", "0001-01-01 00:30:00+01:00", "0000-01-01", "0000-02-29",
            .integer(9_223_372_036_855), .integer(-9_223_372_036_855), .integer(.max), .integer(.min),
        ] as [DatabaseValue]
    )
    func refusesOtherValues(value: DatabaseValue) {
        #expect(LegacyCommitTime.parse(value) == nil)
    }

    @Test("reads back what Timestamp writes, for any instant in years 1 to 9999")
    func roundTrip() {
        var generator = SeededGenerator(seed: 20_210_914)
        for _ in 0..<10_000 {
            let seconds = Int64.random(in: -62_135_596_800...253_402_300_799, using: &generator)
            let nanoseconds = Int32.random(in: 0..<1_000_000_000, using: &generator)
            let instant = Timestamp(seconds: seconds, nanoseconds: nanoseconds)
            #expect(Self.parse(instant.sqliteText) == instant, "\(instant.sqliteText)")
            let microseconds = Timestamp(seconds: seconds, nanoseconds: nanoseconds / 1_000 * 1_000)
            #expect(Self.parse(microseconds.postgresText) == microseconds, "\(microseconds.postgresText)")
        }
    }
}
