// What `OpenPGPMessage.verify` checks inside the signature packet: signature type, hash algorithm,
// creation and expiration times, critical subpackets, the issuer, and the signature value itself.

@testable import CustodyOpenPGP
import Foundation
import Testing

@Suite("Signature packet checks")
struct SignatureCheckInternalTests {
    private func verify(_ message: [UInt8], _ parts: SignedParts, now: Date = Times.later) throws -> VerifiedSignedMessage {
        try OpenPGPMessage.verify(message, keyring: parts.keyring(), now: now)
    }

    /// A signature-first message whose signature body is `body`.
    private func message(_ body: [UInt8], _ parts: SignedParts) -> [UInt8] {
        Msg.signature(body).encoded() + parts.literal.encoded()
    }

    @Test("signature types other than binary and text documents are .unsupported", arguments: [
        SignatureType.positiveCertification, .genericCertification, .subkeyBinding, .directKey, .keyRevocation,
    ])
    func nonDocumentSignature(type: SignatureType) throws {
        let key = try TestKey.make()
        let parts = try SignedParts(key, type: type)
        #expect(throws: pgp(.unsupported)) { try verify(parts.signatureFirst, parts) }
        #expect(throws: pgp(.unsupported)) { try verify(parts.standard, parts) }
    }

    @Test("a text-mode signature (type 0x01) is checked over CRLF line endings; the payload is returned as sent")
    func textSignature() throws {
        let key = try TestKey.make()
        let text = Array("line one\nline two\r\nline three\n".utf8)
        let canonical = Array("line one\r\nline two\r\nline three\r\n".utf8)
        let signature = Msg.signature(try key.sign(.textDocument, over: canonical))
        let parts = try SignedParts(key, payload: text)
        let shape = Msg.onePass(key, type: 0x01).encoded() + Msg.literal(text, format: UInt8(ascii: "t")).encoded() + signature.encoded()
        #expect(try verify(shape, parts).payload == text)
        // Signed over the bytes without canonicalising them: refused.
        let raw = Msg.signature(try key.sign(.textDocument, over: text))
        #expect(throws: pgp(.badSignature)) { try verify(raw.encoded() + Msg.literal(text).encoded(), parts) }
    }

    @Test("weak or unaccepted hash algorithms are refused before the signature is checked", arguments: [
        (1, OpenPGPError.Code.weakHash), (2, .weakHash), (3, .weakHash), (11, .unsupported), (12, .unsupported), (99, .unsupported),
    ] as [(UInt8, OpenPGPError.Code)])
    func hashAlgorithms(hash: UInt8, code: OpenPGPError.Code) throws {
        let parts = try SignedParts(TestKey.make())
        var body = parts.signature.body
        body[3] = hash
        #expect(throws: pgp(code)) { try verify(message(body, parts), parts) }
        // Also with a matching one-pass packet, and with no key to check against.
        let shape = Msg.onePass(parts.key, hash: hash).encoded() + parts.literal.encoded() + Msg.signature(body).encoded()
        #expect(throws: pgp(code)) { try verify(shape, parts) }
        #expect(throws: pgp(code)) { try OpenPGPMessage.verify(shape, keyring: OpenPGPKeyring()) }
    }

    @Test("SHA-384 and SHA-512 signatures are accepted (RSA keys sign with SHA-512)")
    func strongerHashes() throws {
        let parts = try SignedParts(TestKey.make(.rsa3072))
        #expect(try verify(parts.standard, parts).hashAlgorithm == .sha512)
    }

    @Test("a signature expires at creation + lifetime: valid the second before, refused from that second", arguments: [1, 100, 86_400] as [UInt32])
    func signatureExpiration(lifetime: UInt32) throws {
        let parts = try SignedParts(TestKey.make(), hashed: [Sub.signatureExpiration(lifetime)])
        let created = Times.signature
        #expect(try verify(parts.standard, parts, now: Times.date(created)).payload == parts.payload)
        #expect(try verify(parts.standard, parts, now: Times.date(created + lifetime - 1)).payload == parts.payload)
        #expect(throws: pgp(.signatureExpired)) { try verify(parts.standard, parts, now: Times.date(created + lifetime)) }
        #expect(throws: pgp(.signatureExpired)) { try verify(parts.standard, parts, now: Date()) }
    }

    @Test("a signature lifetime of 0 means no expiry")
    func zeroLifetime() throws {
        let parts = try SignedParts(TestKey.make(), hashed: [Sub.signatureExpiration(0)])
        #expect(try verify(parts.standard, parts, now: Date(timeIntervalSince1970: 4_000_000_000)).payload == parts.payload)
    }

    @Test("an expiration time in the unhashed area is not trusted, so not applied")
    func unhashedExpiration() throws {
        let key = try TestKey.make()
        let hashed = Sub.issuerFingerprint(key.fingerprint) + Sub.creation(Times.signature)
        let payload = Array("p".utf8)
        let body = try key.rawSignature(type: 0, over: payload, hashed: hashed, unhashed: Sub.signatureExpiration(1))
        let parts = try SignedParts(key, payload: payload)
        #expect(try verify(Msg.signature(body).encoded() + parts.literal.encoded(), parts, now: Date()).payload == payload)
    }

    @Test("an unknown critical hashed subpacket makes the signature .unsupported; non-critical ones are ignored")
    func criticalSubpackets() throws {
        let key = try TestKey.make()
        let notation = Sub.other(20, [0x80, 0, 0, 0, 0, 1, 0, 1, UInt8(ascii: "n"), UInt8(ascii: "v")], critical: true)
        let critical = try SignedParts(key, hashed: [notation])
        #expect(throws: pgp(.unsupported)) { try verify(critical.standard, critical) }
        let unknown = try SignedParts(key, hashed: [Sub.other(100, [1, 2, 3], critical: true)])
        #expect(throws: pgp(.unsupported)) { try verify(unknown.standard, unknown) }
        let plain = try SignedParts(key, hashed: [Sub.other(20, [0x80, 0, 0, 0, 0, 1, 0, 1, 0x6E, 0x76]), Sub.other(100, [1])])
        #expect(try verify(plain.standard, plain).payload == plain.payload)
        // A critical subpacket Custody understands is fine (key flags, marked critical).
        let known = try SignedParts(key, hashed: [Sub.other(27, [0x02], critical: true)])
        #expect(try verify(known.standard, known).payload == known.payload)
    }

    @Test("a signature without a hashed creation time is malformed")
    func noCreationTime() throws {
        let key = try TestKey.make()
        let payload = Array("p".utf8)
        let parts = try SignedParts(key, payload: payload)
        let body = try key.rawSignature(type: 0, over: payload, hashed: Sub.issuerFingerprint(key.fingerprint), unhashed: [])
        #expect(throws: pgp(.malformed)) { try verify(message(body, parts), parts) }
        // A creation time in the unhashed area does not count.
        let unhashed = try key.rawSignature(type: 0, over: payload, hashed: Sub.issuerFingerprint(key.fingerprint), unhashed: Sub.creation(Times.signature))
        #expect(throws: pgp(.malformed)) { try verify(message(unhashed, parts), parts) }
    }

    @Test("the issuer may come from the fingerprint, the key ID, either area, or the one-pass packet")
    func issuerSources() throws {
        let key = try TestKey.make()
        let payload = Array("issuer".utf8)
        let parts = try SignedParts(key, payload: payload)
        let created = Sub.creation(Times.signature)
        let variants: [(hashed: [UInt8], unhashed: [UInt8])] = [
            (created + Sub.issuerFingerprint(key.fingerprint), []),
            (created, Sub.issuerFingerprint(key.fingerprint)),
            (created + Sub.issuerKeyID(key.keyID), []),
            (created, Sub.issuerKeyID(key.keyID)),  // as gpg signed containers/image's subkey.signature
        ]
        for variant in variants {
            let body = try key.rawSignature(type: 0, over: payload, hashed: variant.hashed, unhashed: variant.unhashed)
            #expect(try verify(message(body, parts), parts).signerFingerprint == key.fingerprint)
        }
        // No issuer in the signature: the one-pass packet names the key; without it, malformed.
        let anonymous = try key.rawSignature(type: 0, over: payload, hashed: created, unhashed: [])
        #expect(try verify(parts.onePass.encoded() + parts.literal.encoded() + Msg.signature(anonymous).encoded(), parts).signerFingerprint == key.fingerprint)
        #expect(throws: pgp(.malformed)) { try verify(message(anonymous, parts), parts) }
    }

    @Test("an issuer naming another key gives .badSignature if that key is trusted, .untrustedKey if not")
    func wrongIssuer() throws {
        let key = try TestKey.make(), other = try TestKey.make()
        let payload = Array("issuer".utf8)
        let parts = try SignedParts(key, payload: payload)
        let body = try key.rawSignature(type: 0, over: payload, hashed: Sub.creation(Times.signature), unhashed: Sub.issuerFingerprint(other.fingerprint))
        #expect(throws: pgp(.untrustedKey)) { try verify(message(body, parts), parts) }
        let both = try OpenPGPKeyring(bytes: Certificate.primary(key) + Certificate.primary(other))
        #expect(throws: pgp(.badSignature)) { try OpenPGPMessage.verify(message(body, parts), keyring: both, now: Times.later) }
    }

    @Test("any change to the signature packet's signed fields or value is refused")
    func tamperedSignature() throws {
        let parts = try SignedParts(TestKey.make())
        let body = parts.signature.body
        let hashedLength = Int(body[4]) << 8 | Int(body[5])
        // Offsets: a byte of the hashed area (the creation time), the two hash-prefix bytes, the last value byte.
        let creationOffset = 6 + hashedLength - 1
        let prefixOffset = 6 + hashedLength + 2 + (Int(body[6 + hashedLength]) << 8 | Int(body[7 + hashedLength]))
        for offset in [creationOffset, prefixOffset, prefixOffset + 1, body.count - 1, body.count - 20] {
            var changed = body
            changed[offset] ^= 0x01
            #expect(throws: pgp(.badSignature), "byte \(offset)") { try verify(message(changed, parts), parts) }
        }
        // The public-key algorithm byte changed to RSA: the Ed25519 key cannot check it.
        var algorithm = body
        algorithm[2] = PublicKeyAlgorithm.rsa.rawValue
        #expect(throws: pgp(.badSignature)) { try verify(message(algorithm, parts), parts) }
        // Extra bytes after the signature values.
        #expect(throws: pgp(.badSignature)) { try verify(message(body + [0, 1, 1], parts), parts) }
        // Signature values cut short.
        #expect(throws: pgp(.badSignature)) { try verify(message(Array(body.dropLast(10)), parts), parts) }
    }

    @Test("signature packets of other versions are .unsupported", arguments: [3, 5, 6] as [UInt8])
    func otherVersions(version: UInt8) throws {
        let parts = try SignedParts(TestKey.make())
        var body = parts.signature.body
        body[0] = version
        #expect(throws: pgp(.unsupported)) { try verify(message(body, parts), parts) }
    }

    @Test("a truncated signature body is malformed", arguments: [1, 2, 4, 5, 6, 10])
    func truncatedSignatureBody(length: Int) throws {
        let parts = try SignedParts(TestKey.make())
        #expect(throws: pgp(.malformed)) { try verify(message(Array(parts.signature.body.prefix(length)), parts), parts) }
    }

    @Test("subpacket areas with impossible lengths are malformed")
    func badSubpacketAreas() throws {
        let key = try TestKey.make()
        let parts = try SignedParts(key)
        // A zero-length subpacket, and one claiming more bytes than its area holds.
        for hashed: [UInt8] in [Sub.creation(Times.signature) + [0], Sub.creation(Times.signature) + [9, 2, 0], [255, 0, 0, 1, 0, 2]] {
            let body = try key.rawSignature(type: 0, over: parts.payload, hashed: hashed, unhashed: Sub.issuerKeyID(key.keyID))
            #expect(throws: pgp(.malformed)) { try verify(message(body, parts), parts) }
        }
    }
}
