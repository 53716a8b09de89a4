import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

/// Where the report of broken rows may land and with which mode: it holds
/// access-control data (docs/SECURITY.md, "Files").
@Suite("Report file: mode 0600, never through a symbolic link")
struct BrokenTupleReportFileTests {
    func mode(_ path: String) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    /// Writes `content` to `name` in `directory`, with `mode` when given;
    /// returns its path.
    func file(_ name: String, in directory: TemporaryDirectory, content: String, mode: mode_t? = nil) throws -> String {
        let path = directory.path(name)
        try content.write(toFile: path, atomically: false, encoding: .utf8)
        if let mode {
            #expect(chmod(path, mode) == 0)
        }
        return path
    }

    @Test("an existing file is replaced: emptied and restricted to 0600 before anything is written")
    func replacesExistingFile() throws {
        let directory = try TemporaryDirectory()
        let path = try file("report.jsonl", in: directory, content: "old content\n", mode: 0o644)
        let report = BrokenTupleReport(path: path)
        try report.checkWritable()
        try report.create()
        #expect(try mode(path) == 0o600)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "")
    }

    @Test("a symbolic link at the path is refused by the check, and the file it points to is left alone")
    func refusesSymbolicLink() throws {
        let directory = try TemporaryDirectory()
        let target = try file("precious.txt", in: directory, content: "keep me\n", mode: 0o644)
        let link = directory.path("report.jsonl")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)

        let report = BrokenTupleReport(path: link)
        #expect {
            try report.checkWritable()
        } throws: { error in
            "\(error)" == "cannot write the report to \(link): it is a symbolic link; give the path of the file itself"
        }
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep me\n")
        #expect(try mode(target) == 0o644)
    }

    @Test("a symbolic link made after the check is not followed either")
    func refusesLinkMadeAfterCheck() throws {
        let directory = try TemporaryDirectory()
        let target = try file("precious.txt", in: directory, content: "keep me\n")
        let link = directory.path("report.jsonl")
        let report = BrokenTupleReport(path: link)
        try report.checkWritable()
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)

        #expect(throws: (any Error).self) { try report.create() }
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep me\n")
    }
}
