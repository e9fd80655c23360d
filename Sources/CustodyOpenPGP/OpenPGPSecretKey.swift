import Crypto
import Foundation
import _CryptoExtras

/// A secret OpenPGP key that can sign: read from GnuPG's export (binary or armored, unprotected or
/// protected with an iterated+salted S2K and AES), or generated.
public struct OpenPGPSecretKey: Sendable {
    /// The public certificate of this key.
    public let certificate: OpenPGPKey
    /// Secret material for the primary key and subkeys whose secret part is present.
    private let secrets: [Fingerprint: SecretKeyMaterial]

    /// The primary key's fingerprint.
    public var fingerprint: Fingerprint { certificate.fingerprint }

    /// Key algorithms `generate` can make.
    public enum GeneratedAlgorithm: String, Sendable, CaseIterable {
        /// EdDSA over Ed25519, in the v4 encoding GnuPG 2.2 reads and writes.
        case ed25519
        /// RSA with a 3072-bit modulus.
        case rsa3072
    }

    /// Reads a secret key.
    /// - Parameters:
    ///   - bytes: the exported secret key (binary or ASCII-armored).
    ///   - passphrase: the passphrase, when the key is protected.
    ///   - fingerprint: which key, when the data holds several (primary or subkey fingerprint).
    /// - Throws: ``OpenPGPError`` when the data is malformed, holds no usable secret key, or the
    ///   passphrase is missing or wrong.
    public init(bytes: [UInt8], passphrase: [UInt8]?, fingerprint: Fingerprint? = nil) throws(OpenPGPError) {
        let parsed = try OpenPGPKeyring.parseKeys(bytes).filter { !$0.secretBodies.isEmpty }
        let candidates = fingerprint.map { wanted in
            parsed.filter { $0.key.fingerprint == wanted || $0.key.subkeyFingerprints.contains(wanted) }
        } ?? parsed
        guard let chosen = candidates.first else {
            throw OpenPGPError(.untrustedKey, fingerprint.map { "no secret key \($0) in the key file" } ?? "the key file holds no secret key")
        }
        guard candidates.count == 1 else {
            throw OpenPGPError(.unsupported, "the key file holds \(candidates.count) secret keys; name one by fingerprint")
        }
        var secrets: [Fingerprint: SecretKeyMaterial] = [:]
        let packets = [chosen.key.primary] + chosen.key.subkeys.map(\.key)
        for packet in packets {
            guard let body = chosen.secretBodies[packet.fingerprint] else { continue }
            if let material = try OpenPGPSecretKey.unlock(body, for: packet, passphrase: passphrase) {
                secrets[packet.fingerprint] = material
            }
        }
        guard !secrets.isEmpty else { throw OpenPGPError(.unsupported, "the key file holds no usable secret key material") }
        self.certificate = chosen.key
        self.secrets = secrets
    }

    private init(certificate: OpenPGPKey, secrets: [Fingerprint: SecretKeyMaterial]) {
        self.certificate = certificate
        self.secrets = secrets
    }

    /// Decrypts the secret part of a key packet. Returns nil for a GnuPG stub (no secret present).
    private static func unlock(_ body: [UInt8], for key: PublicKeyPacket, passphrase: [UInt8]?) throws(OpenPGPError) -> SecretKeyMaterial? {
        var reader = ByteReader(body)
        let usage = try reader.byte("S2K usage")
        switch usage {
        case 0:
            let rest = reader.rest()
            let (material, length) = try SecretKeyMaterial.parse(rest, for: key)
            guard rest.count == length + 2, checksum(Array(rest[0..<length])) == Array(rest[length...]) else {
                throw .malformed("secret key checksum does not match")
            }
            return material
        case 254, 255:
            let rawCipher = try reader.byte("cipher algorithm")
            let s2k = try S2K.read(&reader)
            if s2k.kind == .gnuExtension { return nil }
            guard let cipher = SymmetricAlgorithm(rawValue: rawCipher) else {
                throw OpenPGPError(.unsupported, "secret key protected with unsupported cipher \(rawCipher) (AES only)")
            }
            guard let passphrase else {
                throw OpenPGPError(.passphrase, "secret key \(key.fingerprint) is protected: a passphrase is needed")
            }
            let iv = try reader.bytes(16, "IV")
            let plain = try cipher.cfb(decrypt: true, reader.rest(), key: try s2k.deriveKey(passphrase: passphrase, length: cipher.keyLength), iv: iv)
            let checkLength = usage == 254 ? 20 : 2
            guard plain.count > checkLength else { throw OpenPGPError(.passphrase, "wrong passphrase for secret key \(key.fingerprint)") }
            let secret = Array(plain[0..<(plain.count - checkLength)]), check = Array(plain.suffix(checkLength))
            let expected = usage == 254 ? Array(Insecure.SHA1.hash(data: secret)) : checksum(secret)
            guard check == expected else { throw OpenPGPError(.passphrase, "wrong passphrase for secret key \(key.fingerprint)") }
            return try SecretKeyMaterial.parse(secret, for: key).0
        default:
            throw OpenPGPError(.unsupported, "secret key protection \(usage) is not supported (use GnuPG's default S2K with AES)")
        }
    }

    private static func checksum(_ bytes: [UInt8]) -> [UInt8] {
        let sum = bytes.reduce(UInt16(0)) { $0 &+ UInt16($1) }
        return [UInt8(sum >> 8), UInt8(sum & 0xFF)]
    }

    /// The key that signs: the primary key when it may sign, else the newest usable signing subkey.
    private func signer(at now: UInt32) throws(OpenPGPError) -> (PublicKeyPacket, SecretKeyMaterial) {
        var lastError: OpenPGPError?
        for packet in [certificate.primary] + certificate.subkeys.map(\.key).reversed() {
            guard let secret = secrets[packet.fingerprint] else { continue }
            do {
                if try certificate.signingKey(for: packet.fingerprint.keyID, at: now) != nil { return (packet, secret) }
            } catch {
                lastError = error
            }
        }
        throw lastError ?? OpenPGPError(.keyNotUsable, "key \(fingerprint) has no secret key that may sign")
    }

    /// Signs `payload` as a binary OpenPGP signed message, as `gpg --sign` writes it and
    /// containers/image expects: a ZIP-compressed one-pass signature, literal data and signature.
    public func signMessage(_ payload: [UInt8], at date: Date = Date()) throws(OpenPGPError) -> [UInt8] {
        let created = UInt32(clamping: Int64(date.timeIntervalSince1970.rounded(.down)))
        let (key, secret) = try signer(at: created)
        let signature = try OpenPGPSecretKey.makeSignature(
            type: .binaryDocument, key: key, secret: secret, over: payload, created: created, extraHashed: [])
        let onePass = Packet(tag: Packet.Tag.onePassSignature.rawValue, body: [3, SignatureType.binaryDocument.rawValue, secret.preferredHash.rawValue, key.algorithm.rawValue] + key.fingerprint.keyID.bytes + [1])
        let literal = Packet(tag: Packet.Tag.literalData.rawValue, body: [UInt8(ascii: "b"), 0] + Packet.bigEndian32(created) + payload)
        let inner = onePass.encoded() + literal.encoded() + Packet(tag: Packet.Tag.signature.rawValue, body: signature).encoded()
        let compressed = Packet(tag: Packet.Tag.compressedData.rawValue, body: [CompressionAlgorithm.zip.rawValue] + (try Deflate.deflateRaw(inner)))
        return compressed.encoded()
    }

    /// Makes a v4 signature packet body.
    static func makeSignature(
        type: SignatureType, key: PublicKeyPacket, secret: SecretKeyMaterial, over data: [UInt8], created: UInt32, extraHashed: [[UInt8]]
    ) throws(OpenPGPError) -> [UInt8] {
        let fingerprint = key.fingerprint
        var hashed = subpacket(33, [4] + fingerprint.bytes) + subpacket(2, Packet.bigEndian32(created))
        for extra in extraHashed { hashed += extra }
        let unhashed = subpacket(16, fingerprint.keyID.bytes)
        let hashAlgorithm = secret.preferredHash
        let partial = SignaturePacket(
            type: type.rawValue, publicKeyAlgorithm: key.algorithm.rawValue, hashAlgorithm: hashAlgorithm.rawValue,
            hashedArea: hashed, hashedSubpackets: [], unhashedSubpackets: [], hashPrefix: [], valueBytes: [])
        var hasher = SignatureHasher(hashAlgorithm)
        hasher.update(data)
        hasher.update(partial.trailer)
        let hash = hasher.finalize()
        let values = try secret.sign(hash, algorithm: key.algorithm)
        return [4, type.rawValue, key.algorithm.rawValue, hashAlgorithm.rawValue]
            + [UInt8(hashed.count >> 8), UInt8(hashed.count & 0xFF)] + hashed
            + [UInt8(unhashed.count >> 8), UInt8(unhashed.count & 0xFF)] + unhashed
            + Array(hash.bytes.prefix(2)) + values
    }

    static func subpacket(_ type: UInt8, _ data: [UInt8]) -> [UInt8] { [UInt8(data.count + 1), type] + data }

    // MARK: generation and export

    /// Generates a new key with one user ID, usable to certify and sign.
    public static func generate(_ algorithm: GeneratedAlgorithm, userID: String, at date: Date = Date()) throws(OpenPGPError) -> OpenPGPSecretKey {
        let created = UInt32(clamping: Int64(date.timeIntervalSince1970.rounded(.down)))
        var body: [UInt8] = [4] + Packet.bigEndian32(created)
        let secret: SecretKeyMaterial
        switch algorithm {
        case .ed25519:
            let key = Curve25519.Signing.PrivateKey()
            secret = .ed25519(key)
            body += [PublicKeyAlgorithm.eddsaLegacy.rawValue, UInt8(Curve.ed25519OID.count)] + Curve.ed25519OID
                + MPI.encode([0x40] + Array(key.publicKey.rawRepresentation))
        case .rsa3072:
            var generated: _RSA.Signing.PrivateKey?
            for _ in 0..<8 {
                guard let key = try? _RSA.Signing.PrivateKey(keySize: .bits3072) else { continue }
                if (try? RSAComponents(privateKey: key)) != nil { generated = key; break }
            }
            guard let key = generated else { throw OpenPGPError(.keyOperation, "RSA key generation failed") }
            secret = .rsa(key)
            let parts = try RSAComponents(publicKey: key.publicKey)
            body += [PublicKeyAlgorithm.rsa.rawValue] + MPI.encode(parts.n) + MPI.encode(parts.e)
        }
        let (primary, _) = try PublicKeyPacket.parse(body)
        let uid = Array(userID.utf8)
        let data = primary.hashPrefix + [0xB4] + Packet.bigEndian32(UInt32(uid.count)) + uid
        let preferences = subpacket(27, [0x03]) + subpacket(11, [9, 8, 7]) + subpacket(21, [10, 9, 8]) + subpacket(22, [2, 1]) + subpacket(30, [0x01])
        let certification = try makeSignature(
            type: .positiveCertification, key: primary, secret: secret, over: data, created: created, extraHashed: [preferences])
        let certificate = OpenPGPKey(
            primary: primary, directSignatures: [],
            userIDs: [OpenPGPKey.UserID(id: uid, signatures: [try SignaturePacket.parse(certification)])], subkeys: [])
        return OpenPGPSecretKey(certificate: certificate, secrets: [primary.fingerprint: secret])
    }

    /// The public key as an ASCII-armored block (what `gpg --export --armor` writes).
    public func armoredPublicKey() throws(OpenPGPError) -> String {
        Armor.encode(try exportPackets(secret: nil), kind: .publicKey)
    }

    /// The secret key as an ASCII-armored block, protected with the passphrase when one is given
    /// (iterated+salted S2K with SHA-256, AES-256, SHA-1 integrity check, as GnuPG reads it).
    public func armoredSecretKey(passphrase: [UInt8]?) throws(OpenPGPError) -> String {
        Armor.encode(try exportPackets(secret: .some(passphrase)), kind: .privateKey)
    }

    private func exportPackets(secret: [UInt8]??) throws(OpenPGPError) -> [UInt8] {
        let primary = certificate.primary
        var body = primary.body
        var tag = Packet.Tag.publicKey.rawValue
        if case .some(let passphrase) = secret {
            guard let material = secrets[primary.fingerprint] else { throw OpenPGPError(.unsupported, "no secret primary key to export") }
            tag = Packet.Tag.secretKey.rawValue
            let plain = try material.encoded(for: primary)
            if let passphrase {
                var salt = [UInt8](repeating: 0, count: 8), iv = [UInt8](repeating: 0, count: 16)
                for i in 0..<8 { salt[i] = UInt8.random(in: 0...255) }
                for i in 0..<16 { iv[i] = UInt8.random(in: 0...255) }
                let s2k = S2K(kind: .iteratedSalted, hash: HashAlgorithm.sha256.rawValue, salt: salt, countByte: 0xE0)
                let key = try s2k.deriveKey(passphrase: passphrase, length: SymmetricAlgorithm.aes256.keyLength)
                let encrypted = try SymmetricAlgorithm.aes256.cfb(decrypt: false, plain + Array(Insecure.SHA1.hash(data: plain)), key: key, iv: iv)
                body += [254, SymmetricAlgorithm.aes256.rawValue] + s2k.encoded + iv + encrypted
            } else {
                body += [0] + plain + OpenPGPSecretKey.checksum(plain)
            }
        }
        var out = Packet(tag: tag, body: body).encoded()
        for userID in certificate.userIDs {
            out += Packet(tag: Packet.Tag.userID.rawValue, body: userID.id).encoded()
            for signature in userID.signatures { out += Packet(tag: Packet.Tag.signature.rawValue, body: signature.encodedBody).encoded() }
        }
        return out
    }
}

extension SignaturePacket {
    /// The packet body, rebuilt from its fields (byte-identical for packets this module parsed or made).
    var encodedBody: [UInt8] {
        let unhashed = unhashedSubpackets.flatMap { subpacket -> [UInt8] in
            [UInt8(subpacket.data.count + 1), subpacket.type | (subpacket.isCritical ? 0x80 : 0)] + subpacket.data
        }
        return [4, type, publicKeyAlgorithm, hashAlgorithm, UInt8(hashedArea.count >> 8), UInt8(hashedArea.count & 0xFF)] + hashedArea
            + [UInt8(unhashed.count >> 8), UInt8(unhashed.count & 0xFF)] + unhashed + hashPrefix + valueBytes
    }
}
