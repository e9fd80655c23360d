import Crypto
import _CryptoExtras

/// A public key that can check signatures: ECDSA P-256, P-384 or P-521, Ed25519, or RSA.
///
/// Read it from PEM (``init(pemEncoded:)``) or SubjectPublicKeyInfo DER (``init(derEncoded:)``);
/// write it as SubjectPublicKeyInfo (``derRepresentation``, ``pemRepresentation``), the form
/// cosign and containers/image use (`-----BEGIN PUBLIC KEY-----`).
public enum PublicKey: @unchecked Sendable {
    // @unchecked: the swift-crypto key types are immutable values that are not marked Sendable in 3.12.
    /// An ECDSA key on P-256.
    case ecdsaP256(P256.Signing.PublicKey)
    /// An ECDSA key on P-384.
    case ecdsaP384(P384.Signing.PublicKey)
    /// An ECDSA key on P-521.
    case ecdsaP521(P521.Signing.PublicKey)
    /// An Ed25519 key.
    case ed25519(Curve25519.Signing.PublicKey)
    /// An RSA key of ``minRSABits`` to ``maxRSABits`` bits.
    case rsa(_RSA.Signing.PublicKey)

    /// The smallest RSA modulus accepted, in bits.
    public static let minRSABits = 2048
    /// The largest RSA modulus accepted, in bits (bounds the cost of one verification).
    public static let maxRSABits = 8192

    /// Reads a PEM public key: `PUBLIC KEY` (SubjectPublicKeyInfo, any supported algorithm) or
    /// `RSA PUBLIC KEY` (PKCS#1 RSAPublicKey).
    ///
    /// - Throws: ``KeyError``: ``KeyError/Code/invalidPEM``, ``KeyError/Code/tooLarge``,
    ///   ``KeyError/Code/unsupportedPEMType``, ``KeyError/Code/invalidKey``,
    ///   ``KeyError/Code/unsupportedAlgorithm`` or ``KeyError/Code/unacceptableKeySize``.
    public init(pemEncoded: String) throws {
        let document = try PEMDocument(pemEncoded: pemEncoded)
        switch document.type {
        case "PUBLIC KEY":
            try self.init(derEncoded: document.derBytes)
        case "RSA PUBLIC KEY":
            let parts = try KeyDER.sequence(document.derBytes)
            guard parts.count == 2, parts.allSatisfy({ $0.tag == 0x02 }) else {
                throw KeyError(code: .invalidKey, reason: "RSA PUBLIC KEY block is not a PKCS#1 RSAPublicKey")
            }
            self = .rsa(try Self.rsaKey(document.derBytes))
        default:
            throw KeyError(code: .unsupportedPEMType, reason: "PEM block type \(document.type) is not a public key (expected PUBLIC KEY or RSA PUBLIC KEY)")
        }
    }

    /// Reads a DER SubjectPublicKeyInfo.
    ///
    /// - Throws: ``KeyError`` as for ``init(pemEncoded:)``, except the PEM codes (DER longer than
    ///   ``PEMDocument/maxBytes`` is ``KeyError/Code/tooLarge``).
    public init(derEncoded der: [UInt8]) throws {
        guard der.count <= PEMDocument.maxBytes else {
            throw KeyError(code: .tooLarge, reason: "key DER is \(der.count) bytes; the limit is \(PEMDocument.maxBytes)")
        }
        let parts = try KeyDER.sequence(der)
        guard parts.count == 2, parts[1].tag == 0x03 else {
            throw KeyError(code: .invalidKey, reason: "not a SubjectPublicKeyInfo")
        }
        do {
            switch try KeyDER.keyAlgorithm(parts[0]) {
            case .ecdsaP256:
                self = .ecdsaP256(try P256.Signing.PublicKey(derRepresentation: der))
            case .ecdsaP384:
                self = .ecdsaP384(try P384.Signing.PublicKey(derRepresentation: der))
            case .ecdsaP521:
                self = .ecdsaP521(try P521.Signing.PublicKey(derRepresentation: der))
            case .ed25519:
                // swift-crypto 3.12.3 has no SPKI reader for Ed25519; the encoding is a fixed prefix.
                guard der.count == KeyDER.ed25519SPKIPrefix.count + 32,
                      der.starts(with: KeyDER.ed25519SPKIPrefix)
                else {
                    throw KeyError(code: .invalidKey, reason: "malformed Ed25519 SubjectPublicKeyInfo")
                }
                self = .ed25519(try Curve25519.Signing.PublicKey(rawRepresentation: der.dropFirst(KeyDER.ed25519SPKIPrefix.count)))
            case .rsa:
                self = .rsa(try Self.rsaKey(der))
            }
        } catch let error as KeyError {
            throw error
        } catch {
            throw KeyError(code: .invalidKey, reason: "invalid public key: \(error)")
        }
    }

    /// An RSA key from SPKI or PKCS#1 DER, with the size limits applied.
    private static func rsaKey(_ der: [UInt8]) throws -> _RSA.Signing.PublicKey {
        let key: _RSA.Signing.PublicKey
        do {
            key = try _RSA.Signing.PublicKey(unsafeDERRepresentation: der)
        } catch {
            throw KeyError(code: .invalidKey, reason: "invalid RSA public key: \(error)")
        }
        try checkRSASize(key.keySizeInBits)
        return key
    }

    static func checkRSASize(_ bits: Int) throws {
        guard bits >= minRSABits, bits <= maxRSABits else {
            throw KeyError(
                code: .unacceptableKeySize,
                reason: "RSA key of \(bits) bits; accepted sizes are \(minRSABits) to \(maxRSABits) bits")
        }
    }

    /// The key's algorithm (and curve).
    public var algorithm: KeyAlgorithm {
        switch self {
        case .ecdsaP256: .ecdsaP256
        case .ecdsaP384: .ecdsaP384
        case .ecdsaP521: .ecdsaP521
        case .ed25519: .ed25519
        case .rsa: .rsa
        }
    }

    /// The modulus size in bits of an RSA key; nil for other keys.
    public var rsaModulusBits: Int? {
        if case .rsa(let key) = self { return key.keySizeInBits }
        return nil
    }

    /// The DER SubjectPublicKeyInfo.
    public var derRepresentation: [UInt8] {
        switch self {
        case .ecdsaP256(let key): Array(key.derRepresentation)
        case .ecdsaP384(let key): Array(key.derRepresentation)
        case .ecdsaP521(let key): Array(key.derRepresentation)
        case .ed25519(let key): KeyDER.ed25519SPKIPrefix + Array(key.rawRepresentation)
        case .rsa(let key): Array(key.derRepresentation)
        }
    }

    /// The SubjectPublicKeyInfo as a `PUBLIC KEY` PEM block.
    public var pemRepresentation: String {
        PEMDocument(type: "PUBLIC KEY", derBytes: derRepresentation).pemEncoded
    }

    /// The key's ID: the hex SHA-256 of ``derRepresentation``.
    public var keyID: KeyID { KeyID(self) }

    /// Checks `signature` over `message` with `algorithm`.
    ///
    /// Returns false, never throws, for a malformed signature and for an algorithm that does not
    /// fit this key (an RSA algorithm with an ECDSA key, P-384 with a P-256 key, …). ECDSA
    /// signatures must be ASN.1 DER.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8], algorithm: SigningAlgorithm) -> Bool {
        switch (self, algorithm) {
        case (.ecdsaP256(let key), .ecdsaP256SHA256):
            guard let parsed = try? P256.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: SHA256.hash(data: message))
        case (.ecdsaP384(let key), .ecdsaP384SHA384):
            guard let parsed = try? P384.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: SHA384.hash(data: message))
        case (.ecdsaP521(let key), .ecdsaP521SHA512):
            guard let parsed = try? P521.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: SHA512.hash(data: message))
        case (.ed25519(let key), .ed25519):
            return key.isValidSignature(signature, for: message)
        case (.rsa(let key), .rsaPKCS1SHA256):
            return key.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature), for: SHA256.hash(data: message),
                padding: .insecurePKCS1v1_5)
        case (.rsa(let key), .rsaPSSSHA256):
            return key.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature), for: SHA256.hash(data: message),
                padding: .PSS)
        default:
            return false
        }
    }
}
