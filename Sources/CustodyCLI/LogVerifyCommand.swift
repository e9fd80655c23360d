import ArgumentParser
import CustodyJSON
import CustodyLogClient
import CustodyTransparency

/// `custody log verify`: verifies a saved log entry offline.
struct LogVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a saved transparency log entry offline.",
        discussion: """
            ENTRY is a TransparencyLogEntry JSON (what `custody log append -o` saves, or a Sigstore \
            bundle's tlogEntries[0]). Checks, without the network: the checkpoint is signed by \
            --log-key, the inclusion proof is for the checkpoint's tree size and root and leads from \
            the leaf hash of canonicalizedBody to it, and logId is the log key's. With --artifact, \
            the entry's digest must be the artifact's and its signature must verify over the \
            artifact with the entry's key. Exit status 0 verified, 1 refused (with the reason), 2 \
            could not evaluate (unreadable or malformed file).
            """
    )

    @Option(name: .long, help: "The TransparencyLogEntry JSON file.") var entry: String
    @Option(name: .customLong("log-key"), help: "The log's checkpoint key: a PEM public key file or a note verifier key.") var logKey: String
    @Option(name: .long, help: "The artifact the entry should be a signature of.") var artifact: String?
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let key = try LogClientOptions.logKey(logKey)
        let parsed = try UntrustedLogEntry(json: try InputFiles.read(entry, what: "entry file", limit: UntrustedLogEntry.maxBytes))
        let artifactBytes = try artifact.map { try InputFiles.read($0, what: "artifact file", limit: LogAppendCommand.maxArtifactBytes) }
        try await LogClientOptions.refusing {
            let verified = try parsed.verify(logKey: key)
            if let artifactBytes {
                let rekord: UntrustedHashedRekord
                do {
                    rekord = try parsed.hashedRekord()
                } catch {
                    throw LogClientError(.notVerified, "--artifact needs a hashedrekord 0.0.2 entry: \(error)")
                }
                try rekord.verify(artifact: artifactBytes)
            }
            switch output.output {
            case .json:
                try LogClientOptions.printJSON([
                    ("verified", .bool(true)),
                    ("logIndex", LogClientOptions.decimal(verified.index)),
                    ("leafHash", .string(verified.leafHash.base64)),
                    ("origin", .string(verified.checkpoint.origin)),
                    ("treeSize", LogClientOptions.decimal(verified.checkpoint.size)),
                    ("rootHash", .string(verified.checkpoint.rootHash.base64)),
                    ("artifactVerified", .bool(artifactBytes != nil)),
                ])
            case .text:
                Console.current.line(
                    "verified: entry \(verified.index) is in \(verified.checkpoint.origin) at tree size \(verified.checkpoint.size) (leaf hash \(verified.leafHash.hex))")
                if artifactBytes != nil { Console.current.line("verified: the entry is a signature of \(artifact ?? "")") }
            }
        }
    }
}
