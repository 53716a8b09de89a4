/// The EXAMPLES section every command's `--help` (and the man page) ends
/// its discussion with: real invocations, one a line.
func examples(_ invocations: String...) -> String {
    "EXAMPLES:\n" + invocations.map { "  $ \($0)" }.joined(separator: "\n")
}

/// A discussion followed by its examples.
func discussion(_ text: String, _ examples: String) -> String {
    text.isEmpty ? examples : text + "\n\n" + examples
}
