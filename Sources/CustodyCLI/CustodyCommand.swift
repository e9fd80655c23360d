import ArgumentParser

/// The `custody` command: its subcommands and nothing else.
public struct CustodyCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "custody",
        abstract: "Sign container images and verify them against a trust policy.",
        discussion: """
            Images are named as skopeo names them: docker://REF for an image in a registry, \
            oci:DIR[:REF] for an OCI image layout, dir:DIR for skopeo's directory format. Start \
            with `custody quickstart`.

            Exit status: 0 success, 1 denied, 2 could not evaluate (bad input, missing file, \
            integrity failure), 64 usage error.
            """,
        version: CustodyVersion.current,
        subcommands: [
            QuickstartCommand.self, InspectCommand.self, DigestCommand.self, ResolveCommand.self, SignCommand.self, VerifyCommand.self,
            CopyCommand.self, PolicyCommand.self, LogCommand.self, WebhookCommand.self, AuditCommand.self,
            StandaloneSignCommand.self, StandaloneVerifyCommand.self, KeyCommand.self, VersionCommand.self,
        ]
    )

    public init() {}
}

/// The version of this build.
public enum CustodyVersion {
    /// The release version.
    public static let current = "0.1.0"
}
