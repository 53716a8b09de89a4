import Foundation
import RetupleCore
import RetupleTestSupport
import Testing

@Suite("Configuration file")
struct ConfigurationTests {
    @Test("reads dsn and namespaces from Keto YAML, ignoring other Keto keys")
    func readsKetoYAML() throws {
        let configuration = try Configuration.parse("""
            version: v0.6.0-alpha.1
            dsn: sqlite:///var/lib/keto/db.sqlite?_fk=true
            serve:
              read: {port: 4466}
            namespaces:
              - id: 0
                name: files
              - id: 7
                name: groups
                config: {}
            """, source: "keto.yml")
        #expect(configuration.dsn == "sqlite:///var/lib/keto/db.sqlite?_fk=true")
        #expect(configuration.namespaces == [Namespace(id: 0, name: "files"), Namespace(id: 7, name: "groups")])
        #expect(configuration.namespace(named: "groups")?.id == 7)
        #expect(configuration.namespace(id: 0)?.name == "files")
    }

    @Test("reads the same from JSON")
    func readsJSON() throws {
        let configuration = try Configuration.parse(
            #"{"dsn": "memory", "namespaces": [{"id": 1, "name": "docs"}], "log": {"level": "debug"}}"#,
            source: "keto.json"
        )
        #expect(configuration.dsn == "memory")
        #expect(configuration.namespaces == [Namespace(id: 1, name: "docs")])
    }

    @Test("an empty file is an empty configuration")
    func emptyFile() throws {
        #expect(try Configuration.parse("", source: "empty.yml") == Configuration())
    }

    @Test(
        "rejects bad configurations with a message naming file and place",
        arguments: [
            ("namespaces:\n  - {id: 1, name: a}\n  - {id: 1, name: b}", "namespaces[1]: namespace id 1 is used twice"),
            ("namespaces:\n  - {id: 1, name: a}\n  - {id: 2, name: a}", "namespaces[1]: namespace name \"a\" is used twice"),
            ("namespaces:\n  - {id: -1, name: a}", "namespaces[0].id: namespace id -1 is out of range"),
            ("namespaces:\n  - {id: 2147483648, name: a}", "namespaces[0].id: namespace id 2147483648 is out of range"),
            ("namespaces:\n  - {id: one, name: a}", "namespaces[0].id: expected an integer"),
            ("namespaces:\n  - {name: a}", "namespaces[0]: missing key `id`"),
            ("namespaces:\n  - {id: 3}", "namespaces[0]: missing key `name`"),
            ("namespaces:\n  - {id: 3, name: \"\"}", "namespaces[0] has an empty name"),
            ("namespaces:\n  - {id: 3, name: \"a:b\"}", "contains \":\""),
            ("namespaces:\n  - {id: 3, name: \"a#b\"}", "contains \"#\""),
            // Found by the hostile-input matrix: a line break in the name broke the message,
            // `:` before a combining mark passed, `5` was called a location, `[a]` a Scalar.
            ("namespaces:\n  - {id: 3, name: \"a\\nb\"}", #"the name "a\nb" contains "\n""#),
            ("namespaces:\n  - {id: 3, name: \"a:\\u0301b\"}", "contains \":\""),
            ("namespaces: 5", "namespaces is not a list; list the namespaces inline"),
            ("namespaces:\n  - {id: 3, name: [a]}", "namespaces[0].name: expected one value, not a list or map"),
            ("namespaces: file:///etc/keto/namespaces", "namespaces is a location (file:///etc/keto/namespaces)"),
            ("namespaces: {id: 1}", "namespaces"),
            ("namespaces: [\n", "is not valid YAML or JSON"),
        ]
    )
    func rejectsBadConfiguration(text: String, expected: String) {
        #expect {
            try Configuration.parse(text, source: "bad.yml")
        } throws: { error in
            let message = "\(error)"
            return message.contains("bad.yml") && message.contains(expected) && !message.contains("\n")
        }
    }

    @Test("a missing file is named in the error")
    func missingFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("nope.yml")
        #expect(throws: RetupleError("cannot read config file \(path): it does not exist")) {
            try Configuration.load(path: path)
        }
    }

    @Test("a directory is not a readable file")
    func directoryAsFile() throws {
        let directory = try TemporaryDirectory()
        #expect(throws: RetupleError("cannot read config file \(directory.url.path): it is a directory; pass the Keto configuration file (-c keto.yml)")) {
            try Configuration.load(path: directory.url.path)
        }
    }
}
