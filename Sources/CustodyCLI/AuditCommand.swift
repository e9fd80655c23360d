import ArgumentParser

/// `custody audit`: reading the webhook's audit trail.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Search the admission audit trail and replay its decisions.",
        subcommands: [AuditQueryCommand.self, AuditReplayCommand.self]
    )
}
