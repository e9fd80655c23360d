import CustodyCLI
import CustodyKeys
import CustodyTestSupport
import Foundation
import Testing

/// `custody key generate` for PEM and cosign keys, run in-process; the files are read back with CustodyKeys.
@Suite("key generate: PEM and cosign keys")
struct KeyGenerateCommandTests {
    func run(_ arguments: [String]) async -> CLIOutcome { await runCustody(arguments) }

    @Test("PEM keys: a SubjectPublicKeyInfo .pub and a 0600 PKCS#8 .key that belong together", arguments: ["ecdsa-p256", "ecdsa-p521", "ed25519", "rsa3072"])
    func pem(_ type: String) async throws {
        try await withTemporaryDirectory { directory in
            let prefix = directory.file("k")
            let outcome = await run(["key", "generate", "--type", type, "--format", "pem", "-o", prefix])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            let publicKey = try PublicKey(pemEncoded: try String(contentsOfFile: prefix + ".pub", encoding: .utf8))
            let privateKey = try PrivateKey(pemEncoded: try String(contentsOfFile: prefix + ".key", encoding: .utf8))
            #expect(privateKey.publicKey.derRepresentation == publicKey.derRepresentation)
            #expect(type.hasPrefix("rsa") ? publicKey.algorithm == .rsa : publicKey.algorithm.rawValue == type)
            #expect(outcome.stdout.contains(publicKey.keyID.hex))
            let attributes = try FileManager.default.attributesOfItem(atPath: prefix + ".key")
            #expect((attributes[.posixPermissions] as? Int) == 0o600)
            let again = await run(["key", "generate", "--type", type, "-o", prefix])
            #expect(again.status == 64)
        }
    }

    @Test("cosign keys: encrypted with the passphrase file, and decrypting gives the .pub's key", arguments: ["ecdsa-p256", "ecdsa-p521"])
    func cosign(_ type: String) async throws {
        try await withTemporaryDirectory { directory in
            let prefix = directory.file("cosign")
            let passphrase = try directory.write("s3cret\n", to: "pass")
            let outcome = await run(["key", "generate", "--type", type, "--format", "cosign", "--passphrase-file", passphrase, "-o", prefix])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            let pem = try String(contentsOfFile: prefix + ".key", encoding: .utf8)
            #expect(pem.hasPrefix("-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----"))
            let decrypted = try CosignPrivateKey(pem: pem, passphrase: Array("s3cret".utf8))
            #expect(decrypted.scryptN == 32768)
            let publicKey = try PublicKey(pemEncoded: try String(contentsOfFile: prefix + ".pub", encoding: .utf8))
            let privateKey = try PrivateKey(pkcs8DEREncoded: decrypted.pkcs8DER)
            #expect(privateKey.publicKey.derRepresentation == publicKey.derRepresentation)
            #expect(privateKey.algorithm.rawValue == type)
            let signature = try privateKey.sign(Array("payload".utf8), algorithm: privateKey.algorithm.defaultSigningAlgorithm)
            #expect(publicKey.isValidSignature(signature, for: Array("payload".utf8), algorithm: publicKey.algorithm.defaultSigningAlgorithm))
            #expect(throws: CosignPrivateKeyError.self) { try CosignPrivateKey(pem: pem, passphrase: Array("wrong".utf8)) }
        }
    }

    @Test("a cosign key without a passphrase, and options of the other key kind, are usage errors", arguments: [
        ["key", "generate", "--type", "ecdsa-p256", "--format", "cosign"],
        ["key", "generate", "--type", "ecdsa-p256", "--uid", "x"],
        ["key", "generate", "--type", "ecdsa-p521", "--format", "cosign"],
        ["key", "generate", "--type", "ecdsa-p384"],
        ["key", "generate", "--type", "openpgp", "--format", "pem", "--uid", "x"],
        ["key", "generate", "--type", "openpgp"],
    ])
    func usage(_ arguments: [String]) async throws {
        try await withTemporaryDirectory { directory in
            let outcome = await run(arguments + ["-o", directory.file("k")])
            #expect(outcome.status == 64, "\(arguments): \(outcome.stderr)")
        }
    }
}
