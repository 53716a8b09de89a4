import Foundation

/// This process's memory, as the operator's tools see it.
public enum ProcessMemory {
    /// The peak resident set size of this process image in KiB: `VmHWM`
    /// of `/proc/self/status` ("Peak resident set size ('high water
    /// mark')", proc(5)); nil where there is no such file.
    ///
    /// Not `getrusage`'s `ru_maxrss`: Linux carries that over `execve`
    /// from the process that spawned us, so a child of a large process
    /// (a test runner) would report its parent's peak.
    public static func peakResidentKiB() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.dropFirst("VmHWM:".count).trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "")
        }
        return nil
    }
}
