import Foundation
import RetupleSQLite
import RetupleTestSupport
import Testing

@Suite("SQLite open modes")
struct SQLiteOpenModeTests {
    @Test("opening a missing file without create fails with cantOpen and creates nothing", arguments: [
        SQLiteConnection.OpenMode.readOnly, .readWrite,
    ])
    func missingFileWithoutCreate(mode: SQLiteConnection.OpenMode) throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("missing.db")

        let error = try #require(throws: SQLiteError.self) {
            _ = try SQLiteConnection(path: path, mode: mode)
        }
        #expect(error.code == SQLiteError.cantOpen)
        #expect(!error.message.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("readWriteCreate creates the file and what is written survives a reopen")
    func createThenReopen() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("new.db")

        let connection = try SQLiteConnection(path: path, mode: .readWriteCreate)
        try connection.executeScript("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('kept')")
        connection.close()
        #expect(FileManager.default.fileExists(atPath: path))

        let reopened = try SQLiteConnection(path: path, mode: .readWrite)
        let statement = try reopened.prepare("SELECT v FROM t")
        #expect(try statement.step())
        #expect(statement.bytes(at: 0) == Array("kept".utf8))
        #expect(try !statement.step())
    }

    @Test("a readOnly connection reads an existing file and refuses writes with readOnly")
    func readOnlyRefusesWrites() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("existing.db")
        let writer = try SQLiteConnection(path: path)
        try writer.executeScript("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (7)")
        writer.close()

        let reader = try SQLiteConnection(path: path, mode: .readOnly)
        let select = try reader.prepare("SELECT v FROM t")
        #expect(try select.step())
        #expect(select.int64(at: 0) == 7)

        let insert = "INSERT INTO t VALUES (8)"
        let error = try #require(throws: SQLiteError.self) {
            try reader.executeScript(insert)
        }
        #expect(error.primaryCode == SQLiteError.readOnly)
        #expect(error.sql == insert)
    }

    @Test("a file of garbage bytes opens lazily, then the first query fails with notADatabase (26)")
    func garbageFileIsNotADatabase() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("garbage.db")
        let garbage = Data(String(repeating: "this is certainly not an SQLite file\n", count: 200).utf8)
        try garbage.write(to: URL(fileURLWithPath: path))

        // sqlite3_open_v2 does not read the file; only the first statement does.
        let connection = try SQLiteConnection(path: path, mode: .readWrite)
        let query = "SELECT count(*) FROM sqlite_master"
        let error = try #require(throws: SQLiteError.self) {
            let statement = try connection.prepare(query)
            _ = try statement.step()
        }
        #expect(error.code == SQLiteError.notADatabase)
        #expect(error.code == 26)
        // The file is left as it was.
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == garbage)
    }

    @Test("an in-memory database works and starts empty each time")
    func inMemory() throws {
        let first = try SQLiteConnection(path: ":memory:")
        try first.executeScript("CREATE TABLE t (v INTEGER)")
        let second = try SQLiteConnection(path: ":memory:")
        #expect(throws: SQLiteError.self) {
            try second.executeScript("SELECT * FROM t")
        }
    }
}
