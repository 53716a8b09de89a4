import Foundation
import RetupleCore
import RetupleFixtures

/// A generated legacy row and the one fact about it the generator knows
/// better than any re-implementation could: the instant its `commit_time`
/// denotes.
struct GeneratedRow {
    var tuple: LegacyTuple
    /// The instant `commit_time` denotes (nil when it denotes none), fixed
    /// when the value was made: written from this instant in a layout, or
    /// made so that no layout can read it.
    var instant: Timestamp?

    /// The row with its commit time written as retuple writes SQLite
    /// times: the same legacy row to `LegacyRowKey`, which keys the
    /// instant, not its text. Nil when the commit time is no instant.
    var restamped: LegacyTuple? {
        guard let instant else { return nil }
        var copy = tuple
        copy.commitTime = .text(instant.sqliteText)
        return copy
    }
}

/// Makes legacy rows with everything a real SQLite v0.6 file can hold, for
/// the property tests of `LegacyTupleTransformer`: random Unicode (combining
/// marks, joiners, emoji, right-to-left text, line separators), `#`, `:`,
/// `@`, quotes, empty strings, values around and over 64 characters,
/// NULLs, invalid UTF-8, integers and REALs in text columns, commit times
/// in every layout `LegacyCommitTime` reads and in shapes none reads, and
/// subject sets naming configured, unconfigured and look-alike namespaces.
///
/// Deterministic: the rows depend only on the seed.
struct HostileLegacyRows {
    /// The namespaces the generated subject sets refer to when configured:
    /// names with quotes, spaces, `@`, emoji and a precomposed `é`.
    static let configuration = Configuration(namespaces: [
        Namespace(id: 0, name: "files"), Namespace(id: 7, name: "groups"), Namespace(id: 9, name: "ünïcødé 名前"),
        Namespace(id: 11, name: #"it's "q""#), Namespace(id: 12, name: "semi;colon"), Namespace(id: 13, name: "with space"),
        Namespace(id: 14, name: "\u{E9}"), Namespace(id: 15, name: "@"), Namespace(id: 2_147_483_647, name: "🙂"),
    ])

    /// Names no namespace has, some equal to a configured one under
    /// Unicode canonical equivalence (`e` + U+0301 for `é`) or case or
    /// compatibility folding, which Keto v0.6 compared byte for byte.
    static let unconfiguredNames = ["teams", "e\u{301}", "Files", "files ", "", "\u{FB01}les", "groups\u{200D}"]

    private var random: SeededGenerator

    init(seed: UInt64) {
        random = SeededGenerator(seed: seed)
    }

    // MARK: Rows

    /// One row of namespace `files`.
    mutating func row() -> GeneratedRow {
        let (commitTime, instant) = commitTime()
        let tuple = LegacyTuple(
            shardID: chance(0.9) ? "default" : value(of: text(maxLength: 70)),
            object: value(of: text(maxLength: 70)),
            relation: value(of: text(maxLength: 70)),
            subject: value(of: subject()),
            commitTime: commitTime
        )
        return GeneratedRow(tuple: tuple, instant: instant)
    }

    /// `row` with one of its columns given another value: another legacy
    /// row, which must get another key.
    mutating func variation(of row: LegacyTuple) -> LegacyTuple {
        var changed = row
        let replacement: DatabaseValue = switch row.object {
        case .text(let text): .text(text + "'")
        default: .text("changed")
        }
        switch pick(0..<4) {
        case 0: changed.object = replacement
        case 1: changed.relation = row.relation == replacement ? .null : replacement
        case 2: changed.subject = row.subject == replacement ? .null : replacement
        default: changed.shardID = row.shardID == .null ? "default" : .null
        }
        return changed
    }

    // MARK: Values

    /// A column value holding `text` most of the time, else a NULL, the
    /// text's bytes made invalid UTF-8, the text as a BLOB, an INTEGER or
    /// a REAL.
    mutating func value(of text: String) -> DatabaseValue {
        switch pick(0..<100) {
        case 0..<3: .null
        case 3..<7: .bytes(invalidUTF8(around: text))
        case 7..<9: .bytes(Array(text.utf8))
        case 9..<11: .integer(Int64.random(in: -1_000_000...Int64.max, using: &random))
        case 11: .real(Double.random(in: -1e6...1e6, using: &random))
        default: .text(text)
        }
    }

    /// `text`'s UTF-8 with one sequence that is not UTF-8 put in at a
    /// random place: a stray byte, a truncated or overlong sequence, an
    /// encoded surrogate, a code point over U+10FFFF.
    mutating func invalidUTF8(around text: String) -> [UInt8] {
        let invalid: [[UInt8]] = [[0xFF], [0xC3], [0x80], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]]
        var bytes = Array(text.utf8)
        // Between two scalars, so the rest stays valid.
        let boundaries = [0] + text.unicodeScalars.indices.dropFirst().map { text.utf8.distance(from: text.utf8.startIndex, to: $0) } + [bytes.count]
        bytes.insert(contentsOf: invalid[pick(0..<invalid.count)], at: boundaries[pick(0..<boundaries.count)])
        return bytes
    }

    /// A subject: an id, a subject set naming a configured, unconfigured
    /// or look-alike namespace, something malformed, or anything at all.
    mutating func subject() -> String {
        switch pick(0..<10) {
        case 0, 1: return text(maxLength: 70, excluding: ["#"])
        case 2, 3, 4:
            let names = Self.configuration.namespaces.map(\.name)
            return subjectSet(namespace: names[pick(0..<names.count)])
        case 5: return subjectSet(namespace: Self.unconfiguredNames[pick(0..<Self.unconfiguredNames.count)])
        case 6: return subjectSet(namespace: text(maxLength: 10, excluding: [":", "#"]))
        case 7:
            // Malformed: two `#`, no `:`, or two `:` before the `#`.
            let parts = (0..<3).map { _ in text(maxLength: 10, excluding: [":", "#"]) }
            return [parts[0] + ":" + parts[1] + "#" + parts[2] + "#", parts[0] + "#" + parts[1], parts[0] + ":" + parts[1] + ":#" + parts[2]][pick(0..<3)]
        default: return text(maxLength: 70)
        }
    }

    /// `namespace:object#relation` with parts that keep it well-formed.
    mutating func subjectSet(namespace: String) -> String {
        namespace + ":" + text(maxLength: 70, excluding: [":", "#"]) + "#" + text(maxLength: 70, excluding: ["#"])
    }

    /// Scalars text is made of: ASCII, the characters that matter to the
    /// subject syntax, SQL, YAML and logfmt, and Unicode that changes how
    /// characters and lines are counted.
    static let alphabet: [Unicode.Scalar] = Array("abcXYZ019-_.".unicodeScalars) + [
        "#", ":", "@", "'", "\"", ";", " ", "\\", "%", "=", "\n", "\r", "\t", "\0",
        "\u{E9}", "\u{301}", "\u{200D}", "\u{1F642}", "\u{1F3FD}", "\u{540D}", "\u{5E2}", "\u{FFFD}", "\u{FEFF}",
        "\u{2028}", "\u{85}", "\u{FB01}", "\u{10FFFF}", "\u{600}", "\u{1100}", "\u{1161}",
    ]

    /// Random text of 0 to `maxLength` scalars, lengths around 64 (the
    /// unified limit) being likely, without the scalars in `excluding`.
    mutating func text(maxLength: Int, excluding: Set<Unicode.Scalar> = []) -> String {
        let length = switch pick(0..<10) {
        case 0: 0
        case 1...2 where maxLength >= 60: pick(60..<min(69, maxLength + 1))
        case 3: pick(0..<(maxLength + 1))
        default: pick(1..<min(13, maxLength + 1))
        }
        var scalars = String.UnicodeScalarView()
        while scalars.count < length {
            let scalar = Self.alphabet[pick(0..<Self.alphabet.count)]
            if !excluding.contains(scalar) { scalars.append(scalar) }
        }
        return String(scalars)
    }

    // MARK: Commit times

    /// A `commit_time` value and the instant it denotes: text in one of
    /// the layouts Keto v0.6's driver reads, Unix seconds or milliseconds,
    /// or a value none reads.
    mutating func commitTime() -> (DatabaseValue, Timestamp?) {
        switch pick(0..<100) {
        case 0..<55:
            let (text, instant) = layoutText()
            return (.text(text), instant)
        case 55..<65: return unixTime()
        case 65..<85: return (.text(unreadableText()), nil)
        case 85..<90: return (.bytes(Array(layoutText().0.utf8)), nil)
        case 90..<93: return (.real(Double.random(in: 0...2e9, using: &random)), nil)
        case 93..<95: return (.bytes(invalidUTF8(around: layoutText().0)), nil)
        case 95..<97: return (.null, nil)
        // Anything at all, after a letter no layout starts with.
        default: return (.text("t" + text(maxLength: 30)), nil)
        }
    }

    /// A random instant in the years 1 to 9999, most of them near 2021,
    /// some at the edges of the range.
    mutating func instant() -> Timestamp {
        let seconds: Int64 = switch pick(0..<10) {
        case 0: Int64.random(in: -62_135_596_800...(-62_135_596_800 + 200_000), using: &random)
        case 1: Int64.random(in: (253_402_300_799 - 200_000)...253_402_300_799, using: &random)
        case 2, 3: Int64.random(in: -62_135_596_800...253_402_300_799, using: &random)
        default: Int64.random(in: 1_500_000_000...1_700_000_000, using: &random)
        }
        return Timestamp(seconds: seconds, nanoseconds: Int32.random(in: 0..<1_000_000_000, using: &random))
    }

    /// Text in one of mattn/go-sqlite3's layouts, optionally with Go's
    /// trailing `Z`, and the instant it denotes.
    ///
    /// The text is the wall time at a random offset from UTC, cut to what
    /// the layout holds; the instant is that wall time minus the offset,
    /// nil when it falls outside the years 1 to 9999.
    mutating func layoutText() -> (String, Timestamp?) {
        let hasOffset = chance(0.5)
        let separator = chance(0.5) ? " " : "T"
        let offsetMinutes = hasOffset ? pick(-(23 * 60 + 59)..<(23 * 60 + 60)) : 0
        var utc = instant()
        var wall = Timestamp(seconds: utc.seconds + Int64(offsetMinutes * 60), nanoseconds: utc.nanoseconds)
        if !(1...9999).contains(wall.components.year) {
            // No 4-digit year for this wall time: write it at UTC instead.
            wall = utc
        }
        let offset = wall == utc ? 0 : offsetMinutes
        let (year, month, day, hour, minute, second) = wall.components
        var text = padded(year, 4) + "-" + padded(month, 2) + "-" + padded(day, 2)
        // What the layout keeps: 0 = the date, 1 = minutes, 2 = seconds, 3 = a fraction.
        let precision = hasOffset ? pick(2..<4) : pick(0..<4)
        var kept = Int64(hour * 3_600 + minute * 60 + second)
        var nanoseconds: Int32 = 0
        switch precision {
        case 0: kept = 0
        case 1: kept -= Int64(second)
        default: break
        }
        if precision >= 1 { text += separator + padded(hour, 2) + ":" + padded(minute, 2) }
        if precision >= 2 { text += ":" + padded(second, 2) }
        if precision == 3 {
            let digits = pick(1..<10)
            var fraction = Int(wall.nanoseconds)
            for _ in digits..<9 { fraction /= 10 }
            text += "." + padded(fraction, digits)
            var scaled = fraction
            for _ in digits..<9 { scaled *= 10 }
            nanoseconds = Int32(scaled)
        }
        if hasOffset {
            text += (offset < 0 ? "-" : "+") + padded(abs(offset) / 60, 2) + ":" + padded(abs(offset) % 60, 2)
        }
        if chance(0.2) { text += "Z" }
        let midnight = wall.seconds - Int64(hour * 3_600 + minute * 60 + second)
        utc = Timestamp(seconds: midnight + kept - Int64(offset * 60), nanoseconds: nanoseconds)
        let representable = Timestamp(seconds: -62_135_596_800)...Timestamp(seconds: 253_402_300_799, nanoseconds: 999_999_999)
        return (text, representable.contains(utc) ? utc : nil)
    }

    /// An INTEGER `commit_time` as Go's driver reads it: seconds up to
    /// ±1e12, milliseconds beyond, none where the instant is out of range
    /// or Go's nanoseconds would overflow.
    mutating func unixTime() -> (DatabaseValue, Timestamp?) {
        switch pick(0..<5) {
        case 0, 1:
            let seconds = Int64.random(in: -62_135_596_800...253_402_300_799, using: &random)
            return (.integer(seconds), Timestamp(seconds: seconds))
        case 2:
            let milliseconds = Int64.random(in: 1_000_000_000_001...9_223_372_036_854, using: &random) * (chance(0.5) ? 1 : -1)
            let seconds = Int64((Double(milliseconds) / 1_000).rounded(.down))
            return (.integer(milliseconds), Timestamp(seconds: seconds, nanoseconds: Int32(milliseconds - seconds * 1_000) * 1_000_000))
        case 3:
            // Seconds after 9999 or before year 1, still read as seconds.
            let seconds = chance(0.5)
                ? Int64.random(in: 253_402_300_800...1_000_000_000_000, using: &random)
                : Int64.random(in: -1_000_000_000_000...(-62_135_596_801), using: &random)
            return (.integer(seconds), nil)
        default:
            let milliseconds = Int64.random(in: 9_223_372_036_855...Int64.max, using: &random)
            return (.integer(chance(0.5) ? milliseconds : -milliseconds), nil)
        }
    }

    /// Text no layout reads: a readable time with one change that no
    /// layout allows, or a word.
    mutating func unreadableText() -> String {
        var text = Array(layoutText().0.unicodeScalars)
        switch pick(0..<8) {
        case 0:
            let digits = text.indices.filter { ("0"..."9").contains(text[$0]) }
            text[digits[pick(0..<digits.count)]] = ["x", "\u{FF10}", " ", "-"][pick(0..<4)]
        case 1: text.append(" ")
        case 2: text.insert(" ", at: 0)
        case 3: text.replaceSubrange(5..<7, with: "13".unicodeScalars)
        case 4: text.replaceSubrange(4..<5, with: "/".unicodeScalars)
        case 5:
            return padded(pick(1..<10000), 4) + "-" + padded(pick(1..<13), 2) + "-" + padded(pick(1..<29), 2) + " 12:00:00.1234567891"
        case 6:
            // February 29 to 31 of a year that is not a leap year.
            return padded(pick(0..<2500) * 4 + 1, 4) + "-02-" + padded(pick(29..<32), 2)
        default:
            return ["now", "infinity", "-infinity", "", "Z", "ZZ", "NULL", "yesterday", "0000-01-01", "2021-09-14ZZ", "2021-09-14t13:46:24"][pick(0..<11)]
        }
        return String(String.UnicodeScalarView(text))
    }

    /// `value` in decimal, zero-padded to `width` digits.
    func padded(_ value: some BinaryInteger, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    // MARK: Chance

    mutating func pick(_ range: Range<Int>) -> Int {
        Int.random(in: range, using: &random)
    }

    mutating func chance(_ probability: Double) -> Bool {
        Double.random(in: 0..<1, using: &random) < probability
    }
}
