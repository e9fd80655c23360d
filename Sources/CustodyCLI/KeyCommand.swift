import ArgumentParser

/// `custody key`: key management subcommands.
struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Generate and manage signing keys.",
        subcommands: [KeyGenerateCommand.self]
    )
}
