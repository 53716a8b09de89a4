import RetupleSQLite
import RetupleTestSupport
import Testing

/// Values bound to a statement, stored in a column without type affinity,
/// and read back: nothing may be converted, truncated or replaced.
@Suite("SQLite binding and reading")
struct SQLiteBindingTests {
    /// A database in its own directory with `values (id, v)`, `v` untyped so
    /// SQLite applies no affinity conversion.
    final class Fixture {
        let directory: TemporaryDirectory
        let connection: SQLiteConnection

        init() throws {
            directory = try TemporaryDirectory()
            connection = try SQLiteConnection(path: directory.path("binding.db"))
            try connection.executeScript("CREATE TABLE \"values\" (id INTEGER PRIMARY KEY, v)")
        }

        /// Inserts one row with `bind` binding parameter 1, then selects it.
        func storeAndSelect(_ bind: (SQLiteStatement) -> Void) throws -> SQLiteStatement {
            let insert = try connection.prepare("INSERT INTO \"values\" (id, v) VALUES (1, ?)")
            bind(insert)
            try insert.run()
            let select = try connection.prepare("SELECT v FROM \"values\" WHERE id = 1")
            try #require(try select.step())
            return select
        }
    }

    static let texts = [
        "",
        "plain",
        "it's a \"quoted\" 'value'",
        "'; DROP TABLE \"values\"; --",
        "ünïcödé ÆØÅ 漢字 Ελληνικά",
        "emoji 🧑‍💻🇩🇰👍🏽",
        "tab\there\nnewline\r\nand \\backslash",
        "embedded\u{0}nul",
    ]

    @Test("text is stored as TEXT and read back byte-identical", arguments: texts)
    func textRoundTrip(text: String) throws {
        let fixture = try Fixture()
        let select = try fixture.storeAndSelect { $0.bind(text, at: 1) }
        #expect(select.storageClass(at: 0) == .text)
        #expect(select.bytes(at: 0) == Array(text.utf8))
    }

    static let invalidUTF8: [[UInt8]] = [
        [0xFF, 0xFE, 0x41],  // bytes never valid in UTF-8
        [0x61, 0xC3, 0x28, 0x62],  // a broken two-byte sequence
        [0xED, 0xA0, 0x80],  // an encoded surrogate
        [0xE2, 0x82],  // a truncated three-byte sequence at the end
        [0x61, 0x00, 0xFF, 0x00],  // NULs around an invalid byte
    ]

    @Test("invalid UTF-8 bound as text stays TEXT and comes back byte-identical", arguments: invalidUTF8)
    func invalidUTF8AsText(bytes: [UInt8]) throws {
        #expect(String(validating: bytes, as: UTF8.self) == nil, "the test input must not be valid UTF-8")
        let fixture = try Fixture()
        let select = try fixture.storeAndSelect { $0.bind(bytes: bytes, asText: true, at: 1) }
        #expect(select.storageClass(at: 0) == .text)
        #expect(select.bytes(at: 0) == bytes)
        let viaBuffer = select.withUnsafeBytes(at: 0) { Array($0) }
        #expect(viaBuffer == bytes)
    }

    @Test("blobs, including every byte value, come back byte-identical")
    func blobRoundTrip() throws {
        let bytes = (0..<1024).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let fixture = try Fixture()
        let select = try fixture.storeAndSelect { $0.bind(bytes: bytes, asText: false, at: 1) }
        #expect(select.storageClass(at: 0) == .blob)
        #expect(select.bytes(at: 0) == bytes)
    }

    @Test("empty byte arrays are empty TEXT or an empty BLOB, never NULL", arguments: [true, false])
    func emptyBytes(asText: Bool) throws {
        let fixture = try Fixture()
        let select = try fixture.storeAndSelect { $0.bind(bytes: [], asText: asText, at: 1) }
        #expect(select.storageClass(at: 0) == (asText ? .text : .blob))
        #expect(select.bytes(at: 0) == [])
    }

    @Test("NULL is stored as NULL")
    func nullRoundTrip() throws {
        let fixture = try Fixture()
        let select = try fixture.storeAndSelect { $0.bindNull(at: 1) }
        #expect(select.storageClass(at: 0) == .null)
        #expect(select.bytes(at: 0) == [])
    }

    @Test("64-bit integers keep every bit", arguments: [.min, -1, 0, 1, (1 << 53) + 1, .max] as [Int64])
    func integerRoundTrip(value: Int64) throws {
        let fixture = try Fixture()
        let select = try fixture.storeAndSelect { $0.bind(value, at: 1) }
        #expect(select.storageClass(at: 0) == .integer)
        #expect(select.int64(at: 0) == value)
    }

    @Test(
        "doubles keep every bit",
        arguments: [0.1, -0.0, .pi, 1.0e308, -2.5e-300, .leastNonzeroMagnitude, .infinity, -.infinity] as [Double]
    )
    func doubleRoundTrip(value: Double) throws {
        let fixture = try Fixture()
        let select = try fixture.storeAndSelect { $0.bind(value, at: 1) }
        #expect(select.storageClass(at: 0) == .real)
        #expect(select.double(at: 0).bitPattern == value.bitPattern)
    }

    @Test("a prepared INSERT is reused for many rows through run(), which resets it")
    func reusedInsert() throws {
        let fixture = try Fixture()
        let connection = fixture.connection
        let insert = try connection.prepare("INSERT INTO \"values\" (id, v) VALUES (?, ?)")
        #expect(insert.parameterCount == 2)
        let before = connection.totalChanges
        for id in 1...500 {
            insert.bind(Int64(id), at: 1)
            insert.bind("row \(id)", at: 2)
            try insert.run()
            #expect(connection.changes == 1)
        }
        #expect(connection.totalChanges - before == 500)

        let check = try connection.prepare("SELECT count(*), sum(id), min(v), max(v) FROM \"values\"")
        #expect(try check.step())
        #expect(check.int64(at: 0) == 500)
        #expect(check.int64(at: 1) == 500 * 501 / 2)
        #expect(check.bytes(at: 2) == Array("row 1".utf8))
        #expect(check.bytes(at: 3) == Array("row 99".utf8))
    }

    @Test("reset rewinds a query and keeps its bindings; clearBindings sets them to NULL")
    func resetAndClearBindings() throws {
        let fixture = try Fixture()
        let connection = fixture.connection
        try connection.executeScript("INSERT INTO \"values\" VALUES (1, 'one'), (2, 'two'), (3, 'three')")
        let select = try connection.prepare("SELECT v FROM \"values\" WHERE id >= ? ORDER BY id")

        select.bind(Int64(2), at: 1)
        #expect(try select.step())
        #expect(select.bytes(at: 0) == Array("two".utf8))

        // Half-way through: reset starts again from the first row, same binding.
        select.reset()
        #expect(try select.step())
        #expect(select.bytes(at: 0) == Array("two".utf8))
        #expect(try select.step())
        #expect(select.bytes(at: 0) == Array("three".utf8))
        #expect(try !select.step())

        select.reset()
        select.bind(Int64(3), at: 1)
        #expect(try select.step())
        #expect(select.bytes(at: 0) == Array("three".utf8))
        #expect(try !select.step())

        // `id >= NULL` matches nothing.
        select.reset()
        select.clearBindings()
        #expect(try !select.step())
    }

    @Test("a statement failing on a constraint is reusable after the error")
    func reusableAfterError() throws {
        let fixture = try Fixture()
        let insert = try fixture.connection.prepare("INSERT INTO \"values\" (id, v) VALUES (?, 'x')")
        insert.bind(Int64(1), at: 1)
        try insert.run()
        #expect(throws: SQLiteError.self) { try insert.run() }
        insert.bind(Int64(2), at: 1)
        try insert.run()

        let count = try fixture.connection.prepare("SELECT count(*) FROM \"values\"")
        #expect(try count.step())
        #expect(count.int64(at: 0) == 2)
    }

    @Test("column names and counts describe the result")
    func columns() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        let select = try connection.prepare("SELECT 1 AS first, 'x' AS second, NULL AS third")
        #expect(select.columnCount == 3)
        #expect((0..<3).map { select.columnName(at: $0) } == ["first", "second", "third"])
        #expect(try select.step())
        #expect([select.storageClass(at: 0), select.storageClass(at: 1), select.storageClass(at: 2)] == [.integer, .text, .null])
    }
}
