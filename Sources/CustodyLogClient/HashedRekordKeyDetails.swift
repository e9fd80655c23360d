import Crypto
import CustodyKeys

/// The Sigstore `PublicKeyDetails` names of the keys a `hashedrekord` v0.0.2 entry can carry and
/// this client can sign and check: the natural signature scheme of each key type.
public enum HashedRekordKeyDetails: String, Sendable, Hashable, CaseIterable {
    /// ECDSA P-256 with SHA-256.
    case ecdsaP256SHA256 = "PKIX_ECDSA_P256_SHA_256"
    /// ECDSA P-384 with SHA-384.
    case ecdsaP384SHA384 = "PKIX_ECDSA_P384_SHA_384"
    /// ECDSA P-521 with SHA-512.
    case ecdsaP521SHA512 = "PKIX_ECDSA_P521_SHA_512"
    /// RSA-2048 PKCS#1 v1.5 with SHA-256.
    case rsaPKCS1v15_2048SHA256 = "PKIX_RSA_PKCS1V15_2048_SHA256"
    /// RSA-3072 PKCS#1 v1.5 with SHA-256.
    case rsaPKCS1v15_3072SHA256 = "PKIX_RSA_PKCS1V15_3072_SHA256"
    /// RSA-4096 PKCS#1 v1.5 with SHA-256.
    case rsaPKCS1v15_4096SHA256 = "PKIX_RSA_PKCS1V15_4096_SHA256"
    /// Ed25519ph (RFC 8032 prehashed Ed25519, SHA-512): what an Ed25519 key makes, since pure
    /// Ed25519 cannot sign a prehashed digest. Needs libsodium at run time (``Ed25519ph``).
    case ed25519ph = "PKIX_ED25519_PH"

    /// The details for `key`.
    ///
    /// An Ed25519 key gets ``ed25519ph`` (pure Ed25519 cannot sign a prehashed digest, so Rekor
    /// v2 and Custody's log refuse `PKIX_ED25519`).
    ///
    /// - Throws: ``LogClientError/Code/unsupportedKey`` for RSA keys of another size than 2048,
    ///   3072 or 4096 bits.
    public init(for key: PublicKey) throws(LogClientError) {
        switch key {
        case .ecdsaP256: self = .ecdsaP256SHA256
        case .ecdsaP384: self = .ecdsaP384SHA384
        case .ecdsaP521: self = .ecdsaP521SHA512
        case .ed25519: self = .ed25519ph
        case .rsa:
            let bits = key.rsaModulusBits
            switch bits {
            case 2048: self = .rsaPKCS1v15_2048SHA256
            case 3072: self = .rsaPKCS1v15_3072SHA256
            case 4096: self = .rsaPKCS1v15_4096SHA256
            default:
                throw LogClientError(
                    .unsupportedKey, "RSA keys of \(bits.map(String.init) ?? "unknown") bits cannot make hashedrekord entries; use 2048, 3072 or 4096 bits")
            }
        }
    }

    /// The signature over `artifact` by `key` in this scheme (ASN.1 DER for ECDSA, the raw
    /// integer for RSA, 64 bytes for Ed25519ph).
    ///
    /// - Throws: `KeyError` when the key does not fit or signing fails (for Ed25519ph, also when
    ///   libsodium cannot be loaded).
    public func sign(_ artifact: [UInt8], with key: PrivateKey) throws -> [UInt8] {
        switch self {
        case .ecdsaP256SHA256: try key.sign(artifact, algorithm: .ecdsaP256SHA256)
        case .ecdsaP384SHA384: try key.sign(artifact, algorithm: .ecdsaP384SHA384)
        case .ecdsaP521SHA512: try key.sign(artifact, algorithm: .ecdsaP521SHA512)
        case .rsaPKCS1v15_2048SHA256, .rsaPKCS1v15_3072SHA256, .rsaPKCS1v15_4096SHA256: try key.sign(artifact, algorithm: .rsaPKCS1SHA256)
        case .ed25519ph: try Ed25519ph.sign(artifact: artifact, with: key)
        }
    }

    /// Whether `signature` is a valid signature of `artifact` by `key` in this scheme.
    public func isValidSignature(_ signature: [UInt8], artifact: [UInt8], key: PublicKey) -> Bool {
        switch self {
        case .ecdsaP256SHA256: key.isValidSignature(signature, for: artifact, algorithm: .ecdsaP256SHA256)
        case .ecdsaP384SHA384: key.isValidSignature(signature, for: artifact, algorithm: .ecdsaP384SHA384)
        case .ecdsaP521SHA512: key.isValidSignature(signature, for: artifact, algorithm: .ecdsaP521SHA512)
        case .rsaPKCS1v15_2048SHA256, .rsaPKCS1v15_3072SHA256, .rsaPKCS1v15_4096SHA256:
            key.isValidSignature(signature, for: artifact, algorithm: .rsaPKCS1SHA256)
        case .ed25519ph: Ed25519ph.isValidSignature(signature, artifact: artifact, publicKey: key)
        }
    }

    /// The protobuf-specs `HashAlgorithm` name of the digest: `SHA2_256`, `SHA2_384` or `SHA2_512`.
    public var hashAlgorithm: String {
        switch self {
        case .ecdsaP384SHA384: "SHA2_384"
        case .ecdsaP521SHA512, .ed25519ph: "SHA2_512"
        case .ecdsaP256SHA256, .rsaPKCS1v15_2048SHA256, .rsaPKCS1v15_3072SHA256, .rsaPKCS1v15_4096SHA256: "SHA2_256"
        }
    }

    /// The length in bytes of the artifact digest an entry carries: 32, 48 or 64.
    public var digestBytes: Int {
        switch self {
        case .ecdsaP384SHA384: 48
        case .ecdsaP521SHA512, .ed25519ph: 64
        case .ecdsaP256SHA256, .rsaPKCS1v15_2048SHA256, .rsaPKCS1v15_3072SHA256, .rsaPKCS1v15_4096SHA256: 32
        }
    }

    /// The digest of `artifact` by ``hashAlgorithm``: the digest an entry with these key details
    /// states, ``digestBytes`` long.
    public func digest(of artifact: [UInt8]) -> [UInt8] {
        switch self {
        case .ecdsaP384SHA384: Array(SHA384.hash(data: artifact))
        case .ecdsaP521SHA512, .ed25519ph: Array(SHA512.hash(data: artifact))
        case .ecdsaP256SHA256, .rsaPKCS1v15_2048SHA256, .rsaPKCS1v15_3072SHA256, .rsaPKCS1v15_4096SHA256:
            Array(SHA256.hash(data: artifact))
        }
    }

    /// Whether `key` is the key this name describes (type, curve, RSA size).
    public func fits(_ key: PublicKey) -> Bool {
        (try? HashedRekordKeyDetails(for: key)) == self
    }
}
