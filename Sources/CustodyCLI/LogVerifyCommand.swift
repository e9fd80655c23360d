import ArgumentParser
import CustodyJSON
import CustodyKeys
import CustodyLogClient
import CustodyOCI
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

    /// The signing key (`sha256:` of its SubjectPublicKeyInfo) and certificate of a hashedrekord
    /// entry, as the entry states them; nil for other entries or an unreadable verifier.
    static func signer(of entry: UntrustedLogEntry) -> (key: String, certificate: UntrustedCertificate?)? {
        guard let rekord = try? entry.hashedRekord(), let (key, certificate) = try? rekord.verifier.signer() else { return nil }
        return (Digest.compute(key.derRepresentation).description, certificate)
    }

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
            let signer = Self.signer(of: parsed)
            switch output.output {
            case .json:
                var members: [(String, JSONValue)] = [
                    ("verified", .bool(true)),
                    ("logIndex", LogClientOptions.decimal(verified.index)),
                    ("leafHash", .string(verified.leafHash.base64)),
                    ("origin", .string(verified.checkpoint.origin)),
                    ("treeSize", LogClientOptions.decimal(verified.checkpoint.size)),
                    ("rootHash", .string(verified.checkpoint.rootHash.base64)),
                    ("artifactVerified", .bool(artifactBytes != nil)),
                ]
                if let signer {
                    var described: [(key: String, value: JSONValue)] = [(key: "key", value: .string(signer.key))]
                    if let certificate = signer.certificate {
                        described.append((key: "identities", value: .array(certificate.identities.map { .string($0) })))
                        described.append((key: "issuer", value: certificate.oidcIssuer.map { .string($0) } ?? .null))
                    }
                    members.append(("signer", .object(JSONObject(members: described)!)))
                }
                try LogClientOptions.printJSON(members)
            case .text:
                Console.current.line(
                    "verified: entry \(verified.index) is in \(verified.checkpoint.origin) at tree size \(verified.checkpoint.size) (leaf hash \(verified.leafHash.hex))")
                if artifactBytes != nil { Console.current.line("verified: the entry is a signature of \(artifact ?? "")") }
                if let signer {
                    if let certificate = signer.certificate {
                        let names = certificate.identities.isEmpty ? "no identity" : certificate.identities.joined(separator: ", ")
                        let issuer = certificate.oidcIssuer.map { ", issuer \($0)" } ?? ""
                        Console.current.line(
                            "signer: key \(signer.key), by a certificate for \(names)\(issuer) (the certificate's issuer chain is not checked here)")
                    } else {
                        Console.current.line("signer: key \(signer.key)")
                    }
                }
            }
        }
    }
}
