// ASCII armor (RFC 9580 section 6): encode/decode round trips, the CRC-24 check, headers, line
// endings, and the block kinds `OpenPGPMessage.verify` must refuse (cleartext and detached).

import CustodyOpenPGP
import Foundation
import Testing

@Suite("Armor")
struct ArmorTests {
    static let sizes = [0, 1, 2, 3, 47, 48, 49, 50, 64, 500, 4096]

    private func sample(_ count: Int) -> [UInt8] {
        var generator = SeededGenerator(seed: UInt64(count) &+ 11)
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    @Test("encode then decode gives the same kind and bytes", arguments: sizes)
    func roundTrip(size: Int) throws {
        let data = sample(size)
        for kind in [Armor.Kind.message, .publicKey, .privateKey, .signature] {
            let text = Armor.encode(data, kind: kind)
            let blocks = try Armor.decode(Array(text.utf8))
            #expect(blocks.count == 1)
            #expect(blocks.first?.kind == kind)
            #expect(blocks.first?.data == data)
            #expect(Armor.isArmored(Array(text.utf8)))
        }
    }

    @Test("encoded armor has the BEGIN/END lines, lines of at most 64 characters and a checksum line", arguments: sizes)
    func encodedShape(size: Int) {
        let text = Armor.encode(sample(size), kind: .message)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "-----BEGIN PGP MESSAGE-----")
        #expect(lines[1] == "")
        #expect(lines.dropLast().last == "-----END PGP MESSAGE-----")
        #expect(lines.last == "")
        let checksum = lines[lines.count - 3]
        #expect(checksum.hasPrefix("=") && checksum.count == 5)
        #expect(lines.allSatisfy { $0.count <= 64 || $0.hasPrefix("-----") })
    }

    @Test("the CRC-24 of no data is the initial value 0xB704CE (RFC 9580 section 6.1)")
    func crcOfNothing() {
        #expect(Armor.encode([], kind: .signature) == "-----BEGIN PGP SIGNATURE-----\n\n=twTO\n-----END PGP SIGNATURE-----\n")
    }

    @Test("a checksum line that does not match the data is refused")
    func checksumMismatch() throws {
        let data = sample(100)
        let text = Armor.encode(data, kind: .message)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let index = try #require(lines.firstIndex { $0.hasPrefix("=") && $0.count == 5 })
        lines[index] = lines[index] == "=AAAA" ? "=AAAB" : "=AAAA"
        #expect(throws: pgp(.malformed)) { try Armor.decode(Array(lines.joined(separator: "\n").utf8)) }
    }

    @Test("altering the body under an intact checksum is refused")
    func bodyAltered() throws {
        let text = Armor.encode(sample(100), kind: .message)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // Swap the first two base64 characters of the first body line (still valid base64).
        var body = Array(lines[2])
        if body[0] == body[1] { body[0] = body[0] == "A" ? "B" : "A" } else { body.swapAt(0, 1) }
        lines[2] = String(body)
        #expect(throws: pgp(.malformed)) { try Armor.decode(Array(lines.joined(separator: "\n").utf8)) }
    }

    @Test("a checksum line that is not base64 of three bytes is refused")
    func checksumNotBase64() {
        let text = "-----BEGIN PGP MESSAGE-----\n\nAAAA\n=!!!!\n-----END PGP MESSAGE-----\n"
        #expect(throws: pgp(.malformed)) { try Armor.decode(Array(text.utf8)) }
    }

    @Test("armor without a checksum line is accepted (RFC 9580 makes it optional)")
    func noChecksum() throws {
        let blocks = try Armor.decode(Array("-----BEGIN PGP MESSAGE-----\n\nAQID\n-----END PGP MESSAGE-----\n".utf8))
        #expect(blocks.first?.data == [1, 2, 3])
    }

    @Test("header lines, CRLF line endings, surrounding text and trailing spaces are tolerated")
    func tolerantReading() throws {
        let data = sample(200)
        let plain = Armor.encode(data, kind: .signature)
        let withHeaders = plain.replacingOccurrences(
            of: "-----BEGIN PGP SIGNATURE-----\n\n",
            with: "-----BEGIN PGP SIGNATURE-----\nVersion: GnuPG v2\nComment: a comment: with colons\n\n")
        let crlf = withHeaders.replacingOccurrences(of: "\n", with: "\r\n")
        let padded = "some text before\n\n" + plain.replacingOccurrences(of: "\n", with: "  \n") + "and after\n"
        for text in [withHeaders, crlf, padded, "\n \t" + plain] {
            let blocks = try Armor.decode(Array(text.utf8))
            #expect(blocks.map(\.data) == [data])
        }
    }

    @Test("several blocks are returned in order")
    func severalBlocks() throws {
        let text = Armor.encode([1], kind: .publicKey) + "\n" + Armor.encode([2, 2], kind: .publicKey) + Armor.encode([3], kind: .signature)
        let blocks = try Armor.decode(Array(text.utf8))
        #expect(blocks.map(\.data) == [[1], [2, 2], [3]])
        #expect(blocks.map(\.kind) == [.publicKey, .publicKey, .signature])
    }

    static let malformedArmor: [(String, String)] = [
        ("no END line", "-----BEGIN PGP MESSAGE-----\n\nAQID\n"),
        ("wrong END line", "-----BEGIN PGP MESSAGE-----\n\nAQID\n-----END PGP SIGNATURE-----\n"),
        ("unknown block kind", "-----BEGIN PGP SECRET STUFF-----\n\nAQID\n-----END PGP SECRET STUFF-----\n"),
        ("multi-part message", "-----BEGIN PGP MESSAGE, PART 1/2-----\n\nAQID\n-----END PGP MESSAGE, PART 1/2-----\n"),
        ("invalid base64", "-----BEGIN PGP MESSAGE-----\n\nAQ*D\n-----END PGP MESSAGE-----\n"),
        ("no block at all", "just text\n"),
        ("empty input", ""),
    ]

    @Test("malformed armor is refused", arguments: malformedArmor)
    func malformed(why: String, text: String) {
        #expect(throws: pgp(.malformed)) { try Armor.decode(Array(text.utf8)) }
    }

    @Test("armor that is not UTF-8 is refused")
    func notUTF8() {
        let bytes = Array("-----BEGIN PGP MESSAGE-----\n\n".utf8) + [0xFF, 0xFE] + Array("\n-----END PGP MESSAGE-----\n".utf8)
        #expect(throws: pgp(.malformed)) { try Armor.decode(bytes) }
    }

    @Test("isArmored looks for the header after leading white space only")
    func isArmored() throws {
        #expect(Armor.isArmored(Array("  \r\n\t-----BEGIN PGP MESSAGE-----".utf8)))
        #expect(!Armor.isArmored(Array("x-----BEGIN PGP MESSAGE-----".utf8)))
        #expect(!Armor.isArmored([]))
        #expect(!Armor.isArmored(try CImage.bytes("image.signature")))
    }

    // MARK: armored input to OpenPGPMessage.verify

    static let cleartext = """
        -----BEGIN PGP SIGNED MESSAGE-----
        Hash: SHA256

        {"critical":{}}
        -----BEGIN PGP SIGNATURE-----

        iF4EABYIAAYFAlX5X5UACgkQjP3hIZeWWpr2IgD/VvkMypjiECY3vZg/2xbBMd/S
        ftgr9N3lYG4NdWrtM2YBANCcT6EVJ/A44PV/IgHYLy6iyQMyZfps60iehUuuYbQE
        -----END PGP SIGNATURE-----

        """

    @Test("a cleartext-signed document is .cleartextSignature, from Armor and from verify")
    func cleartext() throws {
        #expect(throws: pgp(.cleartextSignature)) { try Armor.decode(Array(Self.cleartext.utf8)) }
        #expect(throws: pgp(.cleartextSignature)) { try OpenPGPMessage.verify(Array(Self.cleartext.utf8), keyring: OpenPGPKeyring()) }
        let keyring = try CImage.keyring("pubring.gpg")
        #expect(throws: pgp(.cleartextSignature)) { try OpenPGPMessage.verify(Array(("\n" + Self.cleartext).utf8), keyring: keyring) }
    }

    @Test("an armored detached signature is .detachedSignature")
    func detached() throws {
        let armored = Armor.encode([0x88, 0x00], kind: .signature)
        #expect(throws: pgp(.detachedSignature)) { try OpenPGPMessage.verify(Array(armored.utf8), keyring: OpenPGPKeyring()) }
        let real = try RFC9580.bytes("a2-v4-ed25519legacy-signature.asc")
        #expect(throws: pgp(.detachedSignature)) { try OpenPGPMessage.verify(real, keyring: OpenPGPKeyring()) }
    }

    @Test("an armored key, or two armored messages, are not a signed message")
    func wrongBlocks() throws {
        let key = try CImage.bytes("public-key.gpg")
        #expect(throws: pgp(.malformed)) { try OpenPGPMessage.verify(key, keyring: OpenPGPKeyring()) }
        let message = Armor.encode(try CImage.bytes("image.signature"), kind: .message)
        let keyring = try CImage.keyring("public-key.gpg")
        #expect(throws: pgp(.malformed)) { try OpenPGPMessage.verify(Array((message + message).utf8), keyring: keyring) }
        #expect(throws: pgp(.malformed)) {
            try OpenPGPMessage.verify(Array(Armor.encode(try CImage.bytes("image.signature"), kind: .privateKey).utf8), keyring: keyring)
        }
    }

    @Test("an armored message with a bad checksum is refused before anything is verified")
    func armoredMessageBadChecksum() throws {
        let keyring = try CImage.keyring("public-key.gpg")
        let text = Armor.encode(try CImage.bytes("image.signature"), kind: .message)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let index = try #require(lines.firstIndex { $0.hasPrefix("=") && $0.count == 5 })
        lines[index] = lines[index] == "=AAAA" ? "=AAAB" : "=AAAA"
        #expect(throws: pgp(.malformed)) { try OpenPGPMessage.verify(Array(lines.joined(separator: "\n").utf8), keyring: keyring, now: CImage.now) }
    }
}
