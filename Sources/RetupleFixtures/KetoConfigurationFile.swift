import Foundation
import RetupleCore

/// Writes a minimal Keto configuration file: the namespaces, nothing else.
public enum KetoConfigurationFile {
    public static func write(namespaces: [Namespace], to path: String) throws {
        var text = "# Keto configuration for a generated v0.6 database (namespaces only).\nnamespaces:\n"
        for namespace in namespaces {
            text += "  - id: \(namespace.id)\n    name: \(namespace.name)\n"
        }
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw RetupleError("cannot write config file \(path): \(error.localizedDescription)")
        }
    }
}
