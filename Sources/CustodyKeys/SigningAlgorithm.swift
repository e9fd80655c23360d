/// A signature scheme: the key algorithm, the digest and the signature encoding together.
///
/// ECDSA signatures are ASN.1 DER `Ecdsa-Sig-Value` sequences, as cosign writes them. RSA
/// signatures are the raw big-endian integer, as long as the modulus.
public enum SigningAlgorithm: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// ECDSA over P-256 with SHA-256.
    case ecdsaP256SHA256 = "ecdsa-p256-sha256"
    /// ECDSA over P-384 with SHA-384.
    case ecdsaP384SHA384 = "ecdsa-p384-sha384"
    /// ECDSA over P-521 with SHA-512.
    case ecdsaP521SHA512 = "ecdsa-p521-sha512"
    /// Pure Ed25519 (RFC 8032; the message is not pre-hashed).
    case ed25519 = "ed25519"
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    case rsaPKCS1SHA256 = "rsa-pkcs1v15-sha256"
    /// RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt.
    case rsaPSSSHA256 = "rsa-pss-sha256"

    public var description: String { rawValue }

    /// The key algorithm this signature scheme needs.
    public var keyAlgorithm: KeyAlgorithm {
        switch self {
        case .ecdsaP256SHA256: .ecdsaP256
        case .ecdsaP384SHA384: .ecdsaP384
        case .ecdsaP521SHA512: .ecdsaP521
        case .ed25519: .ed25519
        case .rsaPKCS1SHA256, .rsaPSSSHA256: .rsa
        }
    }
}

/// The algorithm (and, for ECDSA, the curve) of a public or private key.
public enum KeyAlgorithm: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// ECDSA on NIST P-256.
    case ecdsaP256 = "ecdsa-p256"
    /// ECDSA on NIST P-384.
    case ecdsaP384 = "ecdsa-p384"
    /// ECDSA on NIST P-521.
    case ecdsaP521 = "ecdsa-p521"
    /// Ed25519.
    case ed25519 = "ed25519"
    /// RSA of any accepted size.
    case rsa = "rsa"

    public var description: String { rawValue }

    /// The signature scheme used when none is named: P-256 → ``SigningAlgorithm/ecdsaP256SHA256``,
    /// P-384 → ``SigningAlgorithm/ecdsaP384SHA384``, P-521 → ``SigningAlgorithm/ecdsaP521SHA512``,
    /// Ed25519 → ``SigningAlgorithm/ed25519``,
    /// RSA → ``SigningAlgorithm/rsaPKCS1SHA256`` (what cosign uses for RSA keys).
    public var defaultSigningAlgorithm: SigningAlgorithm {
        switch self {
        case .ecdsaP256: .ecdsaP256SHA256
        case .ecdsaP384: .ecdsaP384SHA384
        case .ecdsaP521: .ecdsaP521SHA512
        case .ed25519: .ed25519
        case .rsa: .rsaPKCS1SHA256
        }
    }
}
