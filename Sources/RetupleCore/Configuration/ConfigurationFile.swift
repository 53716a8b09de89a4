import Foundation
import Yams

/// Reading a Keto configuration file: YAML (or JSON, a subset of it),
/// with errors that name the file and the place in it.
extension Configuration {
    /// Reads and checks a configuration file.
    /// - Throws: `RetupleError` naming the file and, for a bad entry, where
    ///   in it (`namespaces[2].id`).
    public static func load(path: String) throws -> Configuration {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw RetupleError("cannot read config file \(path): it is a directory; pass the Keto configuration file (-c keto.yml)")
        }
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
            let found = location.contains("://") ? "a location (\(location))" : "not a list"
            throw RetupleError("namespaces is \(found); list the namespaces inline as [{id: 0, name: files}, …]")
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
    // What Yams names when a list or map stands where one value should.
    case is Node.Scalar.Type: "one value, not a list or map"
    default: "\(type)"
    }
}

/// Yams errors print several lines with a caret; keep the first.
private func describe(_ error: YamlError) -> String {
    String(describing: error).split(whereSeparator: \.isNewline).first.map(String.init) ?? "unreadable"
}
