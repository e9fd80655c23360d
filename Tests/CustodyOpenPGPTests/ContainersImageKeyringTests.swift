// Reading containers/image's key fixtures with `OpenPGPKeyring`, checked against the fingerprints
// `signature/mechanism_test.go` (TestNewEphemeralGPGSigningMechanism) expects GPGME to import.

import CustodyOpenPGP
import Foundation
import Testing

@Suite("containers/image fixtures: OpenPGPKeyring")
struct ContainersImageKeyringTests {
    @Test("each key file gives the primary fingerprint upstream imports, never a subkey's", arguments: [
        ("public-key.gpg", CImage.keyFingerprint, [CImage.encryptionSubkeyOfKey]),
        ("public-key-1.gpg", CImage.keyFingerprint, [CImage.encryptionSubkeyOfKey]),
        ("public-key-2.gpg", CImage.passphraseKeyFingerprint, ["3EAF79674DB1578DC1DA20C5CC3C0288337859BC"]),
        ("public-key-with-subkey.gpg", CImage.primaryWithSubkey, [CImage.subkeyOfPrimaryWithSubkey]),
        ("public-key-with-revoked-subkey.gpg", CImage.primaryWithRevokedSubkey, [CImage.revokedSubkey]),
    ])
    func singleKey(file: String, primary: String, subkeys: [String]) throws {
        let keyring = try CImage.keyring(file)
        #expect(keyring.fingerprints.map(\.description) == [primary])
        #expect(keyring.keys.count == 1)
        #expect(keyring.keys.first?.subkeyFingerprints.map(\.description) == subkeys)
        #expect(keyring.keys.first?.algorithm == .rsa)
    }

    @Test("user IDs are read as written")
    func userIDs() throws {
        #expect(try CImage.keyring("public-key.gpg").keys.first?.untrustedUserIDs == ["skopeo testing key"])
        #expect(try CImage.keyring("public-key-2.gpg").keys.first?.untrustedUserIDs == ["With Passphrase (Skopeo Test) <with@passphrase.email>"])
        #expect(try CImage.keyring("public-key-with-subkey.gpg").keys.first?.untrustedUserIDs == ["c/image test key with subkey"])
    }

    static let pubringOrder = [
        CImage.passphraseKeyFingerprint, CImage.keyFingerprint, CImage.primaryWithSubkey, CImage.primaryWithRevokedSubkey,
    ]

    @Test("the binary pubring.gpg (with trust packets) holds the four keys, in file order")
    func pubring() throws {
        let keyring = try CImage.keyring("pubring.gpg")
        #expect(keyring.fingerprints.map(\.description) == Self.pubringOrder)
    }

    @Test("pubring.gpg concatenated twice gives every key twice (as GPGME reports)")
    func pubringTwice() throws {
        let blob = try CImage.bytes("pubring.gpg")
        let keyring = try OpenPGPKeyring(bytes: blob + blob)
        #expect(keyring.fingerprints.map(\.description) == Self.pubringOrder + Self.pubringOrder)
        // Duplicate keys do not disturb verification.
        let message = try OpenPGPMessage.verify(CImage.bytes("image.signature"), keyring: keyring, now: CImage.now)
        #expect(message.signerFingerprint.description == CImage.keyFingerprint)
    }

    @Test("keys from two files, added in either order")
    func twoFiles() throws {
        #expect(try CImage.keyring("public-key-1.gpg", "public-key-2.gpg").fingerprints.map(\.description)
            == [CImage.keyFingerprint, CImage.passphraseKeyFingerprint])
        #expect(try CImage.keyring("public-key-2.gpg", "public-key-1.gpg").fingerprints.map(\.description)
            == [CImage.passphraseKeyFingerprint, CImage.keyFingerprint])
    }

    @Test("two ASCII-armored key blocks in one input are both read")
    func twoArmoredBlocks() throws {
        // public-key.gpg and public-key-with-subkey.gpg are armored (public-key-1/-2.gpg are binary).
        let joined = try CImage.bytes("public-key.gpg") + Array("\n".utf8) + CImage.bytes("public-key-with-subkey.gpg")
        let keyring = try OpenPGPKeyring(bytes: joined)
        #expect(keyring.fingerprints.map(\.description) == [CImage.keyFingerprint, CImage.primaryWithSubkey])
    }

    @Test("a binary re-encoding of an armored key gives the same key")
    func dearmoredKey() throws {
        let blocks = try Armor.decode(CImage.bytes("public-key.gpg"))
        #expect(blocks.count == 1)
        #expect(blocks.first?.kind == .publicKey)
        let keyring = try OpenPGPKeyring(bytes: blocks[0].data)
        #expect(keyring.fingerprints.map(\.description) == [CImage.keyFingerprint])
    }

    // Deviation: GPGME imports "This is invalid" and empty input as zero keys without an error;
    // Custody refuses a key file that holds no key.
    @Test("input that holds no key is refused", arguments: [
        ("This is invalid", OpenPGPError.Code.malformed),
        ("", OpenPGPError.Code.malformed),
    ])
    func invalidKeyData(text: String, code: OpenPGPError.Code) {
        #expect(throws: pgp(code)) { try OpenPGPKeyring(bytes: Array(text.utf8)) }
    }

    @Test("a signed message is not a key")
    func messageIsNotAKey() throws {
        let blob = try CImage.bytes("image.signature")
        #expect(throws: OpenPGPError.self) { try OpenPGPKeyring(bytes: blob) }
        let armored = Armor.encode(blob, kind: .message)
        #expect(throws: pgp(.malformed)) { try OpenPGPKeyring(bytes: Array(armored.utf8)) }
    }

    @Test("truncating a key file anywhere gives an error, never a crash")
    func truncatedKeys() throws {
        let binary = try Armor.decode(CImage.bytes("public-key-with-subkey.gpg"))[0].data
        for length in stride(from: 0, to: binary.count, by: 7) {
            let prefix = Array(binary[0..<length])
            do {
                let keyring = try OpenPGPKeyring(bytes: prefix)
                // A cut exactly between packets is a shorter, well-formed key.
                #expect(keyring.fingerprints.map(\.description) == [CImage.primaryWithSubkey])
            } catch {
                #expect(error.code == .malformed || error.code == .unsupported)
            }
        }
    }

    @Test("a key without its subkey binding cannot verify the subkey's signature")
    func subkeyWithoutBinding() throws {
        // Keep the primary key, user ID, its self-signature and the subkey packet, drop the binding.
        let packets = try splitPackets(Armor.decode(CImage.bytes("public-key-with-subkey.gpg"))[0].data)
        #expect(packets.map(\.tag) == [6, 13, 2, 14, 2])
        let unbound = packets.prefix(4).flatMap(\.bytes)
        let keyring = try OpenPGPKeyring(bytes: unbound)
        #expect(throws: pgp(.keyNotUsable)) {
            try OpenPGPMessage.verify(CImage.bytes("subkey.signature"), keyring: keyring, now: CImage.now)
        }
    }

    /// Splits binary key data into whole packets (old-format headers with 1-, 2- or 4-byte lengths,
    /// and new-format headers with 1-, 2- or 5-byte lengths), without reading their bodies.
    private func splitPackets(_ data: [UInt8]) throws -> [(tag: Int, bytes: [UInt8])] {
        var out: [(Int, [UInt8])] = []
        var i = 0
        while i < data.count {
            let ctb = data[i]
            var headerLength = 1, bodyLength = 0, tag = 0
            if ctb & 0x40 == 0 {
                tag = Int(ctb >> 2 & 0x0F)
                switch ctb & 3 {
                case 0: bodyLength = Int(data[i + 1]); headerLength = 2
                case 1: bodyLength = Int(data[i + 1]) << 8 | Int(data[i + 2]); headerLength = 3
                case 2: bodyLength = data[(i + 1)...(i + 4)].reduce(0) { $0 << 8 | Int($1) }; headerLength = 5
                default: throw VectorResources.MissingVector(description: "indeterminate length in key data")
                }
            } else {
                tag = Int(ctb & 0x3F)
                let first = Int(data[i + 1])
                switch first {
                case 0..<192: bodyLength = first; headerLength = 2
                case 192..<224: bodyLength = (first - 192) << 8 + Int(data[i + 2]) + 192; headerLength = 3
                default: bodyLength = data[(i + 2)...(i + 5)].reduce(0) { $0 << 8 | Int($1) }; headerLength = 6
                }
            }
            let end = i + headerLength + bodyLength
            out.append((tag, Array(data[i..<end])))
            i = end
        }
        return out
    }
}
