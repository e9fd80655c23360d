import ArgumentParser
import CustodyFormats
import CustodyKeys
import CustodyOCI
import CustodyOpenPGP
import CustodySign
import CustodyStores

/// `custody sign IMAGE`: signs an image (an index and every platform manifest) and stores the signatures.
struct SignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign an image: simple signing with an OpenPGP key, or cosign format with a PEM or cosign key.",
        discussion: """
            For an index, signs the index and every platform manifest, as `skopeo copy --all \
            --sign-by` does. With --gpg-key (simple signing) signatures go to --lookaside, to the \
            registries.d lookaside (lookaside-staging first) for the identity, or into a dir: \
            image's signature-N files. With --key (cosign format) they are attached in the \
            registry under the sha256-<hex>.sig tag, or written into a dir: image as skopeo \
            stores them. A cosign key's passphrase comes from --passphrase-file or COSIGN_PASSWORD.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case simple, cosign
    }

    @OptionGroup var image: ImageOptions
    @Option(name: .customLong("gpg-key"), help: "An OpenPGP secret key file (binary or armored): simple signing.") var gpgKey: String?
    @Option(name: .customLong("key"), help: "A private key file (PEM or cosign encrypted): cosign format.") var key: String?
    @Option(name: .long, help: "simple (with --gpg-key) or cosign (with --key); follows the key when omitted.") var format: Format?
    @Option(name: .customLong("passphrase-file"), help: "A file holding the key's passphrase.") var passphraseFile: String?
    @Option(name: .long, help: "The identity to sign, e.g. docker.io/library/busybox:latest; for docker:// images the image's own reference (its repository for cosign).")
    var identity: String?
    @Option(name: .customLong("annotation"), help: "KEY=VALUE written into a cosign payload's optional section (repeatable).") var annotations: [String] = []
    @OptionGroup var store: SignatureStoreOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if (gpgKey == nil) == (key == nil) { throw ValidationError("give exactly one of --gpg-key (simple signing) and --key (cosign)") }
        if gpgKey != nil && format == .cosign { throw ValidationError("--format cosign needs --key, not --gpg-key") }
        if key != nil && format == .simple { throw ValidationError("--format simple needs --gpg-key, not --key") }
        if gpgKey != nil && !annotations.isEmpty { throw ValidationError("--annotation applies to cosign signatures") }
        _ = try SignatureAnnotations.parse(annotations)
    }

    struct Entry: Encodable {
        let digest: Digest
        let platform: String?
        let location: String
    }

    struct Report: Encodable {
        let image: String
        let identity: String
        let format: String
        let signer: String
        let signatures: [Entry]
    }

    func run() async throws {
        let name = try image.name()
        let transport = try image.registry.transport(store: store)
        let source = try transport.openSource(name, lookasideSignatures: false, attachments: false)
        let report: Report
        if let gpgKey {
            report = try await signSimple(name, source: source, keyPath: gpgKey)
        } else {
            report = try await signCosign(name, source: source, transport: transport, keyPath: key ?? "")
        }
        switch output.output {
        case .json: try Console.current.json(report)
        case .text:
            for entry in report.signatures {
                let what = entry.platform.map { "\(entry.digest) (\($0))" } ?? entry.digest.description
                Console.current.line("Signed \(what) as \(report.identity) with key \(report.signer): \(entry.location)")
            }
        }
    }

    private func signSimple(_ name: ImageName, source: any ImageSource, keyPath: String) async throws -> Report {
        let reference = try SigningIdentity.reference(identity, image: name, repositoryOnly: false)
        let key = try InputFiles.secretKey(keyPath, passphraseFile: passphraseFile)
        // A registry image's signatures are filed under the image's own repository, whatever
        // identity they name (as skopeo files them under the destination); a local image's under
        // the identity, the only reference it has.
        var storeReference = reference
        if case .docker(let own) = name { storeReference = own }
        guard let target = try store.store(for: name, identity: storeReference, forWriting: true) else {
            throw ValidationError("\(name) holds no simple signatures: name a store with --lookaside or --registries.d")
        }
        let written = try await SimpleSigner(key: key, creator: "custody \(CustodyVersion.current)").signImage(
            source, identity: reference, store: target, storeReference: storeReference)
        return Report(
            image: image.image, identity: reference.description, format: Format.simple.rawValue, signer: key.fingerprint.description,
            signatures: written.map { Entry(digest: $0.manifestDigest, platform: $0.platform?.description, location: $0.location) })
    }

    private func signCosign(_ name: ImageName, source: any ImageSource, transport: ImageTransport, keyPath: String) async throws -> Report {
        let publisher = try AttachedSignaturePublisher(image: name, transport: transport)
        let reference = try SigningIdentity.reference(identity, image: name, repositoryOnly: true)
        let fileSigner = try InputFiles.signer(keyPath, passphraseFile: passphraseFile)
        let signer = CosignSigner(signer: fileSigner)
        let optional = try SignatureAnnotations.parse(annotations)
        var entries: [Entry] = []
        for (position, target) in try await ImageTree.load(from: source).signableManifests.enumerated() {
            let signature = try await signer.sign(manifestDigest: target.manifest.digest, dockerReference: reference.description, annotations: optional)
            let location = try await publisher.publish(signature, for: target.manifest.digest, instance: position > 0)
            entries.append(Entry(digest: target.manifest.digest, platform: target.platform?.description, location: location))
        }
        return Report(
            image: image.image, identity: reference.description, format: Format.cosign.rawValue,
            signer: fileSigner.publicKey.keyID.description, signatures: entries)
    }
}

/// The identity a new signature names.
enum SigningIdentity {
    /// `--identity` normalised, else the `docker://` image's own reference (its repository alone
    /// when `repositoryOnly`, as cosign writes it); a local image needs `--identity`.
    static func reference(_ identity: String?, image: ImageName, repositoryOnly: Bool, option: String = "--identity") throws -> ImageReference {
        if let identity { return try ImageReference.parseNormalized(identity) }
        guard case .docker(let reference) = image else {
            throw ValidationError("\(image) has no registry name: give the identity with \(option)")
        }
        return repositoryOnly ? reference.repository : reference
    }
}

/// `KEY=VALUE` annotations for cosign payloads.
enum SignatureAnnotations {
    static func parse(_ pairs: [String]) throws -> [String: String]? {
        guard !pairs.isEmpty else { return nil }
        var result: [String: String] = [:]
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw ValidationError("--annotation \(pair): expected KEY=VALUE")
            }
            let key = String(pair[..<equals])
            guard result[key] == nil else { throw ValidationError("--annotation \(key) is given twice") }
            result[key] = String(pair[pair.index(after: equals)...])
        }
        return result
    }
}
