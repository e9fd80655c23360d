import ArgumentParser

/// `custody policy`: work with trust policies offline.
struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Check, evaluate and test trust policies offline.",
        subcommands: [PolicyLintCommand.self, PolicyEvalCommand.self, PolicyTestCommand.self]
    )
}
