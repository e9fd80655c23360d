import ArgumentParser
import CustodyJSON
import CustodyKeys
import CustodyLogClient
import CustodyTransparency
import Foundation

/// `custody log append`: signs an artifact and appends a hashedrekord entry to a log.
struct LogAppendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append",
        abstract: "Sign an artifact and append a hashedrekord entry to a transparency log.",
        discussion: """
            Signs the artifact with --key (ECDSA P-256, P-384 or P-521, or RSA of 2048, 3072 or 4096 bits; \
            Ed25519 keys sign with Ed25519ph, as hashedrekord needs a prehashed signature), posts a \
            hashedRekordRequestV002 to the log's /api/v2/log/entries, checks that the log logged \
            exactly that entry, and, with --log-key, verifies the answer's inclusion proof and \
            signed checkpoint before reporting success. The log's own key, fetched from the server, \
            is not trusted: without --log-key the answer is reported as not verified. With \
            --certificate (PEM or DER, for --key's public key) the entry names the signer by that \
            certificate instead of the bare key, as keyless signing does. -o saves the \
            TransparencyLogEntry JSON for `custody log verify`. Exit status 0 appended (and \
            verified), 1 the answer does not verify, 2 error.
            """
    )

    /// The largest artifact read.
    static let maxArtifactBytes = 1 << 30

    @Option(name: .long, help: "The log's URL, e.g. http://127.0.0.1:3000.") var server: String
    @Option(name: .long, help: "The artifact file to sign.") var artifact: String
    @Option(name: .long, help: "The signing key (PEM or cosign encrypted).") var key: String
    @Option(name: .long, help: "An X.509 certificate for --key's public key (PEM or DER), logged in place of the bare key.")
    var certificate: String?
    @Option(name: .customLong("passphrase-file"), help: "The key's passphrase, for a cosign encrypted key.") var passphraseFile: String?
    @Option(name: .customLong("log-key"), help: "The log's checkpoint key: a PEM public key file or a note verifier key.") var logKey: String?
    @Option(name: .customShort("o"), help: ArgumentHelp("Write the TransparencyLogEntry JSON to this file.", valueName: "entry.json"))
    var entryFile: String?
    @Option(name: .customLong("output"), help: "Output format: text or json.") var format: OutputFormat = .text

    func run() async throws {
        let client = try LogClientOptions.client(server)
        let trustedKey = try logKey.map(LogClientOptions.logKey)
        let artifactBytes = try InputFiles.read(artifact, what: "artifact file", limit: Self.maxArtifactBytes)
        let signer = try InputFiles.signer(key, passphraseFile: passphraseFile)
        let certificate = try self.certificate.map(Self.readCertificate)
        let request = try HashedRekordRequest(artifact: artifactBytes, privateKey: signer.privateKey, certificate: certificate)
        let entry = try await client.append(request.json)
        try await LogClientOptions.refusing {
            guard entry.canonicalizedBody == request.expectedCanonicalizedBody else {
                throw LogClientError(.notVerified, "the log answered with an entry body that is not the one sent")
            }
            let verified = try trustedKey.map { try entry.verify(logKey: $0) }
            if let entryFile {
                guard FileManager.default.createFile(atPath: entryFile, contents: Data(entry.json)) else {
                    throw CouldNotEvaluate(reason: "cannot write \(entryFile)")
                }
            }
            report(entry, verified: verified)
        }
    }

    /// A certificate file: one PEM `CERTIFICATE` block, or DER.
    static func readCertificate(_ path: String) throws -> UntrustedCertificate {
        let bytes = try InputFiles.read(path, what: "certificate file", limit: 4 * UntrustedCertificate.maxBytes)
        do {
            if bytes.drop(while: { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }).starts(with: Array("-----BEGIN".utf8)) {
                return try UntrustedCertificate(pemEncoded: String(decoding: bytes, as: UTF8.self))
            }
            return try UntrustedCertificate(derEncoded: bytes)
        } catch let error as KeyError {
            throw KeyError(code: error.code, reason: "certificate file \(path): \(error.reason)")
        }
    }

    private func report(_ entry: UntrustedLogEntry, verified: VerifiedTransparencyLogEntry?) {
        let console = Console.current
        switch format {
        case .json:
            var members: [(String, JSONValue)] = [
                ("logIndex", LogClientOptions.decimal(entry.logIndex)),
                ("verified", .bool(verified != nil)),
                ("entry", LogClientOptions.jsonValue(entry.json)),
            ]
            if let verified {
                members.append(("checkpoint", .object(JSONObject(members: [
                    (key: "origin", value: .string(verified.checkpoint.origin)),
                    (key: "treeSize", value: LogClientOptions.decimal(verified.checkpoint.size)),
                    (key: "rootHash", value: .string(verified.checkpoint.rootHash.base64)),
                ])!)))
            }
            try? LogClientOptions.printJSON(members)
        case .text:
            console.line("appended entry \(entry.logIndex) (\(entry.kind) \(entry.version))")
            if let verified {
                console.line(
                    "verified: inclusion in \(verified.checkpoint.origin) at tree size \(verified.checkpoint.size), checkpoint signed by \(verified.logKey.name)")
            } else {
                console.line("NOT verified: no --log-key given (the log's key fetched from the server is not trusted)")
            }
            if let entryFile { console.line("entry written to \(entryFile)") }
        }
    }
}
