import Foundation
import RetupleSQLite

/// The doctor's SQLite questions: a write transaction opened without
/// waiting and rolled back at once (nothing is written) tells whether
/// another connection holds the write lock, as Keto v0.6 still running
/// would; there are no server settings.
extension SQLiteDatabase: BackendDiagnostics {
    public func diagnoseLocks(legacyTables: Set<String>) throws -> DoctorCheck {
        let path = connection.path
        guard path != ":memory:" else {
            return DoctorCheck(.locks, .skip, "an in-memory database: no other connection can reach it")
        }
        // SQLite opens a file it may not write read-only, and there a
        // write transaction takes no lock: the probe would see nothing.
        guard access(path, W_OK) == 0 else {
            return DoctorCheck(.locks, .skip, "not checked: \(path) cannot be written (see privileges)")
        }
        do {
            let probe = try SQLiteConnection(path: path, mode: .readWrite)
            defer { probe.close() }
            probe.setBusyTimeout(milliseconds: 0)
            try probe.executeScript("BEGIN IMMEDIATE")
            try probe.executeScript("ROLLBACK")
            return DoctorCheck(.locks, .ok, "no other connection holds the write lock on \(path)")
        } catch let error as SQLiteError where error.primaryCode == SQLiteError.busy {
            return DoctorCheck(
                .locks, .warn, "another connection holds the write lock on \(path) (is Keto v0.6 still running?)",
                fix: "stop whatever writes to it; `fuser -v \(path)` names the processes that have it open"
            )
        } catch {
            return DoctorCheck(.locks, .fail, "could not check: \(error)")
        }
    }

    public func diagnoseSettings() throws -> DoctorCheck {
        DoctorCheck(.settings, .skip, "SQLite has no server settings")
    }
}
