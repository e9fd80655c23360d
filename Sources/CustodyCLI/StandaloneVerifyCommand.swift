import ArgumentParser
import CustodyOCI
import CustodyOpenPGP
import CustodyVerify

/// `custody standalone-verify`: checks one signature of a manifest file, with skopeo's argument order.
struct StandaloneVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "standalone-verify",
        abstract: "Verify a signature of a manifest file (skopeo standalone-verify).",
        discussion: """
            Exit status 0 when the signature is by the expected key (or by any key of the key files \
            with `any`), names the manifest's digest and names REFERENCE; 1 when it is rejected; 2 when \
            an input cannot be read. A signature made by a signing subkey counts as made by its primary \
            key when the subkey is validly bound (skopeo 1.9 rejects these).
            """
    )

    @Argument(help: "The manifest file.") var manifest: String
    @Argument(help: "The expected image identity.") var reference: String
    @Argument(help: "The expected signer's fingerprint (primary key, or the signing subkey's own), or `any`.") var fingerprint: String
    @Argument(help: "The signature file.") var signature: String
    @Option(name: .customLong("public-key-file"), help: "A public key file (repeatable).") var publicKeyFiles: [String] = []

    func validate() throws {
        if publicKeyFiles.isEmpty { throw ValidationError("at least one --public-key-file is required") }
        if fingerprint != "any", Fingerprint(hex: fingerprint) == nil {
            throw ValidationError("FINGERPRINT must be 40 hex digits or `any`")
        }
    }

    func run() async throws {
        let manifestBytes = try InputFiles.read(manifest, what: "manifest file")
        let signatureBytes = try InputFiles.read(signature, what: "signature file")
        let keyring = try InputFiles.keyring(publicKeyFiles)
        let expected: ImageReference
        do {
            expected = try ImageReference.parseNormalized(reference)
        } catch {
            throw ValidationError("invalid reference \"\(reference)\": \(error)")
        }
        let signers = Fingerprint(hex: fingerprint).map { Set([$0]) }
        let verifier = SimpleSigningVerifier(keyring: keyring, acceptedSigners: signers)
        switch verifier.verify(signatureBytes, manifestDigest: Digest.compute(manifestBytes), identity: .exact(expected)) {
        case .accepted(let verified):
            Console.current.line("Signature verified using fingerprint \(verified.signer), digest \(verified.manifestDigest)")
        case .rejected(let rejection):
            throw CommandDenied(reason: rejection.reason)
        }
    }
}
