// containers/image's signature fixtures (Vectors/containers-image, see its SOURCE.md) run through
// `OpenPGPMessage.verify`, with the outcomes containers/image's own tests state
// (`signature/mechanism_test.go`, `simple_test.go`, `docker_test.go`). Where Custody deliberately
// differs (v3 signatures, subkey signatures) the row says so; SOURCE.md lists every difference.

import CustodyOpenPGP
import Foundation
import Testing

/// A fixture upstream verifies successfully, and what verification must give.
struct AcceptedFixture: Sendable, CustomTestStringConvertible {
    let file: String
    let keys: [String]
    let payload: String?
    let payloadPrefix: String
    let signer: String
    let signingKey: String
    var testDescription: String { "\(file) with \(keys.joined(separator: "+"))" }

    init(_ file: String, keys: [String], payload: String? = nil, prefix: String = "", signer: String, signingKey: String? = nil) {
        self.file = file
        self.keys = keys
        self.payload = payload
        self.payloadPrefix = prefix
        self.signer = signer
        self.signingKey = signingKey ?? signer
    }
}

/// A fixture that must be refused, and the error code Custody gives.
struct RejectedFixture: Sendable, CustomTestStringConvertible {
    let file: String
    let keys: [String]
    let code: OpenPGPError.Code
    let why: String
    var testDescription: String { "\(file): \(why) → \(code)" }
}

@Suite("containers/image fixtures: OpenPGPMessage.verify")
struct ContainersImageVectorTests {
    static let accepted: [AcceptedFixture] = [
        AcceptedFixture("image.signature", keys: ["public-key.gpg"], payload: CImage.imagePayload, signer: CImage.keyFingerprint),
        AcceptedFixture("image.signature", keys: ["pubring.gpg"], payload: CImage.imagePayload, signer: CImage.keyFingerprint),
        AcceptedFixture("image.signature", keys: ["public-key-2.gpg", "public-key-1.gpg"], payload: CImage.imagePayload, signer: CImage.keyFingerprint),
        // mechanism_test.go: "This is not JSON\n", signed by TestKeyFingerprint.
        AcceptedFixture("invalid-blob.signature", keys: ["public-key.gpg"], payload: "This is not JSON\n", signer: CImage.keyFingerprint),
        AcceptedFixture("invalid-reference.signature", keys: ["public-key.gpg"], prefix: #"{"critical":{"identity":{"docker-reference":"UPPERCASEISINVALID"}"#, signer: CImage.keyFingerprint),
        AcceptedFixture("no-optional-fields.signature", keys: ["public-key.gpg"], prefix: #"{"critical":{"identity":{"docker-reference":"testing/manifest"}"#, signer: CImage.keyFingerprint),
        AcceptedFixture("dir-img-valid/signature-1", keys: ["public-key.gpg"], prefix: #"{"critical":{"identity":{"docker-reference":"testing/manifest:latest"}"#, signer: CImage.keyFingerprint),
        // Subkey signatures: Custody reports the PRIMARY fingerprint as the signer (like
        // containers/image ≥ v5.37's keyIdentityForVerificationKeyIdentity) and the subkey separately.
        AcceptedFixture("subkey.signature", keys: ["public-key-with-subkey.gpg"], payload: CImage.subkeyPayload, signer: CImage.primaryWithSubkey, signingKey: CImage.subkeyOfPrimaryWithSubkey),
        AcceptedFixture("subkey.signature", keys: ["pubring.gpg"], payload: CImage.subkeyPayload, signer: CImage.primaryWithSubkey, signingKey: CImage.subkeyOfPrimaryWithSubkey),
        AcceptedFixture("dir-img-valid-subkey/signature-1", keys: ["public-key-with-subkey.gpg"], payload: CImage.subkeyPayload, signer: CImage.primaryWithSubkey, signingKey: CImage.subkeyOfPrimaryWithSubkey),
    ]

    @Test("fixtures upstream verifies give the payload and signer upstream states", arguments: accepted)
    func acceptsFixture(_ row: AcceptedFixture) throws {
        var keyring = OpenPGPKeyring()
        for name in row.keys { keyring.add(try OpenPGPKeyring(bytes: CImage.bytes(name))) }
        let message = try OpenPGPMessage.verify(CImage.bytes(row.file), keyring: keyring, now: CImage.now)
        let payload = String(decoding: message.payload, as: UTF8.self)
        if let expected = row.payload { #expect(payload == expected) }
        #expect(payload.hasPrefix(row.payloadPrefix))
        #expect(message.signerFingerprint.description == row.signer)
        #expect(message.signingKeyFingerprint.description == row.signingKey)
        #expect(message.hashAlgorithm == .sha256)
        // The keys never expire, so the verdict does not depend on the clock.
        let today = try OpenPGPMessage.verify(CImage.bytes(row.file), keyring: keyring)
        #expect(today.payload == message.payload)
    }

    static let rejected: [RejectedFixture] = [
        // corrupt.signature carries a bad signature AND one byte ("\n") after the end of its deflate
        // stream. GnuPG ignores such trailing bytes (and reports BAD signature); Custody refuses them
        // first, as malformed. Without the trailing byte it is a plain bad signature (test below).
        RejectedFixture(file: "corrupt.signature", keys: ["public-key.gpg"], code: .malformed, why: "bad signature, trailing byte after the compressed stream"),
        RejectedFixture(file: "unknown-key.signature", keys: ["pubring.gpg"], code: .untrustedKey, why: "signed by a key in no keyring"),
        RejectedFixture(file: "subkey-revoked.signature", keys: ["public-key-with-revoked-subkey.gpg"], code: .keyRevoked, why: "signing subkey revoked (key compromised)"),
        RejectedFixture(file: "subkey-revoked.signature", keys: ["pubring.gpg"], code: .keyRevoked, why: "signing subkey revoked, whole keyring"),
        RejectedFixture(file: "unsigned-literal.signature", keys: ["pubring.gpg"], code: .notSigned, why: "compressed literal data only"),
        RejectedFixture(file: "unsigned-encrypted.signature", keys: ["pubring.gpg"], code: .malformed, why: "public-key encrypted message"),
        RejectedFixture(file: "expired.signature", keys: ["public-key.gpg"], code: .signatureExpired, why: "signature expired 2025-06-24"),
        RejectedFixture(file: "subkey.signature", keys: ["public-key.gpg"], code: .untrustedKey, why: "subkey's primary not in the keyring"),
        RejectedFixture(file: "image.signature", keys: ["public-key-with-subkey.gpg", "public-key-2.gpg"], code: .untrustedKey, why: "signer not in the keyring"),
        // Deviation: containers/image (GPGME and x/crypto/openpgp) accepts v3 signature packets;
        // Custody reads v4 signatures only. The v3 twins of the fixtures are refused as unsupported,
        // even those upstream accepts (invalid-blob, subkey) and before the key is looked up (unknown-key).
        RejectedFixture(file: "invalid-blob.signature-v3", keys: ["public-key.gpg"], code: .unsupported, why: "v3 signature (upstream accepts)"),
        RejectedFixture(file: "subkey.signature-v3", keys: ["public-key-with-subkey.gpg"], code: .unsupported, why: "v3 subkey signature (upstream accepts)"),
        RejectedFixture(file: "corrupt.signature-v3", keys: ["public-key.gpg"], code: .malformed, why: "v3 signature, trailing byte after the compressed stream"),
        RejectedFixture(file: "unknown-key.signature-v3", keys: ["pubring.gpg"], code: .unsupported, why: "v3 signature, unknown key"),
        RejectedFixture(file: "subkey-revoked.signature-v3", keys: ["public-key-with-revoked-subkey.gpg"], code: .unsupported, why: "v3 signature, revoked subkey"),
    ]

    @Test("fixtures upstream refuses are refused with a precise code", arguments: rejected)
    func rejectsFixture(_ row: RejectedFixture) throws {
        var keyring = OpenPGPKeyring()
        for name in row.keys { keyring.add(try OpenPGPKeyring(bytes: CImage.bytes(name))) }
        let blob = try CImage.bytes(row.file)
        #expect(throws: pgp(row.code)) { try OpenPGPMessage.verify(blob, keyring: keyring, now: CImage.now) }
    }

    @Test("corrupt.signature without its trailing byte is a bad signature; the v3 twin is unsupported")
    func corruptWithoutTrailingByte() throws {
        let keyring = try CImage.keyring("public-key.gpg")
        let corrupt = try CImage.bytes("corrupt.signature")
        #expect(corrupt.last == 0x0A)
        #expect(throws: pgp(.badSignature)) { try OpenPGPMessage.verify(Array(corrupt.dropLast()), keyring: keyring, now: CImage.now) }
        #expect(OpenPGPMessage.untrustedIssuer(Array(corrupt.dropLast())) == CImage.keyFingerprint)
        let v3 = try CImage.bytes("corrupt.signature-v3")
        #expect(throws: pgp(.unsupported)) { try OpenPGPMessage.verify(Array(v3.dropLast()), keyring: keyring, now: CImage.now) }
    }

    // Deviation: GnuPG (and so skopeo/GPGME) ignores bytes after the end of the deflate stream
    // (`gpg --verify` says "Good signature" for image.signature + "\n"); Custody refuses them.
    @Test("a valid signature followed by a newline is refused as malformed (GnuPG accepts it)")
    func trailingNewline() throws {
        let keyring = try CImage.keyring("public-key.gpg")
        #expect(throws: pgp(.malformed)) { try OpenPGPMessage.verify(CImage.bytes("image.signature") + [0x0A], keyring: keyring, now: CImage.now) }
        #expect(OpenPGPMessage.untrustedIssuer(try CImage.bytes("image.signature") + [0x0A]) == nil)
    }

    @Test("completely invalid signatures (mechanism_test.go) are malformed")
    func rejectsInvalidBytes() throws {
        let keyring = try CImage.keyring("pubring.gpg")
        #expect(throws: pgp(.malformed)) { try OpenPGPMessage.verify([], keyring: keyring, now: CImage.now) }
        #expect(throws: pgp(.malformed)) { try OpenPGPMessage.verify(Array("invalid signature".utf8), keyring: keyring, now: CImage.now) }
    }

    @Test("expired.signature verifies before its expiration time and is refused from that second on")
    func expiredSignatureBoundary() throws {
        let keyring = try CImage.keyring("public-key.gpg")
        let blob = try CImage.bytes("expired.signature")
        let before = Date(timeIntervalSince1970: CImage.expiredSignatureExpiry - 1)
        let message = try OpenPGPMessage.verify(blob, keyring: keyring, now: before)
        #expect(String(decoding: message.payload, as: UTF8.self) == "This signature is expired.\n")
        #expect(message.untrustedCreationTime == Date(timeIntervalSince1970: CImage.expiredSignatureCreated))
        #expect(message.signerFingerprint.description == CImage.keyFingerprint)
        let at = Date(timeIntervalSince1970: CImage.expiredSignatureExpiry)
        #expect(throws: pgp(.signatureExpired)) { try OpenPGPMessage.verify(blob, keyring: keyring, now: at) }
        #expect(throws: pgp(.signatureExpired)) { try OpenPGPMessage.verify(blob, keyring: keyring) }
    }

    @Test("the signature time of image.signature is the one gpg prints (2025-06-23 19:22:09 UTC)")
    func creationTime() throws {
        let message = try OpenPGPMessage.verify(CImage.bytes("image.signature"), keyring: CImage.keyring("public-key.gpg"), now: CImage.now)
        #expect(message.untrustedCreationTime == Date(timeIntervalSince1970: 1_750_706_529))
    }

    /// mechanism_test.go `UntrustedSignatureContents`: the issuer named, without verifying.
    @Test("untrustedIssuer names the issuer of each fixture without verifying", arguments: [
        ("image.signature", CImage.keyFingerprint),
        ("expired.signature", CImage.keyFingerprint),
        ("unknown-key.signature", CImage.unknownKeyShortID),
        ("subkey.signature", "D75B3109B3BAAEAF"),
    ])
    func untrustedIssuer(file: String, issuer: String) throws {
        #expect(OpenPGPMessage.untrustedIssuer(try CImage.bytes(file)) == issuer)
    }

    @Test("untrustedIssuer is nil for input that is not a signed message")
    func untrustedIssuerOfNonMessages() throws {
        #expect(OpenPGPMessage.untrustedIssuer([]) == nil)
        #expect(OpenPGPMessage.untrustedIssuer(Array("invalid signature".utf8)) == nil)
        #expect(OpenPGPMessage.untrustedIssuer(try CImage.bytes("unsigned-literal.signature")) == nil)
        #expect(OpenPGPMessage.untrustedIssuer(try CImage.bytes("unsigned-encrypted.signature")) == nil)
    }

    @Test("an armored copy of a binary fixture verifies the same")
    func armoredFixture() throws {
        let keyring = try CImage.keyring("public-key.gpg")
        let armored = Armor.encode(try CImage.bytes("image.signature"), kind: .message)
        let message = try OpenPGPMessage.verify(Array(armored.utf8), keyring: keyring, now: CImage.now)
        #expect(String(decoding: message.payload, as: UTF8.self) == CImage.imagePayload)
    }

    @Test("dir-img-valid/manifest.json is the manifest whose digest the fixtures sign")
    func manifestCopies() throws {
        #expect(try CImage.bytes("dir-img-valid/manifest.json") == CImage.bytes("image.manifest.json"))
        #expect(try CImage.bytes("dir-img-valid-subkey/manifest.json") == CImage.bytes("image.manifest.json"))
        #expect(try CImage.bytes("dir-img-valid-subkey/signature-1") == CImage.bytes("subkey.signature"))
    }
}
