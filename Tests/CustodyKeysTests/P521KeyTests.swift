import CustodyKeys
import CustodyTestSupport
import Crypto
import Foundation
import Testing

/// ECDSA P-521 keys (curve OID 1.3.132.0.35) with SHA-512: every PEM and DER form read and
/// written, signing and verification, refusal of keys and signatures of the wrong curve or
/// algorithm, and cosign's encrypted key format. The fixtures were made by PyPI `cryptography`.
@Suite struct P521KeyTests {
    /// `SHA-256(SPKI DER)` of ``KeyFixtures/p521SPKI``, as `openssl pkey -pubin -outform DER | sha256sum` prints it.
    static let fixtureKeyID = "a22e276c55d113c5090c60bf3c8bcac8ee13cb508647b23752b357a2ab370aa1"
    /// ``testMessage`` signed by PyPI `cryptography` with the fixture key, `ECDSA(SHA512())`.
    static let fixtureSignature = Array(Data(base64Encoded: "MIGHAkE/FtM7r70WatYDW+RbfHzBhtfsFCRGA9amoEOcJ0ZC8mG11s9JPkcvZs0BxupjzkY0RS/fK9RsfrhrtivT+3N55AJCAWanZEK5dtAJkE3xiQ255FNd9aMHs0zopsHWW9LB9UjZB328gGuPrx2aJhinQD8VYlCJN+uCfMlVWxw9tHmmsRmY") ?? Data())
    /// ``testMessage`` signed by PyPI `cryptography` with the fixture key but over SHA-256: not an ecdsa-p521-sha512 signature.
    static let fixtureSHA256Signature = Array(Data(base64Encoded: "MIGIAkIBmU29EezDYFlBT/pM5Dta7omi5swjKQ0GaG3qzvFvKLDIGoAvQfRgGCyLD/rQo1fwzOVo6HckuOmRClCcIqZlv0wCQgCS/ikrtEWTJ1GaqHQi+OJfx/uXjR8heO3zgPaxGAJ6GyVVT1O5JyAumjCeaRxgL7uOXS5YtbV1dD+2JEYLon3GmA==") ?? Data())

    // MARK: Reading and writing

    @Test func fixtureFormsAreTheSameKey() throws {
        let sec1 = try PrivateKey(pemEncoded: KeyFixtures.p521SEC1)
        let pkcs8 = try PrivateKey(pemEncoded: KeyFixtures.p521PKCS8)
        let publicKey = try PublicKey(pemEncoded: KeyFixtures.p521SPKI)
        #expect(sec1.algorithm == .ecdsaP521 && pkcs8.algorithm == .ecdsaP521 && publicKey.algorithm == .ecdsaP521)
        #expect(sec1.pkcs8DERRepresentation == pkcs8.pkcs8DERRepresentation)
        #expect(sec1.publicKey.derRepresentation == publicKey.derRepresentation)
        #expect(pkcs8.publicKey.derRepresentation == publicKey.derRepresentation)
        // What Custody writes is byte for byte what cryptography wrote (PKCS#8 for both private forms).
        #expect(sec1.pemRepresentation == KeyFixtures.p521PKCS8 + "\n")
        #expect(pkcs8.pemRepresentation == KeyFixtures.p521PKCS8 + "\n")
        #expect(publicKey.pemRepresentation == KeyFixtures.p521SPKI + "\n")
        #expect(publicKey.rsaModulusBits == nil)
    }

    @Test func keyIDIsTheSHA256OfTheSPKI() throws {
        let publicKey = try PublicKey(pemEncoded: KeyFixtures.p521SPKI)
        #expect(publicKey.keyID.hex == Self.fixtureKeyID)
        #expect(try PrivateKey(pemEncoded: KeyFixtures.p521SEC1).publicKey.keyID == publicKey.keyID)
        #expect(publicKey.keyID.hex == SHA256.hash(data: publicKey.derRepresentation).map { String(format: "%02x", $0) }.joined())
    }

    @Test func generatedKeyRoundTripsThroughEveryForm() throws {
        let key = try PrivateKey.generate(.ecdsaP521)
        #expect(key.algorithm == .ecdsaP521)
        // PKCS#8 PEM and DER.
        let fromPEM = try PrivateKey(pemEncoded: key.pemRepresentation)
        let fromDER = try PrivateKey(pkcs8DEREncoded: key.pkcs8DERRepresentation)
        #expect(fromPEM.pkcs8DERRepresentation == key.pkcs8DERRepresentation)
        #expect(fromDER.pkcs8DERRepresentation == key.pkcs8DERRepresentation)
        #expect(key.pemRepresentation.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        // SPKI PEM and DER.
        let publicKey = key.publicKey
        #expect(publicKey.algorithm == .ecdsaP521)
        #expect(try PublicKey(pemEncoded: publicKey.pemRepresentation).derRepresentation == publicKey.derRepresentation)
        #expect(try PublicKey(derEncoded: publicKey.derRepresentation).keyID == publicKey.keyID)
        #expect(publicKey.pemRepresentation.hasPrefix("-----BEGIN PUBLIC KEY-----\n"))
        // SPKI: SEQUENCE { SEQUENCE { id-ecPublicKey, secp521r1 }, BIT STRING (0x00 || 0x04 || X || Y) } = 158 bytes.
        #expect(publicKey.derRepresentation.count == 158)
        #expect(publicKey.derRepresentation.dropFirst(3).starts(with: [
            0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23,
        ]))
        // SEC1, as swift-crypto writes none: the same scalar, re-encoded with its x9.63 public key.
        let sec1 = try Self.sec1PEM(P521.Signing.PrivateKey(derRepresentation: key.pkcs8DERRepresentation))
        #expect(try PrivateKey(pemEncoded: sec1).pkcs8DERRepresentation == key.pkcs8DERRepresentation)
        // The key signs after every round trip, and the original public key checks the signature.
        for copy in [fromPEM, fromDER] {
            let signature = try copy.sign(testMessage, algorithm: .ecdsaP521SHA512)
            #expect(publicKey.isValidSignature(signature, for: testMessage, algorithm: .ecdsaP521SHA512))
        }
    }

    /// A SEC1 `EC PRIVATE KEY` PEM of `key` (version 1, 66-byte scalar, `[0]` secp521r1, `[1]` public key).
    static func sec1PEM(_ key: P521.Signing.PrivateKey) -> String {
        let point = Array(key.publicKey.x963Representation)
        var body: [UInt8] = [0x02, 0x01, 0x01, 0x04, 0x42] + Array(key.rawRepresentation)
        body += [0xa0, 0x07, 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23]
        body += [0xa1, 0x81, UInt8(point.count + 4), 0x03, 0x81, UInt8(point.count + 1), 0x00] + point
        let der = [0x30, 0x81, UInt8(body.count)] + body
        return PEMDocument(type: "EC PRIVATE KEY", derBytes: der).pemEncoded
    }

    // MARK: Signing and verification

    @Test func signsAndVerifiesWithSHA512() async throws {
        let key = try PrivateKey.generate(.ecdsaP521)
        let signature = try key.sign(testMessage, algorithm: .ecdsaP521SHA512)
        #expect(key.publicKey.isValidSignature(signature, for: testMessage, algorithm: .ecdsaP521SHA512))
        #expect(!key.publicKey.isValidSignature(signature, for: flipped(testMessage), algorithm: .ecdsaP521SHA512))
        #expect(!key.publicKey.isValidSignature(flipped(signature, at: signature.count / 2), for: testMessage, algorithm: .ecdsaP521SHA512))
        #expect(!key.publicKey.isValidSignature([], for: testMessage, algorithm: .ecdsaP521SHA512))
        #expect(try !PrivateKey.generate(.ecdsaP521).publicKey.isValidSignature(signature, for: testMessage, algorithm: .ecdsaP521SHA512))
        // ASN.1 DER Ecdsa-Sig-Value; over 127 bytes, so the length is in long form.
        #expect(signature.count > 130 && signature.count <= 139)
        #expect(signature[0] == 0x30 && signature[1] == 0x81 && Int(signature[2]) == signature.count - 3)
        // The default scheme, as cosign picks it for a P-521 key.
        #expect(KeyAlgorithm.ecdsaP521.defaultSigningAlgorithm == .ecdsaP521SHA512)
        #expect(SigningAlgorithm.ecdsaP521SHA512.keyAlgorithm == .ecdsaP521)
        #expect(SigningAlgorithm(rawValue: "ecdsa-p521-sha512") == .ecdsaP521SHA512)
        #expect(KeyAlgorithm(rawValue: "ecdsa-p521") == .ecdsaP521)
        let signer = FileSigner(key)
        #expect(signer.algorithm == .ecdsaP521SHA512)
        #expect(key.publicKey.isValidSignature(try await signer.sign(testMessage), for: testMessage, algorithm: .ecdsaP521SHA512))
    }

    @Test func verifiesASignatureMadeByCryptography() throws {
        let publicKey = try PublicKey(pemEncoded: KeyFixtures.p521SPKI)
        #expect(publicKey.isValidSignature(Self.fixtureSignature, for: testMessage, algorithm: .ecdsaP521SHA512))
        #expect(!publicKey.isValidSignature(Self.fixtureSignature, for: flipped(testMessage), algorithm: .ecdsaP521SHA512))
        // The same key over a SHA-256 digest is a valid ECDSA signature, but not an ecdsa-p521-sha512 one.
        #expect(!publicKey.isValidSignature(Self.fixtureSHA256Signature, for: testMessage, algorithm: .ecdsaP521SHA512))
    }

    @Test func otherAlgorithmsAreFalseAndRefusedForSigning() throws {
        let key = try PrivateKey(pemEncoded: KeyFixtures.p521PKCS8)
        for algorithm in SigningAlgorithm.allCases where algorithm != .ecdsaP521SHA512 {
            #expect(!key.publicKey.isValidSignature(Self.fixtureSignature, for: testMessage, algorithm: algorithm), "\(algorithm)")
            #expect(throws: KeyError(code: .algorithmMismatch), "\(algorithm)") { try key.sign(testMessage, algorithm: algorithm) }
            #expect(throws: KeyError(code: .algorithmMismatch), "\(algorithm)") { try FileSigner(key, algorithm: algorithm) }
        }
        // Keys of the other curves neither verify nor make P-521 signatures.
        for type in [KeyType.ecdsaP256, .ecdsaP384] {
            let other = try PrivateKey.generate(type)
            #expect(!other.publicKey.isValidSignature(Self.fixtureSignature, for: testMessage, algorithm: .ecdsaP521SHA512))
            #expect(throws: KeyError(code: .algorithmMismatch)) { try other.sign(testMessage, algorithm: .ecdsaP521SHA512) }
            let theirs = try other.sign(testMessage, algorithm: other.algorithm.defaultSigningAlgorithm)
            #expect(!key.publicKey.isValidSignature(theirs, for: testMessage, algorithm: .ecdsaP521SHA512))
        }
    }

    // MARK: Wrong curve

    /// `der` with its first occurrence of `from` replaced by `to` (same length).
    static func replacing(_ from: [UInt8], with to: [UInt8], in der: [UInt8]) throws -> [UInt8] {
        let start = try #require((0...(der.count - from.count)).first { Array(der[$0..<($0 + from.count)]) == from })
        var copy = der
        copy.replaceSubrange(start..<(start + from.count), with: to)
        return copy
    }

    static let oidP384: [UInt8] = [0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22]
    static let oidP521: [UInt8] = [0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23]

    @Test func aKeyLabelledWithTheWrongCurveIsRefused() throws {
        // A P-384 point under the P-521 OID, and a P-521 point under the P-384 OID.
        let p384 = try PrivateKey.generate(.ecdsaP384)
        let p384AsP521 = try Self.replacing(Self.oidP384, with: Self.oidP521, in: p384.publicKey.derRepresentation)
        #expect(throws: KeyError(code: .invalidKey)) { try PublicKey(derEncoded: p384AsP521) }
        let p521 = try PublicKey(pemEncoded: KeyFixtures.p521SPKI)
        let p521AsP384 = try Self.replacing(Self.oidP521, with: Self.oidP384, in: p521.derRepresentation)
        #expect(throws: KeyError(code: .invalidKey)) { try PublicKey(derEncoded: p521AsP384) }
        // The same for PKCS#8 and SEC1 private keys.
        let pkcs8 = try PEMDocument(pemEncoded: KeyFixtures.p521PKCS8).derBytes
        #expect(throws: KeyError(code: .invalidKey)) {
            try PrivateKey(pkcs8DEREncoded: try Self.replacing(Self.oidP521, with: Self.oidP384, in: pkcs8))
        }
        let p384PKCS8AsP521 = try Self.replacing(Self.oidP384, with: Self.oidP521, in: p384.pkcs8DERRepresentation)
        #expect(throws: KeyError(code: .invalidKey)) { try PrivateKey(pkcs8DEREncoded: p384PKCS8AsP521) }
        let sec1 = try PEMDocument(pemEncoded: KeyFixtures.p521SEC1).derBytes
        let sec1AsP384 = PEMDocument(type: "EC PRIVATE KEY", derBytes: try Self.replacing(Self.oidP521, with: Self.oidP384, in: sec1))
        #expect(throws: KeyError(code: .invalidKey)) { try PrivateKey(pemEncoded: sec1AsP384.pemEncoded) }
        // Truncated or padded P-521 keys are refused, not read as something else.
        let spki = p521.derRepresentation
        for bad in [Array(spki.dropLast()), spki + [0], Array(spki.prefix(40))] {
            #expect(throws: KeyError.self) { try PublicKey(derEncoded: bad) }
        }
        for bad in [Array(pkcs8.dropLast()), pkcs8 + [0], Array(pkcs8.prefix(40))] {
            #expect(throws: KeyError.self) { try PrivateKey(pkcs8DEREncoded: bad) }
        }
    }

    // MARK: cosign

    @Test func cosignEncryptedKeyRoundTrip() throws {
        let key = try PrivateKey.generate(.ecdsaP521)
        let passphrase = Array("p521 passphrase".utf8)
        for type in CosignPrivateKey.PEMType.allCases {
            let pem = try CosignPrivateKey.encrypt(pkcs8DER: key.pkcs8DERRepresentation, passphrase: passphrase, pemType: type)
            #expect(pem.hasPrefix("-----BEGIN \(type.rawValue)-----\n"))
            let decrypted = try CosignPrivateKey(pem: pem, passphrase: passphrase)
            #expect(decrypted.pemType == type)
            #expect(decrypted.scryptN == CosignPrivateKey.defaultScryptN)
            #expect(decrypted.pkcs8DER == key.pkcs8DERRepresentation)
            let again = try PrivateKey(pkcs8DEREncoded: decrypted.pkcs8DER)
            #expect(again.algorithm == .ecdsaP521)
            #expect(again.publicKey.keyID == key.publicKey.keyID)
            let signature = try again.sign(testMessage, algorithm: .ecdsaP521SHA512)
            #expect(key.publicKey.isValidSignature(signature, for: testMessage, algorithm: .ecdsaP521SHA512))
            #expect(throws: CosignPrivateKeyError.wrongPassphrase) { try CosignPrivateKey(pem: pem, passphrase: Array("wrong".utf8)) }
        }
    }
}

/// P-521 interop with PyPI `cryptography` (the `python3` peer), in both directions: keys
/// cryptography writes in SPKI, PKCS#8 and SEC1 PEM are read by Custody and its signatures
/// verified; keys and signatures Custody makes are read and verified by cryptography.
@Suite(.enabled(if: PeerTool.availableOrCI("python3")))
struct P521InteropTests {
    /// `gen DIR`: a P-521 key as p521.pkcs8.pem, p521.sec1.pem and p521.spki.pem, its key ID
    /// (p521.keyid), an ECDSA SHA-512 signature over DIR/message (p521.sig) and an ECDSA SHA-256
    /// one (p521.sha256.sig).
    /// `verify DIR`: loads DIR/custody.key.pem (PKCS#8) and DIR/custody.pub.pem (SPKI), checks
    /// they are one P-521 key whose ID is DIR/custody.keyid and verifies DIR/custody.sig over
    /// DIR/message with ECDSA SHA-512; prints "ok".
    static let script = #"""
    import hashlib, os, sys
    from cryptography.hazmat.primitives import hashes, serialization as s
    from cryptography.hazmat.primitives.asymmetric import ec

    mode, d = sys.argv[1], sys.argv[2]
    message = open(os.path.join(d, "message"), "rb").read()
    E, N = s.Encoding.PEM, s.NoEncryption()

    def path(name):
        return os.path.join(d, name)

    def write(name, data):
        with open(path(name), "wb") as f:
            f.write(data)

    def spki(key):
        return key.public_bytes(s.Encoding.DER, s.PublicFormat.SubjectPublicKeyInfo)

    if mode == "gen":
        k = ec.generate_private_key(ec.SECP521R1())
        write("p521.pkcs8.pem", k.private_bytes(E, s.PrivateFormat.PKCS8, N))
        write("p521.sec1.pem", k.private_bytes(E, s.PrivateFormat.TraditionalOpenSSL, N))
        write("p521.spki.pem", k.public_key().public_bytes(E, s.PublicFormat.SubjectPublicKeyInfo))
        write("p521.sig", k.sign(message, ec.ECDSA(hashes.SHA512())))
        write("p521.sha256.sig", k.sign(message, ec.ECDSA(hashes.SHA256())))
        write("p521.keyid", hashlib.sha256(spki(k.public_key())).hexdigest().encode())
    elif mode == "verify":
        key = s.load_pem_private_key(open(path("custody.key.pem"), "rb").read(), None)
        pub = s.load_pem_public_key(open(path("custody.pub.pem"), "rb").read())
        assert isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP521R1), "not a P-521 private key"
        assert isinstance(pub, ec.EllipticCurvePublicKey) and isinstance(pub.curve, ec.SECP521R1), "not a P-521 public key"
        assert spki(key.public_key()) == spki(pub), "private and public key differ"
        assert hashlib.sha256(spki(pub)).hexdigest() == open(path("custody.keyid")).read(), "key ID differs"
        pub.verify(open(path("custody.sig"), "rb").read(), message, ec.ECDSA(hashes.SHA512()))
        print("ok")
    else:
        raise SystemExit("unknown mode " + mode)
    """#

    private func runScript(_ mode: String, in directory: TemporaryDirectory) throws -> ProcessResult {
        let script = try directory.write(Self.script, to: "interop.py")
        return try runProcess("python3", [script, mode, directory.path])
    }

    @Test func custodyReadsAndVerifiesCryptographyKeys() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(testMessage, to: "message")
        let result = try runScript("gen", in: directory)
        try #require(result.status == 0, "\(result)")
        func text(_ name: String) throws -> String { String(decoding: try directory.read(name), as: UTF8.self) }

        let publicKey = try PublicKey(pemEncoded: try text("p521.spki.pem"))
        #expect(publicKey.algorithm == .ecdsaP521)
        #expect(publicKey.keyID.hex == (try text("p521.keyid")))
        let signature = try directory.read("p521.sig")
        #expect(publicKey.isValidSignature(signature, for: testMessage, algorithm: .ecdsaP521SHA512))
        #expect(!publicKey.isValidSignature(signature, for: flipped(testMessage), algorithm: .ecdsaP521SHA512))
        #expect(!publicKey.isValidSignature(try directory.read("p521.sha256.sig"), for: testMessage, algorithm: .ecdsaP521SHA512))
        for name in ["p521.pkcs8.pem", "p521.sec1.pem"] {
            let privateKey = try PrivateKey(pemEncoded: try text(name))
            #expect(privateKey.algorithm == .ecdsaP521, "\(name)")
            #expect(privateKey.publicKey.derRepresentation == publicKey.derRepresentation, "\(name)")
            // The PKCS#8 Custody writes is the PKCS#8 cryptography wrote, whichever form it read.
            #expect(privateKey.pemRepresentation == (try text("p521.pkcs8.pem")), "\(name)")
            let ours = try privateKey.sign(testMessage, algorithm: .ecdsaP521SHA512)
            #expect(publicKey.isValidSignature(ours, for: testMessage, algorithm: .ecdsaP521SHA512), "\(name)")
        }
    }

    /// Writes a new P-521 key (PKCS#8 and SPKI PEM), its key ID, the message and `signature(key)`
    /// as custody.sig, then runs the script's `verify` on them.
    func verifyInPython(signature: (PrivateKey) async throws -> [UInt8]) async throws -> ProcessResult {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(testMessage, to: "message")
        let key = try PrivateKey.generate(.ecdsaP521)
        try directory.write(key.pemRepresentation, to: "custody.key.pem")
        try directory.write(key.publicKey.pemRepresentation, to: "custody.pub.pem")
        try directory.write(key.publicKey.keyID.hex, to: "custody.keyid")
        try directory.write(try await signature(key), to: "custody.sig")
        return try runScript("verify", in: directory)
    }

    @Test func cryptographyReadsAndVerifiesCustodyKeys() async throws {
        let result = try await verifyInPython { try await FileSigner($0).sign(testMessage) }
        #expect(result.status == 0, "\(result)")
        #expect(result.stdoutText == "ok\n", "\(result)")
    }

    @Test func cryptographyRejectsATamperedCustodySignature() async throws {
        let result = try await verifyInPython { try $0.sign(flipped(testMessage), algorithm: .ecdsaP521SHA512) }
        #expect(result.status != 0, "\(result)")
        #expect(result.stderrText.contains("InvalidSignature"), "\(result)")
    }
}
