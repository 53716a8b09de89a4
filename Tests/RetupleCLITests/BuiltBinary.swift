import Foundation
import RetupleTestSupport

/// The outcome of running one of the package's executables.
struct ProcessOutcome {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Where `swift build` put the executables: beside the test bundle.
let productsDirectory: URL = {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    while !FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("retuple").path),
        directory.path != "/"
    {
        directory.deleteLastPathComponent()
    }
    return directory
}()

/// Runs a built executable as an operator would: arguments, optional
/// stdin, environment without any DSN unless given.
func run(
    _ arguments: [String],
    executable: String = "retuple",
    stdin: String? = nil,
    environment: [String: String] = [:],
    in directory: URL? = nil
) throws -> ProcessOutcome {
    let process = Process()
    process.executableURL = productsDirectory.appendingPathComponent(executable)
    process.arguments = arguments
    var inherited = ProcessInfo.processInfo.environment
    inherited.removeValue(forKey: "DSN")
    process.environment = inherited.merging(environment) { $1 }
    if let directory { process.currentDirectoryURL = directory }
    let scratch = try TemporaryDirectory()
    let outURL = scratch.url.appendingPathComponent("stdout")
    let errURL = scratch.url.appendingPathComponent("stderr")
    FileManager.default.createFile(atPath: outURL.path, contents: nil)
    FileManager.default.createFile(atPath: errURL.path, contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: outURL)
    process.standardError = try FileHandle(forWritingTo: errURL)
    let input = Pipe()
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    process.waitUntilExit()
    return ProcessOutcome(
        status: process.terminationStatus,
        stdout: try String(contentsOf: outURL, encoding: .utf8),
        stderr: try String(contentsOf: errURL, encoding: .utf8)
    )
}
