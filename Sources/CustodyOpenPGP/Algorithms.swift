import Crypto

/// Public-key algorithms Custody reads (RFC 9580 section 9.1).
public enum PublicKeyAlgorithm: UInt8, Sendable, CustomStringConvertible {
    case rsa = 1
    case rsaSignOnly = 3
    case ecdsa = 19
    /// EdDSA with the legacy v4 encoding GnuPG 2.2 writes (curve OID, prefixed point, r and s MPIs).
    case eddsaLegacy = 22
    /// Ed25519 with the native encoding of RFC 9580.
    case ed25519 = 27

    public var description: String {
        switch self {
        case .rsa, .rsaSignOnly: "RSA"
        case .ecdsa: "ECDSA"
        case .eddsaLegacy, .ed25519: "Ed25519"
        }
    }
}

/// Hash algorithms (RFC 9580 section 9.5).
public enum HashAlgorithm: UInt8, Sendable, CustomStringConvertible {
    case md5 = 1
    case sha1 = 2
    case ripemd160 = 3
    case sha256 = 8
    case sha384 = 9
    case sha512 = 10
    case sha224 = 11

    public var description: String {
        switch self {
        case .md5: "MD5"
        case .sha1: "SHA-1"
        case .ripemd160: "RIPEMD-160"
        case .sha256: "SHA-256"
        case .sha384: "SHA-384"
        case .sha512: "SHA-512"
        case .sha224: "SHA-224"
        }
    }

    /// Whether signatures made with this hash are accepted: SHA-256, SHA-384 and SHA-512 only.
    var isAcceptedForSignatures: Bool { self == .sha256 || self == .sha384 || self == .sha512 }

    /// Checks that a signature's hash is acceptable.
    static func accepted(_ raw: UInt8) throws(OpenPGPError) -> HashAlgorithm {
        guard let algorithm = HashAlgorithm(rawValue: raw) else {
            throw OpenPGPError(.unsupported, "unsupported hash algorithm \(raw)")
        }
        switch algorithm {
        case .md5, .sha1, .ripemd160:
            throw OpenPGPError(.weakHash, "signature uses \(algorithm), which is not accepted (use SHA-256 or stronger)")
        case .sha224:
            throw OpenPGPError(.unsupported, "signature uses SHA-224, which is not accepted (use SHA-256 or stronger)")
        case .sha256, .sha384, .sha512:
            return algorithm
        }
    }
}

/// A running hash of one of the accepted algorithms.
struct SignatureHasher {
    private enum State {
        case sha256(SHA256)
        case sha384(SHA384)
        case sha512(SHA512)
    }
    private var state: State

    init(_ algorithm: HashAlgorithm) {
        switch algorithm {
        case .sha384: state = .sha384(SHA384())
        case .sha512: state = .sha512(SHA512())
        default: state = .sha256(SHA256())  // callers pass only accepted algorithms
        }
    }

    mutating func update(_ bytes: [UInt8]) {
        switch state {
        case .sha256(var h): h.update(data: bytes); state = .sha256(h)
        case .sha384(var h): h.update(data: bytes); state = .sha384(h)
        case .sha512(var h): h.update(data: bytes); state = .sha512(h)
        }
    }

    func finalize() -> HashValue {
        switch state {
        case .sha256(let h): .sha256(h.finalize())
        case .sha384(let h): .sha384(h.finalize())
        case .sha512(let h): .sha512(h.finalize())
        }
    }
}

/// A finished hash, kept typed so that RSA and ECDSA can use it as a digest.
enum HashValue {
    case sha256(SHA256Digest)
    case sha384(SHA384Digest)
    case sha512(SHA512Digest)

    var bytes: [UInt8] {
        switch self {
        case .sha256(let d): Array(d)
        case .sha384(let d): Array(d)
        case .sha512(let d): Array(d)
        }
    }
}

/// Curves of ECDSA and EdDSA keys, by their OpenPGP object identifier.
enum Curve: Sendable {
    case p256
    case p384
    case ed25519

    static let p256OID: [UInt8] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]
    static let p384OID: [UInt8] = [0x2B, 0x81, 0x04, 0x00, 0x22]
    static let ed25519OID: [UInt8] = [0x2B, 0x06, 0x01, 0x04, 0x01, 0xDA, 0x47, 0x0F, 0x01]

    init?(oid: [UInt8]) {
        switch oid {
        case Curve.p256OID: self = .p256
        case Curve.p384OID: self = .p384
        case Curve.ed25519OID: self = .ed25519
        default: return nil
        }
    }

    var oid: [UInt8] {
        switch self {
        case .p256: Curve.p256OID
        case .p384: Curve.p384OID
        case .ed25519: Curve.ed25519OID
        }
    }

    /// The size of a field element (and of r and s) in bytes.
    var scalarBytes: Int {
        switch self {
        case .p256, .ed25519: 32
        case .p384: 48
        }
    }
}
