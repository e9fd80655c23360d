// Whether a key may verify a document signature at `now`: self-signatures, key flags, expiration,
// revocation, and signing subkeys (binding signature, primary-key back-signature, subkey revocation
// and expiry, and the primary's state). Certificates are built with `Certificate` and signed with
// Custody's own internals.

@testable import CustodyOpenPGP
import Foundation
import Testing

@Suite("Key validity")
struct KeyValidityInternalTests {
    private let payload = Array(#"{"validity":true}"#.utf8)

    /// A message over `payload` signed by `key` (primary or subkey) at `time`.
    private func signedMessage(by key: TestKey, at time: UInt32 = Times.signature) throws -> [UInt8] {
        let signature = try key.sign(.binaryDocument, over: payload, at: time)
        return Msg.signature(signature).encoded() + Msg.literal(payload).encoded()
    }

    private func verify(_ message: [UInt8], _ certificate: [UInt8], at now: UInt32) throws -> VerifiedSignedMessage {
        try OpenPGPMessage.verify(message, keyring: OpenPGPKeyring(bytes: certificate), now: Times.date(now))
    }

    private func certification(_ key: TestKey, at time: UInt32 = Times.key, _ hashed: [[UInt8]]) throws -> [UInt8] {
        try key.sign(.positiveCertification, over: Certificate.userIDData(key), at: time, hashed: hashed)
    }

    // MARK: primary keys

    @Test("a primary key expires at creation + key expiration time")
    func primaryExpiry() throws {
        let key = try TestKey.make()
        let certificate = try Certificate.primary(key, certifications: [certification(key, [Sub.keyFlags(0x03), Sub.keyExpiration(1000)])])
        let message = try signedMessage(by: key)
        #expect(try verify(message, certificate, at: Times.key + 999).signerFingerprint == key.fingerprint)
        #expect(throws: pgp(.keyExpired)) { try verify(message, certificate, at: Times.key + 1000) }
        #expect(throws: pgp(.keyExpired)) { try OpenPGPMessage.verify(message, keyring: OpenPGPKeyring(bytes: certificate)) }
    }

    @Test("the newest valid self-signature decides: a later one without expiry lifts it, a later one with expiry sets it")
    func newestSelfSignatureWins() throws {
        let key = try TestKey.make()
        let expiring = try certification(key, at: Times.key, [Sub.keyFlags(0x03), Sub.keyExpiration(1000)])
        let renewed = try certification(key, at: Times.key + 500, [Sub.keyFlags(0x03)])
        let message = try signedMessage(by: key)
        let lifted = try Certificate.primary(key, certifications: [expiring, renewed])
        #expect(try verify(message, lifted, at: Times.key + 5000).signerFingerprint == key.fingerprint)
        // The order in the file does not matter, only the signature times.
        let liftedReordered = try Certificate.primary(key, certifications: [renewed, expiring])
        #expect(try verify(message, liftedReordered, at: Times.key + 5000).signerFingerprint == key.fingerprint)
        let set = try Certificate.primary(key, certifications: [certification(key, at: Times.key, [Sub.keyFlags(0x03)]), certification(key, at: Times.key + 10, [Sub.keyFlags(0x03), Sub.keyExpiration(1000)])])
        #expect(throws: pgp(.keyExpired)) { try verify(message, set, at: Times.key + 5000) }
    }

    @Test("a valid key revocation signature revokes the key, at any time")
    func primaryRevoked() throws {
        let key = try TestKey.make()
        let revocation = try key.sign(.keyRevocation, over: key.packet.hashPrefix, at: Times.key + 10)
        let certificate = try Certificate.primary(key, direct: [revocation])
        let message = try signedMessage(by: key)
        #expect(throws: pgp(.keyRevoked)) { try verify(message, certificate, at: Times.signature) }
        #expect(throws: pgp(.keyRevoked)) { try verify(message, certificate, at: Times.key + 1) }
    }

    @Test("a revocation signature made by another key is ignored")
    func foreignRevocation() throws {
        let key = try TestKey.make(), other = try TestKey.make()
        let revocation = try other.sign(.keyRevocation, over: key.packet.hashPrefix, at: Times.key + 10)
        let certificate = try Certificate.primary(key, direct: [revocation])
        #expect(try verify(signedMessage(by: key), certificate, at: Times.signature).signerFingerprint == key.fingerprint)
    }

    @Test("key flags decide whether the primary may sign", arguments: [
        (UInt8(0x01), false), (0x0C, false), (0x20, false), (0x02, true), (0x03, true), (0x23, true),
    ])
    func primaryFlags(flags: UInt8, maySign: Bool) throws {
        let key = try TestKey.make()
        let certificate = try Certificate.primary(key, certifications: [certification(key, [Sub.keyFlags(flags)])])
        if maySign {
            #expect(try verify(signedMessage(by: key), certificate, at: Times.signature).signerFingerprint == key.fingerprint)
        } else {
            #expect(throws: pgp(.keyNotUsable)) { try verify(signedMessage(by: key), certificate, at: Times.signature) }
        }
    }

    @Test("a self-signature without key flags (older keys) lets the primary sign")
    func noFlags() throws {
        let key = try TestKey.make()
        let certificate = try Certificate.primary(key, certifications: [certification(key, [])])
        #expect(try verify(signedMessage(by: key), certificate, at: Times.signature).signerFingerprint == key.fingerprint)
    }

    @Test("without a valid self-signature the key is .keyNotUsable")
    func noValidSelfSignature() throws {
        let key = try TestKey.make(), other = try TestKey.make()
        let message = try signedMessage(by: key)
        // No signature on the user ID at all.
        #expect(throws: pgp(.keyNotUsable)) { try verify(message, Certificate.primary(key, certifications: []), at: Times.signature) }
        // Certified only by someone else.
        let foreign = try other.sign(.positiveCertification, over: Certificate.userIDData(key), at: Times.key, hashed: [Sub.keyFlags(0x03)])
        #expect(throws: pgp(.keyNotUsable)) { try verify(message, Certificate.primary(key, certifications: [foreign]), at: Times.signature) }
        // A self-signature whose value was altered.
        var broken = try certification(key, [Sub.keyFlags(0x03)])
        broken[broken.count - 1] ^= 0x01
        #expect(throws: pgp(.keyNotUsable)) { try verify(message, Certificate.primary(key, certifications: [broken]), at: Times.signature) }
        // A self-signature over another user ID than the one it follows.
        let elsewhere = try key.sign(.positiveCertification, over: Certificate.userIDData(key, Array("Someone Else".utf8)), at: Times.key)
        #expect(throws: pgp(.keyNotUsable)) { try verify(message, Certificate.primary(key, certifications: [elsewhere]), at: Times.signature) }
    }

    @Test("a direct-key self-signature is enough, without any user ID")
    func directKeySignature() throws {
        let key = try TestKey.make()
        let direct = try key.sign(.directKey, over: key.packet.hashPrefix, at: Times.key, hashed: [Sub.keyFlags(0x03)])
        let certificate = Packet(tag: 6, body: key.packet.body).encoded() + Msg.signature(direct).encoded()
        #expect(try verify(signedMessage(by: key), certificate, at: Times.signature).signerFingerprint == key.fingerprint)
    }

    // MARK: subkeys

    private func subkeyCertificate(_ primary: TestKey, _ subkey: TestKey, subkeySignatures: [[UInt8]]? = nil, primaryHashed: [[UInt8]] = [Sub.keyFlags(0x01)], direct: [[UInt8]] = []) throws -> [UInt8] {
        let signatures = try subkeySignatures ?? [Certificate.signingBinding(primary, subkey)]
        return try Certificate.primary(primary, direct: direct, certifications: [certification(primary, primaryHashed)]) + Certificate.subkey(subkey, signatures: signatures)
    }

    @Test("a bound signing subkey's signature is reported with the primary as signer")
    func subkeySignature() throws {
        let primary = try TestKey.make(), subkey = try TestKey.make()
        let certificate = try subkeyCertificate(primary, subkey)
        let verified = try verify(signedMessage(by: subkey), certificate, at: Times.signature)
        #expect(verified.signerFingerprint == primary.fingerprint)
        #expect(verified.signingKeyFingerprint == subkey.fingerprint)
        let keyring = try OpenPGPKeyring(bytes: certificate)
        #expect(keyring.fingerprints == [primary.fingerprint])
        #expect(keyring.keys.first?.subkeyFingerprints == [subkey.fingerprint])
        // The certify-only primary itself may not sign.
        #expect(throws: pgp(.keyNotUsable)) { try verify(signedMessage(by: primary), certificate, at: Times.signature) }
    }

    @Test("a signing subkey without its primary-key back-signature is .keyNotUsable")
    func missingBackSignature() throws {
        let primary = try TestKey.make(), subkey = try TestKey.make()
        let binding = try Certificate.signingBinding(primary, subkey, backSignature: false)
        let certificate = try subkeyCertificate(primary, subkey, subkeySignatures: [binding])
        #expect(throws: pgp(.keyNotUsable)) { try verify(signedMessage(by: subkey), certificate, at: Times.signature) }
    }

    @Test("a back-signature made by the primary instead of the subkey is .keyNotUsable")
    func backSignatureByWrongKey() throws {
        let primary = try TestKey.make(), subkey = try TestKey.make()
        let data = Certificate.bindingData(primary, subkey)
        let forged = try primary.sign(.primaryKeyBinding, over: data, at: Times.key)
        let binding = try primary.sign(.subkeyBinding, over: data, at: Times.key, hashed: [Sub.keyFlags(0x02), Sub.embedded(forged)])
        let certificate = try subkeyCertificate(primary, subkey, subkeySignatures: [binding])
        #expect(throws: pgp(.keyNotUsable)) { try verify(signedMessage(by: subkey), certificate, at: Times.signature) }
    }

    @Test("a subkey binding without key flags, or with flags that do not allow signing, is .keyNotUsable", arguments: [nil, 0x0C, 0x01, 0x20] as [UInt8?])
    func subkeyFlags(flags: UInt8?) throws {
        let primary = try TestKey.make(), subkey = try TestKey.make()
        let data = Certificate.bindingData(primary, subkey)
        let back = try subkey.sign(.primaryKeyBinding, over: data, at: Times.key)
        let binding = try primary.sign(.subkeyBinding, over: data, at: Times.key, hashed: (flags.map { [Sub.keyFlags($0)] } ?? []) + [Sub.embedded(back)])
        let certificate = try subkeyCertificate(primary, subkey, subkeySignatures: [binding])
        #expect(throws: pgp(.keyNotUsable)) { try verify(signedMessage(by: subkey), certificate, at: Times.signature) }
    }

    @Test("a binding made by another primary does not bind")
    func foreignBinding() throws {
        let primary = try TestKey.make(), subkey = try TestKey.make(), other = try TestKey.make()
        let binding = try Certificate.signingBinding(other, subkey)
        let certificate = try subkeyCertificate(primary, subkey, subkeySignatures: [binding])
        #expect(throws: pgp(.keyNotUsable)) { try verify(signedMessage(by: subkey), certificate, at: Times.signature) }
    }

    @Test("a revoked subkey is .keyRevoked; a 'revocation' by the subkey itself is ignored")
    func subkeyRevocation() throws {
        let primary = try TestKey.make(), subkey = try TestKey.make()
        let data = Certificate.bindingData(primary, subkey)
        let message = try signedMessage(by: subkey)
        let revoked = try subkeyCertificate(primary, subkey, subkeySignatures: [
            Certificate.signingBinding(primary, subkey), primary.sign(.subkeyRevocation, over: data, at: Times.key + 50),
        ])
        #expect(throws: pgp(.keyRevoked)) { try verify(message, revoked, at: Times.signature) }
        let selfRevoked = try subkeyCertificate(primary, subkey, subkeySignatures: [
            Certificate.signingBinding(primary, subkey), subkey.sign(.subkeyRevocation, over: data, at: Times.key + 50),
        ])
        #expect(try verify(message, selfRevoked, at: Times.signature).signingKeyFingerprint == subkey.fingerprint)
    }

    @Test("a subkey expires at its creation + the binding's key expiration time")
    func subkeyExpiry() throws {
        let primary = try TestKey.make(), subkey = try TestKey.make(at: Times.key + 20)
        let binding = try Certificate.signingBinding(primary, subkey, hashed: [Sub.keyExpiration(1000)])
        let certificate = try subkeyCertificate(primary, subkey, subkeySignatures: [binding])
        let message = try signedMessage(by: subkey)
        #expect(try verify(message, certificate, at: Times.key + 20 + 999).signerFingerprint == primary.fingerprint)
        #expect(throws: pgp(.keyExpired)) { try verify(message, certificate, at: Times.key + 20 + 1000) }
    }

    @Test("a subkey cannot outlive its primary: primary revoked or expired refuses the subkey's signature")
    func primaryStateAppliesToSubkey() throws {
        let primary = try TestKey.make(), subkey = try TestKey.make()
        let message = try signedMessage(by: subkey)
        let revocation = try primary.sign(.keyRevocation, over: primary.packet.hashPrefix, at: Times.key + 10)
        #expect(throws: pgp(.keyRevoked)) { try verify(message, subkeyCertificate(primary, subkey, direct: [revocation]), at: Times.signature) }
        let expiring = try subkeyCertificate(primary, subkey, primaryHashed: [Sub.keyFlags(0x01), Sub.keyExpiration(1000)])
        #expect(try verify(message, expiring, at: Times.key + 999).signingKeyFingerprint == subkey.fingerprint)
        #expect(throws: pgp(.keyExpired)) { try verify(message, expiring, at: Times.key + 1000) }
    }

    @Test("a subkey signature is refused when the primary has no valid self-signature")
    func subkeyOfUncertifiedPrimary() throws {
        let primary = try TestKey.make(), subkey = try TestKey.make()
        let certificate = try Certificate.primary(primary, certifications: []) + Certificate.subkey(subkey, signatures: [Certificate.signingBinding(primary, subkey)])
        #expect(throws: pgp(.keyNotUsable)) { try verify(signedMessage(by: subkey), certificate, at: Times.signature) }
    }

    @Test("a signature made before the signing subkey existed is .keyNotUsable")
    func signatureBeforeSubkey() throws {
        let primary = try TestKey.make(), subkey = try TestKey.make(at: Times.signature + 100)
        let certificate = try subkeyCertificate(primary, subkey)
        #expect(throws: pgp(.keyNotUsable)) { try verify(signedMessage(by: subkey, at: Times.signature), certificate, at: Times.signature + 200) }
    }
}
