import ArgumentParser
import Foundation
import RetupleCore

/// Runs `retuple` with the process arguments and exits.
///
/// Failures print exactly one line on stderr, `error: …`, and exit
/// non-zero: 64 for a usage error, 1 for anything else. `--help` and
/// `--version` print as usual and exit 0.
public enum RetupleMain {
    public static func main() -> Never {
        do {
            var command = try RetupleCommand.parseAsRoot()
            try command.run()
            exit(0)
        } catch let exitCode as ExitCode {
            // A status the command chose (3: broken rows), already explained.
            exit(exitCode.rawValue)
        } catch {
            let code = RetupleCommand.exitCode(for: error)
            if code == .success {
                RetupleCommand.exit(withError: error)
            }
            let message = (error is RetupleError || error is DatabaseUsageError)
                ? String(describing: error)
                : RetupleCommand.message(for: error)
            let line = message.split(whereSeparator: \.isNewline).first.map(String.init) ?? "failed"
            FileHandle.standardError.write(Data("error: \(line.trimmingPrefix("Error: "))\n".utf8))
            exit(code == .failure || code.rawValue == 0 ? 1 : code.rawValue)
        }
    }
}
