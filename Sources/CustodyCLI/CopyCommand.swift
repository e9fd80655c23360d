import ArgumentParser
import CustodyFormats
import CustodyOCI
import CustodyPolicy
import CustodySign
import CustodyStores
import CustodyVerify

/// `custody copy SRC DST`: copies an image between docker://, oci: and dir: with its signatures.
struct CopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy an image between docker://, oci: and dir:, with its signatures, optionally signing it on the way.",
        discussion: """
            Every manifest byte is kept, so digests and signatures stay valid; every blob and \
            manifest is verified while it is read. Signatures travel with the image: simple \
            signatures from the source's lookaside or signature files, cosign signatures from the \
            registry's .sig attachment or signature files; at a registry destination cosign \
            signatures are attached and simple ones go to the registries.d lookaside-staging. An \
            OCI layout holds no signatures: use --remove-signatures to copy there. Without --all \
            only the manifest for this machine's platform is copied from an index. The copy is \
            atomic at the destination: a failed or interrupted copy leaves no half image under its \
            name (a registry tag is pushed last; a dir: image is renamed into place).
            """
    )

    @Argument(help: "The source image: docker://REF, oci:DIR[:REF] or dir:DIR.") var source: String
    @Argument(help: "The destination image: docker://REF, oci:DIR[:REF] or dir:DIR.") var destination: String
    @Flag(name: .long, help: "Copy every platform of an index, not only this machine's.") var all = false
    @Flag(name: .customLong("remove-signatures"), help: "Do not copy signatures.") var removeSignatures = false
    @Option(name: .customLong("sign-by"), help: "Sign the copy with this OpenPGP secret key file (simple signing).") var signBy: String?
    @Option(name: .customLong("key"), help: "Sign the copy with this private key (PEM or cosign encrypted; cosign format).") var key: String?
    @Option(name: .customLong("passphrase-file"), help: "A file holding the signing key's passphrase.") var passphraseFile: String?
    @Option(name: .customLong("sign-identity"), help: "The identity new signatures name; default: the docker:// destination.") var signIdentity: String?
    @Option(name: .customLong("src-tls-verify"), help: "--tls-verify for the source only.") var sourceTLSVerify: Bool?
    @Option(name: .customLong("dest-tls-verify"), help: "--tls-verify for the destination only.") var destinationTLSVerify: Bool?
    @Option(name: .customLong("src-creds"), help: "USER:PASSWORD for the source registry.") var sourceCredentials: String?
    @Option(name: .customLong("dest-creds"), help: "USER:PASSWORD for the destination registry.") var destinationCredentials: String?
    @Option(name: .long, help: "Decide the source under this trust policy first; a denied image writes nothing.") var policy: String?
    @OptionGroup var registry: RegistryOptionGroup
    @OptionGroup var store: SignatureStoreOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if signBy != nil && key != nil { throw ValidationError("--sign-by and --key are mutually exclusive") }
        for creds in [sourceCredentials, destinationCredentials].compactMap({ $0 }) where !creds.contains(":") {
            throw ValidationError("--src-creds and --dest-creds must be USER:PASSWORD")
        }
    }

    struct Report: Encodable {
        let source: String
        let destination: String
        let digest: Digest
        let signed: Bool
    }

    func run() async throws {
        let sourceName = try ImageName(parsing: source)
        let destinationName = try ImageName(parsing: destination)
        let sourceTransport = try registry.transport(store: store, tlsVerify: sourceTLSVerify, credentials: sourceCredentials)
        let destinationTransport = try registry.transport(store: store, tlsVerify: destinationTLSVerify, credentials: destinationCredentials)
        // A policy needs the signatures even when they are not copied.
        let readsSignatures = !removeSignatures || policy != nil
        let reader = try sourceTransport.openSource(sourceName, lookasideSignatures: readsSignatures, attachments: readsSignatures)
        if let policy {
            // Decided before anything is written, on the source the copy then reads: a registry
            // source keeps the root manifest it fetched, so a tag that moves after the decision
            // cannot swap in other bytes.
            let evaluator = try PolicyEvaluator(contentsOfFile: policy)
            let decision = try await DecisionOutput.evaluate(sourceName, evaluator: evaluator, transport: sourceTransport, source: reader)
            try requireAllowed(decision)
        }
        let sign = try makeSigner(destination: destinationName)
        let writer = try destinationTransport.openDestination(destinationName)
        let digest = try await ImageCopier.copy(
            from: reader, to: writer, copySignatures: !removeSignatures, selection: all ? .all : .platform(.current), sign: sign)
        let report = Report(source: source, destination: destinationName.description, digest: digest, signed: sign != nil)
        switch output.output {
        case .json: try Console.current.json(report)
        case .text: Console.current.line("Copied \(digest) to \(report.destination)\(sign != nil ? ", signed" : "")")
        }
    }

    /// Refuses the copy unless every platform manifest that will be copied is allowed: all of
    /// them with `--all`, else this machine's (or the image itself).
    private func requireAllowed(_ decision: PolicyDecision) throws {
        var outcome = decision.outcome
        if !all, decision.platforms.count > 1 {
            // The instance the copy takes: the first one for this machine, as ImageCopier picks it.
            if let wanted = decision.platforms.first(where: { $0.platform?.satisfies(.current) ?? false }) { outcome = wanted.outcome }
        }
        switch outcome {
        case .allowed: return
        case .denied: throw CommandDenied(reason: "source image rejected by the policy: " + DecisionOutput.summary(decision))
        case .couldNotEvaluate: throw CouldNotEvaluate(reason: DecisionOutput.summary(decision))
        }
    }

    /// The signing step for `--sign-by` or `--key`, or nil.
    private func makeSigner(destination: ImageName) throws -> (@Sendable (Manifest) async throws -> [[UInt8]])? {
        if let signBy {
            let identity = try SigningIdentity.reference(signIdentity, image: destination, repositoryOnly: false, option: "--sign-identity").description
            let signer = SimpleSigner(key: try InputFiles.secretKey(signBy, passphraseFile: passphraseFile), creator: "custody \(CustodyVersion.current)")
            return { manifest in [try signer.sign(manifestDigest: manifest.digest, identity: identity)] }
        }
        if let key {
            let identity = try SigningIdentity.reference(signIdentity, image: destination, repositoryOnly: true, option: "--sign-identity").description
            let signer = CosignSigner(signer: try InputFiles.signer(key, passphraseFile: passphraseFile))
            return { manifest in
                let signature = try await signer.sign(manifestDigest: manifest.digest, dockerReference: identity, annotations: nil)
                return [try SignatureBlob.sigstore(signature).blob()]
            }
        }
        return nil
    }
}
