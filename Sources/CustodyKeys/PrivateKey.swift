import Crypto
import _CryptoExtras

/// A kind of key ``PrivateKey/generate(_:)`` can make.
public enum KeyType: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// ECDSA on P-256 (cosign's default).
    case ecdsaP256 = "ecdsa-p256"
    /// ECDSA on P-384.
    case ecdsaP384 = "ecdsa-p384"
    /// ECDSA on P-521.
    case ecdsaP521 = "ecdsa-p521"
    /// Ed25519.
    case ed25519 = "ed25519"
    /// RSA with a 2048-bit modulus.
    case rsa2048 = "rsa-2048"
    /// RSA with a 3072-bit modulus.
    case rsa3072 = "rsa-3072"
    /// RSA with a 4096-bit modulus.
    case rsa4096 = "rsa-4096"

    public var description: String { rawValue }
}

/// A private key that can sign: ECDSA P-256, P-384 or P-521, Ed25519, or RSA.
///
/// Read it from PEM (``init(pemEncoded:)``) in PKCS#8, SEC1 or PKCS#1 form, or from PKCS#8 DER;
/// write it as unencrypted PKCS#8 (``pkcs8DERRepresentation``, ``pemRepresentation``), the
/// plaintext cosign encrypts into its key files.
public enum PrivateKey: @unchecked Sendable {
    // @unchecked: the swift-crypto key types are immutable values that are not marked Sendable in 3.12.
    /// An ECDSA key on P-256.
    case ecdsaP256(P256.Signing.PrivateKey)
    /// An ECDSA key on P-384.
    case ecdsaP384(P384.Signing.PrivateKey)
    /// An ECDSA key on P-521.
    case ecdsaP521(P521.Signing.PrivateKey)
    /// An Ed25519 key.
    case ed25519(Curve25519.Signing.PrivateKey)
    /// An RSA key of ``PublicKey/minRSABits`` to ``PublicKey/maxRSABits`` bits.
    case rsa(_RSA.Signing.PrivateKey)

    /// Reads a PEM private key: `PRIVATE KEY` (PKCS#8, any supported algorithm),
    /// `EC PRIVATE KEY` (SEC1, P-256, P-384 or P-521 named curve) or `RSA PRIVATE KEY` (PKCS#1).
    /// Encrypted PEM (RFC 1421 headers, `ENCRYPTED PRIVATE KEY`) is refused.
    ///
    /// - Throws: ``KeyError``: ``KeyError/Code/invalidPEM``, ``KeyError/Code/tooLarge``,
    ///   ``KeyError/Code/unsupportedPEMType``, ``KeyError/Code/invalidKey``,
    ///   ``KeyError/Code/unsupportedAlgorithm`` or ``KeyError/Code/unacceptableKeySize``.
    public init(pemEncoded: String) throws {
        let document = try PEMDocument(pemEncoded: pemEncoded)
        let der = document.derBytes
        switch document.type {
        case "PRIVATE KEY":
            try self.init(pkcs8DEREncoded: der)
        case "EC PRIVATE KEY":
            let curve = try KeyDER.sec1Curve(der)
            self = try Self.wrapping("EC") {
                switch curve {
                case .ecdsaP256: .ecdsaP256(try P256.Signing.PrivateKey(derRepresentation: der))
                case .ecdsaP384: .ecdsaP384(try P384.Signing.PrivateKey(derRepresentation: der))
                case .ecdsaP521: .ecdsaP521(try P521.Signing.PrivateKey(derRepresentation: der))
                case .ed25519, .rsa:
                    // sec1Curve names EC curves only.
                    throw KeyError(code: .unsupportedAlgorithm, reason: "SEC1 EC private key names a non-EC algorithm \(curve)")
                }
            }
        case "RSA PRIVATE KEY":
            let parts = try KeyDER.sequence(der)
            guard parts.count >= 9, parts.prefix(9).allSatisfy({ $0.tag == 0x02 }) else {
                throw KeyError(code: .invalidKey, reason: "RSA PRIVATE KEY block is not a PKCS#1 RSAPrivateKey")
            }
            self = .rsa(try Self.rsaKey(der))
        default:
            throw KeyError(
                code: .unsupportedPEMType,
                reason: "PEM block type \(document.type) is not an unencrypted private key (expected PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY)")
        }
    }

    /// Reads an unencrypted PKCS#8 PrivateKeyInfo.
    ///
    /// - Throws: ``KeyError`` as for ``init(pemEncoded:)``, except the PEM codes (DER longer than
    ///   ``PEMDocument/maxBytes`` is ``KeyError/Code/tooLarge``).
    public init(pkcs8DEREncoded der: [UInt8]) throws {
        guard der.count <= PEMDocument.maxBytes else {
            throw KeyError(code: .tooLarge, reason: "key DER is \(der.count) bytes; the limit is \(PEMDocument.maxBytes)")
        }
        let parts = try KeyDER.sequence(der)
        guard parts.count >= 3, parts[0].tag == 0x02, parts[2].tag == 0x04 else {
            throw KeyError(code: .invalidKey, reason: "not a PKCS#8 PrivateKeyInfo")
        }
        switch try KeyDER.keyAlgorithm(parts[1]) {
        case .ecdsaP256:
            self = try Self.wrapping("EC") { .ecdsaP256(try P256.Signing.PrivateKey(derRepresentation: der)) }
        case .ecdsaP384:
            self = try Self.wrapping("EC") { .ecdsaP384(try P384.Signing.PrivateKey(derRepresentation: der)) }
        case .ecdsaP521:
            self = try Self.wrapping("EC") { .ecdsaP521(try P521.Signing.PrivateKey(derRepresentation: der)) }
        case .ed25519:
            // swift-crypto 3.12.3 has no PKCS#8 reader for Ed25519; the encoding is a fixed prefix.
            guard der.count == KeyDER.ed25519PKCS8Prefix.count + 32, der.starts(with: KeyDER.ed25519PKCS8Prefix) else {
                throw KeyError(code: .invalidKey, reason: "malformed or unsupported Ed25519 PKCS#8 key (only v1 without attributes is read)")
            }
            let seed = der.dropFirst(KeyDER.ed25519PKCS8Prefix.count)
            self = try Self.wrapping("Ed25519") { .ed25519(try Curve25519.Signing.PrivateKey(rawRepresentation: seed)) }
        case .rsa:
            self = .rsa(try Self.rsaKey(der))
        }
    }

    /// Makes a new random key.
    ///
    /// - Throws: ``KeyError`` with code ``KeyError/Code/signingFailed`` when key generation fails.
    public static func generate(_ type: KeyType) throws -> PrivateKey {
        switch type {
        case .ecdsaP256: return .ecdsaP256(P256.Signing.PrivateKey())
        case .ecdsaP384: return .ecdsaP384(P384.Signing.PrivateKey())
        case .ecdsaP521: return .ecdsaP521(P521.Signing.PrivateKey())
        case .ed25519: return .ed25519(Curve25519.Signing.PrivateKey())
        case .rsa2048, .rsa3072, .rsa4096:
            let size: _RSA.Signing.KeySize = switch type {
            case .rsa2048: .bits2048
            case .rsa3072: .bits3072
            default: .bits4096
            }
            do {
                return .rsa(try _RSA.Signing.PrivateKey(keySize: size))
            } catch {
                throw KeyError(code: .signingFailed, reason: "RSA key generation failed: \(error)")
            }
        }
    }

    /// The key's algorithm (and curve).
    public var algorithm: KeyAlgorithm { publicKey.algorithm }

    /// The matching public key.
    public var publicKey: PublicKey {
        switch self {
        case .ecdsaP256(let key): .ecdsaP256(key.publicKey)
        case .ecdsaP384(let key): .ecdsaP384(key.publicKey)
        case .ecdsaP521(let key): .ecdsaP521(key.publicKey)
        case .ed25519(let key): .ed25519(key.publicKey)
        case .rsa(let key): .rsa(key.publicKey)
        }
    }

    /// The unencrypted PKCS#8 PrivateKeyInfo DER (v1, no attributes, no embedded public key for Ed25519).
    public var pkcs8DERRepresentation: [UInt8] {
        switch self {
        case .ecdsaP256(let key): Array(key.derRepresentation)
        case .ecdsaP384(let key): Array(key.derRepresentation)
        case .ecdsaP521(let key): Array(key.derRepresentation)
        case .ed25519(let key): KeyDER.ed25519PKCS8Prefix + Array(key.rawRepresentation)
        case .rsa(let key):
            // swift-crypto exposes RSA PKCS#8 only as PEM; its output always parses.
            (try? PEMDocument(pemEncoded: key.pkcs8PEMRepresentation).derBytes) ?? []
        }
    }

    /// ``pkcs8DERRepresentation`` as a `PRIVATE KEY` PEM block.
    public var pemRepresentation: String {
        PEMDocument(type: "PRIVATE KEY", derBytes: pkcs8DERRepresentation).pemEncoded
    }

    /// Signs `message` with `algorithm`, which must fit the key (see ``SigningAlgorithm/keyAlgorithm``).
    /// ECDSA signatures are ASN.1 DER; PSS uses a 32-byte salt.
    ///
    /// - Throws: ``KeyError`` with code ``KeyError/Code/algorithmMismatch`` for an algorithm the
    ///   key cannot serve, or ``KeyError/Code/signingFailed``.
    public func sign(_ message: [UInt8], algorithm: SigningAlgorithm) throws -> [UInt8] {
        do {
            switch (self, algorithm) {
            case (.ecdsaP256(let key), .ecdsaP256SHA256):
                return Array(try key.signature(for: SHA256.hash(data: message)).derRepresentation)
            case (.ecdsaP384(let key), .ecdsaP384SHA384):
                return Array(try key.signature(for: SHA384.hash(data: message)).derRepresentation)
            case (.ecdsaP521(let key), .ecdsaP521SHA512):
                return Array(try key.signature(for: SHA512.hash(data: message)).derRepresentation)
            case (.ed25519(let key), .ed25519):
                return Array(try key.signature(for: message))
            case (.rsa(let key), .rsaPKCS1SHA256):
                return Array(try key.signature(for: SHA256.hash(data: message), padding: .insecurePKCS1v1_5).rawRepresentation)
            case (.rsa(let key), .rsaPSSSHA256):
                return Array(try key.signature(for: SHA256.hash(data: message), padding: .PSS).rawRepresentation)
            default:
                throw KeyError(code: .algorithmMismatch, reason: "cannot sign with \(algorithm) using a \(self.algorithm) key")
            }
        } catch let error as KeyError {
            throw error
        } catch {
            throw KeyError(code: .signingFailed, reason: "signing with \(algorithm) failed: \(error)")
        }
    }

    private static func rsaKey(_ der: [UInt8]) throws -> _RSA.Signing.PrivateKey {
        let key: _RSA.Signing.PrivateKey
        do {
            key = try _RSA.Signing.PrivateKey(unsafeDERRepresentation: der)
        } catch {
            throw KeyError(code: .invalidKey, reason: "invalid RSA private key: \(error)")
        }
        try PublicKey.checkRSASize(key.keySizeInBits)
        return key
    }

    private static func wrapping(_ kind: String, _ body: () throws -> PrivateKey) throws -> PrivateKey {
        do {
            return try body()
        } catch let error as KeyError {
            throw error
        } catch {
            throw KeyError(code: .invalidKey, reason: "invalid \(kind) private key: \(error)")
        }
    }
}
