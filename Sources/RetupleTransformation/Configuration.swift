
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

    /// Rejects what would make the migration ambiguous: repeated ids or
    /// names, and names a v0.6 subject set could never refer to.
    public func validate(source: String) throws {
        var idsSeen: [Int32: String] = [:]
        var namesSeen: [String: Int32] = [:]
        for (index, namespace) in namespaces.enumerated() {
            let place = "config file \(source): namespaces[\(index)]"
            if namespace.name.isEmpty {
                throw RetupleError("\(place) has an empty name")
            }
            // Scalar by scalar, as subjects are split: `:` followed by a
            // combining mark is one Character, which is not `:`.
            if let bad = namespace.name.unicodeScalars.first(where: { $0 == ":" || $0 == "#" || Character($0).isNewline }) {
                throw RetupleError("\(place): the name \(quoted(namespace.name)) contains \"\(bad == ":" || bad == "#" ? String(bad) : "\\n")\", which subject sets (namespace:object#relation) cannot hold")
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
