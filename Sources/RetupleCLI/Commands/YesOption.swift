import ArgumentParser

/// `-y/--yes`, for the commands that ask before they change anything.
struct YesOption: ParsableArguments {
    @Flag(name: [.short, .customLong("yes")], help: "Answer yes to every question: apply, migrate and drop without asking.")
    var yes = false
}
