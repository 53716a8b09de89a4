import Foundation
import RetupleTestSupport

/// A tmpfs of a given size mounted for one test (root only), filled to
/// leave a chosen number of bytes free; unmounted whatever happens.
final class SmallFilesystem {
    /// The mount point.
    let path: String
    private let filler: String

    private init(path: String) {
        self.path = path
        filler = path + "/retuple-test-filler"
    }

    /// Whether tests may mount file systems: root on Linux.
    static var isAvailable: Bool { geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/bin/mount") }

    /// The uid and gid of the `postgres` account (the test server's owner).
    static var postgresOwner: (uid: uid_t, gid: gid_t)? {
        guard let entry = getpwnam("postgres") else { return nil }
        return (entry.pointee.pw_uid, entry.pointee.pw_gid)
    }

    /// Mounts a tmpfs of `bytes` (owned by `owner`, else root; mode 0700)
    /// on a new directory, runs `body`, and unmounts it (lazily if a process
    /// still holds a file there) and removes the directory.
    static func with<T>(bytes: Int, owner: (uid: uid_t, gid: gid_t)? = nil, _ body: (SmallFilesystem) throws -> T) throws -> T {
        let directory = try TemporaryDirectory()
        // Anyone may pass through to the mount point (the server's owner).
        chmod(directory.url.path, 0o755)
        let mountPoint = directory.path("small")
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: false)
        var options = "size=\(bytes),mode=0700"
        if let owner { options += ",uid=\(owner.uid),gid=\(owner.gid)" }
        try command(["/bin/mount", "-t", "tmpfs", "-o", options, "retuple-test", mountPoint], in: directory)
        defer {
            if (try? command(["/bin/umount", mountPoint], in: directory)) == nil {
                _ = try? command(["/bin/umount", "-l", mountPoint], in: directory)
            }
        }
        return try body(SmallFilesystem(path: mountPoint))
    }

    /// Bytes free for an unprivileged writer.
    var freeBytes: Int {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return -1 }
        return Int(stats.f_bavail) * Int(stats.f_frsize)
    }

    /// Writes a filler file so that about `bytes` stay free (rounded down
    /// to whole pages); the owner of the filler is `owner` when given.
    func fill(leaving bytes: Int) throws {
        let toWrite = freeBytes - bytes
        guard toWrite > 0 else { return }
        try Data().write(to: URL(fileURLWithPath: filler))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: filler))
        defer { try? handle.close() }
        let chunk = Data(count: 1 << 20)
        var left = toWrite
        while left > 0 {
            let piece = min(left, chunk.count)
            try handle.write(contentsOf: chunk.prefix(piece))
            left -= piece
        }
    }

    /// Removes the filler: the space is free again.
    func free() throws {
        if FileManager.default.fileExists(atPath: filler) { try FileManager.default.removeItem(atPath: filler) }
    }

    /// Runs a command and throws with its stderr when it fails.
    @discardableResult
    static func command(_ arguments: [String], in directory: TemporaryDirectory) throws -> String {
        let outcome = try ChildProcess.run(arguments, logDirectory: directory.url.path, logName: "command-\(UUID().uuidString.prefix(6))")
        guard outcome.status == 0 else {
            throw TestSupportError("\(arguments.joined(separator: " ")) exited \(outcome.status): \((try? outcome.errorOutput()) ?? "")")
        }
        return try outcome.output()
    }
}
