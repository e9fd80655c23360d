import Crypto
import _CryptoExtras

/// The private half of a key, able to make signatures.
enum SecretKeyMaterial: @unchecked Sendable {
    // @unchecked: swift-crypto's private key types are immutable and not marked Sendable in 3.12.
    case rsa(_RSA.Signing.PrivateKey)
    case p256(P256.Signing.PrivateKey)
    case p384(P384.Signing.PrivateKey)
    case ed25519(Curve25519.Signing.PrivateKey)

    /// Reads the secret values that follow the public part (already decrypted), for `key`'s algorithm,
    /// and checks that they belong to that public key.
    static func parse(_ bytes: [UInt8], for key: PublicKeyPacket) throws(OpenPGPError) -> (SecretKeyMaterial, Int) {
        var reader = ByteReader(bytes)
        let material: SecretKeyMaterial
        do {
            switch key.material {
            case .rsa(let publicKey, _):
                let d = try reader.mpi("RSA d"), p = try reader.mpi("RSA p"), q = try reader.mpi("RSA q")
                _ = try reader.mpi("RSA u")
                let components = try RSAComponents(publicKey: publicKey)
                material = .rsa(try _RSA.Signing.PrivateKey(n: components.n, e: components.e, d: d, p: p, q: q))
            case .p256:
                material = .p256(try P256.Signing.PrivateKey(rawRepresentation: try MPI.fixedWidth(try reader.mpi("ECDSA secret"), 32, "ECDSA secret")))
            case .p384:
                material = .p384(try P384.Signing.PrivateKey(rawRepresentation: try MPI.fixedWidth(try reader.mpi("ECDSA secret"), 48, "ECDSA secret")))
            case .ed25519:
                let seed = key.algorithm == .ed25519
                    ? try reader.bytes(32, "Ed25519 secret")
                    : try MPI.fixedWidth(try reader.mpi("EdDSA secret"), 32, "EdDSA secret")
                material = .ed25519(try Curve25519.Signing.PrivateKey(rawRepresentation: seed))
            }
        } catch let error as OpenPGPError {
            throw error
        } catch {
            throw OpenPGPError(.passphrase, "the secret key does not decode (wrong passphrase or corrupt key): \(error)")
        }
        guard material.matches(key) else {
            throw OpenPGPError(.passphrase, "the secret key does not match its public key (wrong passphrase or corrupt key)")
        }
        return (material, reader.offset)
    }

    private func matches(_ key: PublicKeyPacket) -> Bool {
        switch (self, key.material) {
        case (.rsa(let secret), .rsa(let publicKey, _)): secret.publicKey.derRepresentation == publicKey.derRepresentation
        case (.p256(let secret), .p256(let publicKey)): secret.publicKey.rawRepresentation == publicKey.rawRepresentation
        case (.p384(let secret), .p384(let publicKey)): secret.publicKey.rawRepresentation == publicKey.rawRepresentation
        case (.ed25519(let secret), .ed25519(let publicKey)): secret.publicKey.rawRepresentation == publicKey.rawRepresentation
        default: false
        }
    }

    /// The secret values as a key packet stores them (before protection).
    func encoded(for key: PublicKeyPacket) throws(OpenPGPError) -> [UInt8] {
        switch self {
        case .rsa(let secret):
            let parts = try RSAComponents(privateKey: secret)
            return MPI.encode(parts.d) + MPI.encode(parts.p) + MPI.encode(parts.q) + MPI.encode(parts.u)
        case .p256(let secret): return MPI.encode(Array(secret.rawRepresentation))
        case .p384(let secret): return MPI.encode(Array(secret.rawRepresentation))
        case .ed25519(let secret):
            return key.algorithm == .ed25519 ? Array(secret.rawRepresentation) : MPI.encode(Array(secret.rawRepresentation))
        }
    }

    /// The hash Custody signs with for this key.
    var preferredHash: HashAlgorithm {
        switch self {
        case .p384: .sha384
        case .rsa: .sha512
        default: .sha256
        }
    }

    /// Signs a hash, returning the signature values as the packet stores them.
    func sign(_ hash: HashValue, algorithm: PublicKeyAlgorithm) throws(OpenPGPError) -> [UInt8] {
        do {
            switch self {
            case .rsa(let key):
                let signature: _RSA.Signing.RSASignature
                switch hash {
                case .sha256(let d): signature = try key.signature(for: d, padding: .insecurePKCS1v1_5)
                case .sha384(let d): signature = try key.signature(for: d, padding: .insecurePKCS1v1_5)
                case .sha512(let d): signature = try key.signature(for: d, padding: .insecurePKCS1v1_5)
                }
                return MPI.encode(Array(signature.rawRepresentation))
            case .p256(let key):
                let raw: [UInt8]
                switch hash {
                case .sha256(let d): raw = Array(try key.signature(for: d).rawRepresentation)
                case .sha384(let d): raw = Array(try key.signature(for: d).rawRepresentation)
                case .sha512(let d): raw = Array(try key.signature(for: d).rawRepresentation)
                }
                return MPI.encode(Array(raw[0..<32])) + MPI.encode(Array(raw[32...]))
            case .p384(let key):
                let raw: [UInt8]
                switch hash {
                case .sha256(let d): raw = Array(try key.signature(for: d).rawRepresentation)
                case .sha384(let d): raw = Array(try key.signature(for: d).rawRepresentation)
                case .sha512(let d): raw = Array(try key.signature(for: d).rawRepresentation)
                }
                return MPI.encode(Array(raw[0..<48])) + MPI.encode(Array(raw[48...]))
            case .ed25519(let key):
                let raw = Array(try key.signature(for: hash.bytes))
                return algorithm == .ed25519 ? raw : MPI.encode(Array(raw[0..<32])) + MPI.encode(Array(raw[32...]))
            }
        } catch {
            throw OpenPGPError(.keyOperation, "signing failed: \(error)")
        }
    }
}

/// RSA key components, read from swift-crypto's DER forms (PKCS#1), as OpenPGP stores them.
struct RSAComponents {
    var n: [UInt8] = []
    var e: [UInt8] = []
    var d: [UInt8] = []
    /// OpenPGP's p and q, with p < q.
    var p: [UInt8] = []
    var q: [UInt8] = []
    /// p⁻¹ mod q.
    var u: [UInt8] = []

    init(publicKey: _RSA.Signing.PublicKey) throws(OpenPGPError) {
        let integers = try DER.integers(Array(publicKey.pkcs1DERRepresentation))
        guard integers.count == 2 else { throw .malformed("unexpected RSA public key encoding") }
        n = integers[0]
        e = integers[1]
    }

    init(privateKey: _RSA.Signing.PrivateKey) throws(OpenPGPError) {
        // RSAPrivateKey ::= SEQUENCE { version, n, e, d, p, q, dP, dQ, qInv }
        let integers = try DER.integers(Array(privateKey.derRepresentation))
        guard integers.count == 9 else { throw .malformed("unexpected RSA private key encoding") }
        n = integers[1]
        e = integers[2]
        d = integers[3]
        let first = integers[4], second = integers[5]
        // PKCS#1's qInv is q⁻¹ mod p. With OpenPGP's p := PKCS#1 q and q := PKCS#1 p, that is
        // exactly OpenPGP's u = p⁻¹ mod q, and p < q holds when PKCS#1 has p > q (BoringSSL's order).
        guard DER.compare(first, second) > 0 else {
            throw OpenPGPError(.keyOperation, "RSA key has p < q; cannot express it in OpenPGP form without a modular inverse")
        }
        p = second
        q = first
        u = integers[8]
    }
}

/// The little DER reading RSA components need: a SEQUENCE of INTEGERs.
enum DER {
    static func integers(_ bytes: [UInt8]) throws(OpenPGPError) -> [[UInt8]] {
        var reader = ByteReader(bytes)
        guard try reader.byte("DER tag") == 0x30 else { throw .malformed("expected a DER SEQUENCE") }
        let length = try readLength(&reader)
        guard length == reader.remaining else { throw .malformed("DER SEQUENCE length mismatch") }
        var values: [[UInt8]] = []
        while !reader.isAtEnd {
            guard try reader.byte("DER tag") == 0x02 else { throw .malformed("expected a DER INTEGER") }
            values.append(Array(try reader.bytes(try readLength(&reader), "DER INTEGER").drop { $0 == 0 }))
        }
        return values
    }

    private static func readLength(_ reader: inout ByteReader) throws(OpenPGPError) -> Int {
        let first = try reader.byte("DER length")
        if first < 0x80 { return Int(first) }
        let count = Int(first & 0x7F)
        guard (1...4).contains(count) else { throw .malformed("unsupported DER length") }
        var length = 0
        for byte in try reader.bytes(count, "DER length") { length = length << 8 | Int(byte) }
        return length
    }

    /// Compares two unsigned big-endian integers without leading zeros.
    static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        for (x, y) in zip(a, b) where x != y { return x < y ? -1 : 1 }
        return 0
    }
}
