import Foundation
@testable import RetupleCore
@testable import RetupleTransformation
import RetupleTestSupport
import Testing

/// The message of a broken row quotes legacy values, which Keto's clients
/// wrote: whatever they hold, the message stays one line of printable
/// text, since it reaches the report, `retuple_broken_tuples` and, at
/// `--log-level debug`, the operator's terminal.
@Suite("Broken row messages: legacy values quoted safely")
struct BrokenRowMessageTests {
    static let configuration = Configuration(namespaces: [Namespace(id: 0, name: "files")])

    func message(subject: String) throws -> String {
        var transformer = LegacyTupleTransformer(
            namespace: Self.configuration.namespaces[0], networkID: UUID(), configuration: Self.configuration
        )
        let legacy = LegacyTuple(shardID: "default", object: "o", relation: "r", subject: .text(subject), commitTime: "2021-09-14 13:46:24")
        guard case .broken(let tuple) = transformer.transform(legacy) else {
            throw TestSupportError("\(subject) was not broken")
        }
        return tuple.message
    }

    @Test("control characters in a value are escaped: a terminal escape sequence, CR, CRLF, tab, NUL and DEL")
    func controlCharacters() throws {
        let subject = "\u{1b}[2J\u{1b}]0;pwned\u{07}:a\r\nb\tc\u{0}d\u{7f}#x#y"
        let text = try message(subject: subject)
        #expect(text == #"subject "\u{1b}[2J\u{1b}]0;pwned\u{7}:a\r\nb\tc\u{0}d\u{7f}#x#y" contains # but is not namespace:object#relation"#)
        #expect(!text.unicodeScalars.contains { $0.properties.generalCategory == .control })
    }

    @Test("a long value is cut at 80 characters, escapes counted as one")
    func longValue() throws {
        let text = try message(subject: String(repeating: "\u{1b}", count: 100) + "#a#b")
        #expect(text == "subject \"" + String(repeating: #"\u{1b}"#, count: 80) + "…\" contains # but is not namespace:object#relation")
    }
}
