// RFC 9580 Appendix A.1 (sample v4 Ed25519Legacy key) and A.2 (sample v4 Ed25519Legacy signature
// over the string "OpenPGP"), in Vectors/rfc9580 (see its SOURCE.md).
//
// The sample key is a bare key packet: no user ID, no self-signature. Custody's verifier only uses
// keys whose self-signature checks out, so the signature is verified here one level down, with the
// packet-level API (`SignaturePacket.isValid(by:over:)`) that `OpenPGPMessage.verify` uses.

@testable import CustodyOpenPGP
import Foundation
import Testing

@Suite("RFC 9580 Appendix A: sample v4 Ed25519Legacy key and signature")
struct RFC9580VectorInternalTests {
    private func key() throws -> OpenPGPKeyring {
        try OpenPGPKeyring(bytes: RFC9580.bytes("a1-v4-ed25519legacy-key.asc"))
    }

    private func signaturePacket() throws -> SignaturePacket {
        let blocks = try Armor.decode(RFC9580.bytes("a2-v4-ed25519legacy-signature.asc"))
        #expect(blocks.count == 1)
        #expect(blocks[0].kind == .signature)
        let packets = try Packet.parseAll(blocks[0].data)
        #expect(packets.count == 1)
        #expect(packets.first?.tag == Packet.Tag.signature.rawValue)
        return try SignaturePacket.parse(packets[0].body)
    }

    @Test("A.1: the key reads as a v4 EdDSA key with the fingerprint the RFC states")
    func keyFingerprint() throws {
        let keyring = try key()
        #expect(keyring.fingerprints.map(\.description) == [RFC9580.keyFingerprint])
        #expect(keyring.keys.first?.algorithm == .eddsaLegacy)
        #expect(keyring.keys.first?.untrustedUserIDs == [])
        #expect(keyring.keys.first?.primary.creationTime == 1_408_458_507)  // 2014-08-19
        #expect(keyring.fingerprints.first?.keyID.description == "8CFDE12197965A9A")
    }

    @Test("A.2: the signature packet's fields")
    func signatureFields() throws {
        let signature = try signaturePacket()
        #expect(signature.type == SignatureType.binaryDocument.rawValue)
        #expect(signature.publicKeyAlgorithm == PublicKeyAlgorithm.eddsaLegacy.rawValue)
        #expect(signature.hashAlgorithm == HashAlgorithm.sha256.rawValue)
        #expect(signature.creationTime == 1_442_406_293)  // 2015-09-16
        #expect(signature.issuerKeyID?.description == "8CFDE12197965A9A")
        #expect(signature.issuerFingerprint == nil)
        #expect(signature.hashPrefix == [0xF6, 0x22])
        // The armored signature round-trips through Custody's packet writer byte for byte.
        let original = try Armor.decode(RFC9580.bytes("a2-v4-ed25519legacy-signature.asc"))[0].data
        #expect(Packet(tag: Packet.Tag.signature.rawValue, body: signature.encodedBody).encoded() == original)
    }

    @Test("A.2: the signature verifies with the A.1 key over \"OpenPGP\"")
    func signatureVerifies() throws {
        let primary = try #require(try key().keys.first).primary
        let signature = try signaturePacket()
        let data = try RFC9580.bytes("a2-signed-data.txt")
        #expect(data == Array(RFC9580.signedText.utf8))
        #expect(try signature.isValid(by: primary, over: data))
    }

    @Test("A.2: the signature does not verify over other data", arguments: ["OpenPGQ", "OpenPGP\n", "", "openpgp"])
    func signatureRejectsOtherData(text: String) throws {
        let primary = try #require(try key().keys.first).primary
        #expect(try signaturePacket().isValid(by: primary, over: Array(text.utf8)) == false)
    }

    @Test("A.2: the signature does not verify with another Ed25519 key")
    func signatureRejectsOtherKey() throws {
        let other = try GeneratedKeys.other().certificate.primary
        #expect(try signaturePacket().isValid(by: other, over: Array(RFC9580.signedText.utf8)) == false)
    }

    @Test("A.2 as given (an armored detached signature) is not a signed message")
    func detachedSignatureRefused() throws {
        let armored = try RFC9580.bytes("a2-v4-ed25519legacy-signature.asc")
        #expect(throws: pgp(.detachedSignature)) { try OpenPGPMessage.verify(armored, keyring: key()) }
        let binary = try Armor.decode(armored)[0].data
        #expect(throws: pgp(.detachedSignature)) { try OpenPGPMessage.verify(binary, keyring: key()) }
    }

    @Test("A.2 wrapped as a signed message: refused because the bare A.1 key carries no self-signature")
    func wrappedMessageNeedsSelfSignedKey() throws {
        let signature = try Armor.decode(RFC9580.bytes("a2-v4-ed25519legacy-signature.asc"))[0].data
        let literal = Packet(tag: Packet.Tag.literalData.rawValue, body: [UInt8(ascii: "b"), 0, 0, 0, 0, 0] + Array(RFC9580.signedText.utf8))
        let message = signature + literal.encoded()
        #expect(throws: pgp(.keyNotUsable)) { try OpenPGPMessage.verify(message, keyring: key(), now: Date(timeIntervalSince1970: 1_500_000_000)) }
        // With an empty keyring the same message is refused for want of the key.
        #expect(throws: pgp(.untrustedKey)) { try OpenPGPMessage.verify(message, keyring: OpenPGPKeyring()) }
        #expect(OpenPGPMessage.untrustedIssuer(message) == "8CFDE12197965A9A")
    }
}
