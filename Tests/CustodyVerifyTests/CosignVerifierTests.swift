// CosignVerifier and CosignSigner with generated keys of every supported type (the accept/reject
// matrix, in containers/image's order of checks: media type, signature annotation, signature,
// claim, digest, identity), upstream vectors (containers/image's cosign fixtures, sigstore's
// payload_test.go payloads), and ImageSignatureVerifier routing both formats.

import CustodyFormats
import CustodyKeys
import CustodyOCI
import CustodyOpenPGP
import CustodySign
import CustodyStores
import CustodyVerify
import Foundation
import Testing

enum CosignFixtures {
    static let manifest = Array(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}"#.utf8)
    static let digest = Digest.compute(manifest)
    static let otherDigest = Digest.compute(Array("another manifest".utf8))
    static let repository = "registry.example/team/app"

    /// The key types cosign signs with; one key of each, made once per test process.
    static let keyTypes: [KeyType] = [.ecdsaP256, .ecdsaP384, .ed25519, .rsa3072]
    private static let keys: [KeyType: Result<PrivateKey, any Error>] = Dictionary(
        uniqueKeysWithValues: keyTypes.map { type in (type, Result { try PrivateKey.generate(type) }) })
    private static let otherP256 = Result { try PrivateKey.generate(.ecdsaP256) }

    static func key(_ type: KeyType) throws -> PrivateKey { try keys[type]!.get() }
    static func otherKey() throws -> PrivateKey { try otherP256.get() }

    static func reference(_ text: String) throws -> ImageReference { try ImageReference.parseNormalized(text) }

    /// A cosign signature by `key` (its natural scheme) made with CustodySign.
    static func sign(
        _ key: PrivateKey, digest: Digest = digest, identity: String = repository, annotations: [String: String]? = nil
    ) async throws -> SigstoreSignature {
        try await CosignSigner(signer: FileSigner(key)).sign(manifestDigest: digest, dockerReference: identity, annotations: annotations)
    }

    /// A signature over arbitrary payload bytes, as a cosign layer.
    static func layer(_ payload: [UInt8], signedBy key: PrivateKey, algorithm: SigningAlgorithm? = nil) throws -> SigstoreSignature {
        let signature = try key.sign(payload, algorithm: algorithm ?? key.algorithm.defaultSigningAlgorithm)
        return SigstoreSignature(
            mimeType: MediaType.cosignSimpleSigning.rawValue, payload: payload,
            annotations: [CosignAnnotation.signature: CosignAnnotation.encodeSignature(signature)])
    }

    static func replacing(_ signature: SigstoreSignature, mimeType: String? = nil, payload: [UInt8]? = nil, annotations: [String: String]? = nil) -> SigstoreSignature {
        SigstoreSignature(
            mimeType: mimeType ?? signature.untrustedMIMEType, payload: payload ?? signature.untrustedPayload,
            annotations: annotations ?? signature.untrustedAnnotations)
    }
}

extension CosignSignatureVerdict {
    var accepted: VerifiedCosignSignature? {
        if case .accepted(let value) = self { return value }
        return nil
    }

    var rejection: SignatureRejection? {
        if case .rejected(let value) = self { return value }
        return nil
    }
}

@Suite("CosignVerifier and CosignSigner")
struct CosignVerifierTests {
    typealias F = CosignFixtures

    @Test("a signature made by CosignSigner is accepted with every field, for every key type", arguments: CosignFixtures.keyTypes)
    func accepted(_ type: KeyType) async throws {
        let key = try F.key(type)
        let signature = try await F.sign(key)
        #expect(signature.untrustedMIMEType == "application/vnd.dev.cosign.simplesigning.v1+json")
        #expect(Array(signature.untrustedAnnotations.keys) == ["dev.cosignproject.cosign/signature"])
        #expect(signature.untrustedPayload == (try CosignPayload(dockerReference: F.repository, manifestDigest: F.digest).encoded()))

        let verdict = CosignVerifier(keys: [key.publicKey]).verify(signature, manifestDigest: F.digest, identity: .repository(try F.reference(F.repository)))
        let value = try #require(verdict.accepted, "\(String(describing: verdict.rejection))")
        #expect(value.keyID == key.publicKey.keyID)
        #expect(value.algorithm == key.algorithm.defaultSigningAlgorithm)
        #expect(value.dockerReference == F.repository)
        #expect(value.manifestDigest == F.digest)
        #expect(value.untrustedAnnotations.isEmpty)
        #expect(value.untrustedCreator == nil)
        #expect(value.untrustedTimestamp == nil)
    }

    @Test("the signature is over the exact payload bytes with the key's natural scheme")
    func naturalScheme() async throws {
        for type in F.keyTypes {
            let key = try F.key(type)
            let signature = try await F.sign(key)
            let bytes = try #require(CosignAnnotation.decodeSignature(signature.untrustedAnnotations[CosignAnnotation.signature] ?? ""))
            #expect(key.publicKey.isValidSignature(bytes, for: signature.untrustedPayload, algorithm: key.algorithm.defaultSigningAlgorithm), "\(type)")
        }
        // P-384 signs with SHA-384 (cosign's choice), not SHA-256.
        let p384 = try F.key(.ecdsaP384)
        #expect(p384.algorithm.defaultSigningAlgorithm == .ecdsaP384SHA384)
    }

    @Test("ECDSA P-521 keys sign and verify with SHA-512, as cosign does; other keys do not verify them")
    func p521() async throws {
        let key = try PrivateKey.generate(.ecdsaP521)
        let signature = try await F.sign(key)
        let bytes = try #require(CosignAnnotation.decodeSignature(signature.untrustedAnnotations[CosignAnnotation.signature] ?? ""))
        #expect(key.publicKey.isValidSignature(bytes, for: signature.untrustedPayload, algorithm: .ecdsaP521SHA512))
        let verdict = CosignVerifier(keys: [try F.key(.ecdsaP384), key].map(\.publicKey))
            .verify(signature, manifestDigest: F.digest, identity: .repository(try F.reference(F.repository)))
        let value = try #require(verdict.accepted, "\(String(describing: verdict.rejection))")
        #expect(value.keyID == key.publicKey.keyID)
        #expect(value.algorithm == .ecdsaP521SHA512)
        let rejection = try #require(CosignVerifier(keys: [try F.key(.ecdsaP384).publicKey, try PrivateKey.generate(.ecdsaP521).publicKey])
            .verify(signature, manifestDigest: F.digest, identity: .any).rejection)
        #expect(rejection.check == .cryptographic)
        #expect(rejection.reason.contains("ecdsa-p521") && rejection.reason.contains("ecdsa-p384"))
    }

    @Test("annotations go into optional and come back, unverified; without them optional is null")
    func annotations() async throws {
        let key = try F.key(.ecdsaP256)
        let annotated = try await F.sign(key, annotations: ["env": "prod", "build": "<42>"])
        #expect(String(decoding: annotated.untrustedPayload, as: UTF8.self).hasSuffix(#""optional":{"build":"\u003c42\u003e","env":"prod"}}"#))
        let value = try #require(CosignVerifier(keys: [key.publicKey]).verify(annotated, manifestDigest: F.digest, identity: .any).accepted)
        #expect(value.untrustedAnnotations == ["env": "prod", "build": "<42>"])

        let plain = try await F.sign(key)
        #expect(String(decoding: plain.untrustedPayload, as: UTF8.self).hasSuffix(#""optional":null}"#))
        #expect(try #require(CosignVerifier(keys: [key.publicKey]).verify(plain, manifestDigest: F.digest, identity: .any).accepted).untrustedAnnotations.isEmpty)
    }

    @Test("a signature by another key of the same type is rejected, naming the key tried", arguments: CosignFixtures.keyTypes)
    func wrongKey(_ type: KeyType) async throws {
        let signature = try await F.sign(try F.key(type))
        let other = try F.otherKey().publicKey
        let rejection = try #require(CosignVerifier(keys: [other]).verify(signature, manifestDigest: F.digest, identity: .any).rejection)
        #expect(rejection.check == .cryptographic)
        #expect(rejection.code == "signatureMismatch")
        #expect(rejection.reason == "signature does not verify with key \(other.keyID) (ecdsa-p256)")
    }

    @Test("a key of another type than the signature gives a clear rejection, never a crash")
    func keyTypeMismatch() async throws {
        let rsa = try F.key(.rsa3072).publicKey
        let ecdsaSignature = try await F.sign(try F.key(.ecdsaP256))
        let rejection = try #require(CosignVerifier(keys: [rsa]).verify(ecdsaSignature, manifestDigest: F.digest, identity: .any).rejection)
        #expect(rejection.check == .cryptographic)
        #expect(rejection.reason == "signature does not verify with key \(rsa.keyID) (rsa-3072)")

        // Every pairing of key and signature type.
        for signerType in F.keyTypes {
            let signature = try await F.sign(try F.key(signerType))
            for keyType in F.keyTypes where keyType != signerType {
                let verdict = CosignVerifier(keys: [try F.key(keyType).publicKey]).verify(signature, manifestDigest: F.digest, identity: .any)
                #expect(verdict.rejection?.check == .cryptographic, "\(signerType) signature, \(keyType) key")
            }
        }

        // Several keys: every one is named, and the one that verifies wins.
        let keys = [rsa, try F.key(.ed25519).publicKey]
        let several = try #require(CosignVerifier(keys: keys).verify(ecdsaSignature, manifestDigest: F.digest, identity: .any).rejection)
        #expect(several.reason == "signature does not verify with any trusted key: \(rsa.keyID) (rsa-3072), \(keys[1].keyID) (ed25519)")
        let p256 = try F.key(.ecdsaP256).publicKey
        #expect(CosignVerifier(keys: keys + [p256]).verify(ecdsaSignature, manifestDigest: F.digest, identity: .any).accepted?.keyID == p256.keyID)
    }

    @Test("a tampered payload or signature is rejected before the payload is read")
    func tampered() async throws {
        let key = try F.key(.ecdsaP256)
        let signature = try await F.sign(key)
        let verifier = CosignVerifier(keys: [key.publicKey])
        // The payload names another digest: a replay attempt with the old signature.
        let replayed = Array(String(decoding: signature.untrustedPayload, as: UTF8.self)
            .replacingOccurrences(of: F.digest.encoded, with: F.otherDigest.encoded).utf8)
        #expect(verifier.verify(F.replacing(signature, payload: replayed), manifestDigest: F.otherDigest, identity: .any).rejection?.check == .cryptographic)
        var flipped = signature.untrustedPayload
        flipped[flipped.count - 3] ^= 0x01
        #expect(verifier.verify(F.replacing(signature, payload: flipped), manifestDigest: F.digest, identity: .any).rejection?.check == .cryptographic)
        var signatureBytes = try #require(CosignAnnotation.decodeSignature(signature.untrustedAnnotations[CosignAnnotation.signature]!))
        signatureBytes[signatureBytes.count / 2] ^= 0x01
        let badSignature = F.replacing(signature, annotations: [CosignAnnotation.signature: CosignAnnotation.encodeSignature(signatureBytes)])
        #expect(verifier.verify(badSignature, manifestDigest: F.digest, identity: .any).rejection?.check == .cryptographic)
    }

    @Test("the digest must be the image's")
    func digestMismatch() async throws {
        let key = try F.key(.ed25519)
        let signature = try await F.sign(key, digest: F.otherDigest)
        let rejection = try #require(CosignVerifier(keys: [key.publicKey]).verify(signature, manifestDigest: F.digest, identity: .any).rejection)
        #expect(rejection.check == .digest)
        #expect(rejection.reason == "signature is for manifest digest \(F.otherDigest), not \(F.digest)")
    }

    @Test("identity: any; repository (tag ignored, normalised); exact")
    func identity() async throws {
        let key = try F.key(.ecdsaP256)
        let verifier = CosignVerifier(keys: [key.publicKey])
        func verdict(signed: String, _ requirement: CosignIdentityRequirement) async throws -> CosignSignatureVerdict {
            verifier.verify(try await F.sign(key, identity: signed), manifestDigest: F.digest, identity: requirement)
        }
        let repository = try F.reference(F.repository)
        #expect(try await verdict(signed: "elsewhere.example/x", .any).accepted != nil)
        #expect(try await verdict(signed: F.repository, .repository(try F.reference(F.repository + ":v1"))).accepted != nil)
        #expect(try await verdict(signed: F.repository + ":v2", .repository(repository)).accepted != nil)
        #expect(try await verdict(signed: "busybox", .repository(try F.reference("docker.io/library/busybox:latest"))).accepted != nil)
        let other = try #require(try await verdict(signed: "registry.example/team/other", .repository(repository)).rejection)
        #expect(other.check == .identity)
        #expect(other.reason == #"signature identity "registry.example/team/other" is not in repository "registry.example/team/app""#)
        #expect(try await verdict(signed: "Not A Reference", .repository(repository)).rejection?.check == .identity)

        #expect(try await verdict(signed: F.repository + ":v1", .exact(try F.reference(F.repository + ":v1"))).accepted != nil)
        #expect(try await verdict(signed: F.repository + ":v1", .exact(try F.reference(F.repository + ":v2"))).rejection?.check == .identity)
        #expect(try await verdict(signed: F.repository, .exact(try F.reference(F.repository + ":latest"))).rejection?.check == .identity)
    }

    @Test("the signature annotation is required and must be standard base64; the media type must be cosign's")
    func layerChecks() async throws {
        let key = try F.key(.ecdsaP256)
        let signature = try await F.sign(key)
        let verifier = CosignVerifier(keys: [key.publicKey])
        let missing = try #require(verifier.verify(F.replacing(signature, annotations: [CosignAnnotation.bundle: "{}"]), manifestDigest: F.digest, identity: .any).rejection)
        #expect(missing.check == .cryptographic)
        #expect(missing.reason == "missing dev.cosignproject.cosign/signature annotation")
        let value = signature.untrustedAnnotations[CosignAnnotation.signature]!
        // Not base64; a truncated value (unpadded); surrounding whitespace; the URL-safe alphabet.
        for garbage in ["not base64!", String(value.dropLast()), " " + value, value + "\n", "AAA-_AAA"] {
            let rejection = try #require(verifier.verify(F.replacing(signature, annotations: [CosignAnnotation.signature: garbage]), manifestDigest: F.digest, identity: .any).rejection)
            #expect(rejection.check == .cryptographic, "\(garbage)")
            #expect(rejection.code == "invalidSignatureEncoding", "\(garbage)")
            #expect(rejection.reason == "dev.cosignproject.cosign/signature annotation is not standard base64", "\(garbage)")
        }
        let empty = try #require(verifier.verify(F.replacing(signature, annotations: [CosignAnnotation.signature: ""]), manifestDigest: F.digest, identity: .any).rejection)
        #expect(empty.check == .cryptographic)
        let otherType = try #require(verifier.verify(F.replacing(signature, mimeType: "text/plain"), manifestDigest: F.digest, identity: .any).rejection)
        #expect(otherType.check == .format)
        #expect(otherType.reason.contains("text/plain"))
        let noKeys = try #require(CosignVerifier(keys: []).verify(signature, manifestDigest: F.digest, identity: .any).rejection)
        #expect(noKeys.check == .cryptographic)
    }

    @Test("a verified payload is still parsed strictly: wrong type, atomic claims, garbage JSON")
    func strictClaim() throws {
        let key = try F.key(.ecdsaP256)
        let verifier = CosignVerifier(keys: [key.publicKey])
        let atomic = try SimpleSigningClaim(dockerReference: F.repository, manifestDigest: F.digest, creator: "c", timestamp: 1).encoded()
        let extra = Array(String(decoding: try CosignPayload(dockerReference: F.repository, manifestDigest: F.digest).encoded(), as: UTF8.self)
            .replacingOccurrences(of: #""type":"#, with: #""extra":1,"type":"#).utf8)
        for payload in [atomic, Array("{}".utf8), Array("not json".utf8), extra] {
            let rejection = try #require(verifier.verify(try F.layer(payload, signedBy: key), manifestDigest: F.digest, identity: .any).rejection)
            #expect(rejection.check == .claim, "\(String(decoding: payload, as: UTF8.self))")
        }
    }

    @Test("RSA-PSS is neither verified nor made: cosign and containers/image use PKCS #1 v1.5")
    func rsaPSS() async throws {
        let key = try F.key(.rsa3072)
        let payload = try CosignPayload(dockerReference: F.repository, manifestDigest: F.digest).encoded()
        let pss = try F.layer(payload, signedBy: key, algorithm: .rsaPSSSHA256)
        #expect(CosignVerifier(keys: [key.publicKey]).verify(pss, manifestDigest: F.digest, identity: .any).rejection?.check == .cryptographic)
        #expect(CosignVerifier(keys: [key.publicKey]).verify(try F.layer(payload, signedBy: key), manifestDigest: F.digest, identity: .any).accepted != nil)

        let pssSigner = CosignSigner(signer: try FileSigner(key, algorithm: .rsaPSSSHA256))
        await #expect(throws: KeyError(code: .algorithmMismatch)) {
            try await pssSigner.sign(manifestDigest: F.digest, dockerReference: F.repository)
        }
    }

    @Test("a signer whose signature its own key does not verify is refused")
    func lyingSigner() async throws {
        struct Lying: Signer {
            let publicKey: PublicKey
            let algorithm = SigningAlgorithm.ecdsaP256SHA256
            let key: PrivateKey
            func sign(_ message: [UInt8]) async throws -> [UInt8] { try key.sign(message + [0], algorithm: algorithm) }
        }
        let key = try F.key(.ecdsaP256)
        let signer = CosignSigner(signer: Lying(publicKey: key.publicKey, key: key))
        await #expect(throws: KeyError(code: .signingFailed)) {
            try await signer.sign(manifestDigest: F.digest, dockerReference: F.repository)
        }
    }
}

// MARK: - Upstream vectors

/// containers/image `signature/fixtures` (commit df7e80d2, Apache-2.0): `cosign.pub`,
/// `cosign2.pub`, and the `sigstore-json` bodies of `dir-img-cosign-valid/signature-1` (made by
/// cosign: repository identity, `"optional":null`) and `dir-img-cosign-valid-with-tag/signature-1`
/// (made by containers/image 5.21: identity with tag, creator and timestamp). Both sign the
/// manifest `sha256:634a8f35…6a00` with the key `cosign.pub`.
enum ContainersImageCosignVectors {
    static let cosignPub = """
        -----BEGIN PUBLIC KEY-----
        MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEFNLqFhf4fiN6o/glAuYnq2jYUeL0
        vRuLu/z39pmbVwS9ff5AYnlwaP9sxREajdLY9ynM6G1sy6AAmb7Z63TsLg==
        -----END PUBLIC KEY-----
        """
    static let cosign2Pub = """
        -----BEGIN PUBLIC KEY-----
        MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEwOkOF9xpfG8ghueIhnZ66ooujwt1
        +ReV3HupgKnGFYnEh3Hh1YTg5L6kN1Yakkt5WltRoav8/R3hpCtUO3Rldw==
        -----END PUBLIC KEY-----
        """
    static let manifestDigest = "sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00"
    static let cosignMade = #"{"mimeType":"application/vnd.dev.cosign.simplesigning.v1+json","payload":"eyJjcml0aWNhbCI6eyJpZGVudGl0eSI6eyJkb2NrZXItcmVmZXJlbmNlIjoiMTkyLjE2OC42NC4yOjUwMDAvY29zaWduLXNpZ25lZC1zaW5nbGUtc2FtcGxlIn0sImltYWdlIjp7ImRvY2tlci1tYW5pZmVzdC1kaWdlc3QiOiJzaGEyNTY6NjM0YThmMzViNWYxNmRjZjRhYWEwODIyYWRjMGIxOTY0YmI3ODZmY2ExMmY2ODMxZGU4ZGRjNDVlNTk4NmEwMCJ9LCJ0eXBlIjoiY29zaWduIGNvbnRhaW5lciBpbWFnZSBzaWduYXR1cmUifSwib3B0aW9uYWwiOm51bGx9","annotations":{"dev.cosignproject.cosign/signature":"MEYCIQDmtamqYPjMg81nqeBhptrPls44aA/r7PwLmspINJY4MwIhANKRpqe2E9UCBtGFdPoz/8jAbaQm4uP4h+IpwKTE6ClR"}}"#
    static let containersImageMade = #"{"mimeType":"application/vnd.dev.cosign.simplesigning.v1+json","payload":"eyJjcml0aWNhbCI6eyJpZGVudGl0eSI6eyJkb2NrZXItcmVmZXJlbmNlIjoiMTkyLjE2OC42NC4yOjUwMDAvc2tvcGVvLXNpZ25lZDp0YWcifSwiaW1hZ2UiOnsiZG9ja2VyLW1hbmlmZXN0LWRpZ2VzdCI6InNoYTI1Njo2MzRhOGYzNWI1ZjE2ZGNmNGFhYTA4MjJhZGMwYjE5NjRiYjc4NmZjYTEyZjY4MzFkZThkZGM0NWU1OTg2YTAwIn0sInR5cGUiOiJjb3NpZ24gY29udGFpbmVyIGltYWdlIHNpZ25hdHVyZSJ9LCJvcHRpb25hbCI6eyJjcmVhdG9yIjoiY29udGFpbmVycy9pbWFnZSA1LjIxLjItZGV2IiwidGltZXN0YW1wIjoxNjU3Mjk2NjA5fX0=","annotations":{"dev.cosignproject.cosign/signature":"MEUCIAhoI92AgO+sWjr6N+QjEDQE9Wwg1oaDDcaJIlALUqRlAiEA9+iphb/7b5T13Wy7KnlXMUM17uYTgEkUl97pu3GD/5M="}}"#

    /// The framed blob (`0x00 sigstore-json \n` + body) decoded as containers/image reads it.
    static func signature(_ body: String) throws -> SigstoreSignature {
        guard case .sigstore(let signature) = try SignatureBlob(bytes: [0x00] + Array("sigstore-json\n".utf8) + Array(body.utf8)) else {
            throw SimpleSigningError(.invalidClaim, "not a sigstore signature")
        }
        return signature
    }
}

/// sigstore/sigstore `pkg/signature/payload/payload_test.go` `TestMarshalCosign` (commit
/// bd0ad712, Apache-2.0): the exact bytes cosign's payload marshals to.
enum SigstorePayloadVectors {
    static let digest = "sha256:d34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33f"
    static let noClaims = #"{"critical":{"identity":{"docker-reference":"example.com/test/image"},"image":{"docker-manifest-digest":"sha256:d34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33f"},"type":"cosign container image signature"},"optional":null}"#
    static let standardAtomic = #"{"critical":{"identity":{"docker-reference":"example.com/atomic/test/image"},"image":{"docker-manifest-digest":"sha256:d34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33f"},"type":"cosign container image signature"},"optional":{"creator":"atomic","timestamp":1458239713}}"#
    static let arbitraryClaims = #"{"critical":{"identity":{"docker-reference":"example.com/cosign/test/image"},"image":{"docker-manifest-digest":"sha256:d34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33f"},"type":"cosign container image signature"},"optional":{"CamelCase WithSpace":8.314,"creator":"anyone","some_struct":{"false":true,"foo":"bar","nothing":null}}}"#
    static let customIdentity = #"{"critical":{"identity":{"docker-reference":"docker.io/library/test:1.2.3"},"image":{"docker-manifest-digest":"sha256:d34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33f"},"type":"cosign container image signature"},"optional":null}"#
}

@Suite("CosignVerifier: upstream vectors")
struct CosignUpstreamVectorTests {
    typealias V = ContainersImageCosignVectors
    typealias S = SigstorePayloadVectors

    @Test("cosign's own signature (containers/image fixture) is accepted with cosign.pub, by repository, and rejected with cosign2.pub")
    func cosignMade() throws {
        let signature = try V.signature(V.cosignMade)
        let key = try PublicKey(pemEncoded: V.cosignPub)
        let digest = try Digest(parsing: V.manifestDigest)
        let value = try #require(CosignVerifier(keys: [key]).verify(
            signature, manifestDigest: digest, identity: .repository(try ImageReference.parseNormalized("192.168.64.2:5000/cosign-signed-single-sample:latest"))).accepted)
        #expect(value.keyID == key.keyID)
        #expect(value.dockerReference == "192.168.64.2:5000/cosign-signed-single-sample")
        #expect(value.untrustedAnnotations.isEmpty)

        let other = try PublicKey(pemEncoded: V.cosign2Pub)
        #expect(CosignVerifier(keys: [other]).verify(signature, manifestDigest: digest, identity: .any).rejection?.check == .cryptographic)
        #expect(CosignVerifier(keys: [other, key]).verify(signature, manifestDigest: digest, identity: .any).accepted?.keyID == key.keyID)
        #expect(CosignVerifier(keys: [key]).verify(signature, manifestDigest: try Digest(parsing: S.digest), identity: .any).rejection?.check == .digest)
    }

    @Test("containers/image's signature (identity with tag, creator, timestamp) is accepted exactly, by repository, and not for another tag")
    func containersImageMade() throws {
        let signature = try V.signature(V.containersImageMade)
        let key = try PublicKey(pemEncoded: V.cosignPub)
        let digest = try Digest(parsing: V.manifestDigest)
        let verifier = CosignVerifier(keys: [key])
        let value = try #require(verifier.verify(
            signature, manifestDigest: digest, identity: .exact(try ImageReference.parseNormalized("192.168.64.2:5000/skopeo-signed:tag"))).accepted)
        #expect(value.untrustedCreator == "containers/image 5.21.2-dev")
        #expect(value.untrustedTimestamp == 1_657_296_609)
        #expect(value.untrustedAnnotations == ["creator": "containers/image 5.21.2-dev", "timestamp": "1657296609"])
        #expect(verifier.verify(
            signature, manifestDigest: digest, identity: .exact(try ImageReference.parseNormalized("192.168.64.2:5000/skopeo-signed:othertag"))).rejection?.check == .identity)
        #expect(verifier.verify(
            signature, manifestDigest: digest, identity: .repository(try ImageReference.parseNormalized("192.168.64.2:5000/skopeo-signed:othertag"))).accepted != nil)
    }

    @Test("CosignSigner writes sigstore's payload_test.go bytes exactly")
    func payloadBytes() async throws {
        let key = try CosignFixtures.key(.ecdsaP256)
        let digest = try Digest(parsing: S.digest)
        let signer = CosignSigner(signer: FileSigner(key))
        #expect(try await signer.sign(manifestDigest: digest, dockerReference: "example.com/test/image").untrustedPayload == Array(S.noClaims.utf8))
        #expect(try await signer.sign(manifestDigest: digest, dockerReference: "docker.io/library/test:1.2.3").untrustedPayload == Array(S.customIdentity.utf8))
    }

    @Test("payload_test.go payloads with non-string claims verify; their optional members come back as text", arguments: [
        (SigstorePayloadVectors.standardAtomic, "example.com/atomic/test/image", ["creator": "atomic", "timestamp": "1458239713"]),
        (SigstorePayloadVectors.arbitraryClaims, "example.com/cosign/test/image",
         ["CamelCase WithSpace": "8.314", "creator": "anyone", "some_struct": #"{"false":true,"foo":"bar","nothing":null}"#]),
        (SigstorePayloadVectors.customIdentity, "docker.io/library/test:1.2.3", [:]),
    ])
    func payloadVectors(_ payload: String, _ reference: String, _ annotations: [String: String]) throws {
        let key = try CosignFixtures.key(.ecdsaP256)
        let signature = try CosignFixtures.layer(Array(payload.utf8), signedBy: key)
        let value = try #require(CosignVerifier(keys: [key.publicKey]).verify(
            signature, manifestDigest: try Digest(parsing: S.digest), identity: .repository(try ImageReference.parseNormalized(reference))).accepted)
        #expect(value.dockerReference == reference)
        #expect(value.untrustedAnnotations == annotations)
    }
}

// MARK: - ImageSignatureVerifier

/// An image held in memory: manifests, and the signatures attached to it.
private struct MemoryImageSource: ImageSource {
    let imageName: ImageName
    let root: Manifest
    var children: [Digest: Manifest] = [:]
    var attached: [Digest: [[UInt8]]] = [:]

    func rootManifest() async throws -> Manifest { root }

    func manifest(for descriptor: Descriptor) async throws -> Manifest {
        guard let manifest = children[descriptor.digest] else { throw OCIError(code: .notFound, reason: "no manifest \(descriptor.digest)") }
        try manifest.verify(against: descriptor)
        return manifest
    }

    func blob(_ descriptor: Descriptor, limit: Int) async throws -> [UInt8] {
        throw OCIError(code: .notFound, reason: "no blobs in memory")
    }

    func streamBlob(_ descriptor: Descriptor, into body: (UnsafeRawBufferPointer) throws -> Void) async throws {
        throw OCIError(code: .notFound, reason: "no blobs in memory")
    }

    func signatures(for manifestDigest: Digest, instance: Bool) async throws -> [[UInt8]] {
        attached[manifestDigest] ?? []
    }
}

/// A lookaside held in memory.
private struct MemorySignatureStore: SignatureStore {
    var description: String { "lookaside memory" }
    let stored: [Digest: [StoredSignature]]

    func signatures(for manifestDigest: Digest, reference: ImageReference?) async throws -> [StoredSignature] {
        stored[manifestDigest] ?? []
    }

    func append(_ signature: [UInt8], for manifestDigest: Digest, reference: ImageReference?) async throws -> String {
        throw StoreError(code: .notWritable, reason: "read only")
    }
}

@Suite("ImageSignatureVerifier: both formats")
struct ImageSignatureVerifierTests {
    typealias F = CosignFixtures

    private func framed(_ signature: SigstoreSignature) throws -> [UInt8] { try SignatureBlob.sigstore(signature).blob() }

    @Test("cosign signatures attached to the image and simple signatures in a lookaside are routed to their verifiers")
    func bothFormats() async throws {
        let cosignKey = try F.key(.ecdsaP256)
        let pgpKey = try VerifierFixtures.trusted()
        let identity = try F.reference(F.repository + ":v1")
        let root = try Manifest(bytes: F.manifest)
        let untrusted = try F.otherKey()
        let source = MemoryImageSource(
            imageName: .directory(path: "/images/app"), root: root,
            attached: [root.digest: [
                try framed(try await F.sign(cosignKey)),
                try framed(try await F.sign(untrusted)),
                Array("garbage".utf8),
            ]])
        let simple = try SimpleSigner(key: pgpKey, creator: "test").sign(manifestDigest: root.digest, identity: identity.description)
        let store = MemorySignatureStore(stored: [root.digest: [
            .blob(simple, location: "/lookaside/app@sha256=x/signature-1"),
            .unreadable(location: "/lookaside/app@sha256=x/signature-2", reason: "permission denied"),
        ]])
        let verifier = ImageSignatureVerifier(
            simpleSigning: SimpleSigningVerifier(keyring: try VerifierFixtures.keyring(pgpKey)), cosign: CosignVerifier(keys: [cosignKey.publicKey]))
        let report = try await verifier.verify(source, identity: identity, stores: [store])
        #expect(report.isAccepted)
        let target = try #require(report.targets.first)
        #expect(report.targets.count == 1)
        #expect(target.isRequired)
        #expect(target.accepted.map(\.location) == ["dir:/images/app signature-1", "/lookaside/app@sha256=x/signature-1"])
        guard case .cosign(let cosign) = target.accepted[0].signature, case .simpleSigning(let openPGP) = target.accepted[1].signature else {
            Issue.record("expected a cosign then a simple signature")
            return
        }
        #expect(cosign.keyID == cosignKey.publicKey.keyID)
        #expect(target.accepted[0].signature.signer == cosignKey.publicKey.keyID.hex)
        #expect(target.accepted[0].signature.dockerReference == F.repository)
        #expect(target.accepted[1].signature.signer == openPGP.signer.description)
        #expect(target.accepted[1].signature.dockerReference == identity.description)
        #expect(target.accepted.allSatisfy { $0.signature.manifestDigest == root.digest })
        #expect(target.rejected.map(\.location) == ["dir:/images/app signature-2", "dir:/images/app signature-3"])
        #expect(target.rejected[0].rejection.check == .cryptographic)
        #expect(target.rejected[1].rejection.check == .format)
        #expect(target.unreadable.map(\.location) == ["/lookaside/app@sha256=x/signature-2"])
    }

    @Test("a format with no verifier is rejected, saying which key is missing")
    func missingVerifier() async throws {
        let cosignKey = try F.key(.ecdsaP256)
        let pgpKey = try VerifierFixtures.trusted()
        let identity = try F.reference(F.repository + ":v1")
        let root = try Manifest(bytes: F.manifest)
        let simple = try SimpleSigner(key: pgpKey, creator: "test").sign(manifestDigest: root.digest, identity: identity.description)
        let source = MemoryImageSource(
            imageName: .directory(path: "/images/app"), root: root, attached: [root.digest: [try framed(try await F.sign(cosignKey)), simple]])

        let onlySimple = ImageSignatureVerifier(simpleSigning: SimpleSigningVerifier(keyring: try VerifierFixtures.keyring(pgpKey)), cosign: nil)
        let first = try #require(try await onlySimple.verify(source, identity: identity, stores: []).targets.first)
        #expect(first.accepted.count == 1)
        #expect(first.rejected.map(\.rejection.reason) == ["a cosign signature, but no --key was given"])
        #expect(first.rejected.map(\.rejection.check) == [.verifier])

        let onlyCosign = ImageSignatureVerifier(simpleSigning: nil, cosign: CosignVerifier(keys: [cosignKey.publicKey]))
        let second = try #require(try await onlyCosign.verify(source, identity: identity, stores: []).targets.first)
        #expect(second.accepted.count == 1)
        #expect(second.rejected.map(\.rejection.reason) == ["a simple signature, but no --gpg-key was given"])
    }

    @Test("cosign identities: by repository by default; exact or any on request; simple signatures stay exact")
    func cosignIdentityRules() async throws {
        let key = try F.key(.ecdsaP256)
        let root = try Manifest(bytes: F.manifest)
        let source = MemoryImageSource(imageName: .directory(path: "/images/app"), root: root, attached: [root.digest: [try framed(try await F.sign(key))]])
        let cosign = CosignVerifier(keys: [key.publicKey])
        let sameRepository = try F.reference(F.repository + ":v1")
        let elsewhere = try F.reference("registry.example/other:v1")
        func accepted(_ rule: ImageSignatureVerifier.CosignIdentityRule, _ identity: ImageReference) async throws -> Bool {
            try await ImageSignatureVerifier(simpleSigning: nil, cosign: cosign, cosignIdentity: rule).verify(source, identity: identity, stores: []).isAccepted
        }
        #expect(try await ImageSignatureVerifier(simpleSigning: nil, cosign: cosign).verify(source, identity: sameRepository, stores: []).isAccepted)
        #expect(try await accepted(.repository, sameRepository))
        #expect(try await !accepted(.repository, elsewhere))
        #expect(try await !accepted(.exact, sameRepository))
        // The signature names the repository without a tag, as cosign writes it: exactly that matches.
        #expect(try await accepted(.exact, try F.reference(F.repository)))
        #expect(try await accepted(.any, elsewhere))
    }

    @Test("an index: each platform manifest needs its own signature; instance signatures are read as instances")
    func index() async throws {
        let key = try F.key(.ecdsaP256)
        let amd64 = try Manifest(bytes: F.manifest)
        let armBytes = Array(String(decoding: F.manifest, as: UTF8.self).replacingOccurrences(of: #""layers":[]"#, with: #""layers":[],"annotations":{"arch":"arm64"}"#).utf8)
        let arm64 = try Manifest(bytes: armBytes)
        var amd64Descriptor = amd64.descriptor
        amd64Descriptor.platform = Platform(os: "linux", architecture: "amd64")
        var arm64Descriptor = arm64.descriptor
        arm64Descriptor.platform = Platform(os: "linux", architecture: "arm64")
        let indexJSON = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(amd64.digest)","size":\#(amd64.bytes.count),"platform":{"architecture":"amd64","os":"linux"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(arm64.digest)","size":\#(arm64.bytes.count),"platform":{"architecture":"arm64","os":"linux"}}]}"#
        let index = try Manifest(bytes: Array(indexJSON.utf8))
        var source = MemoryImageSource(
            imageName: .directory(path: "/images/multi"), root: index, children: [amd64.digest: amd64, arm64.digest: arm64],
            attached: [amd64.digest: [try framed(try await F.sign(key, digest: amd64.digest))]])
        let verifier = ImageSignatureVerifier(simpleSigning: nil, cosign: CosignVerifier(keys: [key.publicKey]))
        let identity = try F.reference(F.repository + ":v1")
        let partial = try await verifier.verify(source, identity: identity, stores: [])
        #expect(partial.targets.map(\.manifestDigest) == [index.digest, amd64.digest, arm64.digest])
        #expect(partial.targets.map(\.isRequired) == [false, true, true])
        #expect(partial.targets.map(\.isSatisfied) == [false, true, false])
        #expect(!partial.isAccepted)
        source.attached[arm64.digest] = [try framed(try await F.sign(key, digest: arm64.digest))]
        #expect(try await verifier.verify(source, identity: identity, stores: []).isAccepted)
        // A signature for one platform does not count for the other.
        source.attached[arm64.digest] = [try framed(try await F.sign(key, digest: amd64.digest))]
        let replayed = try await verifier.verify(source, identity: identity, stores: [])
        #expect(replayed.targets[2].rejected.map(\.rejection.check) == [.digest])
    }
}
