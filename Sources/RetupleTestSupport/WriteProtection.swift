import Foundation

/// A file or directory this process cannot write, made so honestly for
/// whoever runs the tests: as root, whom file modes do not stop, with the
/// immutable attribute (`chattr +i`, which stops root too); otherwise by
/// taking away the write bits. `remove()` undoes it.
public struct WriteProtection {
    public let path: String
    /// Whether `chattr +i` was used (the process runs as root).
    public let isImmutable = geteuid() == 0
    private let originalMode: Int

    public init(_ path: String) throws {
        self.path = path
        originalMode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? 0o644
        if isImmutable {
            try Self.shell("chattr +i '\(path)'")
        } else {
            try FileManager.default.setAttributes([.posixPermissions: originalMode & ~0o222], ofItemAtPath: path)
        }
    }

    /// Makes the path writable again (idempotent).
    public func remove() throws {
        if isImmutable {
            try Self.shell("chattr -i '\(path)'")
        } else {
            try FileManager.default.setAttributes([.posixPermissions: originalMode], ofItemAtPath: path)
        }
    }

    /// Runs `command` with `/bin/sh -c`.
    ///
    /// - Throws: `TestSupportError` when it does not exit 0.
    public static func shell(_ command: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestSupportError("`\(command)` exited \(process.terminationStatus)")
        }
    }
}
