import ArgumentParser
import CustodyOpenPGP
import Foundation

/// `custody key generate`: makes a new signing key.
struct KeyGenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate a signing key.",
        discussion: """
            --type openpgp writes PREFIX.pub.asc (the public key, to give to verifiers) and \
            PREFIX.sec.asc (the secret key, mode 0600; protected when --passphrase-file is given). \
            Both are readable by GnuPG (`gpg --import`).
            """
    )

    enum KeyType: String, ExpressibleByArgument, CaseIterable { case openpgp }

    @Option(name: .long, help: "The key type: openpgp.") var type: KeyType
    @Option(name: .long, help: "The algorithm: ed25519 or rsa3072.") var algorithm: OpenPGPSecretKey.GeneratedAlgorithm = .ed25519
    @Option(name: .long, help: "The user ID, e.g. \"Build Team <build@example.com>\".") var uid: String
    @Option(name: .customLong("passphrase-file"), help: "Protect the secret key with the passphrase in this file.") var passphraseFile: String?
    @Option(name: .shortAndLong, help: "The output path prefix.") var output: String = "custody-key"

    func run() async throws {
        let key = try OpenPGPSecretKey.generate(algorithm, userID: uid)
        let publicPath = output + ".pub.asc", secretPath = output + ".sec.asc"
        for path in [publicPath, secretPath] where FileManager.default.fileExists(atPath: path) {
            throw ValidationError("\(path) exists; refusing to overwrite a key")
        }
        try Data(try key.armoredPublicKey().utf8).write(to: URL(fileURLWithPath: publicPath))
        let secret = Data(try key.armoredSecretKey(passphrase: try InputFiles.passphrase(passphraseFile)).utf8)
        guard FileManager.default.createFile(atPath: secretPath, contents: secret, attributes: [.posixPermissions: 0o600]) else {
            throw ValidationError("cannot write \(secretPath)")
        }
        Console.current.line("Generated \(algorithm.rawValue) key \(key.fingerprint) for \(uid)")
        Console.current.line("Public key: \(publicPath)")
        Console.current.line("Secret key: \(secretPath)")
    }
}

extension OpenPGPSecretKey.GeneratedAlgorithm: ExpressibleByArgument {}
