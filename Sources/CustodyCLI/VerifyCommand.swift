import ArgumentParser
import CustodyOCI
import CustodyOpenPGP
import CustodyPolicy
import CustodyStores
import CustodyVerify

/// `custody verify IMAGE`: checks an image's signatures (simple signing and cosign) against trusted keys.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify an image against a trust policy, or its signatures against trusted keys.",
        discussion: """
            With --policy (or with no key option: the policy.json containers tools use, \
            $HOME/.config/containers/policy.json then /etc/containers/policy.json) the image is \
            decided under the policy, per platform manifest, and every requirement reports each \
            signature it looked at; --output json prints the versioned decision record \
            (Docs/decision-record.md).

            With --gpg-key or --key instead, every manifest must carry at least one accepted signature: by a --gpg-key key naming its \
            digest and the identity, or by a --key key over a cosign payload naming its digest and \
            the identity's repository (for an index: every platform manifest; the index's own \
            signature is reported but not required). The identity is --identity, else the \
            docker:// image's own reference. Simple signatures are read from the lookaside \
            (--lookaside, --registries.d, or registries.d where containers tools look) and a dir: \
            image's signature files; cosign signatures from the registry's sha256-<hex>.sig \
            attachment or a dir: image's signature files. Exit status 0 accepted, 1 denied, 2 \
            could not evaluate. Each signature is reported with why it was accepted or rejected.
            """
    )

    @OptionGroup var image: ImageOptions
    @Option(name: .customLong("gpg-key"), help: "A trusted OpenPGP public key file (repeatable).") var gpgKeys: [String] = []
    @Option(name: .customLong("key"), help: "A trusted PEM public key for cosign signatures (repeatable).") var keys: [String] = []
    @Option(name: .long, help: "The identity signatures must name, e.g. docker.io/library/busybox:latest.") var identity: String?
    @Option(name: .long, help: "The trust policy (containers-policy.json with Custody's extensions).") var policy: String?
    @OptionGroup var store: SignatureStoreOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if policy != nil && !(gpgKeys.isEmpty && keys.isEmpty) {
            throw ValidationError("--policy and --gpg-key/--key are mutually exclusive: put the keys in the policy")
        }
        if gpgKeys.isEmpty && keys.isEmpty && identity != nil {
            throw ValidationError("--identity applies to --gpg-key/--key; a policy says which identities it accepts")
        }
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
        if gpgKeys.isEmpty && keys.isEmpty {
            try await verifyWithPolicy()
            return
        }
        let name = try image.name()
        let reference = try SigningIdentity.reference(identity, image: name, repositoryOnly: false)
        let transport = try image.registry.transport(store: store)
        let verifier = ImageSignatureVerifier(
            simpleSigning: gpgKeys.isEmpty ? nil : SimpleSigningVerifier(keyring: try InputFiles.keyring(gpgKeys)),
            cosign: keys.isEmpty ? nil : CosignVerifier(keys: try InputFiles.publicKeys(keys)))
        // The lookaside is read as a store of its own, so that each unreadable file is reported;
        // a dir: image's own signature files come with the source.
        let source = try transport.openSource(name, lookasideSignatures: false, attachments: !keys.isEmpty)
        var stores: [any SignatureStore] = []
        // A registry image's lookaside is found and read under the image's own reference, whatever
        // identity its signatures must name.
        var storeReference = reference
        if case .docker(let own) = name { storeReference = own }
        if !gpgKeys.isEmpty, let lookaside = try store.lookasideStore(for: name, identity: storeReference) { stores.append(lookaside) }
        // A dir: image's signature files are read as a store, which reports each unreadable file on its own.
        var readsImageSignatures = true
        if case .directory(let path) = name {
            stores.append(DirectorySignatureStore(path: path))
            readsImageSignatures = false
        }
        if stores.isEmpty, case .ociLayout = name {
            throw ValidationError("\(name) holds no signatures: name a store with --lookaside or --registries.d")
        }
        let result = try await verifier.verify(
            source, identity: reference, stores: stores, readsImageSignatures: readsImageSignatures, storeReference: storeReference)
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

    private func verifyWithPolicy() async throws {
        let evaluator = try PolicyEvaluator(contentsOfFile: try PolicyLocation.path(policy))
        let decision = try await DecisionOutput.evaluate(try image.name(), evaluator: evaluator, transport: try image.registry.transport(store: store))
        try DecisionOutput.report(decision, format: output.output)
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
            signatures.append(.init(location: location, outcome: "accepted", signer: signature.signer, identity: signature.dockerReference, reason: nil))
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
