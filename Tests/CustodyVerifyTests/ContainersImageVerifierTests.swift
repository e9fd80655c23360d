// containers/image's signature fixtures through SimpleSigningVerifier, with the outcomes of
// containers/image's `TestVerifyDockerManifestSignature` (docker_test.go), `TestVerifyAndExtractSignature`
// (simple_test.go) and `TestPRSignedByIsSignatureAuthorAccepted` (policy_eval_signedby_test.go).
// The files live in Tests/CustodyOpenPGPTests/Vectors/containers-image (see SOURCE.md there); this
// target declares no resources, so they are read through #filePath.

import CustodyFormats
import CustodyOCI
import CustodyOpenPGP
import CustodyVerify
import Foundation
import Testing

enum CImageVectors {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Tests/CustodyVerifyTests
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("CustodyOpenPGPTests/Vectors/containers-image")

    static let keyFingerprint = "08CD26E446E2E95249B7A405E932F44B23E8DD43"
    static let primaryWithSubkey = "B9F4CDB9FD8C475BFA340AC38D54A947EE396F36"
    static let subkeyOfPrimaryWithSubkey = "57D1D95BBC53BA0EAFF0718CD75B3109B3BAAEAF"
    static let manifestDigest = "sha256:20bf21ed457b390829cdbeec8795a7bea1626991fda603e0d01b4e7f60427e55"
    static let reference = "testing/manifest"
    /// After every fixture was made; the keys never expire.
    static let now = Date(timeIntervalSince1970: 1_760_000_000)

    static func bytes(_ name: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: directory.appendingPathComponent(name)))
    }

    static func keyring(_ names: String...) throws -> OpenPGPKeyring {
        var keyring = OpenPGPKeyring()
        for name in names { keyring.add(try OpenPGPKeyring(bytes: bytes(name))) }
        return keyring
    }

    static func fingerprint(_ hex: String) throws -> Fingerprint {
        try #require(Fingerprint(hex: hex))
    }

    static func digest() throws -> Digest { try Digest(parsing: manifestDigest) }
}

@Suite("containers/image fixtures: SimpleSigningVerifier")
struct ContainersImageVerifierTests {
    typealias V = CImageVectors

    private func verify(
        _ file: String, keys: [String] = ["public-key.gpg"], accepted: Set<String>? = nil,
        digest: Digest? = nil, identity: String = V.reference, now: Date = V.now
    ) throws -> SimpleSignatureVerdict {
        var keyring = OpenPGPKeyring()
        for name in keys { keyring.add(try OpenPGPKeyring(bytes: V.bytes(name))) }
        let signers = try accepted.map { Set(try $0.map(V.fingerprint)) }
        let verifier = SimpleSigningVerifier(keyring: keyring, acceptedSigners: signers, now: now)
        return verifier.verify(try V.bytes(file), manifestDigest: try digest ?? V.digest(), identity: .exact(try ImageReference.parseNormalized(identity)))
    }

    @Test("image.manifest.json hashes to TestImageManifestDigest")
    func manifestDigest() throws {
        #expect(Digest.compute(try V.bytes("image.manifest.json")).description == V.manifestDigest)
        #expect(Digest.compute(try V.bytes("dir-img-valid/manifest.json")).description == V.manifestDigest)
    }

    @Test("image.signature is accepted with the fixture's claim and signer", arguments: [
        nil, [V.keyFingerprint], [V.keyFingerprint, "0123456789ABCDEF0123456789ABCDEF01234567"], ["DEADBEEFDEADBEEFDEADBEEFDEADBEEFDEADBEEF", V.keyFingerprint],
    ] as [Set<String>?])
    func imageSignature(accepted: Set<String>?) throws {
        let value = try #require(try verify("image.signature", accepted: accepted).accepted)
        #expect(value.signer.description == V.keyFingerprint)
        #expect(value.dockerReference == V.reference)
        #expect(value.manifestDigest.description == V.manifestDigest)
        #expect(value.untrustedCreator == "atomic ")
        #expect(value.untrustedTimestamp == 1_458_239_713)
    }

    @Test("another spelling of the same identity is accepted (docker_test.go: docker.io/testing/manifest)", arguments: [
        "testing/manifest", "docker.io/testing/manifest", "index.docker.io/testing/manifest",
    ])
    func canonicalisation(identity: String) throws {
        #expect(try verify("image.signature", identity: identity).accepted?.dockerReference == V.reference)
    }

    @Test("identity mismatches are identity rejections", arguments: [
        "example.com/does-not/match", "this/does-not:match", "testing/manifest:latest", "docker.io/library/manifest",
    ])
    func identityMismatch(identity: String) throws {
        #expect(try verify("image.signature", identity: identity).rejection?.check == .identity)
    }

    @Test("a manifest with another digest is a digest rejection")
    func digestMismatch() throws {
        let other = Digest.compute(Array("unexpected manifest".utf8))
        let rejection = try #require(try verify("image.signature", digest: other).rejection)
        #expect(rejection.check == .digest)
    }

    @Test("signer outside acceptedSigners (including none accepted) is a signer rejection", arguments: [
        [], ["0123456789ABCDEF0123456789ABCDEF01234567"], [V.primaryWithSubkey],
    ] as [Set<String>])
    func signerRejected(accepted: Set<String>) throws {
        #expect(try verify("image.signature", accepted: accepted).rejection?.check == .signer)
    }

    struct Rejection: Sendable, CustomTestStringConvertible {
        let file: String
        let keys: [String]
        let check: SignatureRejection.Check
        let code: String
        var testDescription: String { "\(file) → \(check.rawValue)/\(code)" }
    }

    static let rejections: [Rejection] = [
        Rejection(file: "invalid-blob.signature", keys: ["public-key.gpg"], check: .claim, code: "invalidClaim"),
        Rejection(file: "invalid-reference.signature", keys: ["public-key.gpg"], check: .identity, code: "identityMismatch"),
        // The trailing byte after its deflate stream is refused before the bad signature is seen.
        Rejection(file: "corrupt.signature", keys: ["public-key.gpg"], check: .openPGP, code: "malformed"),
        Rejection(file: "unknown-key.signature", keys: ["pubring.gpg"], check: .openPGP, code: "untrustedKey"),
        Rejection(file: "expired.signature", keys: ["public-key.gpg"], check: .openPGP, code: "signatureExpired"),
        Rejection(file: "subkey-revoked.signature", keys: ["public-key-with-revoked-subkey.gpg"], check: .openPGP, code: "keyRevoked"),
        Rejection(file: "unsigned-literal.signature", keys: ["pubring.gpg"], check: .openPGP, code: "notSigned"),
        Rejection(file: "unsigned-encrypted.signature", keys: ["pubring.gpg"], check: .openPGP, code: "malformed"),
        Rejection(file: "invalid-blob.signature-v3", keys: ["public-key.gpg"], check: .openPGP, code: "unsupported"),
        Rejection(file: "subkey.signature-v3", keys: ["public-key-with-subkey.gpg"], check: .openPGP, code: "unsupported"),
        // An untrusted key's signature over non-JSON: refused for the key, the JSON is never read.
        Rejection(file: "invalid-blob.signature", keys: ["public-key-with-subkey.gpg"], check: .openPGP, code: "untrustedKey"),
    ]

    @Test("fixtures upstream refuses are refused at the right check", arguments: rejections)
    func rejected(_ row: Rejection) throws {
        let rejection = try #require(try verify(row.file, keys: row.keys).rejection)
        #expect(rejection.check == row.check)
        #expect(rejection.code == row.code)
    }

    @Test("invalid-blob.signature by a key outside acceptedSigners is a signer rejection, not a claim one")
    func invalidBlobSignerFirst() throws {
        let rejection = try #require(try verify("invalid-blob.signature", keys: ["pubring.gpg"], accepted: [V.primaryWithSubkey]).rejection)
        #expect(rejection.check == .signer)
    }

    @Test("expired.signature is refused only from its expiry time on; before, its payload is not a claim")
    func expiredSignatureClock() throws {
        #expect(try verify("expired.signature", now: Date(timeIntervalSince1970: 1_750_759_199)).rejection?.check == .claim)
        #expect(try verify("expired.signature", now: Date(timeIntervalSince1970: 1_750_759_200)).rejection?.code == "signatureExpired")
    }

    @Test("no-optional-fields.signature is accepted with no creator and no timestamp")
    func noOptionalFields() throws {
        let value = try #require(try verify("no-optional-fields.signature").accepted)
        #expect(value.untrustedCreator == nil)
        #expect(value.untrustedTimestamp == nil)
        #expect(value.dockerReference == V.reference)
    }

    @Test("dir-img-valid: signature-1 is accepted for testing/manifest:latest and the manifest next to it")
    func dirImageValid() throws {
        let digest = Digest.compute(try V.bytes("dir-img-valid/manifest.json"))
        let value = try #require(try verify("dir-img-valid/signature-1", accepted: [V.keyFingerprint], digest: digest, identity: "testing/manifest:latest").accepted)
        #expect(value.signer.description == V.keyFingerprint)
        #expect(value.untrustedCreator == "atomic 0.1.13-dev")
        #expect(try verify("dir-img-valid/signature-1", digest: digest, identity: "this/does-not:match").rejection?.check == .identity)
    }

    /// Signed by the subkey 57D1…; containers/image ≥ v5.37 maps it to the primary B9F4…, the
    /// identity policies name. Custody reports the primary as `signer`, the subkey as `signingKey`.
    @Test("dir-img-valid-subkey: a subkey signature is accepted and reported with the PRIMARY as signer", arguments: [
        nil, [V.primaryWithSubkey], [V.keyFingerprint, V.primaryWithSubkey],
        // The verifier also accepts a signing subkey named by its own fingerprint (documented in
        // SimpleSigningVerifier.acceptedSigners); containers/image only ever lists primaries.
        [V.subkeyOfPrimaryWithSubkey],
    ] as [Set<String>?])
    func subkeySignature(accepted: Set<String>?) throws {
        let digest = Digest.compute(try V.bytes("dir-img-valid-subkey/manifest.json"))
        let value = try #require(try verify("dir-img-valid-subkey/signature-1", keys: ["public-key-with-subkey.gpg"], accepted: accepted, digest: digest, identity: "testing/manifest:latest").accepted)
        #expect(value.signer.description == V.primaryWithSubkey)
        #expect(value.signingKey.description == V.subkeyOfPrimaryWithSubkey)
        #expect(value.dockerReference == "testing/manifest:latest")
    }

    @Test("a subkey signature is refused when acceptedSigners names neither the primary nor the subkey")
    func subkeySignatureRefused() throws {
        let rejection = try #require(try verify("subkey.signature", keys: ["pubring.gpg"], accepted: [V.keyFingerprint], identity: "testing/manifest:latest").rejection)
        #expect(rejection.check == .signer)
    }

    @Test("completely invalid signatures are OpenPGP rejections and reach no later check")
    func invalidBytes() throws {
        let verifier = SimpleSigningVerifier(keyring: try V.keyring("public-key.gpg"), now: V.now)
        for blob in [[], Array("invalid signature".utf8)] as [[UInt8]] {
            let rejection = try #require(verifier.verify(blob, manifestDigest: try V.digest(), identity: .exact(try ImageReference.parseNormalized(V.reference))).rejection)
            #expect(rejection.check == .openPGP)
        }
    }
}
