import ArgumentParser
import CustodyKeys
import CustodyOpenPGP
import Foundation

/// `custody key generate`: makes a new signing key.
struct KeyGenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate a signing key.",
        discussion: """
            --type openpgp writes PREFIX.pub.asc (the public key, to give to verifiers) and \
            PREFIX.sec.asc (the secret key, mode 0600; protected when --passphrase-file is given); \
            GnuPG reads both. --type ecdsa-p256, ecdsa-p521, ed25519 or rsa3072 writes PREFIX.pub (PEM \
            SubjectPublicKeyInfo) and PREFIX.key (mode 0600): PKCS#8 PEM with --format pem, or \
            cosign's encrypted key (ENCRYPTED COSIGN PRIVATE KEY, scrypt N=32768, readable by cosign \
            and by containers/image) with --format cosign, whose passphrase comes from \
            --passphrase-file or the COSIGN_PASSWORD environment variable, as cosign takes it. \
            ECDSA P-521 keys sign with SHA-512; OpenPGP keys cannot be P-521.
            """
    )

    enum KeyKind: String, ExpressibleByArgument, CaseIterable {
        case openpgp
        case ecdsaP256 = "ecdsa-p256"
        case ecdsaP521 = "ecdsa-p521"
        case ed25519
        case rsa3072
    }

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case pem
        case cosign
    }

    @Option(name: .long, help: "The key type: openpgp, ecdsa-p256, ecdsa-p521, ed25519 or rsa3072.") var type: KeyKind
    @Option(name: .long, help: "For openpgp keys: ed25519 or rsa3072.") var algorithm: OpenPGPSecretKey.GeneratedAlgorithm?
    @Option(name: .long, help: "For openpgp keys: the user ID, e.g. \"Build Team <build@example.com>\".") var uid: String?
    @Option(name: .long, help: "For other keys: pem (unencrypted PKCS#8) or cosign (encrypted).") var format: Format?
    @Option(name: .customLong("passphrase-file"), help: "A file holding the passphrase that protects the secret key.") var passphraseFile: String?
    @Option(name: .shortAndLong, help: "The output path prefix.") var output: String = "custody-key"

    func validate() throws {
        if type == .openpgp {
            if uid == nil { throw ValidationError("--uid is required for openpgp keys") }
            if format != nil { throw ValidationError("--format applies to ecdsa-p256, ecdsa-p521, ed25519 and rsa3072 keys") }
        } else {
            if algorithm != nil || uid != nil { throw ValidationError("--algorithm and --uid apply to openpgp keys") }
            if format == .cosign, passphraseFile == nil, ProcessInfo.processInfo.environment["COSIGN_PASSWORD", default: ""].isEmpty {
                throw ValidationError("a cosign key needs a passphrase: --passphrase-file or COSIGN_PASSWORD")
            }
        }
    }

    func run() async throws {
        if type == .openpgp {
            try generateOpenPGP()
        } else {
            try generatePEM()
        }
    }

    private func generateOpenPGP() throws {
        let algorithm = self.algorithm ?? .ed25519
        let uid = self.uid ?? ""
        let key = try OpenPGPSecretKey.generate(algorithm, userID: uid)
        let publicPath = output + ".pub.asc", secretPath = output + ".sec.asc"
        try refuseOverwriting([publicPath, secretPath])
        try Data(try key.armoredPublicKey().utf8).write(to: URL(fileURLWithPath: publicPath))
        try writeSecret(Data(try key.armoredSecretKey(passphrase: try InputFiles.passphrase(passphraseFile)).utf8), to: secretPath)
        Console.current.line("Generated \(algorithm.rawValue) key \(key.fingerprint) for \(uid)")
        Console.current.line("Public key: \(publicPath)")
        Console.current.line("Secret key: \(secretPath)")
    }

    private func generatePEM() throws {
        let key: PrivateKey, name: String
        switch type {
        case .ecdsaP256: (key, name) = (try PrivateKey.generate(.ecdsaP256), KeyType.ecdsaP256.rawValue)
        case .ecdsaP521: (key, name) = (try PrivateKey.generate(.ecdsaP521), KeyType.ecdsaP521.rawValue)
        case .ed25519: (key, name) = (try PrivateKey.generate(.ed25519), KeyType.ed25519.rawValue)
        case .rsa3072, .openpgp: (key, name) = (try PrivateKey.generate(.rsa3072), KeyType.rsa3072.rawValue)
        }
        let publicPath = output + ".pub", secretPath = output + ".key"
        try refuseOverwriting([publicPath, secretPath])
        let secret: String
        switch format ?? .pem {
        case .pem:
            secret = key.pemRepresentation
        case .cosign:
            secret = try CosignPrivateKey.encrypt(pkcs8DER: key.pkcs8DERRepresentation, passphrase: try InputFiles.cosignPassphrase(passphraseFile))
        }
        try Data(key.publicKey.pemRepresentation.utf8).write(to: URL(fileURLWithPath: publicPath))
        try writeSecret(Data(secret.utf8), to: secretPath)
        Console.current.line("Generated \(name) key \(key.publicKey.keyID.hex)")
        Console.current.line("Public key: \(publicPath)")
        Console.current.line("Secret key: \(secretPath)")
    }

    private func refuseOverwriting(_ paths: [String]) throws {
        for path in paths where FileManager.default.fileExists(atPath: path) {
            throw ValidationError("\(path) exists; refusing to overwrite a key")
        }
    }

    private func writeSecret(_ data: Data, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw ValidationError("cannot write \(path)")
        }
    }
}

extension OpenPGPSecretKey.GeneratedAlgorithm: ExpressibleByArgument {}
