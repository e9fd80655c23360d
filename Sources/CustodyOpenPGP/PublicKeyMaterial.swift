import Foundation
import Crypto
import _CryptoExtras

/// The public part of a v4 key packet: algorithm, creation time and key material.
struct PublicKeyPacket: Sendable {
    enum Material: @unchecked Sendable {
        // @unchecked: the swift-crypto key types are immutable values that are not marked Sendable in 3.12.
        case rsa(_RSA.Signing.PublicKey, bits: Int)
        case p256(P256.Signing.PublicKey)
        case p384(P384.Signing.PublicKey)
        case ed25519(Curve25519.Signing.PublicKey)
    }

    let algorithm: PublicKeyAlgorithm
    let creationTime: UInt32
    let material: Material
    /// The exact public-key body, which fingerprints and key signatures hash.
    let body: [UInt8]

    /// The v4 fingerprint: SHA-1 over `0x99 || length || body` (RFC 9580 section 5.5.4.2).
    var fingerprint: Fingerprint {
        var hash = Insecure.SHA1()
        hash.update(data: hashPrefix)
        return Fingerprint(bytes: Array(hash.finalize()))
    }

    /// What key signatures hash for this key.
    var hashPrefix: [UInt8] { [0x99, UInt8(body.count >> 8 & 0xFF), UInt8(body.count & 0xFF)] + body }

    /// Parses the public part at the start of a key packet body.
    /// - Returns: the key and the number of bytes it took (a secret key packet continues after it).
    static func parse(_ packetBody: [UInt8]) throws(OpenPGPError) -> (PublicKeyPacket, Int) {
        var reader = ByteReader(packetBody)
        let version = try reader.byte("key version")
        guard version == 4 else { throw OpenPGPError(.unsupported, "unsupported key version \(version) (only v4 keys are read)") }
        let creation = try reader.uint32("key creation time")
        let rawAlgorithm = try reader.byte("key algorithm")
        guard let algorithm = PublicKeyAlgorithm(rawValue: rawAlgorithm) else {
            throw OpenPGPError(.unsupported, "unsupported public-key algorithm \(rawAlgorithm)")
        }
        let material: Material
        do {
            switch algorithm {
            case .rsa, .rsaSignOnly:
                let n = try reader.mpi("RSA modulus"), e = try reader.mpi("RSA exponent")
                let bits = n.isEmpty ? 0 : (n.count - 1) * 8 + (8 - n[0].leadingZeroBitCount)
                guard (OpenPGPLimits.minRSABits...OpenPGPLimits.maxRSABits).contains(bits) else {
                    throw OpenPGPError(.unsupported, "RSA keys of \(bits) bits are not accepted (\(OpenPGPLimits.minRSABits) to \(OpenPGPLimits.maxRSABits))")
                }
                material = .rsa(try _RSA.Signing.PublicKey(n: n, e: e), bits: bits)
            case .ecdsa:
                let curve = try readCurve(&reader)
                let point = try reader.mpi("ECDSA point")
                switch curve {
                case .p256: material = .p256(try P256.Signing.PublicKey(x963Representation: point))
                case .p384: material = .p384(try P384.Signing.PublicKey(x963Representation: point))
                case .ed25519: throw OpenPGPError(.unsupported, "ECDSA key on the Ed25519 curve")
                }
            case .eddsaLegacy:
                guard try readCurve(&reader) == .ed25519 else { throw OpenPGPError(.unsupported, "EdDSA key on a curve other than Ed25519") }
                let point = try reader.mpi("EdDSA point")
                guard point.count == 33, point[0] == 0x40 else { throw OpenPGPError.malformed("EdDSA point is not 0x40 followed by 32 bytes") }
                material = .ed25519(try Curve25519.Signing.PublicKey(rawRepresentation: point[1...]))
            case .ed25519:
                material = .ed25519(try Curve25519.Signing.PublicKey(rawRepresentation: try reader.bytes(32, "Ed25519 key")))
            }
        } catch let error as OpenPGPError {
            throw error
        } catch {
            throw .malformed("invalid \(algorithm) public key: \(error)")
        }
        let length = reader.offset
        return (PublicKeyPacket(algorithm: algorithm, creationTime: creation, material: material, body: Array(packetBody[0..<length])), length)
    }

    private static func readCurve(_ reader: inout ByteReader) throws(OpenPGPError) -> Curve {
        let length = Int(try reader.byte("curve OID length"))
        guard length > 0, length < 0xFF else { throw .malformed("invalid curve OID length") }
        let oid = try reader.bytes(length, "curve OID")
        guard let curve = Curve(oid: oid) else { throw OpenPGPError(.unsupported, "unsupported elliptic curve") }
        return curve
    }

    /// Reads the signature values that follow a signature packet's fixed fields for this algorithm.
    func readSignatureValues(_ reader: inout ByteReader) throws(OpenPGPError) -> [[UInt8]] {
        switch algorithm {
        case .rsa, .rsaSignOnly: return [try reader.mpi("RSA signature")]
        case .ecdsa, .eddsaLegacy: return [try reader.mpi("signature r"), try reader.mpi("signature s")]
        case .ed25519: return [try reader.bytes(64, "Ed25519 signature")]
        }
    }

    /// Whether the signature values verify over `hash`.
    func isValidSignature(_ values: [[UInt8]], hash: HashValue) -> Bool {
        do {
            switch material {
            case .rsa(let key, let bits):
                guard values.count == 1 else { return false }
                let signature = _RSA.Signing.RSASignature(rawRepresentation: try MPI.fixedWidth(values[0], (bits + 7) / 8, "RSA signature"))
                switch hash {
                case .sha256(let d): return key.isValidSignature(signature, for: d, padding: .insecurePKCS1v1_5)
                case .sha384(let d): return key.isValidSignature(signature, for: d, padding: .insecurePKCS1v1_5)
                case .sha512(let d): return key.isValidSignature(signature, for: d, padding: .insecurePKCS1v1_5)
                }
            case .p256(let key):
                guard values.count == 2 else { return false }
                let raw = try MPI.fixedWidth(values[0], 32, "r") + MPI.fixedWidth(values[1], 32, "s")
                let signature = try P256.Signing.ECDSASignature(rawRepresentation: raw)
                switch hash {
                case .sha256(let d): return key.isValidSignature(signature, for: d)
                case .sha384(let d): return key.isValidSignature(signature, for: d)
                case .sha512(let d): return key.isValidSignature(signature, for: d)
                }
            case .p384(let key):
                guard values.count == 2 else { return false }
                let raw = try MPI.fixedWidth(values[0], 48, "r") + MPI.fixedWidth(values[1], 48, "s")
                let signature = try P384.Signing.ECDSASignature(rawRepresentation: raw)
                switch hash {
                case .sha256(let d): return key.isValidSignature(signature, for: d)
                case .sha384(let d): return key.isValidSignature(signature, for: d)
                case .sha512(let d): return key.isValidSignature(signature, for: d)
                }
            case .ed25519(let key):
                let raw: [UInt8]
                if values.count == 2 {
                    raw = try MPI.fixedWidth(values[0], 32, "r") + MPI.fixedWidth(values[1], 32, "s")
                } else if values.count == 1, values[0].count == 64 {
                    raw = values[0]
                } else {
                    return false
                }
                // OpenPGP EdDSA signs the hash of the data, not the data itself.
                return key.isValidSignature(raw, for: hash.bytes)
            }
        } catch {
            return false
        }
    }
}

/// A v4 key fingerprint: 20 bytes, shown as 40 uppercase hex digits (as GnuPG and containers/image show it).
public struct Fingerprint: Hashable, Sendable, CustomStringConvertible {
    /// The 20 bytes.
    public let bytes: [UInt8]

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// Parses 40 hex digits (either case; spaces allowed, as GnuPG prints them).
    public init?(hex: String) {
        let digits = hex.filter { $0 != " " }
        guard digits.count == 40, digits.allSatisfy(\.isHexDigit) else { return nil }
        var bytes: [UInt8] = []
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            guard let byte = UInt8(digits[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self.bytes = bytes
    }

    /// The key ID: the last 8 bytes.
    public var keyID: KeyID { KeyID(bytes: Array(bytes.suffix(8))) }

    public var description: String { bytes.map { String(format: "%02X", $0) }.joined() }
}

/// A v4 key ID: the last 8 bytes of the fingerprint.
public struct KeyID: Hashable, Sendable, CustomStringConvertible {
    /// The 8 bytes.
    public let bytes: [UInt8]

    public var description: String { bytes.map { String(format: "%02X", $0) }.joined() }
}
