// PolicyEvaluator with real keys (generated OpenPGP and PEM keys, signatures made with
// SimpleSigner and CosignSigner) over in-memory evidence: each containers/image requirement type
// allowed and denied, with containers/image's messages (../shared/reference/containers-image.md
// §3.4–3.6), AND of requirements, OR through keyPaths, and the per-signature reports.
// Policies are parsed from JSON by PolicyDocument, with key paths relative to a key folder.

import CustodyFormats
import CustodyKeys
import CustodyOCI
import CustodyOpenPGP
import CustodyPolicy
import CustodySign
import CustodyStores
import CustodyTestSupport
import CustodyVerify
import Foundation
import Testing

/// Keys, manifests, signatures and policies shared by the PolicyEvaluator tests.
enum PolicyFixtures {
    static let signingTime = Date(timeIntervalSince1970: 1_750_000_000)
    /// When decisions are made (after every signature).
    static let now = Date(timeIntervalSince1970: 1_760_000_000)
    static let imageText = "docker://registry.example/team/app:1.0"
    static let identity = "registry.example/team/app:1.0"
    static let repository = "registry.example/team/app"

    private static let openPGPKeys: Result<[OpenPGPSecretKey], any Error> = Result {
        try ["A", "B", "C"].map { name in
            try OpenPGPSecretKey.generate(.ed25519, userID: "Signer \(name) <\(name.lowercased())@custody.test>", at: signingTime.addingTimeInterval(-86_400))
        }
    }
    private static let pemKeys: Result<[PrivateKey], any Error> = Result { [try PrivateKey.generate(.ecdsaP256), try PrivateKey.generate(.ecdsaP256)] }

    /// OpenPGP key 0 (A), 1 (B) or 2 (C).
    static func gpg(_ index: Int) throws -> OpenPGPSecretKey { try openPGPKeys.get()[index] }
    /// PEM key 0 or 1.
    static func pem(_ index: Int) throws -> PrivateKey { try pemKeys.get()[index] }
    /// How decisions name an OpenPGP key: its primary fingerprint.
    static func name(gpg index: Int) throws -> String { try gpg(index).fingerprint.description }
    /// How decisions name a PEM key: its key ID.
    static func name(pem index: Int) throws -> String { try pem(index).publicKey.keyID.hex }

    /// A folder with the public keys: `a.gpg`, `b.gpg`, `c.gpg` (armored), `ab.gpg` (A and B in
    /// one keyring), `p1.pub`, `p2.pub` (PEM), `garbage.gpg`. Made once per test process.
    private static let keyFolder: Result<TemporaryDirectory, any Error> = Result {
        let folder = try TemporaryDirectory()
        for (index, name) in ["a", "b", "c"].enumerated() {
            try folder.write(try gpg(index).armoredPublicKey(), to: "\(name).gpg")
        }
        try folder.write(try gpg(0).armoredPublicKey() + "\n" + gpg(1).armoredPublicKey(), to: "ab.gpg")
        try folder.write(try pem(0).publicKey.pemRepresentation, to: "p1.pub")
        try folder.write(try pem(1).publicKey.pemRepresentation, to: "p2.pub")
        try folder.write("this is not a key\n", to: "garbage.gpg")
        return folder
    }

    static func keys() throws -> TemporaryDirectory { try keyFolder.get() }

    /// An evaluator for a policy given as JSON; relative key paths name files of the key folder.
    static func evaluator(_ json: String, folder: String? = nil) throws -> PolicyEvaluator {
        let base = try folder ?? keys().path
        return PolicyEvaluator(policy: try PolicyDocument(bytes: Array(json.utf8), baseDirectory: base), policyPath: base + "/policy.json")
    }

    /// `{"default":[requirement]}`.
    static func evaluator(default requirements: String..., folder: String? = nil) throws -> PolicyEvaluator {
        try evaluator(#"{"default":[\#(requirements.joined(separator: ","))]}"#, folder: folder)
    }

    /// An OCI image manifest, distinct per `marker`.
    static func imageManifest(_ marker: String) throws -> Manifest {
        let config = Digest.compute(Array(marker.utf8))
        let json = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\#(config)","size":\#(marker.utf8.count)},"layers":[]}"#
        return try Manifest(bytes: Array(json.utf8))
    }

    /// An OCI index naming `instances` with their platforms.
    static func index(_ instances: [(manifest: Manifest, platform: Platform)]) throws -> Manifest {
        let entries = instances.map { instance in
            let variant = instance.platform.variant.map { #","variant":"\#($0)""# } ?? ""
            return #"{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(instance.manifest.digest)","size":\#(instance.manifest.bytes.count),"platform":{"architecture":"\#(instance.platform.architecture)","os":"\#(instance.platform.os)"\#(variant)}}"#
        }
        let json = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[\#(entries.joined(separator: ","))]}"#
        return try Manifest(bytes: Array(json.utf8))
    }

    /// A simple signature by OpenPGP key `key` over `digest` for `identity`.
    static func simple(_ key: Int, _ digest: Digest, identity: String = identity, at date: Date = signingTime) throws -> [UInt8] {
        try SimpleSigner(key: gpg(key), creator: "custody tests").sign(manifestDigest: digest, identity: identity, at: date)
    }

    /// A cosign signature by PEM key `key` over `digest` for `identity` (cosign names the
    /// repository only), framed as containers/image stores it in `dir:` and lookaside files.
    static func cosign(_ key: Int, _ digest: Digest, identity: String = repository) async throws -> [UInt8] {
        let signature = try await CosignSigner(signer: FileSigner(pem(key))).sign(manifestDigest: digest, dockerReference: identity)
        return try SignatureBlob.sigstore(signature).blob()
    }

    /// Stored signatures named `signature-1`, `signature-2`…
    static func stored(_ blobs: [[UInt8]], prefix: String = "") -> [StoredSignature] {
        blobs.enumerated().map { .blob($0.element, location: "\(prefix)signature-\($0.offset + 1)") }
    }

    /// Evidence for a single image with `blobs` as its signatures.
    static func single(_ manifest: Manifest, _ blobs: [[UInt8]]) -> ImageEvidence {
        ImageEvidence(root: .init(manifest: manifest, signatures: stored(blobs)))
    }

    static func image(_ text: String = imageText) throws -> ImageName { try ImageName(parsing: text) }
}

extension PolicyDecision {
    /// The report of requirement `index` on platform `platform`.
    func requirement(_ index: Int, platform: Int = 0) -> RequirementReport { platforms[platform].requirements[index] }
}

@Suite("PolicyEvaluator: containers/image requirements")
struct PolicyEvaluatorTests {
    typealias F = PolicyFixtures

    private func decide(_ evaluator: PolicyEvaluator, _ blobs: [[UInt8]], manifest: Manifest? = nil, image: String = F.imageText) throws -> PolicyDecision {
        let manifest = try manifest ?? F.imageManifest("app")
        return evaluator.evaluate(image: try F.image(image), evidence: F.single(manifest, blobs), now: F.now)
    }

    @Test("insecureAcceptAnything allows an unsigned image and looks at no signature")
    func acceptAnything() throws {
        let decision = try decide(F.evaluator(default: #"{"type":"insecureAcceptAnything"}"#), [])
        #expect(decision.outcome == .allowed)
        #expect(decision.reasons.isEmpty)
        #expect(decision.requirement(0).outcome == .satisfied)
        #expect(decision.requirement(0).type == "insecureAcceptAnything")
        #expect(decision.scope == PolicyDecision.Scope(transport: nil, scope: nil, path: "$.default"))
    }

    @Test("reject denies with containers/image's message, even next to insecureAcceptAnything")
    func reject() throws {
        let evaluator = try F.evaluator(default: #"{"type":"insecureAcceptAnything"}"#, #"{"type":"reject"}"#)
        let decision = try decide(evaluator, [])
        #expect(decision.outcome == .denied)
        #expect(decision.requirement(0).outcome == .satisfied)
        #expect(decision.requirement(1).reason == "Running image docker://registry.example/team/app:1.0 is rejected by policy.")
        #expect(decision.reasons == ["$.default[1] reject: Running image docker://registry.example/team/app:1.0 is rejected by policy."])
    }

    @Test("signedBy: a signature by the key, for the digest and identity, allows the image")
    func signedByAccepted() throws {
        let manifest = try F.imageManifest("app")
        let decision = try decide(F.evaluator(default: #"{"type":"signedBy","keyType":"GPGKeys","keyPath":"a.gpg"}"#), [F.simple(0, manifest.digest)])
        #expect(decision.outcome == .allowed)
        let report = decision.requirement(0)
        #expect(report.trustedKeys == [try F.name(gpg: 0)])
        #expect(report.signatures.count == 1)
        let signature = report.signatures[0]
        #expect(signature.location == "signature-1")
        #expect(signature.format == .simple)
        #expect(signature.outcome == .accepted)
        #expect(signature.signer == (try F.name(gpg: 0)))
        #expect(signature.identity == F.identity)
        #expect(signature.reason == "made by key \(try F.name(gpg: 0)) for identity \(F.identity)")
        #expect(report.reason == "signature-1: made by key \(try F.name(gpg: 0)) for identity \(F.identity)")
    }

    @Test("signedBy without any signature: A signature was required, but no signature exists")
    func signedByNoSignature() throws {
        let decision = try decide(F.evaluator(default: #"{"type":"signedBy","keyType":"GPGKeys","keyPath":"a.gpg"}"#), [])
        #expect(decision.outcome == .denied)
        #expect(decision.requirement(0).outcome == .notSatisfied)
        #expect(decision.requirement(0).reason == "A signature was required, but no signature exists")
    }

    @Test("signedBy: a signature by another key names its key and the trusted ones")
    func signedByOtherKey() throws {
        let manifest = try F.imageManifest("app")
        let decision = try decide(F.evaluator(default: #"{"type":"signedBy","keyType":"GPGKeys","keyPath":"a.gpg"}"#), [F.simple(1, manifest.digest)])
        #expect(decision.outcome == .denied)
        let expected = "made by key \(try F.name(gpg: 1)), not in [\(try F.name(gpg: 0))]"
        #expect(decision.requirement(0).signatures[0].reason == expected)
        #expect(decision.requirement(0).signatures[0].outcome == .rejected)
        #expect(decision.requirement(0).signatures[0].signer == nil)
        // With one signature, its reason is the requirement's (as containers/image does).
        #expect(decision.requirement(0).reason == expected)
    }

    @Test("signedBy: several rejected signatures give None of the signatures were accepted, with each reason")
    func signedByNoneAccepted() throws {
        let manifest = try F.imageManifest("app")
        let other = try F.imageManifest("other")
        let blobs = [try F.simple(1, manifest.digest), try F.simple(0, other.digest), try F.simple(0, manifest.digest, identity: "registry.example/team/app:2.0"), Array("garbage".utf8)]
        let decision = try decide(F.evaluator(default: #"{"type":"signedBy","keyType":"GPGKeys","keyPath":"a.gpg"}"#), blobs)
        #expect(decision.outcome == .denied)
        let report = decision.requirement(0)
        #expect(report.reason.hasPrefix("None of the signatures were accepted, reasons: made by key \(try F.name(gpg: 1)), not in ["))
        #expect(report.signatures.map(\.location) == ["signature-1", "signature-2", "signature-3", "signature-4"])
        #expect(report.signatures.allSatisfy { $0.outcome == .rejected && !$0.reason.isEmpty })
        #expect(report.signatures[1].reason == "Signature for docker digest \"\(other.digest)\" does not match (the manifest is \(manifest.digest))")
        #expect(report.signatures[2].reason.hasPrefix("Signature for identity \"registry.example/team/app:2.0\" is not accepted"))
        #expect(report.signatures[2].signer == (try F.name(gpg: 0)))
        #expect(report.signatures[2].identity == "registry.example/team/app:2.0")
        #expect(report.signatures[3].format == .unknown)
        #expect(report.signatures[3].reason.hasPrefix("malformed signature blob: "))
    }

    @Test("OR: keyPaths [A, B] accepts a signature by either key; a keyring file with both does too")
    func orThroughKeyPaths() throws {
        let manifest = try F.imageManifest("app")
        for keys in [#""keyPaths":["a.gpg","b.gpg"]"#, #""keyPath":"ab.gpg""#] {
            let evaluator = try F.evaluator(default: #"{"type":"signedBy","keyType":"GPGKeys",\#(keys)}"#)
            for signer in [0, 1] {
                let decision = try decide(evaluator, [F.simple(signer, manifest.digest)])
                #expect(decision.outcome == .allowed, "\(keys) signer \(signer): \(decision.reasons)")
                #expect(decision.requirement(0).trustedKeys == [try F.name(gpg: 0), try F.name(gpg: 1)])
            }
            #expect(try decide(evaluator, [F.simple(2, manifest.digest)]).outcome == .denied)
        }
    }

    @Test("AND: two signedBy requirements each need their own signature; every requirement is reported")
    func andOfRequirements() throws {
        let manifest = try F.imageManifest("app")
        let evaluator = try F.evaluator(
            default: #"{"type":"signedBy","keyType":"GPGKeys","keyPath":"a.gpg"}"#, #"{"type":"signedBy","keyType":"GPGKeys","keyPath":"b.gpg","description":"security team"}"#)
        let onlyA = try decide(evaluator, [F.simple(0, manifest.digest)])
        #expect(onlyA.outcome == .denied)
        #expect(onlyA.platforms[0].requirements.map(\.outcome) == [.satisfied, .notSatisfied])
        #expect(onlyA.requirement(1).description == "security team")
        #expect(onlyA.requirement(1).path == "$.default[1]")
        #expect(onlyA.reasons.count == 1)
        #expect(onlyA.reasons[0].hasPrefix("$.default[1] signedBy: made by key \(try F.name(gpg: 0)), not in [\(try F.name(gpg: 1))]"))
        let both = try decide(evaluator, [F.simple(0, manifest.digest), F.simple(1, manifest.digest)])
        #expect(both.outcome == .allowed)
        #expect(both.platforms[0].requirements.map(\.outcome) == [.satisfied, .satisfied])
        // Each requirement reports both signatures with its own verdict.
        #expect(both.requirement(0).signatures.map(\.outcome) == [.accepted, .rejected])
        #expect(both.requirement(1).signatures.map(\.outcome) == [.rejected, .accepted])
    }

    @Test("signedBy rejects cosign signatures and says so; none of them counts as a signature")
    func signedByIgnoresCosign() async throws {
        let manifest = try F.imageManifest("app")
        let decision = try decide(F.evaluator(default: #"{"type":"signedBy","keyType":"GPGKeys","keyPath":"a.gpg"}"#), [try await F.cosign(0, manifest.digest)])
        #expect(decision.outcome == .denied)
        #expect(decision.requirement(0).reason == "A signature was required, but no signature exists (1 cosign signatures, which signedBy does not accept)")
        #expect(decision.requirement(0).signatures[0].format == .cosign)
        #expect(decision.requirement(0).signatures[0].reason == "a cosign signature: signedBy accepts only simple signatures")
    }

    @Test("sigstoreSigned: cosign's repository-only identity is refused by the default matchRepoDigestOrExact, accepted by matchRepository")
    func sigstoreSigned() async throws {
        let manifest = try F.imageManifest("app")
        let blob = try await F.cosign(0, manifest.digest)
        let byDefault = try decide(F.evaluator(default: #"{"type":"sigstoreSigned","keyPath":"p1.pub"}"#), [blob])
        #expect(byDefault.outcome == .denied)
        let refused = byDefault.requirement(0).signatures[0]
        #expect(refused.signer == (try F.name(pem: 0)))
        #expect(refused.identity == F.repository)
        #expect(refused.reason.hasPrefix("Signature for identity \"registry.example/team/app\" is not accepted"))

        let repository = try F.evaluator(default: #"{"type":"sigstoreSigned","keyPath":"p1.pub","signedIdentity":{"type":"matchRepository"}}"#)
        let allowed = try decide(repository, [blob])
        #expect(allowed.outcome == .allowed)
        #expect(allowed.requirement(0).signatures[0].outcome == .accepted)
        #expect(allowed.requirement(0).trustedKeys == [try F.name(pem: 0)])
        // A cosign signature naming the full reference passes the default rule too.
        let full = try await F.cosign(0, manifest.digest, identity: F.identity)
        #expect(try decide(F.evaluator(default: #"{"type":"sigstoreSigned","keyPath":"p1.pub"}"#), [full]).outcome == .allowed)
    }

    @Test("sigstoreSigned: another key, no cosign signature, and OR through keyPaths")
    func sigstoreSignedKeys() async throws {
        let manifest = try F.imageManifest("app")
        let byTwo = try await F.cosign(1, manifest.digest, identity: F.identity)
        let one = try F.evaluator(default: #"{"type":"sigstoreSigned","keyPath":"p1.pub"}"#)
        let wrong = try decide(one, [byTwo])
        #expect(wrong.outcome == .denied)
        #expect(wrong.requirement(0).reason == "not made by any key in [\(try F.name(pem: 0))]: the signature does not verify with any of them")
        let none = try decide(one, [F.simple(0, manifest.digest)])
        #expect(none.requirement(0).reason == "A signature was required, but no signature exists (1 non-sigstore signatures, 0 sigstore non-signature attachments)")
        #expect(none.requirement(0).signatures[0].reason == "a simple signature: sigstoreSigned accepts only cosign signatures")
        let either = try F.evaluator(default: #"{"type":"sigstoreSigned","keyPaths":["p1.pub","p2.pub"]}"#)
        #expect(try decide(either, [byTwo]).outcome == .allowed)
    }

    @Test("keyless sigstoreSigned (fulcio) could not be evaluated, never allowed")
    func keyless() throws {
        let evaluator = try F.evaluator(default: #"{"type":"insecureAcceptAnything"}"#, """
            {"type":"sigstoreSigned","fulcio":{"caPath":"ca.pem","oidcIssuer":"https://issuer.example","subjectEmail":"dev@example.com"},"rekorPublicKeyPath":"rekor.pub"}
            """)
        let decision = try decide(evaluator, [])
        #expect(decision.outcome == .couldNotEvaluate)
        #expect(decision.requirement(1).outcome == .couldNotEvaluate)
        #expect(decision.requirement(1).reason.hasPrefix("keyless verification (fulcio/pki) is not supported yet"))
        // Keys with Rekor keys: the signed entry timestamps cannot be checked yet either.
        let manifest = try F.imageManifest("app")
        let rekor = try F.evaluator(default: #"{"type":"sigstoreSigned","keyPath":"p1.pub","rekorPublicKeyPath":"p2.pub"}"#)
        let withRekor = try decide(rekor, [F.simple(0, manifest.digest)])
        #expect(withRekor.outcome == .couldNotEvaluate)
        #expect(withRekor.requirement(0).reason.hasPrefix("Rekor signed entry timestamp verification"))
    }

    @Test("unsupported keyType and signedBaseLayer deny with containers/image's messages")
    func unimplementedTypes() throws {
        let x509 = try decide(F.evaluator(default: #"{"type":"signedBy","keyType":"X509Certificates","keyPath":"a.gpg"}"#), [])
        #expect(x509.outcome == .denied)
        #expect(x509.requirement(0).reason == #"Unimplemented "keyType" value "X509Certificates""#)
        let baseLayer = try decide(F.evaluator(default: #"{"type":"signedBaseLayer","baseLayerIdentity":{"type":"matchRepository"}}"#), [])
        #expect(baseLayer.outcome == .denied)
        #expect(baseLayer.requirement(0).reason == "signedBaseLayer not implemented yet!")
    }

    @Test("a denial wins over could-not-evaluate; could-not-evaluate wins over allowed")
    func combination() throws {
        let unknown = #"{"type":"signedBy","keyType":"GPGKeys","keyPath":"missing.gpg"}"#
        let denied = try decide(F.evaluator(default: unknown, #"{"type":"reject"}"#), [])
        #expect(denied.outcome == .denied)
        #expect(denied.platforms[0].requirements.map(\.outcome) == [.couldNotEvaluate, .notSatisfied])
        #expect(denied.reasons.count == 2)
        let undecided = try decide(F.evaluator(default: unknown, #"{"type":"insecureAcceptAnything"}"#), [])
        #expect(undecided.outcome == .couldNotEvaluate)
        #expect(PolicyDecision.Outcome.combining([]) == .couldNotEvaluate)
        #expect(PolicyDecision.Outcome.combining([.allowed, .allowed]) == .allowed)
        #expect(PolicyDecision.Outcome.combining([.couldNotEvaluate, .denied, .allowed]) == .denied)
    }

    @Test("the transport scope applies instead of default, and the decision names it")
    func scope() throws {
        let evaluator = try F.evaluator(#"{"default":[{"type":"reject"}],"transports":{"docker":{"registry.example/team":[{"type":"insecureAcceptAnything"}]}}}"#)
        let decision = try decide(evaluator, [])
        #expect(decision.outcome == .allowed)
        #expect(decision.scope == PolicyDecision.Scope(transport: "docker", scope: "registry.example/team", path: #"$.transports.docker["registry.example/team"]"#))
        #expect(decision.requirement(0).path == #"$.transports.docker["registry.example/team"][0]"#)
        let other = try decide(evaluator, [], image: "docker://quay.io/other/app:1")
        #expect(other.outcome == .denied)
    }
}
