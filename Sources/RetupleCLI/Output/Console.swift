import Foundation
import RetupleCore

/// The operator's terminal: results on stdout, prompts and errors on
/// stderr or stdout as the format requires. It is the confirmation a
/// `LegacyMigrationRun` asks through.
///
/// In `json` format stdout carries exactly one JSON document, so prompts
/// go to stderr and informational lines are not printed.
struct Console: MigrationConfirmation {
    let format: OutputFormat
    let quiet: Bool

    /// An informational line: suppressed by `-q` and in `json` format.
    func info(_ line: String) {
        guard !quiet, format == .text else { return }
        printFlushed(line)
    }

    /// A line the operator must see before answering a question: on
    /// stdout in text format, on stderr in `json` format, even with `-q`.
    func notice(_ line: String) {
        if format == .json {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        } else {
            printFlushed(line)
        }
    }

    /// A line about the run itself (a wait, a recovery, how far a poll
    /// has got): on stderr, in either format, so stdout stays the log of
    /// results. The caller decides whether `-q` hides it.
    func progress(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// A result line in text format (what the command was asked for).
    func result(_ line: String) {
        printFlushed(line)
    }

    /// Prints a line on stdout and flushes it at once, so that it reaches
    /// a pipe or a file as it happens, not when the buffer fills or the
    /// process exits: a log kept with `| tee` or `> log` is current, and
    /// holds every namespace that committed even if the run is killed.
    private func printFlushed(_ line: String) {
        print(line)
        fflush(nil)
    }

    /// Prints one JSON document on stdout, its keys sorted and snake-cased
    /// (`alreadyPresent` is `already_present`), so documents need no
    /// `CodingKeys` to spell them.
    func json<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let data = try encoder.encode(value)
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
    }

    /// Asks a yes/no question and reads the answer from stdin.
    ///
    /// Only `y` or `yes` (any case) is yes; anything else, or end of input,
    /// is no, so an unattended run never hangs or proceeds by accident.
    func confirm(_ question: String) -> Bool {
        let prompt = "\(question) [y/N] "
        if format == .json {
            FileHandle.standardError.write(Data(prompt.utf8))
        } else {
            print(prompt, terminator: "")
            fflush(nil)
        }
        let answer = readLine()
        // An answer typed on a terminal ends its own line; a piped one does
        // not, so end the prompt's line here and results start on their own.
        if answer == nil || isatty(STDIN_FILENO) == 0 {
            if format == .json {
                FileHandle.standardError.write(Data("\n".utf8))
            } else {
                print(""); fflush(nil)
            }
        }
        guard let answer else { return false }
        return ["y", "yes"].contains(answer.trimmingCharacters(in: .whitespaces).lowercased())
    }
}
