// SimpleSigningVerifier with generated keys: the order of its checks (OpenPGP, signer, claim,
// digest, identity — containers/image `verifyAndExtractSignature`), each check's rejection, the
// `acceptedSigners` restriction, and identity matching after normalisation (`.exact`).

import CustodyFormats
import CustodyOCI
import CustodyOpenPGP
import CustodySign
import CustodyVerify
import Foundation
import Testing

enum VerifierFixtures {
    static let signingTime = Date(timeIntervalSince1970: 1_750_000_000)
    static let digest = Digest.compute(Array(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}"#.utf8))
    static let otherDigest = Digest.compute(Array("another manifest".utf8))
    static let reference = "docker.io/library/busybox:latest"

    private static let trustedResult = Result { try OpenPGPSecretKey.generate(.ed25519, userID: "Trusted <trusted@custody.test>", at: signingTime.addingTimeInterval(-86_400)) }
    private static let untrustedResult = Result { try OpenPGPSecretKey.generate(.ed25519, userID: "Untrusted <untrusted@custody.test>", at: signingTime.addingTimeInterval(-86_400)) }

    static func trusted() throws -> OpenPGPSecretKey { try trustedResult.get() }
    static func untrusted() throws -> OpenPGPSecretKey { try untrustedResult.get() }

    static func keyring(_ keys: OpenPGPSecretKey...) throws -> OpenPGPKeyring {
        var keyring = OpenPGPKeyring()
        for key in keys { keyring.add(try OpenPGPKeyring(bytes: Array(key.armoredPublicKey().utf8))) }
        return keyring
    }

    /// A simple signature by `key` over a claim for `digest` and `identity`, made with CustodySign.
    static func signature(by key: OpenPGPSecretKey, digest: Digest = digest, identity: String = reference) throws -> [UInt8] {
        try SimpleSigner(key: key, creator: "atomic 5.23.1").sign(manifestDigest: digest, identity: identity, at: signingTime)
    }

    static func exact(_ text: String) throws -> IdentityRequirement {
        .exact(try ImageReference.parseNormalized(text))
    }
}

extension SimpleSignatureVerdict {
    var accepted: VerifiedSimpleSignature? {
        if case .accepted(let value) = self { return value }
        return nil
    }

    var rejection: SignatureRejection? {
        if case .rejected(let value) = self { return value }
        return nil
    }
}

@Suite("SimpleSigningVerifier")
struct SimpleSigningVerifierTests {
    typealias F = VerifierFixtures

    @Test("a signature made by SimpleSigner is accepted with every field")
    func accepted() throws {
        let key = try F.trusted()
        let verifier = SimpleSigningVerifier(keyring: try F.keyring(key))
        let verdict = verifier.verify(try F.signature(by: key), manifestDigest: F.digest, identity: try F.exact(F.reference))
        let value = try #require(verdict.accepted, "\(String(describing: verdict.rejection))")
        #expect(value.signer == key.fingerprint)
        #expect(value.signingKey == key.fingerprint)
        #expect(value.dockerReference == F.reference)
        #expect(value.manifestDigest == F.digest)
        #expect(value.untrustedCreator == "atomic 5.23.1")
        #expect(value.untrustedTimestamp == 1_750_000_000)
    }

    /// containers/image never parses the JSON of a signature it could not verify: garbage signed by
    /// an untrusted key is an OpenPGP-level rejection, not a claim error.
    @Test("an untrusted key's signature over garbage JSON is an OpenPGP rejection (untrustedKey), not a claim error")
    func untrustedKeyBeforeClaim() throws {
        let garbage = try F.untrusted().signMessage(Array("This is not JSON\n".utf8), at: F.signingTime)
        let verifier = SimpleSigningVerifier(keyring: try F.keyring(F.trusted()))
        let rejection = try #require(verifier.verify(garbage, manifestDigest: F.digest, identity: try F.exact(F.reference)).rejection)
        #expect(rejection.check == .openPGP)
        #expect(rejection.code == OpenPGPError.Code.untrustedKey.rawValue)
    }

    @Test("a trusted key's signature over garbage JSON is a claim rejection")
    func garbageClaim() throws {
        let key = try F.trusted()
        let garbage = try key.signMessage(Array("This is not JSON\n".utf8), at: F.signingTime)
        let rejection = try #require(SimpleSigningVerifier(keyring: try F.keyring(key)).verify(garbage, manifestDigest: F.digest, identity: try F.exact(F.reference)).rejection)
        #expect(rejection.check == .claim)
        #expect(rejection.code == SimpleSigningError.Code.invalidClaim.rawValue)
    }

    @Test("the signer check comes before the claim: a key outside acceptedSigners with garbage JSON is a signer rejection")
    func signerBeforeClaim() throws {
        let key = try F.trusted(), other = try F.untrusted()
        let garbage = try key.signMessage(Array("{".utf8), at: F.signingTime)
        let verifier = SimpleSigningVerifier(keyring: try F.keyring(key, other), acceptedSigners: [other.fingerprint])
        let rejection = try #require(verifier.verify(garbage, manifestDigest: F.digest, identity: try F.exact(F.reference)).rejection)
        #expect(rejection.check == .signer)
        #expect(rejection.code == SimpleSigningError.Code.signerMismatch.rawValue)
    }

    @Test("the digest check comes before the identity check")
    func digestBeforeIdentity() throws {
        let key = try F.trusted()
        let blob = try F.signature(by: key, digest: F.otherDigest, identity: "quay.io/other/image:1")
        let rejection = try #require(SimpleSigningVerifier(keyring: try F.keyring(key)).verify(blob, manifestDigest: F.digest, identity: try F.exact(F.reference)).rejection)
        #expect(rejection.check == .digest)
    }

    @Test("a signature replayed onto another manifest is a digest rejection")
    func digestReplay() throws {
        let key = try F.trusted()
        let verifier = SimpleSigningVerifier(keyring: try F.keyring(key))
        let blob = try F.signature(by: key, digest: F.otherDigest)
        let rejection = try #require(verifier.verify(blob, manifestDigest: F.digest, identity: try F.exact(F.reference)).rejection)
        #expect(rejection.check == .digest)
        #expect(rejection.code == SimpleSigningError.Code.digestMismatch.rawValue)
        #expect(verifier.verify(blob, manifestDigest: F.otherDigest, identity: try F.exact(F.reference)).accepted != nil)
    }

    @Test("a signature for another identity is an identity rejection")
    func identityMismatch() throws {
        let key = try F.trusted()
        let blob = try F.signature(by: key, identity: "docker.io/library/other:latest")
        let rejection = try #require(SimpleSigningVerifier(keyring: try F.keyring(key)).verify(blob, manifestDigest: F.digest, identity: try F.exact(F.reference)).rejection)
        #expect(rejection.check == .identity)
        #expect(rejection.code == SimpleSigningError.Code.identityMismatch.rawValue)
    }

    /// containers/image's standalone check: ParseNormalizedNamed on both sides, then compare String().
    @Test("identities match after normalisation, with no default tag added", arguments: [
        ("docker.io/library/busybox:latest", "busybox:latest", true),
        ("busybox:latest", "docker.io/library/busybox:latest", true),
        ("library/busybox:latest", "busybox:latest", true),
        ("index.docker.io/library/busybox:latest", "busybox:latest", true),
        ("docker.io/library/busybox:latest", "busybox", false),
        ("docker.io/library/busybox", "busybox:latest", false),
        ("busybox", "busybox", true),
        ("docker.io/library/busybox:latest", "busybox:1.36", false),
        ("quay.io/org/app:v1", "quay.io/org/app:v1", true),
        ("quay.io/org/app:v1", "docker.io/org/app:v1", false),
        ("localhost:5000/app:v1", "localhost:5000/app:v1", true),
        ("busybox@sha256:" + String(repeating: "a", count: 64), "docker.io/library/busybox@sha256:" + String(repeating: "a", count: 64), true),
        ("busybox:latest@sha256:" + String(repeating: "a", count: 64), "busybox@sha256:" + String(repeating: "a", count: 64), false),
        ("BusyBox:latest", "busybox:latest", false),
        ("", "busybox:latest", false),
        ("docker.io/library/busybox:latest ", "busybox:latest", false),
    ])
    func identityNormalisation(signed: String, expected: String, matches: Bool) throws {
        let key = try F.trusted()
        let blob = try F.signature(by: key, identity: signed)
        let verdict = SimpleSigningVerifier(keyring: try F.keyring(key)).verify(blob, manifestDigest: F.digest, identity: try F.exact(expected))
        if matches {
            #expect(verdict.accepted?.dockerReference == signed)
        } else {
            #expect(verdict.rejection?.check == .identity)
        }
    }

    @Test("acceptedSigners: nil accepts any key of the keyring, a set accepts only its members")
    func acceptedSigners() throws {
        let key = try F.trusted(), other = try F.untrusted()
        let keyring = try F.keyring(key, other)
        let blob = try F.signature(by: key)
        let identity = try F.exact(F.reference)
        #expect(SimpleSigningVerifier(keyring: keyring).verify(blob, manifestDigest: F.digest, identity: identity).accepted?.signer == key.fingerprint)
        #expect(SimpleSigningVerifier(keyring: keyring, acceptedSigners: [key.fingerprint]).verify(blob, manifestDigest: F.digest, identity: identity).accepted != nil)
        #expect(SimpleSigningVerifier(keyring: keyring, acceptedSigners: [other.fingerprint, key.fingerprint]).verify(blob, manifestDigest: F.digest, identity: identity).accepted != nil)
        #expect(SimpleSigningVerifier(keyring: keyring, acceptedSigners: [other.fingerprint]).verify(blob, manifestDigest: F.digest, identity: identity).rejection?.check == .signer)
        #expect(SimpleSigningVerifier(keyring: keyring, acceptedSigners: []).verify(blob, manifestDigest: F.digest, identity: identity).rejection?.check == .signer)
    }

    @Test("OpenPGP failures are reported with the OpenPGP error code", arguments: [
        ([UInt8](), "malformed"), (Array("invalid signature".utf8), "malformed"),
    ])
    func openPGPFailures(blob: [UInt8], code: String) throws {
        let rejection = try #require(SimpleSigningVerifier(keyring: try F.keyring(F.trusted())).verify(blob, manifestDigest: F.digest, identity: try F.exact(F.reference)).rejection)
        #expect(rejection.check == .openPGP)
        #expect(rejection.code == code)
    }

    @Test("the verifier's clock is used: a signature dated before the key existed is refused at any time")
    func clock() throws {
        let key = try F.trusted()
        let early = try SimpleSigner(key: key, creator: "c").sign(manifestDigest: F.digest, identity: F.reference, at: F.signingTime.addingTimeInterval(-2 * 86_400))
        let rejection = try #require(SimpleSigningVerifier(keyring: try F.keyring(key), now: F.signingTime).verify(early, manifestDigest: F.digest, identity: try F.exact(F.reference)).rejection)
        #expect(rejection.check == .openPGP)
        #expect(rejection.code == OpenPGPError.Code.keyNotUsable.rawValue)
    }

    @Test("an empty keyring rejects every signature as untrusted")
    func emptyKeyring() throws {
        let rejection = try #require(SimpleSigningVerifier(keyring: OpenPGPKeyring()).verify(try F.signature(by: F.trusted()), manifestDigest: F.digest, identity: try F.exact(F.reference)).rejection)
        #expect(rejection.code == OpenPGPError.Code.untrustedKey.rawValue)
    }
}
