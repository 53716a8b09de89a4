extension Configuration {
    /// The error for a `NAME` that is not configured, suggesting the
    /// configured name it most likely meant: one that differs only in case,
    /// or by one edit (a letter added, removed or changed).
    public func unknownNamespaceError(_ name: String) -> RetupleError {
        let hint = suggestion(for: name).map { " (did you mean \($0)?)" } ?? ""
        return RetupleError("namespace \(name) is not in the configuration\(hint)")
    }

    /// The configured name `name` was most likely meant to be; nil when no
    /// name is that close, or when two are.
    public func suggestion(for name: String) -> String? {
        let names = namespaces.map(\.name)
        let sameButCase = names.filter { $0.lowercased() == name.lowercased() }
        if sameButCase.count == 1 { return sameButCase[0] }
        let oneEdit = names.filter { Self.withinOneEdit($0, name) }
        return oneEdit.count == 1 ? oneEdit[0] : nil
    }

    /// Whether `a` becomes `b` by one insertion, deletion or substitution
    /// of a character (`Character`s: what the operator sees).
    static func withinOneEdit(_ a: String, _ b: String) -> Bool {
        let a = Array(a), b = Array(b)
        guard abs(a.count - b.count) <= 1 else { return false }
        var i = 0, j = 0, edits = 0
        while i < a.count, j < b.count {
            if a[i] == b[j] {
                i += 1
                j += 1
                continue
            }
            edits += 1
            if edits > 1 { return false }
            if a.count > b.count { i += 1 } else if a.count < b.count { j += 1 } else { i += 1; j += 1 }
        }
        return edits + (a.count - i) + (b.count - j) <= 1
    }
}
