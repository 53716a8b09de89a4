import Foundation

/// SQLite has no roles: what stands in the way of a write is the file
/// system. The database file and its directory, where SQLite creates its
/// rollback journal (or `-wal` file), must be writable by this user. As
/// root, modes do not stop writes, so `access(2)` reports what this user
/// can really do (an immutable file fails with `chattr -i` as the fix).
extension SQLiteDatabase: PrivilegeChecking {
    /// The rights that write to the file; reading (and the SHARED lock a
    /// read-only transaction takes) needs none, and temporary tables live
    /// outside it.
    private static let writingRights: Set<PrivilegeNeed.Right> = [.insert, .update, .drop, .create]

    public func checkPrivileges(_ needs: [PrivilegeNeed]) throws -> PrivilegeReport {
        let path = connection.path
        guard path != ":memory:" else {
            return PrivilegeReport(role: nil, gaps: [], held: "an in-memory database: nothing on disk to write")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let held = "\(path) and its directory \(directory) are writable"
        guard needs.contains(where: { !Self.writingRights.isDisjoint(with: $0.rights) }) else {
            return PrivilegeReport(role: nil, gaps: [], held: held)
        }
        var gaps: [PrivilegeGap] = []
        for (item, mode, isDirectory) in [(path, R_OK | W_OK, false), (directory, W_OK | X_OK, true)] {
            guard access(item, mode) != 0 else { continue }
            let reason = errno
            let what = isDirectory ? "its directory \(item) is not writable (SQLite writes its journal there)" : "\(item) is not writable"
            gaps.append(PrivilegeGap(.file("\(what): \(String(cString: strerror(reason)))"), fix: Self.fileFix(item, isDirectory: isDirectory, errno: reason)))
        }
        return PrivilegeReport(role: nil, gaps: gaps, held: held)
    }

    /// The command that lets this user write `path`, by why it cannot.
    private static func fileFix(_ path: String, isDirectory: Bool, errno reason: Int32) -> String {
        switch reason {
        case EROFS:
            return "the file system is mounted read-only: remount it read-write, or copy the database to a writable one"
        case EPERM:
            return "chattr -i \(path)" // immutable: even root may not write
        default:
            let owner = (try? FileManager.default.attributesOfItem(atPath: path)[.ownerAccountID] as? Int).flatMap { $0 }
            if owner == Int(geteuid()) {
                return "chmod \(isDirectory ? "u+wx" : "u+rw") \(path)"
            }
            return "chown \(currentUserName()) \(path)"
        }
    }

    private static func currentUserName() -> String {
        getpwuid(geteuid()).map { String(cString: $0.pointee.pw_name) } ?? String(geteuid())
    }
}
