import ArgumentParser
import CustodyOCI
import CustodyOpenPGP
import CustodyVerify

/// `custody verify IMAGE`: checks an image's simple signatures against trusted OpenPGP keys.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify an image's simple signatures against trusted OpenPGP keys.",
        discussion: """
            Every manifest must carry at least one signature by a key in the --gpg-key files that \
            names its digest and --identity (for an index: every platform manifest; the index's own \
            signature is reported but not required). Exit status 0 accepted, 1 denied, 2 could not \
            evaluate. Each signature is reported with why it was accepted or rejected; an unreadable \
            or garbage signature does not stop the others from being checked.
            """
    )

    @OptionGroup var image: ImageOptions
    @Option(name: .customLong("gpg-key"), help: "A trusted public key file (repeatable).") var gpgKeys: [String] = []
    @Option(name: .long, help: "The identity signatures must name, e.g. docker.io/library/busybox:latest.") var identity: String
    @OptionGroup var store: SignatureStoreOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if gpgKeys.isEmpty { throw ValidationError("at least one --gpg-key is required") }
    }

    struct SignatureEntry: Encodable {
        let location: String
        let outcome: String
        let signer: String?
        let identity: String?
        let reason: String?
    }

    struct TargetEntry: Encodable {
        let digest: Digest
        let platform: String?
        let required: Bool
        let satisfied: Bool
        let signatures: [SignatureEntry]
    }

    struct Report: Encodable {
        let image: String
        let identity: String
        let decision: String
        let manifests: [TargetEntry]
    }

    func run() async throws {
        let name = try ImageName(parsing: image.image)
        let reference = try ImageReference.parseNormalized(identity)
        let verifier = ImageSignatureVerifier(verifier: SimpleSigningVerifier(keyring: try InputFiles.keyring(gpgKeys)))
        let result = try await verifier.verify(
            name.openSource(), identity: reference, store: try store.store(for: name, identity: reference, forWriting: false))
        let report = Report(
            image: image.image, identity: reference.description, decision: result.isAccepted ? "accepted" : "denied",
            manifests: result.targets.map(TargetEntry.init))
        switch output.output {
        case .json: try Console.current.json(report)
        case .text: printText(report)
        }
        if !result.isAccepted {
            let missing = report.manifests.filter { $0.required && !$0.satisfied }.map { $0.platform.map { "\($0)" } ?? $0.digest.description }
            throw CommandDenied(reason: "no accepted signature for \(missing.joined(separator: ", "))")
        }
    }

    private func printText(_ report: Report) {
        for target in report.manifests {
            let what = target.platform.map { "\(target.digest) (\($0))" } ?? target.digest.description
            let status = target.satisfied ? "Verified" : (target.required ? "Not verified" : "Not verified (not required)")
            Console.current.line("\(status): \(what)")
            if target.signatures.isEmpty { Console.current.line("  no signatures found") }
            for signature in target.signatures {
                switch signature.outcome {
                case "accepted":
                    Console.current.line("  \(signature.location): accepted, signed by \(signature.signer ?? "?") as \(signature.identity ?? "?")")
                default:
                    Console.current.line("  \(signature.location): \(signature.outcome): \(signature.reason ?? "")")
                }
            }
        }
    }
}

extension VerifyCommand.TargetEntry {
    init(_ target: ImageVerificationReport.Target) {
        var signatures: [VerifyCommand.SignatureEntry] = []
        for (location, signature) in target.accepted {
            signatures.append(.init(location: location, outcome: "accepted", signer: signature.signer.description, identity: signature.dockerReference, reason: nil))
        }
        for (location, rejection) in target.rejected {
            signatures.append(.init(location: location, outcome: "rejected", signer: nil, identity: nil, reason: rejection.reason))
        }
        for (location, reason) in target.unreadable {
            signatures.append(.init(location: location, outcome: "unreadable", signer: nil, identity: nil, reason: reason))
        }
        self.init(
            digest: target.manifestDigest, platform: target.platform?.description, required: target.isRequired,
            satisfied: target.isSatisfied, signatures: signatures.sorted { $0.location < $1.location })
    }
}
