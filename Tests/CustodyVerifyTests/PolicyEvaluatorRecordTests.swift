// The decision record `custody.decision/v1` (Docs/decision-record.md): its JSON shape, member by
// member, and a round trip through JSONEncoder/JSONDecoder.

import CustodyOCI
import CustodyPolicy
import CustodyTestSupport
import CustodyVerify
import Foundation
import Testing

@Suite("PolicyEvaluator: the decision record")
struct PolicyEvaluatorRecordTests {
    typealias F = PolicyFixtures

    private func record() throws -> PolicyDecision {
        let amd64 = try F.imageManifest("amd64"), arm64 = try F.imageManifest("arm64")
        let root = try F.index([(amd64, Platform(os: "linux", architecture: "amd64")), (arm64, Platform(os: "linux", architecture: "arm64", variant: "v8"))])
        let evidence = ImageEvidence(
            root: .init(manifest: root, signatures: []),
            instances: [
                .init(manifest: amd64, platform: Platform(os: "linux", architecture: "amd64"), signatures: F.stored([try F.simple(0, amd64.digest)])),
                .init(manifest: arm64, platform: Platform(os: "linux", architecture: "arm64", variant: "v8"), signatures: []),
            ])
        let evaluator = try F.evaluator(
            default: #"{"type":"signedBy","keyType":"GPGKeys","keyPath":"a.gpg","description":"release key"}"#, #"{"type":"roles","roles":[{"name":"vendor","threshold":1,"signers":{"gpg":{"keyPath":"a.gpg"}}}]}"#,
            PolicyEvaluatorExtensionTests.twoOfThree)
        return evaluator.evaluate(image: try F.image(), evidence: evidence, now: Date(timeIntervalSince1970: 1_760_000_000.25))
    }

    private func json(_ decision: PolicyDecision) throws -> [String: Any] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(decision)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("the record has every documented member, with schemaVersion custody.decision/v1")
    func shape() throws {
        let decision = try record()
        #expect(decision.outcome == .denied)
        let object = try json(decision)
        #expect(Set(object.keys) == ["schemaVersion", "image", "policy", "scope", "outcome", "reasons", "platforms", "evaluatedAt"])
        #expect(object["schemaVersion"] as? String == "custody.decision/v1")
        #expect(object["outcome"] as? String == "denied")
        #expect(object["evaluatedAt"] as? String == "2025-10-09T08:53:20.250Z")

        let image = try #require(object["image"] as? [String: Any])
        #expect(Set(image.keys) == ["name", "transport", "reference", "digest"])
        #expect(image["name"] as? String == F.imageText)
        #expect(image["transport"] as? String == "docker")
        #expect(image["reference"] as? String == F.identity)
        #expect((image["digest"] as? String)?.hasPrefix("sha256:") == true)

        let policy = try #require(object["policy"] as? [String: Any])
        #expect(Set(policy.keys) == ["path", "sha256"])
        #expect(policy["path"] as? String == (try F.keys().path + "/policy.json"))
        #expect(policy["sha256"] is NSNull)

        let scope = try #require(object["scope"] as? [String: Any])
        #expect(Set(scope.keys) == ["transport", "scope", "path"])
        #expect(scope["transport"] is NSNull)
        #expect(scope["path"] as? String == "$.default")

        let platforms = try #require(object["platforms"] as? [[String: Any]])
        #expect(platforms.count == 2)
        #expect(Set(platforms[0].keys) == ["digest", "platform", "mediaType", "outcome", "indexSignaturesCounted", "requirements"])
        #expect((platforms[1]["platform"] as? [String: Any])?["variant"] as? String == "v8")
        #expect(platforms.map { $0["outcome"] as? String } == ["denied", "denied"])

        let requirements = try #require(platforms[0]["requirements"] as? [[String: Any]])
        #expect(requirements.map { $0["type"] as? String } == ["signedBy", "roles", "threshold"])
        for requirement in requirements {
            #expect(Set(requirement.keys) == ["type", "description", "path", "outcome", "reason", "trustedKeys", "threshold", "countedKeys", "roles", "signatures"])
        }
        #expect(requirements[0]["description"] as? String == "release key")
        #expect(requirements[0]["outcome"] as? String == "satisfied")
        #expect(requirements[1]["description"] is NSNull)
        #expect(requirements[2]["threshold"] as? Int == 2)
        #expect(requirements[2]["countedKeys"] as? [String] == [try F.name(gpg: 0)])
        #expect(requirements[2]["outcome"] as? String == "notSatisfied")

        let roles = try #require(requirements[1]["roles"] as? [[String: Any]])
        #expect(Set(roles[0].keys) == ["name", "threshold", "outcome", "reason", "trustedKeys", "countedKeys", "signatures"])

        let signatures = try #require(requirements[0]["signatures"] as? [[String: Any]])
        #expect(Set(signatures[0].keys) == ["location", "format", "fromIndex", "signer", "identity", "outcome", "reason"])
        #expect(signatures[0]["format"] as? String == "simple")
        #expect(signatures[0]["outcome"] as? String == "accepted")
        #expect(signatures[0]["signer"] as? String == (try F.name(gpg: 0)))
        #expect(signatures[0]["fromIndex"] as? Bool == false)
    }

    @Test("the record decodes back to the same decision; another schema version is refused")
    func roundTrip() throws {
        let decision = try record()
        let data = try JSONEncoder().encode(decision)
        let decoded = try JSONDecoder().decode(PolicyDecision.self, from: data)
        #expect(decoded == decision)

        var object = try json(decision)
        object["schemaVersion"] = "custody.decision/v2"
        let other = try JSONSerialization.data(withJSONObject: object)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(PolicyDecision.self, from: other) }
    }

    @Test("a policy read from a file records its path and SHA-256")
    func policyFile() throws {
        let bytes = Array(#"{"default":[{"type":"insecureAcceptAnything"}]}"#.utf8)
        let path = try F.keys().write(bytes, to: "recorded-policy.json")
        let evaluator = try PolicyEvaluator(contentsOfFile: path)
        let decision = evaluator.evaluate(image: try F.image(), evidence: F.single(try F.imageManifest("app"), []), now: F.now)
        #expect(decision.policy == PolicyDecision.PolicyFile(path: path, sha256: Digest.compute(bytes)))
        #expect(throws: PolicyError(code: .io)) { try PolicyEvaluator(contentsOfFile: path + ".absent") }
        let broken = try F.keys().write(Array(#"{"default":[]}"#.utf8), to: "broken-policy.json")
        #expect(throws: PolicyError.self) { try PolicyEvaluator(contentsOfFile: broken) }
    }

    @Test("a policy that could not be read yields a could-not-evaluate record")
    func unreadablePolicy() throws {
        let decision = PolicyDecision.couldNotEvaluate(
            image: PolicyDecision.Image(try F.image()), policy: PolicyDecision.PolicyFile(path: "/etc/containers/policy.json", sha256: nil),
            reason: "reading policy \"/etc/containers/policy.json\": cannot open", evaluatedAt: F.now)
        #expect(decision.outcome == .couldNotEvaluate)
        #expect(!decision.isAllowed)
        let object = try json(decision)
        #expect(object["scope"] is NSNull)
        #expect(object["platforms"] as? [Any] != nil)
    }
}
