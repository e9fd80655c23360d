// Builders the internal tests use to make OpenPGP data Custody's public API never writes: messages
// of any shape, signatures with chosen subpackets, certificates with chosen self-signatures and
// subkeys. They sign with Custody's own internals (`makeSignature`, `SecretKeyMaterial.sign`), so a
// message built here verifies exactly when its construction is valid. The tests at the end check
// the builders themselves and `Packet`'s writer/reader pair.

@testable import CustodyOpenPGP
import Foundation
import Testing

struct BuilderError: Error, CustomStringConvertible {
    let description: String
}

/// A key whose secret material the test holds, to sign anything.
struct TestKey {
    let packet: PublicKeyPacket
    let secret: SecretKeyMaterial

    var fingerprint: Fingerprint { packet.fingerprint }
    var keyID: KeyID { packet.fingerprint.keyID }

    /// A fresh key created at `created` (seconds since 1970).
    static func make(_ algorithm: OpenPGPSecretKey.GeneratedAlgorithm = .ed25519, at created: UInt32 = Times.key) throws -> TestKey {
        let generated = try OpenPGPSecretKey.generate(algorithm, userID: "builder", at: Date(timeIntervalSince1970: TimeInterval(created)))
        let parsed = try OpenPGPKeyring.parseKeys(Array(generated.armoredSecretKey(passphrase: nil).utf8))
        guard let first = parsed.first, let body = first.secretBodies[first.key.primary.fingerprint], body.first == 0 else {
            throw BuilderError(description: "generated key has no unprotected secret part")
        }
        let (material, _) = try SecretKeyMaterial.parse(Array(body.dropFirst()), for: first.key.primary)
        return TestKey(packet: first.key.primary, secret: material)
    }

    /// A v4 signature as Custody makes them: issuer fingerprint and creation time hashed, issuer key ID unhashed.
    func sign(_ type: SignatureType, over data: [UInt8], at created: UInt32 = Times.signature, hashed: [[UInt8]] = []) throws -> [UInt8] {
        try OpenPGPSecretKey.makeSignature(type: type, key: packet, secret: secret, over: data, created: created, extraHashed: hashed)
    }

    /// A v4 signature with exactly the given subpacket areas (each an encoded subpacket list).
    func rawSignature(type: UInt8, over data: [UInt8], hashed: [UInt8], unhashed: [UInt8]) throws -> [UInt8] {
        let hash = secret.preferredHash
        let partial = SignaturePacket(
            type: type, publicKeyAlgorithm: packet.algorithm.rawValue, hashAlgorithm: hash.rawValue, hashedArea: hashed,
            hashedSubpackets: [], unhashedSubpackets: [], hashPrefix: [], valueBytes: [])
        var hasher = SignatureHasher(hash)
        hasher.update(data)
        hasher.update(partial.trailer)
        let digest = hasher.finalize()
        let values = try secret.sign(digest, algorithm: packet.algorithm)
        return [4, type, packet.algorithm.rawValue, hash.rawValue, UInt8(hashed.count >> 8), UInt8(hashed.count & 0xFF)] + hashed
            + [UInt8(unhashed.count >> 8), UInt8(unhashed.count & 0xFF)] + unhashed + Array(digest.bytes.prefix(2)) + values
    }
}

/// The times the builders use by default.
enum Times {
    static let key: UInt32 = 1_600_000_000
    static let signature: UInt32 = 1_600_000_100
    static func date(_ seconds: UInt32) -> Date { Date(timeIntervalSince1970: TimeInterval(seconds)) }
    /// A `now` after every default time.
    static let later = date(1_700_000_000)
}

/// Encoded signature subpackets.
enum Sub {
    static func creation(_ time: UInt32) -> [UInt8] { OpenPGPSecretKey.subpacket(2, Packet.bigEndian32(time)) }
    static func signatureExpiration(_ seconds: UInt32) -> [UInt8] { OpenPGPSecretKey.subpacket(3, Packet.bigEndian32(seconds)) }
    static func keyExpiration(_ seconds: UInt32) -> [UInt8] { OpenPGPSecretKey.subpacket(9, Packet.bigEndian32(seconds)) }
    static func keyFlags(_ flags: UInt8) -> [UInt8] { OpenPGPSecretKey.subpacket(27, [flags]) }
    static func issuerKeyID(_ id: KeyID) -> [UInt8] { OpenPGPSecretKey.subpacket(16, id.bytes) }
    static func issuerFingerprint(_ fingerprint: Fingerprint) -> [UInt8] { OpenPGPSecretKey.subpacket(33, [4] + fingerprint.bytes) }
    /// An embedded signature; the one-byte length limits it to 190 bytes (an Ed25519 signature fits).
    static func embedded(_ signature: [UInt8]) -> [UInt8] {
        precondition(signature.count < 191, "embedded signature too long for a one-byte subpacket length")
        return OpenPGPSecretKey.subpacket(32, signature)
    }
    /// Any subpacket, optionally with the critical bit.
    static func other(_ type: UInt8, _ data: [UInt8], critical: Bool = false) -> [UInt8] {
        [UInt8(data.count + 1), type | (critical ? 0x80 : 0)] + data
    }
}

/// Packets and messages.
enum Msg {
    static func literal(_ payload: [UInt8], format: UInt8 = UInt8(ascii: "b"), name: [UInt8] = [], date: UInt32 = Times.signature) -> Packet {
        Packet(tag: Packet.Tag.literalData.rawValue, body: [format, UInt8(name.count)] + name + Packet.bigEndian32(date) + payload)
    }

    static func onePass(_ key: TestKey, type: UInt8 = 0, hash: UInt8? = nil, algorithm: UInt8? = nil, version: UInt8 = 3, last: UInt8 = 1) -> Packet {
        let body = [version, type, hash ?? key.secret.preferredHash.rawValue, algorithm ?? key.packet.algorithm.rawValue] + key.keyID.bytes + [last]
        return Packet(tag: Packet.Tag.onePassSignature.rawValue, body: body)
    }

    static func signature(_ body: [UInt8]) -> Packet { Packet(tag: Packet.Tag.signature.rawValue, body: body) }

    /// A compressed data packet around `inner` (1 = ZIP raw deflate, 2 = ZLIB, 0 = stored, others as given).
    static func compressed(_ inner: [UInt8], algorithm: UInt8 = 1) throws -> Packet {
        let content: [UInt8]
        switch algorithm {
        case 1: content = try Deflate.deflateRaw(inner)
        case 2: content = [0x78, 0x9C] + (try Deflate.deflateRaw(inner)) + Packet.bigEndian32(adler32(inner))
        default: content = inner
        }
        return Packet(tag: Packet.Tag.compressedData.rawValue, body: [algorithm] + content)
    }

    static func adler32(_ data: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return b << 16 | a
    }

    /// A new-format packet header with a one-, two- or five-byte length, as asked.
    static func newFormat(tag: Int, body: [UInt8], lengthBytes: Int? = nil) -> [UInt8] {
        let width = lengthBytes ?? (body.count < 192 ? 1 : body.count < 8384 ? 2 : 5)
        var header: [UInt8] = [0xC0 | UInt8(tag)]
        switch width {
        case 1: header.append(UInt8(body.count))
        case 2:
            let value = body.count - 192
            header += [UInt8(value >> 8 + 192), UInt8(value & 0xFF)]
        default: header += [255] + Packet.bigEndian32(UInt32(body.count))
        }
        return header + body
    }

    /// An old-format packet header with a one-, two- or four-byte length, or indeterminate (nil).
    static func oldFormat(tag: Int, body: [UInt8], lengthBytes: Int?) -> [UInt8] {
        let ctb = 0x80 | UInt8(tag) << 2
        switch lengthBytes {
        case 1: return [ctb, UInt8(body.count)] + body
        case 2: return [ctb | 1, UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body
        case 4: return [ctb | 2] + Packet.bigEndian32(UInt32(body.count)) + body
        default: return [ctb | 3] + body
        }
    }

    /// A new-format packet whose body is sent in partial chunks of 2^`exponent` bytes, then a final length.
    static func partial(tag: Int, body: [UInt8], exponent: Int) -> [UInt8] {
        var out: [UInt8] = []
        var rest = body[...]
        var first = true
        while rest.count > (1 << exponent) {
            out += (first ? [0xC0 | UInt8(tag)] : []) + [0xE0 | UInt8(exponent)] + rest.prefix(1 << exponent)
            rest = rest.dropFirst(1 << exponent)
            first = false
        }
        let tail = newFormat(tag: tag, body: Array(rest))
        return out + (first ? tail : Array(tail.dropFirst()))
    }
}

/// A signed message over `payload` by `key`, in its parts, ready to be rearranged.
struct SignedParts {
    let key: TestKey
    let payload: [UInt8]
    let onePass: Packet
    let literal: Packet
    let signature: Packet

    init(_ key: TestKey, payload: [UInt8] = Array(#"{"claim":"test"}"#.utf8), type: SignatureType = .binaryDocument, hashed: [[UInt8]] = []) throws {
        self.key = key
        self.payload = payload
        onePass = Msg.onePass(key, type: type.rawValue)
        literal = Msg.literal(payload)
        signature = Msg.signature(try key.sign(type, over: payload, hashed: hashed))
    }

    /// One-pass signature, literal data, signature: what `gpg --sign -z 0` writes.
    var standard: [UInt8] { onePass.encoded() + literal.encoded() + signature.encoded() }
    /// Signature then literal data: the older form.
    var signatureFirst: [UInt8] { signature.encoded() + literal.encoded() }

    /// A keyring holding a certificate for `key` (self-signed user ID, may sign).
    func keyring() throws -> OpenPGPKeyring { try Certificate.keyring(primary: key) }
}

/// Certificates with chosen self-signatures.
enum Certificate {
    static let userID = Array("Builder <builder@custody.test>".utf8)

    static func userIDData(_ key: TestKey, _ id: [UInt8] = userID) -> [UInt8] {
        key.packet.hashPrefix + [0xB4] + Packet.bigEndian32(UInt32(id.count)) + id
    }

    static func bindingData(_ primary: TestKey, _ subkey: TestKey) -> [UInt8] {
        primary.packet.hashPrefix + subkey.packet.hashPrefix
    }

    /// Primary key, optional direct signatures, one user ID with its certification(s).
    static func primary(_ key: TestKey, direct: [[UInt8]] = [], certifications: [[UInt8]]? = nil) throws -> [UInt8] {
        let certs = try certifications ?? [key.sign(.positiveCertification, over: userIDData(key), at: Times.key, hashed: [Sub.keyFlags(0x03)])]
        return Packet(tag: Packet.Tag.publicKey.rawValue, body: key.packet.body).encoded()
            + direct.flatMap { Msg.signature($0).encoded() }
            + Packet(tag: Packet.Tag.userID.rawValue, body: userID).encoded()
            + certs.flatMap { Msg.signature($0).encoded() }
    }

    /// A subkey packet with its signatures.
    static func subkey(_ subkey: TestKey, signatures: [[UInt8]]) -> [UInt8] {
        Packet(tag: Packet.Tag.publicSubkey.rawValue, body: subkey.packet.body).encoded() + signatures.flatMap { Msg.signature($0).encoded() }
    }

    /// A signing-subkey binding: flags 0x02 and an embedded primary-key binding made by the subkey.
    static func signingBinding(_ primary: TestKey, _ subkey: TestKey, hashed: [[UInt8]] = [], backSignature: Bool = true) throws -> [UInt8] {
        let data = bindingData(primary, subkey)
        var extras = [Sub.keyFlags(0x02)] + hashed
        if backSignature { extras.append(Sub.embedded(try subkey.sign(.primaryKeyBinding, over: data, at: Times.key))) }
        return try primary.sign(.subkeyBinding, over: data, at: Times.key, hashed: extras)
    }

    static func keyring(primary key: TestKey) throws -> OpenPGPKeyring {
        try OpenPGPKeyring(bytes: primary(key))
    }
}

@Suite("Test builders and the Packet writer/reader")
struct PacketBuilderInternalTests {
    @Test("Packet.encoded and Packet.parseAll round-trip every length class", arguments: [0, 1, 191, 192, 255, 256, 8383, 8384, 65535, 65536, 70000])
    func packetRoundTrip(length: Int) throws {
        let body = (0..<length).map { UInt8(truncatingIfNeeded: $0) }
        for tag in [2, 11, 13, 21, 60] {
            let encoded = Packet(tag: tag, body: body).encoded()
            // Tags below 16 are written in the old format, as GnuPG does; the others in the new format.
            #expect((encoded[0] & 0x40 == 0) == (tag < 16))
            let parsed = try Packet.parseAll(encoded)
            #expect(parsed.count == 1)
            #expect(parsed.first?.tag == tag)
            #expect(parsed.first?.body == body)
        }
    }

    @Test("builder-made messages verify in both orders, for both generated key types", arguments: OpenPGPSecretKey.GeneratedAlgorithm.allCases)
    func buildersVerify(_ algorithm: OpenPGPSecretKey.GeneratedAlgorithm) throws {
        let parts = try SignedParts(try TestKey.make(algorithm))
        for message in [parts.standard, parts.signatureFirst, try Msg.compressed(parts.standard).encoded()] {
            let verified = try OpenPGPMessage.verify(message, keyring: parts.keyring(), now: Times.later)
            #expect(verified.payload == parts.payload)
            #expect(verified.signerFingerprint == parts.key.fingerprint)
        }
    }

    @Test("a message made by signMessage decompresses into one-pass, literal and signature packets")
    func signMessageLayout() throws {
        let key = try GeneratedKeys.key(.ed25519)
        let outer = try Packet.parseAll(key.signMessage(Array("x".utf8)))
        #expect(outer.map(\.tag) == [8])
        #expect(outer.first?.body.first == 1)
        let inner = try Packet.parseAll(Deflate.inflate(Array(outer[0].body.dropFirst()), algorithm: .zip, limit: 1 << 20))
        #expect(inner.map(\.tag) == [4, 11, 2])
        #expect(inner[1].body == [UInt8(ascii: "b"), 0] + Array(inner[1].body[2..<6]) + [UInt8(ascii: "x")])
    }

    @Test("adler32 of \"Wikipedia\" is 0x11E60398")
    func adler() {
        #expect(Msg.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
    }
}
