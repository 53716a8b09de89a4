import Foundation

/// A directory of its own for one test, removed when the test is done.
public final class TemporaryDirectory {
    public let url: URL

    public init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("retuple-test-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    /// The path of a file inside the directory (not created).
    public func path(_ name: String) -> String {
        url.appendingPathComponent(name).path
    }

    /// Creates (or empties) the file `name` inside the directory and
    /// returns its URL, e.g. for a child process's output.
    public func emptyFile(_ name: String) throws -> URL {
        let file = url.appendingPathComponent(name)
        try Data().write(to: file)
        return file
    }
}
