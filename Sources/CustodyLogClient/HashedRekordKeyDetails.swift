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

    /// The details for `key`.
    ///
    /// - Throws: ``LogClientError/Code/unsupportedKey`` for Ed25519 (pure Ed25519 cannot sign a
    ///   prehashed digest, so Rekor v2 and Custody's log refuse it for hashedrekord) and for RSA
    ///   keys of another size than 2048, 3072 or 4096 bits.
    public init(for key: PublicKey) throws(LogClientError) {
        switch key {
        case .ecdsaP256: self = .ecdsaP256SHA256
        case .ecdsaP384: self = .ecdsaP384SHA384
        case .ecdsaP521: self = .ecdsaP521SHA512
        case .ed25519:
            throw LogClientError(
                .unsupportedKey,
                "Ed25519 keys cannot make hashedrekord entries (pure Ed25519 cannot sign a prehashed digest, and the log refuses PKIX_ED25519); use an ECDSA P-256, P-384, P-521 or RSA key")
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

    /// The signature scheme over the artifact.
    public var signingAlgorithm: SigningAlgorithm {
        switch self {
        case .ecdsaP256SHA256: .ecdsaP256SHA256
        case .ecdsaP384SHA384: .ecdsaP384SHA384
        case .ecdsaP521SHA512: .ecdsaP521SHA512
        case .rsaPKCS1v15_2048SHA256, .rsaPKCS1v15_3072SHA256, .rsaPKCS1v15_4096SHA256: .rsaPKCS1SHA256
        }
    }

    /// The protobuf-specs `HashAlgorithm` name of the digest: `SHA2_256`, `SHA2_384` or `SHA2_512`.
    public var hashAlgorithm: String {
        switch self {
        case .ecdsaP384SHA384: "SHA2_384"
        case .ecdsaP521SHA512: "SHA2_512"
        case .ecdsaP256SHA256, .rsaPKCS1v15_2048SHA256, .rsaPKCS1v15_3072SHA256, .rsaPKCS1v15_4096SHA256: "SHA2_256"
        }
    }

    /// The length in bytes of the artifact digest an entry carries: 32, 48 or 64.
    public var digestBytes: Int {
        switch self {
        case .ecdsaP384SHA384: 48
        case .ecdsaP521SHA512: 64
        case .ecdsaP256SHA256, .rsaPKCS1v15_2048SHA256, .rsaPKCS1v15_3072SHA256, .rsaPKCS1v15_4096SHA256: 32
        }
    }

    /// The digest of `artifact` by ``hashAlgorithm``: the digest an entry with these key details
    /// states, ``digestBytes`` long.
    public func digest(of artifact: [UInt8]) -> [UInt8] {
        switch self {
        case .ecdsaP384SHA384: Array(SHA384.hash(data: artifact))
        case .ecdsaP521SHA512: Array(SHA512.hash(data: artifact))
        case .ecdsaP256SHA256, .rsaPKCS1v15_2048SHA256, .rsaPKCS1v15_3072SHA256, .rsaPKCS1v15_4096SHA256:
            Array(SHA256.hash(data: artifact))
        }
    }

    /// Whether `key` is the key this name describes (type, curve, RSA size).
    public func fits(_ key: PublicKey) -> Bool {
        (try? HashedRekordKeyDetails(for: key)) == self
    }
}
