import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

/// An operator runbook in Markdown, read as the shell blocks it tells the
/// operator to run.
///
/// The fence names the backend a block is for: ```` ```sh sqlite ````,
/// ```` ```sh postgres ```` or ```` ```sh both ````. Blocks fenced
/// ```` ```console ```` or ```` ```text ```` (Keto itself, service managers,
/// sample output) are not shell blocks and are never run. A shell block
/// (`sh`, `bash`, `shell`) whose fence names no known backend is kept with
/// a nil `target`, so a test can refuse it instead of skipping it.
struct Runbook {
    /// `runbooks/upgrade-keto-v0.6-to-v0.7.md` in this repository.
    static let upgrade = repositoryRoot.appendingPathComponent("runbooks/upgrade-keto-v0.6-to-v0.7.md")
    /// `runbooks/upgrade-keto-v0.6-to-latest.md`.
    static let upgradeToLatest = repositoryRoot.appendingPathComponent("runbooks/upgrade-keto-v0.6-to-latest.md")
    /// `runbooks/rollback.md`: run after `upgrade`, on what it left.
    static let rollback = repositoryRoot.appendingPathComponent("runbooks/rollback.md")
    /// `runbooks/recreate-broken-tuples.md`.
    static let recreateBroken = repositoryRoot.appendingPathComponent("runbooks/recreate-broken-tuples.md")
    /// `runbooks/sqlite-to-postgres.md`.
    static let sqliteToPostgres = repositoryRoot.appendingPathComponent("runbooks/sqlite-to-postgres.md")

    /// The backend(s) a shell block is for: the word after `sh` in its fence.
    enum Target: String {
        case sqlite, postgres, both
    }

    /// One shell block of the runbook.
    struct Block {
        /// What the fence names; nil when it names no known backend.
        let target: Target?
        /// The block's text, without its fences.
        let script: String
        /// The 1-based line of the opening fence.
        let line: Int
        /// The `## ` heading the block sits under.
        let section: String

        /// Whether the block is run on `backend`.
        func runs(on backend: DatabaseBackend) -> Bool {
            target == .both || target?.rawValue == backend.rawValue
        }

        /// Where the block is, for failure messages.
        var location: String { "runbook line \(line) (\(section))" }
    }

    /// The whole Markdown text.
    let text: String
    /// Every shell block, in order.
    let blocks: [Block]

    /// Reads the runbook at `url` and records a test issue for every shell
    /// block whose fence names no backend: such a block would otherwise
    /// never run.
    static func checkingFences(_ url: URL) throws -> Runbook {
        let runbook = try Runbook(contentsOf: url)
        for block in runbook.blocks where block.target == nil {
            Issue.record("\(url.lastPathComponent) \(block.location): a shell block must be fenced ```sh sqlite, ```sh postgres or ```sh both")
        }
        return runbook
    }

    /// Reads and splits the runbook at `url`.
    /// - Throws: when the file cannot be read as UTF-8.
    init(contentsOf url: URL) throws {
        text = try String(contentsOf: url, encoding: .utf8)
        blocks = Self.shellBlocks(in: text)
    }

    /// The blocks run on `backend`, in the runbook's order.
    func blocks(for backend: DatabaseBackend) -> [Block] {
        blocks.filter { $0.runs(on: backend) }
    }

    /// Whether the runbook documents `variable` (names it in backquotes).
    func documents(_ variable: String) -> Bool {
        text.contains("`\(variable)`")
    }

    private static let shellLanguages: Set<Substring> = ["sh", "bash", "shell"]

    /// The shell blocks of `text`: fenced blocks whose language is a shell,
    /// with the backend their fence names and the heading they are under.
    static func shellBlocks(in text: String) -> [Block] {
        var blocks: [Block] = []
        var section = ""
        var open: (info: [Substring], line: Int, body: [Substring])?
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if let fence = open {
                if line.hasPrefix("```") {
                    if let language = fence.info.first, shellLanguages.contains(language) {
                        let target = fence.info.count == 2 ? Target(rawValue: String(fence.info[1])) : nil
                        let script = fence.body.joined(separator: "\n") + "\n"
                        blocks.append(Block(target: target, script: script, line: fence.line, section: section))
                    }
                    open = nil
                } else {
                    open?.body.append(line)
                }
            } else if line.hasPrefix("```") {
                open = (line.dropFirst(3).split(separator: " "), index + 1, [])
            } else if line.hasPrefix("## ") {
                section = String(line.dropFirst(3))
            }
        }
        return blocks
    }
}
