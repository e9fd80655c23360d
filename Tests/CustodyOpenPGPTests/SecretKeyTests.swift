// Generated keys (`OpenPGPSecretKey.generate`): sign/verify round trips for Ed25519 and RSA-3072,
// armored export and re-import of public and secret keys (with and without a passphrase), and the
// errors for wrong or missing passphrases, unknown signers and impossible signing times.

import CustodyOpenPGP
import Foundation
import Testing

@Suite("OpenPGPSecretKey: generation, signing, export and import")
struct SecretKeyTests {
    static let algorithms = OpenPGPSecretKey.GeneratedAlgorithm.allCases
    static let payload = Array(#"{"critical":{"identity":{"docker-reference":"docker.io/library/busybox:latest"}}}"#.utf8)
    static let signingTime = Date(timeIntervalSince1970: 1_750_000_000)

    @Test("a generated key signs a message its exported public key verifies", arguments: algorithms)
    func signAndVerify(_ algorithm: OpenPGPSecretKey.GeneratedAlgorithm) throws {
        let key = try GeneratedKeys.key(algorithm)
        let message = try key.signMessage(Self.payload, at: Self.signingTime)
        let verified = try OpenPGPMessage.verify(message, keyring: GeneratedKeys.keyring(key), now: Self.signingTime.addingTimeInterval(60))
        #expect(verified.payload == Self.payload)
        #expect(verified.signerFingerprint == key.fingerprint)
        #expect(verified.signingKeyFingerprint == key.fingerprint)
        #expect(verified.untrustedCreationTime == Self.signingTime)
        #expect(verified.hashAlgorithm == (algorithm == .ed25519 ? .sha256 : .sha512))
    }

    @Test("the message looks like gpg --sign output: one ZIP-compressed packet, old-format header", arguments: algorithms)
    func messageShape(_ algorithm: OpenPGPSecretKey.GeneratedAlgorithm) throws {
        let message = try GeneratedKeys.key(algorithm).signMessage(Self.payload, at: Self.signingTime)
        // containers/image's FromBlob sniffs 0xA0–0xA3 as a compressed packet (simple signing).
        #expect((0xA0...0xA3).contains(message[0]))
        let headerLength = [2, 3, 5, 1][Int(message[0] & 3)]
        #expect(message[headerLength] == 1)  // compression algorithm 1 = ZIP
        #expect(!Armor.isArmored(message))
    }

    @Test("the exported public key reads back with the same fingerprint, algorithm and user ID", arguments: algorithms)
    func publicExport(_ algorithm: OpenPGPSecretKey.GeneratedAlgorithm) throws {
        let key = try GeneratedKeys.key(algorithm)
        let armored = try key.armoredPublicKey()
        #expect(armored.hasPrefix("-----BEGIN PGP PUBLIC KEY BLOCK-----\n"))
        let keyring = try OpenPGPKeyring(bytes: Array(armored.utf8))
        #expect(keyring.fingerprints == [key.fingerprint])
        #expect(keyring.keys.first?.algorithm == (algorithm == .ed25519 ? .eddsaLegacy : .rsa))
        #expect(keyring.keys.first?.untrustedUserIDs == key.certificate.untrustedUserIDs)
        #expect(keyring.keys.first?.subkeyFingerprints == [])
        // Exporting is deterministic for the public part.
        #expect(try key.armoredPublicKey() == armored)
    }

    @Test("an unprotected secret export re-imports and signs", arguments: algorithms)
    func secretExportWithoutPassphrase(_ algorithm: OpenPGPSecretKey.GeneratedAlgorithm) throws {
        let key = try GeneratedKeys.key(algorithm)
        let armored = try key.armoredSecretKey(passphrase: nil)
        #expect(armored.hasPrefix("-----BEGIN PGP PRIVATE KEY BLOCK-----\n"))
        let imported = try OpenPGPSecretKey(bytes: Array(armored.utf8), passphrase: nil)
        #expect(imported.fingerprint == key.fingerprint)
        // A passphrase given for an unprotected key is not needed and does no harm.
        #expect(try OpenPGPSecretKey(bytes: Array(armored.utf8), passphrase: Array("unused".utf8)).fingerprint == key.fingerprint)
        let message = try imported.signMessage(Self.payload, at: Self.signingTime)
        let verified = try OpenPGPMessage.verify(message, keyring: GeneratedKeys.keyring(key), now: Self.signingTime)
        #expect(verified.signerFingerprint == key.fingerprint)
        // The secret export also serves as a public keyring.
        #expect(try OpenPGPKeyring(bytes: Array(armored.utf8)).fingerprints == [key.fingerprint])
    }

    @Test("a passphrase-protected secret export needs exactly that passphrase", arguments: algorithms)
    func secretExportWithPassphrase(_ algorithm: OpenPGPSecretKey.GeneratedAlgorithm) throws {
        let key = try GeneratedKeys.key(algorithm)
        let passphrase = Array("correct horse battery staple".utf8)
        let armored = Array(try key.armoredSecretKey(passphrase: passphrase).utf8)
        let imported = try OpenPGPSecretKey(bytes: armored, passphrase: passphrase)
        #expect(imported.fingerprint == key.fingerprint)
        let message = try imported.signMessage(Self.payload, at: Self.signingTime)
        #expect(try OpenPGPMessage.verify(message, keyring: GeneratedKeys.keyring(key), now: Self.signingTime).payload == Self.payload)

        #expect(throws: pgp(.passphrase)) { try OpenPGPSecretKey(bytes: armored, passphrase: Array("wrong".utf8)) }
        #expect(throws: pgp(.passphrase)) { try OpenPGPSecretKey(bytes: armored, passphrase: []) }
        #expect(throws: pgp(.passphrase)) { try OpenPGPSecretKey(bytes: armored, passphrase: Array(passphrase.dropLast()) + [0x21]) }
        #expect(throws: pgp(.passphrase)) { try OpenPGPSecretKey(bytes: armored, passphrase: nil) }
    }

    @Test("two protected exports of one key differ (fresh salt and IV) but both unlock")
    func protectedExportsAreSalted() throws {
        let key = try GeneratedKeys.key(.ed25519)
        let first = try key.armoredSecretKey(passphrase: Array("p".utf8))
        let second = try key.armoredSecretKey(passphrase: Array("p".utf8))
        #expect(first != second)
        #expect(try OpenPGPSecretKey(bytes: Array(second.utf8), passphrase: Array("p".utf8)).fingerprint == key.fingerprint)
    }

    @Test("choosing the key by fingerprint: its own works, another is refused")
    func chooseByFingerprint() throws {
        let key = try GeneratedKeys.key(.ed25519)
        let armored = Array(try key.armoredSecretKey(passphrase: nil).utf8)
        #expect(try OpenPGPSecretKey(bytes: armored, passphrase: nil, fingerprint: key.fingerprint).fingerprint == key.fingerprint)
        let other = try GeneratedKeys.other().fingerprint
        #expect(throws: pgp(.untrustedKey)) { try OpenPGPSecretKey(bytes: armored, passphrase: nil, fingerprint: other) }
    }

    @Test("a file holding two secret keys needs a fingerprint to choose")
    func twoSecretKeys() throws {
        let one = try GeneratedKeys.key(.ed25519), two = try GeneratedKeys.other()
        let both = Array((try one.armoredSecretKey(passphrase: nil) + two.armoredSecretKey(passphrase: nil)).utf8)
        #expect(throws: pgp(.unsupported)) { try OpenPGPSecretKey(bytes: both, passphrase: nil) }
        #expect(try OpenPGPSecretKey(bytes: both, passphrase: nil, fingerprint: two.fingerprint).fingerprint == two.fingerprint)
    }

    @Test("a public key is not a secret key")
    func publicKeyIsNotSecret() throws {
        let armored = Array(try GeneratedKeys.key(.ed25519).armoredPublicKey().utf8)
        #expect(throws: pgp(.untrustedKey)) { try OpenPGPSecretKey(bytes: armored, passphrase: nil) }
    }

    @Test("a signature by a key that is not in the keyring is .untrustedKey", arguments: algorithms)
    func untrustedSigner(_ algorithm: OpenPGPSecretKey.GeneratedAlgorithm) throws {
        let message = try GeneratedKeys.key(algorithm).signMessage(Self.payload, at: Self.signingTime)
        #expect(throws: pgp(.untrustedKey)) { try OpenPGPMessage.verify(message, keyring: GeneratedKeys.keyring(GeneratedKeys.other())) }
        #expect(throws: pgp(.untrustedKey)) { try OpenPGPMessage.verify(message, keyring: OpenPGPKeyring()) }
        #expect(throws: pgp(.untrustedKey)) { try OpenPGPMessage.verify(message, keyring: CImage.keyring("pubring.gpg")) }
    }

    @Test("in a keyring of several keys the signer is found and named")
    func severalKeys() throws {
        let ed = try GeneratedKeys.key(.ed25519), rsa = try GeneratedKeys.key(.rsa3072), other = try GeneratedKeys.other()
        let keyring = try GeneratedKeys.keyring(other, rsa, ed)
        #expect(try OpenPGPMessage.verify(ed.signMessage(Self.payload), keyring: keyring).signerFingerprint == ed.fingerprint)
        #expect(try OpenPGPMessage.verify(rsa.signMessage(Self.payload), keyring: keyring).signerFingerprint == rsa.fingerprint)
    }

    @Test("generated keys and their signatures do not expire: verified decades later", arguments: algorithms)
    func noExpiry(_ algorithm: OpenPGPSecretKey.GeneratedAlgorithm) throws {
        let key = try GeneratedKeys.key(algorithm)
        let past = GeneratedKeys.creation.addingTimeInterval(10)
        let message = try key.signMessage(Self.payload, at: past)
        let keyring = try GeneratedKeys.keyring(key)
        for now in [past, past.addingTimeInterval(1), Date(), Date(timeIntervalSince1970: 4_000_000_000)] {
            #expect(try OpenPGPMessage.verify(message, keyring: keyring, now: now).untrustedCreationTime == past)
        }
    }

    @Test("a signature dated before its key was created is .keyNotUsable")
    func signatureBeforeKey() throws {
        let key = try GeneratedKeys.key(.ed25519)
        let message = try key.signMessage(Self.payload, at: GeneratedKeys.creation.addingTimeInterval(-1))
        #expect(throws: pgp(.keyNotUsable)) { try OpenPGPMessage.verify(message, keyring: GeneratedKeys.keyring(key)) }
        let atCreation = try key.signMessage(Self.payload, at: GeneratedKeys.creation)
        #expect(try OpenPGPMessage.verify(atCreation, keyring: GeneratedKeys.keyring(key)).signerFingerprint == key.fingerprint)
    }

    @Test("empty and large payloads round-trip", arguments: [0, 1, 191, 192, 8383, 8384, 100_000])
    func payloadSizes(size: Int) throws {
        let key = try GeneratedKeys.key(.ed25519)
        let payload = [UInt8]((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let verified = try OpenPGPMessage.verify(key.signMessage(payload), keyring: GeneratedKeys.keyring(key))
        #expect(verified.payload == payload)
    }

    @Test("an armored message made from signMessage verifies")
    func armoredMessage() throws {
        let key = try GeneratedKeys.key(.ed25519)
        let armored = Armor.encode(try key.signMessage(Self.payload), kind: .message)
        #expect(try OpenPGPMessage.verify(Array(armored.utf8), keyring: GeneratedKeys.keyring(key)).payload == Self.payload)
    }

    @Test("user IDs are kept as given, UTF-8 included")
    func userID() throws {
        let key = try OpenPGPSecretKey.generate(.ed25519, userID: "Zoë Signer <zoe@example.test>", at: GeneratedKeys.creation)
        #expect(key.certificate.untrustedUserIDs == ["Zoë Signer <zoe@example.test>"])
        #expect(try OpenPGPKeyring(bytes: Array(key.armoredPublicKey().utf8)).keys.first?.untrustedUserIDs == ["Zoë Signer <zoe@example.test>"])
    }
}
