import Foundation
import Yams

/// A namespace as Keto's configuration declares it: the legacy table
/// `keto_<id as %010d>_relation_tuples` holds its tuples, and subject sets
/// in other namespaces refer to it by `name`.
public struct Namespace: Hashable, Sendable, Codable {
    public let id: Int32
    public let name: String

    public init(id: Int32, name: String) {
        self.id = id
        self.name = name
    }
}

/// What retuple reads from a Keto configuration file (YAML or JSON).
///
/// Only `dsn` and `namespaces` matter; every other Keto key is ignored, so
/// operators can point retuple at the file their Keto deployment uses.
public struct Configuration: Sendable, Equatable {
    /// The `dsn:` key, used when neither `--dsn` nor `DSN` is given.
    public var dsn: String?
    /// The `namespaces:` list, in file order.
    public var namespaces: [Namespace]

    public init(dsn: String? = nil, namespaces: [Namespace] = []) {
        self.dsn = dsn
        self.namespaces = namespaces
    }

    /// The namespace with this name, if configured.
    public func namespace(named name: String) -> Namespace? {
        namespaces.first { $0.name == name }
    }

    /// The namespace with this id, if configured.
    public func namespace(id: Int32) -> Namespace? {
        namespaces.first { $0.id == id }
    }

    /// Reads and checks a configuration file.
    /// - Throws: `RetupleError` naming the file and, for a bad entry, where
    ///   in it (`namespaces[2].id`).
    public static func load(path: String) throws -> Configuration {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "it cannot be read" : "it does not exist"
            throw RetupleError("cannot read config file \(path): \(reason)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw RetupleError("cannot read config file \(path): it is not UTF-8 text")
        }
        return try parse(text, source: path)
    }

    /// Parses configuration text (YAML, of which JSON is a subset).
    /// - Parameter source: the file name to put in error messages.
    public static func parse(_ text: String, source: String) throws -> Configuration {
        let file: ConfigurationFile
        do {
            file = try YAMLDecoder().decode(ConfigurationFile.self, from: text.isEmpty ? "{}" : text)
        } catch {
            throw RetupleError("config file \(source)\(describe(error))")
        }
        let configuration = Configuration(dsn: file.dsn, namespaces: file.namespaces?.entries ?? [])
        try configuration.validate(source: source)
        return configuration
    }

    /// Rejects what would make the migration ambiguous: repeated ids or
    /// names, and names a v0.6 subject set could never refer to.
    func validate(source: String) throws {
        var idsSeen: [Int32: String] = [:]
        var namesSeen: [String: Int32] = [:]
        for (index, namespace) in namespaces.enumerated() {
            let place = "config file \(source): namespaces[\(index)]"
            if namespace.name.isEmpty {
                throw RetupleError("\(place) has an empty name")
            }
            if let bad = namespace.name.first(where: { $0 == ":" || $0 == "#" || $0.isNewline }) {
                throw RetupleError("\(place): the name \"\(namespace.name)\" contains \"\(bad.isNewline ? "\\n" : String(bad))\", which subject sets (namespace:object#relation) cannot hold")
            }
            if let other = idsSeen[namespace.id] {
                throw RetupleError("\(place): namespace id \(namespace.id) is used twice (\"\(other)\" and \"\(namespace.name)\")")
            }
            if let other = namesSeen[namespace.name] {
                throw RetupleError("\(place): namespace name \"\(namespace.name)\" is used twice (ids \(other) and \(namespace.id))")
            }
            idsSeen[namespace.id] = namespace.name
            namesSeen[namespace.name] = namespace.id
        }
    }
}

/// The file's shape; unknown keys are ignored by `Decodable`.
private struct ConfigurationFile: Decodable {
    var dsn: String?
    var namespaces: NamespaceList?
}

/// `namespaces:` must be an inline list; Keto also allows a location string
/// (`file://…`), which retuple does not follow.
private struct NamespaceList: Decodable {
    var entries: [Namespace]

    init(from decoder: Decoder) throws {
        if let location = try? decoder.singleValueContainer().decode(String.self) {
            throw RetupleError("namespaces is a location (\(location)); list the namespaces inline as [{id: 0, name: files}, …]")
        }
        var list = try decoder.unkeyedContainer()
        entries = []
        while !list.isAtEnd {
            let entry = try list.decode(NamespaceEntry.self)
            entries.append(Namespace(id: entry.id, name: entry.name))
        }
    }
}

private struct NamespaceEntry: Decodable {
    var id: Int32
    var name: String

    enum CodingKeys: String, CodingKey { case id, name }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let rawID = try container.decode(Int64.self, forKey: .id)
        guard (0...Int64(Int32.max)).contains(rawID) else {
            throw DecodingError.dataCorruptedError(
                forKey: .id, in: container,
                debugDescription: "namespace id \(rawID) is out of range (0 to \(Int32.max))"
            )
        }
        id = Int32(rawID)
        name = try container.decode(String.self, forKey: .name)
    }
}

/// A parse failure as the end of `config file X…`: `: namespaces[1].id:
/// expected an integer`, or ` is not valid YAML or JSON: …`.
///
/// Yams wraps errors thrown while decoding, ours included, in
/// `DecodingError.dataCorrupted` with the original as underlying error.
private func describe(_ error: Error) -> String {
    switch error {
    case let error as RetupleError:
        return ": " + error.description
    case let error as YamlError:
        return " is not valid YAML or JSON: " + describe(error)
    case DecodingError.dataCorrupted(let context) where context.underlyingError != nil:
        return describe(context.underlyingError!)
    case let error as DecodingError:
        return ": " + describe(error)
    default:
        return ": \(error)"
    }
}

/// A decoding failure as `namespaces[1].id: expected an integer`.
private func describe(_ error: DecodingError) -> String {
    func path(_ codingPath: [CodingKey]) -> String {
        codingPath.map { key in
            key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)"
        }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }
    switch error {
    case .typeMismatch(let type, let context):
        return "\(path(context.codingPath)): expected \(typeName(type))"
    case .valueNotFound(let type, let context):
        return "\(path(context.codingPath)): expected \(typeName(type)), found nothing"
    case .keyNotFound(let key, let context):
        let place = path(context.codingPath)
        return "\(place.isEmpty ? "" : place + ": ")missing key `\(key.stringValue)`"
    case .dataCorrupted(let context):
        let place = path(context.codingPath)
        return "\(place.isEmpty ? "" : place + ": ")\(context.debugDescription)"
    @unknown default:
        return "\(error)"
    }
}

private func typeName(_ type: Any.Type) -> String {
    switch type {
    case is Int32.Type, is Int64.Type, is Int.Type: "an integer"
    case is String.Type: "a string"
    default: "\(type)"
    }
}

/// Yams errors print several lines with a caret; keep the first.
private func describe(_ error: YamlError) -> String {
    String(describing: error).split(whereSeparator: \.isNewline).first.map(String.init) ?? "unreadable"
}
