import RetupleCore

/// A `key=value …` output line, values quoted when they would otherwise
/// be ambiguous (spaces, quotes, `=`, control characters), as logfmt does,
/// so a namespace name from the configuration cannot break the line apart.
func keyValueLine(_ prefix: String? = nil, _ pairs: KeyValuePairs<String, String>) -> String {
    let fields = pairs.map { "\($0.key)=\(keyValueText($0.value))" }
    return ([prefix].compactMap { $0 } + fields).joined(separator: " ")
}

private func keyValueText(_ value: String) -> String {
    let needsQuotes = value.isEmpty || value.unicodeScalars.contains {
        $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\\" || $0.properties.generalCategory == .control
    }
    guard needsQuotes else { return value }
    var quoted = "\""
    for scalar in value.unicodeScalars {
        switch scalar {
        case "\"": quoted += "\\\""
        case "\\": quoted += "\\\\"
        default:
            if let escape = scalar.controlCharacterEscape {
                quoted += escape
            } else {
                quoted.unicodeScalars.append(scalar)
            }
        }
    }
    return quoted + "\""
}

extension Bool {
    /// `yes` or `no`, as output lines show flags.
    var yesNo: String { self ? "yes" : "no" }
}
