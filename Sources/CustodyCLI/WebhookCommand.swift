import ArgumentParser

/// `custody webhook`: the Kubernetes admission webhook.
struct WebhookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook",
        abstract: "Enforce the trust policy in a Kubernetes cluster as an admission webhook.",
        subcommands: [WebhookServeCommand.self]
    )
}
