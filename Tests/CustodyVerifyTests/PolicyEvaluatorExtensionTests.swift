// PolicyEvaluator and Custody's requirement types: threshold (distinct keys: two signatures by one
// key count once, the bug Connaisseur fixed in sse-secure-systems/connaisseur#2150), roles,
// freshness (no trusted time exists yet, so it is never met) and digestRequired.

import CustodyOCI
import CustodyPolicy
import CustodyTestSupport
import CustodyVerify
import Foundation
import Testing

@Suite("PolicyEvaluator: threshold, roles, freshness, digestRequired")
struct PolicyEvaluatorExtensionTests {
    typealias F = PolicyFixtures

    static let twoOfThree = #"{"type":"threshold","threshold":2,"signers":{"gpg":{"keyPaths":["a.gpg","b.gpg","c.gpg"]}}}"#

    private func decide(_ evaluator: PolicyEvaluator, _ blobs: [[UInt8]], image: String = F.imageText) throws -> PolicyDecision {
        evaluator.evaluate(image: try F.image(image), evidence: F.single(try F.imageManifest("app"), blobs), now: F.now)
    }

    private var digest: Digest { get throws { try F.imageManifest("app").digest } }

    @Test("threshold 2 of 3: two signatures by one key count once and are denied")
    func thresholdSameKeyTwice() throws {
        let first = try F.simple(0, digest)
        // A second, different signature by the same key (one second later).
        let second = try F.simple(0, digest, at: F.signingTime.addingTimeInterval(1))
        #expect(first != second)
        let decision = try decide(F.evaluator(default: Self.twoOfThree), [first, second])
        #expect(decision.outcome == .denied)
        let report = decision.requirement(0)
        #expect(report.type == "threshold")
        #expect(report.threshold == 2)
        #expect(report.countedKeys == [try F.name(gpg: 0)])
        #expect(report.trustedKeys == [try F.name(gpg: 0), try F.name(gpg: 1), try F.name(gpg: 2)])
        #expect(report.reason.hasPrefix("1 of 2 required distinct keys signed (\(try F.name(gpg: 0)))"))
        #expect(report.signatures.map(\.outcome) == [.accepted, .accepted])
        #expect(report.signatures[1].reason.hasSuffix("key already counted for signature-1: a key counts once"))
    }

    @Test("threshold 2 of 3: signatures by two keys allow; the report names the keys that counted")
    func thresholdTwoKeys() throws {
        let decision = try decide(F.evaluator(default: Self.twoOfThree), [F.simple(2, digest), F.simple(0, digest)])
        #expect(decision.outcome == .allowed)
        #expect(decision.requirement(0).countedKeys == [try F.name(gpg: 2), try F.name(gpg: 0)])
        #expect(decision.requirement(0).reason == "2 of 2 required distinct keys signed: \(try F.name(gpg: 2)), \(try F.name(gpg: 0))")
    }

    @Test("threshold over OpenPGP and cosign keys counts each key once, whatever its format")
    func thresholdMixed() async throws {
        let policy = #"{"type":"threshold","threshold":2,"signers":{"gpg":{"keyPath":"a.gpg"},"sigstore":{"keyPaths":["p1.pub","p2.pub"]}},"signedIdentity":{"type":"matchRepository"}}"#
        let evaluator = try F.evaluator(default: policy)
        let mixed = try decide(evaluator, [try F.simple(0, digest), try await F.cosign(1, digest)])
        #expect(mixed.outcome == .allowed)
        #expect(mixed.requirement(0).countedKeys == [try F.name(gpg: 0), try F.name(pem: 1)])
        let sameKey = try decide(evaluator, [try await F.cosign(1, digest), try await F.cosign(1, digest)])
        #expect(sameKey.outcome == .denied)
        #expect(sameKey.requirement(0).countedKeys == [try F.name(pem: 1)])
    }

    @Test("threshold without signatures, and with a rejected identity")
    func thresholdDenials() throws {
        let none = try decide(F.evaluator(default: Self.twoOfThree), [])
        #expect(none.requirement(0).reason == "A signature was required, but no signature exists")
        let wrongIdentity = try decide(F.evaluator(default: Self.twoOfThree), [F.simple(0, digest, identity: "registry.example/other:1.0"), F.simple(1, digest)])
        #expect(wrongIdentity.outcome == .denied)
        #expect(wrongIdentity.requirement(0).countedKeys == [try F.name(gpg: 1)])
        #expect(wrongIdentity.requirement(0).signatures[0].reason.hasPrefix("Signature for identity \"registry.example/other:1.0\" is not accepted"))
    }

    static let roles = #"""
        {"type":"roles","description":"vendor and security sign off","roles":[
          {"name":"vendor","threshold":1,"signers":{"gpg":{"keyPath":"a.gpg"}}},
          {"name":"security","threshold":1,"signers":{"gpg":{"keyPaths":["b.gpg","c.gpg"]}}}]}
        """#

    @Test("roles: vendor AND security are each required; each role reports its own signatures")
    func roles() throws {
        let evaluator = try F.evaluator(default: Self.roles)
        let vendorOnly = try decide(evaluator, [F.simple(0, digest)])
        #expect(vendorOnly.outcome == .denied)
        let report = vendorOnly.requirement(0)
        #expect(report.type == "roles")
        #expect(report.description == "vendor and security sign off")
        let roles = try #require(report.roles)
        #expect(roles.map(\.name) == ["vendor", "security"])
        #expect(roles.map(\.outcome) == [.satisfied, .notSatisfied])
        #expect(roles[0].countedKeys == [try F.name(gpg: 0)])
        #expect(roles[1].signatures[0].reason == "made by key \(try F.name(gpg: 0)), not in [\(try F.name(gpg: 1)), \(try F.name(gpg: 2))]")
        #expect(report.reason.hasPrefix("role security: 0 of 1 required distinct keys signed"))

        let both = try decide(evaluator, [F.simple(0, digest), F.simple(2, digest)])
        #expect(both.outcome == .allowed)
        #expect(both.requirement(0).reason == "every role is satisfied: vendor (1 of 1), security (1 of 1)")
        #expect(both.requirement(0).roles?.map(\.countedKeys) == [[try F.name(gpg: 0)], [try F.name(gpg: 2)]])
    }

    @Test("freshness is never met yet: no signature carries a trusted time; the accepted signatures are listed")
    func freshness() throws {
        let evaluator = try F.evaluator(default: #"{"type":"signedBy","keyType":"GPGKeys","keyPath":"a.gpg"}"#, #"{"type":"freshness","maxAge":"720h"}"#)
        let decision = try decide(evaluator, [F.simple(0, digest), F.simple(1, digest)])
        #expect(decision.outcome == .denied)
        #expect(decision.requirement(0).outcome == .satisfied)
        let report = decision.requirement(1)
        #expect(report.type == "freshness")
        #expect(report.outcome == .notSatisfied)
        #expect(report.reason == "no signature carries a trusted time (log or timestamp proof); the claim's own timestamp is not proof of time")
        #expect(report.signatures.map(\.location) == ["signature-1"])
        #expect(report.signatures[0].reason.contains("claims 1750000000 (Unix time), which is the signer's own clock"))
    }

    @Test("digestRequired: a docker reference by digest satisfies it; by tag, or an oci:/dir: name, does not")
    func digestRequired() throws {
        let evaluator = try F.evaluator(default: #"{"type":"digestRequired"}"#)
        let manifest = try F.imageManifest("app")
        let byDigest = evaluator.evaluate(image: try F.image("docker://registry.example/team/app@\(manifest.digest)"), evidence: F.single(manifest, []), now: F.now)
        #expect(byDigest.outcome == .allowed)
        #expect(byDigest.requirement(0).reason == "referenced by digest \(manifest.digest)")
        let byTag = try decide(evaluator, [])
        #expect(byTag.outcome == .denied)
        #expect(byTag.requirement(0).reason == "registry.example/team/app:1.0 is referenced by tag only; a digest is required")
        let folder = try F.keys().path
        let directory = evaluator.evaluate(image: try F.image("dir:\(folder)"), evidence: F.single(manifest, []), now: F.now)
        #expect(directory.outcome == .denied)
        #expect(directory.requirement(0).reason == "dir:\(folder) is not referenced by digest")
    }

    @Test("a docker reference by digest whose manifest has another digest could not be evaluated")
    func pinnedDigestMismatch() throws {
        let evaluator = try F.evaluator(default: #"{"type":"insecureAcceptAnything"}"#)
        let other = try F.imageManifest("other")
        let decision = evaluator.evaluate(
            image: try F.image("docker://registry.example/team/app@\(other.digest)"), evidence: F.single(try F.imageManifest("app"), []), now: F.now)
        #expect(decision.outcome == .couldNotEvaluate)
        #expect(decision.platforms.isEmpty)
        #expect(decision.reasons[0].contains("not the \(other.digest) the reference names"))
    }
}
