import ArgumentParser
import CustodyOCI
import CustodyOpenPGP
import CustodySign
import Foundation

/// `custody standalone-sign`: signs a manifest file, with skopeo's argument order.
struct StandaloneSignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "standalone-sign",
        abstract: "Sign a manifest file as REFERENCE (skopeo standalone-sign).",
        discussion: """
            Writes a binary OpenPGP signed message of the simple-signing claim, as \
            `skopeo standalone-sign` does. REFERENCE is written into the claim verbatim.
            """
    )

    @Argument(help: "The manifest file.") var manifest: String
    @Argument(help: "The image identity to sign, e.g. docker.io/library/busybox:latest.") var reference: String
    @Argument(help: "The fingerprint of the signing key (primary or subkey).") var fingerprint: String
    @Option(name: .customLong("key-file"), help: "The secret key file (binary or armored).") var keyFile: String
    @Option(name: .customLong("passphrase-file"), help: "A file holding the key's passphrase.") var passphraseFile: String?
    @Option(name: .shortAndLong, help: "Where to write the signature.") var output: String

    func validate() throws {
        guard Fingerprint(hex: fingerprint) != nil else { throw ValidationError("FINGERPRINT must be 40 hex digits") }
    }

    func run() async throws {
        let manifestBytes = try InputFiles.read(manifest, what: "manifest file")
        let key = try InputFiles.secretKey(keyFile, passphraseFile: passphraseFile, fingerprint: Fingerprint(hex: fingerprint))
        let signer = SimpleSigner(key: key, creator: "custody \(CustodyVersion.current)")
        let signature = try signer.sign(manifestDigest: Digest.compute(manifestBytes), identity: reference)
        try Data(signature).write(to: URL(fileURLWithPath: output))
    }
}
