import Foundation
import CustodyKeys
import Testing

@Suite struct PEMKeyTests {
    // MARK: Each block type

    @Test func ecPrivateKeySEC1P256MatchesItsPublicKey() throws {
        let key = try PrivateKey(pemEncoded: KeyFixtures.p256SEC1)
        #expect(key.algorithm == .ecdsaP256)
        #expect(key.publicKey.derRepresentation == (try PublicKey(pemEncoded: KeyFixtures.p256SPKI)).derRepresentation)
    }

    @Test func ecPrivateKeySEC1AndPKCS8P384AreTheSameKey() throws {
        let sec1 = try PrivateKey(pemEncoded: KeyFixtures.p384SEC1)
        let pkcs8 = try PrivateKey(pemEncoded: KeyFixtures.p384PKCS8)
        #expect(sec1.algorithm == .ecdsaP384)
        #expect(sec1.pkcs8DERRepresentation == pkcs8.pkcs8DERRepresentation)
        #expect(sec1.publicKey.keyID == pkcs8.publicKey.keyID)
    }

    @Test func ed25519PKCS8AndSPKI() throws {
        let key = try PrivateKey(pemEncoded: KeyFixtures.ed25519PKCS8)
        let publicKey = try PublicKey(pemEncoded: KeyFixtures.ed25519SPKI)
        #expect(key.algorithm == .ed25519 && publicKey.algorithm == .ed25519)
        #expect(key.publicKey.derRepresentation == publicKey.derRepresentation)
        #expect(key.pemRepresentation == KeyFixtures.ed25519PKCS8 + "\n")
        #expect(publicKey.pemRepresentation == KeyFixtures.ed25519SPKI + "\n")
    }

    @Test func rsaPrivateKeyPKCS1AndRSAPublicKeyPKCS1() throws {
        let key = try PrivateKey(pemEncoded: KeyFixtures.rsa2048PKCS1)
        let publicKey = try PublicKey(pemEncoded: KeyFixtures.rsa2048PublicPKCS1)
        #expect(key.algorithm == .rsa && publicKey.algorithm == .rsa)
        #expect(key.publicKey.keyID == publicKey.keyID)
        // Re-encoding a PKCS#1 public key gives SPKI, which reads back as the same key.
        #expect(publicKey.pemRepresentation.hasPrefix("-----BEGIN PUBLIC KEY-----\n"))
        #expect(try PublicKey(pemEncoded: publicKey.pemRepresentation).derRepresentation == publicKey.derRepresentation)
        // PKCS#8 output reads back as the same key.
        let again = try PrivateKey(pemEncoded: key.pemRepresentation)
        #expect(again.pkcs8DERRepresentation == key.pkcs8DERRepresentation)
        #expect(key.pemRepresentation.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
    }

    @Test(arguments: testedKeyTypes)
    func generatedKeysRoundTripThroughPEMAndDER(type: KeyType) throws {
        let key = try PrivateKey.generate(type)
        let reread = try PrivateKey(pemEncoded: key.pemRepresentation)
        #expect(reread.pkcs8DERRepresentation == key.pkcs8DERRepresentation)
        #expect(try PrivateKey(pkcs8DEREncoded: key.pkcs8DERRepresentation).publicKey.keyID == key.publicKey.keyID)
        let publicKey = try PublicKey(pemEncoded: key.publicKey.pemRepresentation)
        #expect(publicKey.derRepresentation == key.publicKey.derRepresentation)
        #expect(try PublicKey(derEncoded: key.publicKey.derRepresentation).keyID == key.publicKey.keyID)
        let signature = try reread.sign(testMessage, algorithm: type.defaultAlgorithm)
        #expect(publicKey.isValidSignature(signature, for: testMessage, algorithm: type.defaultAlgorithm))
    }

    @Test func pemOutputUses64CharacterLines() throws {
        let pem = try PrivateKey.generate(.rsa2048).pemRepresentation
        let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }
        #expect(body.dropLast().allSatisfy { $0.count == 64 })
        #expect(pem.hasSuffix("-----END PRIVATE KEY-----\n"))
    }

    @Test func keyIDIsSHA256OfSPKI() throws {
        let key = try PublicKey(pemEncoded: KeyFixtures.p256SPKI)
        // `openssl pkey -pubin -outform DER | sha256sum` of the fixture.
        #expect(key.keyID.hex == "bb5c94c4e3a015cefb5b1a6785edfda56a4ebded41c88bf3673eff9cdd6509db")
        #expect(key.keyID.description == key.keyID.hex)
    }

    @Test func crlfAndSurroundingWhitespaceAreAccepted() throws {
        let crlf = "\n\r\n  " + KeyFixtures.p256SPKI.split(separator: "\n").joined(separator: "\r\n") + "\r\n\n"
        #expect(try PublicKey(pemEncoded: crlf).algorithm == .ecdsaP256)
    }

    // MARK: Refusals

    static let malformed: [(String, String)] = {
        let good = KeyFixtures.p256SPKI
        let lines = good.split(separator: "\n").map(String.init)
        let body = lines.dropFirst().dropLast()
        return [
            ("empty", ""),
            ("only whitespace", " \n\t\n"),
            ("no armour", body.joined(separator: "\n")),
            ("garbage before", "hello\n" + good),
            ("garbage after", good + "\nhello"),
            ("two blocks", good + "\n" + good),
            ("missing END", lines.dropLast().joined(separator: "\n")),
            ("mismatched END", (lines.dropLast() + ["-----END PRIVATE KEY-----"]).joined(separator: "\n")),
            ("empty body", "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n"),
            ("invalid character", good.replacingFirst("M", with: "*")),
            ("bad padding", (["-----BEGIN PUBLIC KEY-----"] + body + ["QQ", "-----END PUBLIC KEY-----"]).joined(separator: "\n")),
            ("headers", (["-----BEGIN PUBLIC KEY-----", "Proc-Type: 4,ENCRYPTED", ""] + body + ["-----END PUBLIC KEY-----"]).joined(separator: "\n")),
            ("empty type", "-----BEGIN -----\nAAAA\n-----END -----\n"),
            ("broken BEGIN", "-----BEGIN PUBLIC KEY----\n" + body.joined(separator: "\n") + "\n-----END PUBLIC KEY-----"),
        ]
    }()

    @Test(arguments: malformed)
    func malformedPEMIsRefused(name: String, text: String) {
        #expect(throws: KeyError(code: .invalidPEM), "\(name)") { try PublicKey(pemEncoded: text) }
        #expect(throws: KeyError(code: .invalidPEM), "\(name)") { try PrivateKey(pemEncoded: text) }
    }

    @Test func errorsNameTheProblem() {
        #expect {
            try PublicKey(pemEncoded: KeyFixtures.p256SPKI + "\n" + KeyFixtures.p256SPKI)
        } throws: { error in
            (error as? KeyError)?.reason.contains("more than one block") == true
        }
        #expect {
            try PublicKey(pemEncoded: KeyFixtures.secp256k1SPKI)
        } throws: { error in
            (error as? KeyError)?.reason.contains("curve OID 1.3.132.0.10") == true
        }
    }

    @Test func oversizedPEMIsRefused() {
        let huge = "-----BEGIN PUBLIC KEY-----\n" + String(repeating: "AAAA\n", count: PEMDocument.maxBytes / 5 + 1) + "-----END PUBLIC KEY-----\n"
        #expect(throws: KeyError(code: .tooLarge)) { try PublicKey(pemEncoded: huge) }
        #expect(throws: KeyError(code: .tooLarge)) { try PrivateKey(pemEncoded: huge) }
    }

    @Test func wrongBlockTypeIsRefused() {
        #expect(throws: KeyError(code: .unsupportedPEMType)) { try PublicKey(pemEncoded: KeyFixtures.p256SEC1) }
        #expect(throws: KeyError(code: .unsupportedPEMType)) { try PrivateKey(pemEncoded: KeyFixtures.p256SPKI) }
        let certificate = KeyFixtures.p256SPKI.replacingOccurrences(of: "PUBLIC KEY", with: "CERTIFICATE")
        #expect(throws: KeyError(code: .unsupportedPEMType)) { try PublicKey(pemEncoded: certificate) }
        let encrypted = KeyFixtures.p384PKCS8.replacingOccurrences(of: "PRIVATE KEY", with: "ENCRYPTED PRIVATE KEY")
        #expect(throws: KeyError(code: .unsupportedPEMType)) { try PrivateKey(pemEncoded: encrypted) }
    }

    @Test func contentOfTheWrongFormIsRefused() {
        // SPKI labelled as PKCS#1, PKCS#8 labelled as SEC1, PKCS#1 labelled as SPKI, PKCS#1 private labelled PKCS#8.
        let spkiAsPKCS1 = KeyFixtures.p256SPKI.replacingOccurrences(of: "PUBLIC KEY", with: "RSA PUBLIC KEY")
        #expect(throws: KeyError(code: .invalidKey)) { try PublicKey(pemEncoded: spkiAsPKCS1) }
        let pkcs8AsSEC1 = KeyFixtures.p384PKCS8.replacingOccurrences(of: "PRIVATE KEY", with: "EC PRIVATE KEY")
        #expect(throws: KeyError(code: .invalidKey)) { try PrivateKey(pemEncoded: pkcs8AsSEC1) }
        let pkcs1AsSPKI = KeyFixtures.rsa2048PublicPKCS1.replacingOccurrences(of: "RSA PUBLIC KEY", with: "PUBLIC KEY")
        #expect(throws: KeyError(code: .invalidKey)) { try PublicKey(pemEncoded: pkcs1AsSPKI) }
        let pkcs1AsPKCS8 = KeyFixtures.rsa2048PKCS1.replacingOccurrences(of: "RSA PRIVATE KEY", with: "PRIVATE KEY")
        #expect(throws: KeyError(code: .invalidKey)) { try PrivateKey(pemEncoded: pkcs1AsPKCS8) }
        #expect(throws: KeyError(code: .invalidKey)) { try PublicKey(derEncoded: [0x30, 0x03, 0x02, 0x01, 0x00]) }
        #expect(throws: KeyError(code: .invalidKey)) { try PublicKey(derEncoded: []) }
        #expect(throws: KeyError(code: .invalidKey)) { try PrivateKey(pkcs8DEREncoded: [0x30, 0x80]) }
    }

    @Test func unsupportedAlgorithmsAreRefused() {
        #expect(throws: KeyError(code: .unsupportedAlgorithm)) { try PublicKey(pemEncoded: KeyFixtures.secp256k1SPKI) }
        #expect(throws: KeyError(code: .unsupportedAlgorithm)) { try PrivateKey(pemEncoded: KeyFixtures.secp256k1SEC1) }
        #expect(throws: KeyError(code: .unsupportedAlgorithm)) { try PrivateKey(pemEncoded: KeyFixtures.secp256k1PKCS8) }
        #expect(throws: KeyError(code: .unsupportedAlgorithm)) { try PublicKey(pemEncoded: KeyFixtures.ed448SPKI) }
    }

    @Test func rsa1024IsRefused() {
        #expect(throws: KeyError(code: .unacceptableKeySize)) { try PrivateKey(pemEncoded: KeyFixtures.rsa1024PKCS8) }
        #expect(throws: KeyError(code: .unacceptableKeySize)) { try PublicKey(pemEncoded: KeyFixtures.rsa1024SPKI) }
    }
}
