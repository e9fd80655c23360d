import ArgumentParser
import CustodyOCI
import CustodyOpenPGP
import CustodySign

/// `custody sign IMAGE`: signs an image (an index and every platform manifest) and stores the signatures.
struct SignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign an image with an OpenPGP key (simple signing) and store the signatures.",
        discussion: """
            For an index, signs the index and every platform manifest with the same identity, as \
            `skopeo copy --all --sign-by` does. Signatures go to --lookaside, to the registries.d \
            lookaside (lookaside-staging first) for the identity, or into a dir: image's signature-N files.
            """
    )

    @OptionGroup var image: ImageOptions
    @Option(name: .customLong("gpg-key"), help: "The secret key file (binary or armored).") var gpgKey: String
    @Option(name: .customLong("passphrase-file"), help: "A file holding the key's passphrase.") var passphraseFile: String?
    @Option(name: .long, help: "The identity to sign, e.g. docker.io/library/busybox:latest (normalised as skopeo does).")
    var identity: String
    @OptionGroup var store: SignatureStoreOptions
    @OptionGroup var output: OutputOptions

    struct Entry: Encodable {
        let digest: Digest
        let platform: String?
        let location: String
    }

    struct Report: Encodable {
        let image: String
        let identity: String
        let signer: String
        let signatures: [Entry]
    }

    func run() async throws {
        let name = try ImageName(parsing: image.image)
        let reference = try ImageReference.parseNormalized(identity)
        let key = try InputFiles.secretKey(gpgKey, passphraseFile: passphraseFile)
        let signer = SimpleSigner(key: key, creator: "custody \(CustodyVersion.current)")
        let written = try await signer.signImage(
            name.openSource(), identity: reference, store: try store.store(for: name, identity: reference, forWriting: true))
        let report = Report(
            image: image.image, identity: reference.description, signer: key.fingerprint.description,
            signatures: written.map { Entry(digest: $0.manifestDigest, platform: $0.platform?.description, location: $0.location) })
        switch output.output {
        case .json: try Console.current.json(report)
        case .text:
            for entry in report.signatures {
                let what = entry.platform.map { "\(entry.digest) (\($0))" } ?? entry.digest.description
                Console.current.line("Signed \(what) as \(report.identity) with key \(report.signer): \(entry.location)")
            }
        }
    }
}
