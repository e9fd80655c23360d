/// Something that signs with one key and one algorithm.
///
/// ``FileSigner`` signs with a ``PrivateKey`` held in memory (read from a key file). Signers that
/// keep the key elsewhere — a PKCS#11 token or HSM, or an external command — implement the same
/// protocol, so callers that sign never need to know where the key lives. `sign` is `async`
/// because those signers wait on a device or a process.
public protocol Signer: Sendable {
    /// The public key matching the signatures this signer makes.
    var publicKey: PublicKey { get }
    /// The algorithm of the signatures this signer makes.
    var algorithm: SigningAlgorithm { get }
    /// Signs `message` (the whole message; the signer hashes it as ``algorithm`` requires).
    func sign(_ message: [UInt8]) async throws -> [UInt8]
}

/// A ``Signer`` backed by a ``PrivateKey`` in memory.
public struct FileSigner: Signer {
    /// The key that signs.
    public let privateKey: PrivateKey
    public let algorithm: SigningAlgorithm
    public let publicKey: PublicKey

    /// A signer using the key's default algorithm (``KeyAlgorithm/defaultSigningAlgorithm``:
    /// P-256 → ECDSA SHA-256, P-384 → ECDSA SHA-384, P-521 → ECDSA SHA-512, Ed25519 → Ed25519,
    /// RSA → PKCS#1 v1.5 SHA-256).
    public init(_ privateKey: PrivateKey) {
        self.privateKey = privateKey
        self.publicKey = privateKey.publicKey
        self.algorithm = publicKey.algorithm.defaultSigningAlgorithm
    }

    /// A signer using `algorithm`, which must fit the key.
    ///
    /// - Throws: ``KeyError`` with code ``KeyError/Code/algorithmMismatch``.
    public init(_ privateKey: PrivateKey, algorithm: SigningAlgorithm) throws {
        let publicKey = privateKey.publicKey
        guard algorithm.keyAlgorithm == publicKey.algorithm else {
            throw KeyError(code: .algorithmMismatch, reason: "cannot sign with \(algorithm) using a \(publicKey.algorithm) key")
        }
        self.privateKey = privateKey
        self.publicKey = publicKey
        self.algorithm = algorithm
    }

    public func sign(_ message: [UInt8]) async throws -> [UInt8] {
        try privateKey.sign(message, algorithm: algorithm)
    }
}
