// AdmissionResponse.reviewJSON as the API server reads it, parsed back with Foundation's
// JSONSerialization (another JSON implementation than the one that wrote it): the uid echoed,
// allowed with a base64 JSON Patch and patchType JSONPatch, denied with status 403 and no patch,
// warnings clipped and capped, and audit annotations.

import CustodyAdmission
import CustodyOCI
import CustodyPolicy
import CustodyRegistry
import CustodyStores
import CustodyTestSupport
import CustodyVerify
import Foundation
import Testing

@Suite("AdmissionResponse: the AdmissionReview answered")
struct AdmissionResponseTests {
    /// The review parsed by Foundation, and its `response`.
    static func parsed(_ response: AdmissionResponse) throws -> (review: [String: Any], response: [String: Any]) {
        let object = try JSONSerialization.jsonObject(with: Data(response.reviewJSON))
        let review = try #require(object as? [String: Any])
        let inner = try #require(review["response"] as? [String: Any])
        return (review, inner)
    }

    @Test("the envelope: admission.k8s.io/v1 AdmissionReview with the uid echoed")
    func envelope() throws {
        let uid = "705ab4f5-6393-11e8-b7cc-42010a800002"
        let (review, response) = try Self.parsed(AdmissionResponse(uid: uid, allowed: true))
        #expect(review["apiVersion"] as? String == "admission.k8s.io/v1")
        #expect(review["kind"] as? String == "AdmissionReview")
        #expect(review["request"] == nil)
        #expect(response["uid"] as? String == uid)
        #expect(response["allowed"] as? Bool == true)
        #expect(Set(response.keys) == ["uid", "allowed"])
    }

    @Test("a uid with characters JSON must escape comes back unchanged")
    func escapedUID() throws {
        let uid = "a\"b\\c/d\u{1}é"
        #expect(try Self.parsed(AdmissionResponse(uid: uid, allowed: false)).response["uid"] as? String == uid)
    }

    @Test("allowed with a patch: base64 of the JSON Patch array, patchType JSONPatch, no status")
    func allowedWithPatch() throws {
        let response = AdmissionResponse(
            uid: "u-1", allowed: true,
            patch: [
                .init(replace: "/spec/containers/0/image", with: "registry.example/shop/web:1.4@sha256:" + String(repeating: "ab", count: 32)),
                .init(replace: "/spec/volumes/1/image/reference", with: "registry.example/shop/models:v3@sha256:" + String(repeating: "cd", count: 32)),
            ])
        let (_, parsed) = try Self.parsed(response)
        #expect(parsed["allowed"] as? Bool == true)
        #expect(parsed["status"] == nil)
        #expect(parsed["patchType"] as? String == "JSONPatch")
        let encoded = try #require(parsed["patch"] as? String)
        let bytes = try #require(Data(base64Encoded: encoded), "patch is not standard base64: \(encoded)")
        let operations = try #require(try JSONSerialization.jsonObject(with: bytes) as? [[String: String]])
        #expect(operations == [
            ["op": "replace", "path": "/spec/containers/0/image", "value": "registry.example/shop/web:1.4@sha256:" + String(repeating: "ab", count: 32)],
            ["op": "replace", "path": "/spec/volumes/1/image/reference", "value": "registry.example/shop/models:v3@sha256:" + String(repeating: "cd", count: 32)],
        ])
        #expect(Array(bytes) == response.patchDocument)
    }

    @Test("allowed without a patch has neither patch nor patchType")
    func allowedWithoutPatch() throws {
        let (_, parsed) = try Self.parsed(AdmissionResponse(uid: "u", allowed: true))
        #expect(parsed["patch"] == nil)
        #expect(parsed["patchType"] == nil)
        #expect(AdmissionResponse(uid: "u", allowed: true).patchDocument == Array("[]".utf8))
    }

    @Test("denied: status code 403 with the message, no patch")
    func denied() throws {
        let message = "custody denied Pod shop/web: image registry.example/shop/web:1.4: denied: no signature"
        let (_, parsed) = try Self.parsed(AdmissionResponse(uid: "u-2", allowed: false, message: message))
        #expect(parsed["allowed"] as? Bool == false)
        let status = try #require(parsed["status"] as? [String: Any])
        #expect(status["code"] as? Int == 403)
        #expect(status["message"] as? String == message)
        #expect(parsed["patch"] == nil)
        #expect(parsed["patchType"] == nil)
        #expect(parsed["warnings"] == nil)
    }

    @Test("denied without a message still says denied")
    func deniedWithoutMessage() throws {
        let status = try #require(try Self.parsed(AdmissionResponse(uid: "u", allowed: false)).response["status"] as? [String: Any])
        #expect(status["message"] as? String == "denied")
    }

    @Test("a message over maxMessageCharacters is clipped to exactly that many, ending in an ellipsis")
    func longMessage() throws {
        let limit = AdmissionResponse.maxMessageCharacters
        let fits = String(repeating: "m", count: limit)
        let status = try #require(try Self.parsed(AdmissionResponse(uid: "u", allowed: false, message: fits)).response["status"] as? [String: Any])
        #expect(status["message"] as? String == fits)
        let long = try #require(
            try Self.parsed(AdmissionResponse(uid: "u", allowed: false, message: fits + "x")).response["status"] as? [String: Any])
        let clipped = try #require(long["message"] as? String)
        #expect(clipped.count == limit)
        #expect(clipped.hasSuffix("…"))
        #expect(clipped.hasPrefix(String(repeating: "m", count: limit - 1)))
    }

    @Test("warnings: each clipped to maxWarningCharacters")
    func clippedWarnings() throws {
        let limit = AdmissionResponse.maxWarningCharacters
        let short = "custody (warn mode): image x:1: denied"
        let exact = String(repeating: "w", count: limit)
        let long = String(repeating: "v", count: limit + 44)
        let (_, parsed) = try Self.parsed(AdmissionResponse(uid: "u", allowed: true, warnings: [short, exact, long]))
        let warnings = try #require(parsed["warnings"] as? [String])
        #expect(warnings.count == 3)
        #expect(warnings[0] == short)
        #expect(warnings[1] == exact)
        #expect(warnings[2].count == limit)
        #expect(warnings[2] == String(repeating: "v", count: limit - 1) + "…")
    }

    @Test("warnings: at most maxWarnings, then one line summarising the rest")
    func cappedWarnings() throws {
        let max = AdmissionResponse.maxWarnings
        let exactly = (1...max).map { "warning \($0)" }
        let atLimit = try #require(try Self.parsed(AdmissionResponse(uid: "u", allowed: true, warnings: exactly)).response["warnings"] as? [String])
        #expect(atLimit == exactly)

        let many = (1...(max + 5)).map { "warning \($0)" }
        let capped = try #require(try Self.parsed(AdmissionResponse(uid: "u", allowed: true, warnings: many)).response["warnings"] as? [String])
        #expect(capped.count == max + 1)
        #expect(Array(capped.prefix(max)) == Array(many.prefix(max)))
        #expect(capped.last == "and 5 more warnings")
    }

    @Test("no warnings, no warnings member")
    func noWarnings() throws {
        #expect(try Self.parsed(AdmissionResponse(uid: "u", allowed: true, warnings: [])).response["warnings"] == nil)
    }

    @Test("auditAnnotations are written as an object of strings")
    func auditAnnotations() throws {
        let annotations = ["custody.dev/decision": "denied", "custody.dev/record": "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9"]
        let (_, parsed) = try Self.parsed(AdmissionResponse(uid: "u", allowed: false, message: "no", auditAnnotations: annotations))
        #expect(parsed["auditAnnotations"] as? [String: String] == annotations)
        #expect(try Self.parsed(AdmissionResponse(uid: "u", allowed: true)).response["auditAnnotations"] == nil)
    }

    @Test("the output is deterministic, the same bytes for the same response")
    func deterministic() {
        let response = AdmissionResponse(
            uid: "u", allowed: true, warnings: ["a", "b"], patch: [.init(replace: "/spec/containers/0/image", with: "x:1@sha256:" + String(repeating: "0", count: 64))],
            auditAnnotations: ["b": "2", "a": "1", "c": "3"])
        #expect(response.reviewJSON == response.reviewJSON)
        var other = response
        other.auditAnnotations = ["c": "3", "a": "1", "b": "2"]
        #expect(other.reviewJSON == response.reviewJSON)
        other.uid = "v"
        #expect(other.reviewJSON != response.reviewJSON)
    }

    @Test("a patch operation always replaces")
    func patchOperation() {
        let operation = AdmissionResponse.PatchOperation(replace: "/spec/containers/0/image", with: "x")
        #expect(operation.op == "replace")
        #expect(operation.path == "/spec/containers/0/image")
        #expect(operation.value == "x")
    }
}

// MARK: - AdmissionController end to end, without network

// The controller over real reviews with a `reject` policy and a transport whose registries are
// never reached: invalid references, unknown kinds, DELETE and malformed reviews are decided
// without reading any image; a registry on a 127.0.0.1 port where nothing listens gives a
// denial before the deadline; and decisions and tag digests put in the cache beforehand stand
// in for a registry, so that allowing and pinning are checked too.

@Suite("AdmissionController: reviews decided end to end, offline")
struct AdmissionControllerTests {
    typealias F = AdmissionFixtures

    /// Rejects everything: images are denied without a registry request.
    static let rejectAll = #"{"default":[{"type":"reject"}]}"#
    /// Accepts registry.example (whose decisions the tests put in the cache), rejects the rest.
    static let acceptRegistryExample = #"{"default":[{"type":"reject"}],"transports":{"docker":{"registry.example":[{"type":"insecureAcceptAnything"}]}}}"#
    /// Accepts anything: every image is read from its registry.
    static let acceptAll = #"{"default":[{"type":"insecureAcceptAnything"}]}"#

    struct Setup {
        let directory: TemporaryDirectory
        let policy: TrustPolicySource

        init(policy text: String = AdmissionControllerTests.rejectAll) throws {
            directory = try TemporaryDirectory()
            policy = try TrustPolicySource(path: try directory.write(text, to: "policy.json"))
        }

        func controller(_ settings: AdmissionSettings = AdmissionSettings(), cache: VerificationCache = AdmissionControllerTests.longLivedCache()) -> AdmissionController {
            AdmissionController(
                policy: policy, transport: ImageTransport(options: RegistryOptions(tlsVerify: false, maxRetries: 0)), settings: settings, cache: cache)
        }
    }

    /// A cache whose entries outlive the test however slowly it runs: these tests are about what
    /// the controller does with cached decisions, not about lifetimes.
    static func longLivedCache() -> VerificationCache {
        VerificationCache(settings: .init(positiveLifetime: .seconds(86_400), negativeLifetime: .seconds(86_400), tagLifetime: .seconds(86_400)))
    }

    static func review(
        _ controller: AdmissionController, _ text: String, endpoint: AdmissionController.Endpoint = .validate, timeout: Duration? = nil
    ) async throws(AdmissionError) -> AdmissionController.Answer {
        try await controller.review(Array(text.utf8), endpoint: endpoint, timeout: timeout)
    }

    static func spec(images: [String]) -> String {
        let containers = images.enumerated().map { #"{"name":"c\#($0.offset)","image":"\#($0.element)"}"# }
        return #"{"containers":[\#(containers.joined(separator: ","))]}"#
    }

    /// Puts an allowed (or other) decision for `reference` (resolved from its tag to `digest`
    /// when it has one) in `cache` under generation 1, as if the registry had been read.
    static func remember(
        _ cache: VerificationCache, tag: String?, reference: String, digest: Digest, outcome: PolicyDecision.Outcome = .allowed,
        evidence: ImageEvidence? = nil
    ) async throws {
        if let tag {
            guard case .pending(let task) = await cache.digest(forTag: tag, resolve: { digest }) else {
                throw F.FixtureError("the tag was already known")
            }
            _ = try await task.value.get()
        }
        let key = VerificationCache.Key(reference: reference, digest: digest, policyGeneration: 1, trustGeneration: 1)
        let decision = CacheFixtures.decision(outcome, reference: reference, digest: digest)
        _ = await CacheFixtures.resolve(await cache.verification(for: key) { .init(decision: decision, evidence: evidence) })
    }

    static let digest = try! Digest(parsing: "sha256:" + String(repeating: "12", count: 32))

    // MARK: Decided without reading images

    @Test("an invalid image reference is denied, naming the reason")
    func invalidReference() async throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let answer = try await Self.review(setup.controller(), F.podCreate(spec: Self.spec(images: ["UPPER/Case:tag"])))
        #expect(answer.response.allowed == false)
        #expect(answer.response.uid == F.podUID)
        let message = try #require(answer.response.message)
        #expect(message.hasPrefix("custody denied Pod shop/web-7d4b9c8f6d-x2k9q: "))
        #expect(message.contains("image UPPER/Case:tag: denied: not a valid image reference"))
        #expect(answer.response.patch.isEmpty)
        #expect(answer.record.outcome == "denied")
        #expect(answer.record.images.count == 1)
        let image = try #require(answer.record.images.first)
        #expect(image.image == "UPPER/Case:tag")
        #expect(image.pointers == ["/spec/containers/0/image"])
        #expect(image.reference == nil)
        #expect(image.digest == nil)
        #expect(image.outcome == .denied)
        #expect(image.reasons.first?.hasPrefix("not a valid image reference") == true)
        #expect(answer.response.auditAnnotations == ["custody.dev/decision": "denied", "custody.dev/record": answer.record.id])
    }

    @Test("in warn mode the same pod is allowed, with the reason as a warning")
    func invalidReferenceWarned() async throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let answer = try await Self.review(setup.controller(AdmissionSettings(mode: .warn)), F.podCreate(spec: Self.spec(images: ["UPPER/Case:tag"])))
        #expect(answer.response.allowed == true)
        #expect(answer.response.message == nil)
        #expect(answer.response.warnings.count == 1)
        #expect(answer.response.warnings.first?.hasPrefix("custody (warn mode): image UPPER/Case:tag: denied: not a valid image reference") == true)
        #expect(answer.record.outcome == "warned")
        #expect(answer.record.mode == "warn")
    }

    @Test("a kind Custody does not verify (apps/v1 ControllerRevision) is denied; in warn mode allowed with a warning")
    func unknownKind() async throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let text = F.review(
            uid: "cr-1", group: "apps", version: "v1", kind: "ControllerRevision", resource: "controllerrevisions", name: "web-5d8f7c", operation: "CREATE",
            object: #"{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"web-5d8f7c"},"revision":1,"data":{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"x:1"}]}}}}}"#,
            options: F.createOptions)
        let denied = try await Self.review(setup.controller(), text)
        #expect(denied.response.allowed == false)
        #expect(denied.response.message?.contains("apps/ControllerRevision is not a workload kind") == true)
        #expect(denied.record.images.isEmpty)
        #expect(denied.record.outcome == "denied")

        let warned = try await Self.review(setup.controller(AdmissionSettings(mode: .warn)), text)
        #expect(warned.response.allowed == true)
        #expect(warned.response.warnings.count == 1)
        #expect(warned.response.warnings.first?.contains("apps/ControllerRevision is not a workload kind") == true)
        #expect(warned.record.outcome == "warned")
    }

    @Test("a Pod claimed by the wrong group is not a workload")
    func wrongGroup() async throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let text = F.review(
            uid: "p-2", group: "apps", version: "v1", kind: "Pod", resource: "pods", name: "p", operation: "CREATE",
            object: F.podObject(spec: Self.spec(images: ["UPPER/Case:tag"])), options: F.createOptions)
        let answer = try await Self.review(setup.controller(), text)
        #expect(answer.response.allowed == false)
        #expect(answer.response.message?.contains("apps/Pod is not a workload kind") == true)
    }

    @Test("DELETE is allowed without looking at images")
    func delete() async throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let answer = try await Self.review(setup.controller(), F.podDelete, endpoint: .mutate)
        #expect(answer.response.allowed == true)
        #expect(answer.response.uid == F.deleteUID)
        #expect(answer.response.patch.isEmpty)
        #expect(answer.response.warnings.isEmpty)
        #expect(answer.record.images.isEmpty)
        #expect(answer.record.outcome == "allowed")
        #expect(answer.record.request.operation == "DELETE")
        #expect(answer.record.endpoint == "mutate")
        #expect(answer.response.auditAnnotations["custody.dev/decision"] == "allowed")
    }

    @Test("a malformed review throws AdmissionError instead of answering")
    func malformedReview() async throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let controller = setup.controller()
        for (text, code) in [
            ("not json", AdmissionError.Code.malformedReview),
            (F.podCreate().replacingOccurrences(of: "admission.k8s.io/v1", with: "admission.k8s.io/v1beta1"), .malformedReview),
            (F.podCreate() + "x", .malformedReview),
        ] {
            do throws(AdmissionError) {
                _ = try await Self.review(controller, text)
                Issue.record("answered \(text.prefix(40))")
            } catch {
                #expect(error.code == code)
            }
        }
        do throws(AdmissionError) {
            _ = try await controller.review([UInt8](repeating: 0x20, count: UntrustedAdmissionReview.maxBytes + 1), endpoint: .validate, timeout: nil)
            Issue.record("answered an oversized review")
        } catch {
            #expect(error.code == .tooLarge)
        }
    }

    @Test("an object of the wrong shape is denied, not an error")
    func malformedObject() async throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let answer = try await Self.review(setup.controller(), F.podCreate(spec: #"{"containers":[{"name":"no-image"}]}"#))
        #expect(answer.response.allowed == false)
        #expect(answer.response.message?.contains("the Pod cannot be read") == true)
        #expect(answer.response.message?.contains("/spec/containers/0") == true)
    }

    @Test("the record describes the request, the policy in force and the budget")
    func recordFields() async throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let answer = try await Self.review(setup.controller(), F.podCreate(spec: Self.spec(images: ["UPPER/Case:tag"]), dryRun: true), timeout: .seconds(1))
        let record = answer.record
        #expect(record.schemaVersion == AdmissionRecord.schemaVersion)
        #expect(record.request.uid == F.podUID)
        #expect(record.request.kind == .init(group: "", version: "v1", kind: "Pod"))
        #expect(record.request.namespace == "shop")
        #expect(record.request.name == "web-7d4b9c8f6d-x2k9q")
        #expect(record.request.user == "system:serviceaccount:kube-system:replicaset-controller")
        #expect(record.request.dryRun == true)
        #expect(record.endpoint == "validate")
        #expect(record.mode == "enforce")
        #expect(record.policy == setup.policy.current.policy)
        #expect(record.trust == setup.policy.current.trust)
        #expect(record.budgetMilliseconds == 750)
        #expect(record.latencyMilliseconds >= 0)
        #expect(DecisionTime.parse(record.time) != nil)
        #expect(UUID(uuidString: record.id) != nil)
        // And it is a valid audit line.
        #expect(try AdmissionRecord(line: try record.jsonLine()) == record)
        let defaultBudget = try await Self.review(setup.controller(), F.podCreate(spec: Self.spec(images: ["UPPER/Case:tag"])))
        #expect(defaultBudget.record.budgetMilliseconds == 9000)
    }

    @Test("a scope that rejects denies without any registry request, even over a cached allowed decision")
    func rejectedScope() async throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let cache = Self.longLivedCache()
        let port = try RegistryServer.freePort()
        let pinned = "127.0.0.1:\(port)/team/app@\(Self.digest)"
        try await Self.remember(cache, tag: nil, reference: pinned, digest: Self.digest)
        let controller = setup.controller(cache: cache)
        let answer = try await Self.review(
            controller, F.podCreate(spec: Self.spec(images: [pinned, "127.0.0.1:\(port)/team/app:1.0"])), endpoint: .mutate, timeout: .seconds(1))
        #expect(answer.response.allowed == false)
        #expect(answer.response.patch.isEmpty)
        #expect(answer.record.images.map(\.outcome) == [.denied, .denied])
        #expect(answer.record.images.allSatisfy { !$0.cached })
        let decision = try #require(answer.record.images.first?.decision)
        #expect(decision.outcome == .denied)
        #expect(decision.scope?.path == "$.default")
        #expect(decision.reasons.contains { $0.contains("rejected by policy") })
        #expect(controller.transport.registryRequestCount == 0)
        #expect(answer.response.message?.contains("rejected by policy") == true)
    }

    @Test("the same cached decision is used once the scope no longer rejects")
    func acceptedScopeUsesCache() async throws {
        let setup = try Setup(policy: Self.acceptAll)
        defer { setup.directory.remove() }
        let cache = Self.longLivedCache()
        let port = try RegistryServer.freePort()
        let pinned = "127.0.0.1:\(port)/team/app@\(Self.digest)"
        try await Self.remember(cache, tag: nil, reference: pinned, digest: Self.digest)
        let controller = setup.controller(cache: cache)
        let answer = try await Self.review(controller, F.podCreate(spec: Self.spec(images: [pinned])), endpoint: .mutate, timeout: .seconds(1))
        #expect(answer.response.allowed == true)
        #expect(answer.record.images.first?.cached == true)
        #expect(controller.transport.registryRequestCount == 0)
    }

    // MARK: A registry that does not answer

    @Test("images at a 127.0.0.1 port where nothing listens: denied before the deadline")
    func unreachableRegistry() async throws {
        let setup = try Setup(policy: Self.acceptAll)
        defer { setup.directory.remove() }
        let port = try RegistryServer.freePort()
        let pinned = "127.0.0.1:\(port)/team/app@sha256:" + String(repeating: "34", count: 32)
        let tagged = "127.0.0.1:\(port)/team/app:1.0"
        let answer = try await Self.review(
            setup.controller(), F.podCreate(spec: Self.spec(images: [pinned, tagged])), endpoint: .mutate, timeout: .seconds(1))
        #expect(answer.response.allowed == false)
        #expect(answer.response.patch.isEmpty)
        #expect(answer.record.images.map(\.image) == [pinned, tagged])
        #expect(answer.record.images.map(\.outcome) == [.couldNotEvaluate, .couldNotEvaluate])
        #expect(answer.record.images[0].digest?.description == "sha256:" + String(repeating: "34", count: 32))
        #expect(answer.record.images[1].digest == nil)
        #expect(answer.response.message?.contains("could not evaluate") == true)
    }

    // MARK: Allowed and pinned (decisions from the cache)

    @Test("a digest-pinned image allowed earlier is allowed from the cache, with nothing to pin")
    func cachedAllowed() async throws {
        let setup = try Setup(policy: Self.acceptRegistryExample)
        defer { setup.directory.remove() }
        let cache = Self.longLivedCache()
        let image = "registry.example/shop/app@\(Self.digest)"
        try await Self.remember(cache, tag: nil, reference: image, digest: Self.digest, evidence: try AuditFixtures.singleEvidence())
        let answer = try await Self.review(setup.controller(cache: cache), F.podCreate(spec: Self.spec(images: [image, image])), endpoint: .mutate)
        #expect(answer.response.allowed == true)
        #expect(answer.response.patch.isEmpty)
        #expect(answer.record.outcome == "allowed")
        #expect(answer.record.images.count == 1)
        let decided = try #require(answer.record.images.first)
        #expect(decided.pointers == ["/spec/containers/0/image", "/spec/containers/1/image"])
        #expect(decided.cached == true)
        #expect(decided.digest == Self.digest)
        #expect(decided.reference == image)
        #expect(decided.decision?.outcome == .allowed)
        // Answered from the cache: the evidence is named, not repeated (the record of the
        // verification holds it).
        #expect(decided.evidence == nil)
        let cachedEntry = try #require(await cache.cached(VerificationCache.Key(reference: image, digest: Self.digest, policyGeneration: 1, trustGeneration: 1)))
        #expect(decided.evidenceID == cachedEntry.evidenceID)

        let withoutEvidence = try await Self.review(setup.controller(AdmissionSettings(recordEvidence: false), cache: cache), F.podCreate(spec: Self.spec(images: [image])))
        #expect(withoutEvidence.response.allowed == true)
        #expect(withoutEvidence.record.images.first?.evidence == nil)
        #expect(withoutEvidence.record.images.first?.evidenceID == nil, "no evidence recorded, none named")
    }

    @Test("a denial from the cache denies with the policy's reasons")
    func cachedDenied() async throws {
        let setup = try Setup(policy: Self.acceptRegistryExample)
        defer { setup.directory.remove() }
        let cache = Self.longLivedCache()
        let image = "registry.example/shop/app@\(Self.digest)"
        try await Self.remember(cache, tag: nil, reference: image, digest: Self.digest, outcome: .denied)
        let answer = try await Self.review(setup.controller(cache: cache), F.podCreate(spec: Self.spec(images: [image])))
        #expect(answer.response.allowed == false)
        #expect(answer.response.message?.contains("image \(image): denied: no signature") == true)
        #expect(answer.record.images.first?.reasons == ["no signature"])
    }

    @Test("a decision made under another policy generation is not reused")
    func otherGeneration() async throws {
        let setup = try Setup(policy: Self.acceptAll)
        defer { setup.directory.remove() }
        let cache = Self.longLivedCache()
        let port = try RegistryServer.freePort()
        let image = "127.0.0.1:\(port)/team/app@\(Self.digest)"
        let key = VerificationCache.Key(reference: image, digest: Self.digest, policyGeneration: 2, trustGeneration: 1)
        _ = await CacheFixtures.resolve(await cache.verification(for: key) { CacheFixtures.verification(.allowed) })
        let answer = try await Self.review(setup.controller(cache: cache), F.podCreate(spec: Self.spec(images: [image])), timeout: .seconds(1))
        #expect(answer.response.allowed == false)
        #expect(answer.record.images.first?.cached == false)
    }

    @Test("/mutate pins allowed tags to their digests; /validate and validate-only never patch")
    func pinning() async throws {
        let setup = try Setup(policy: Self.acceptRegistryExample)
        defer { setup.directory.remove() }
        let cache = Self.longLivedCache()
        let tag = "registry.example/shop/web:1.4"
        try await Self.remember(cache, tag: tag, reference: tag, digest: Self.digest)
        let text = F.podCreate(spec: Self.spec(images: [tag]))

        let mutated = try await Self.review(setup.controller(cache: cache), text, endpoint: .mutate)
        #expect(mutated.response.allowed == true)
        #expect(mutated.response.patch == [.init(replace: "/spec/containers/0/image", with: "\(tag)@\(Self.digest)")])
        #expect(mutated.record.patch == mutated.response.patch)
        #expect(mutated.record.images.first?.digest == Self.digest)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(mutated.response.reviewJSON)) as? [String: Any])
        let response = try #require(parsed["response"] as? [String: Any])
        #expect(response["patchType"] as? String == "JSONPatch")
        let encodedPatch = try #require(response["patch"] as? String)
        let patch = try #require(Data(base64Encoded: encodedPatch))
        #expect(try JSONSerialization.jsonObject(with: patch) as? [[String: String]] == [["op": "replace", "path": "/spec/containers/0/image", "value": "\(tag)@\(Self.digest)"]])

        let validated = try await Self.review(setup.controller(cache: cache), text, endpoint: .validate)
        #expect(validated.response.allowed == true)
        #expect(validated.response.patch.isEmpty)

        let validateOnly = try await Self.review(setup.controller(AdmissionSettings(pinDigests: false), cache: cache), text, endpoint: .mutate)
        #expect(validateOnly.response.allowed == true)
        #expect(validateOnly.response.patch.isEmpty)

        let podsOnly = try await Self.review(setup.controller(AdmissionSettings(pinKinds: [.deployment]), cache: cache), text, endpoint: .mutate)
        #expect(podsOnly.response.patch.isEmpty)
    }

    /// A cache that already allowed the images of the fixture Deployment (`shop/web:TAG`,
    /// `shop/migrate:1.4`, `shop/models:v3` by tag, `shop/proxy` by digest).
    static func shopCache(webTag: String) async throws -> VerificationCache {
        let cache = Self.longLivedCache()
        for tag in ["registry.example/shop/web:\(webTag)", "registry.example/shop/migrate:1.4", "registry.example/shop/models:v3"] {
            try await Self.remember(cache, tag: tag, reference: tag, digest: Self.digest)
        }
        let proxy = "registry.example/shop/proxy@" + F.webDigest
        try await Self.remember(cache, tag: nil, reference: proxy, digest: try Digest(parsing: F.webDigest))
        return cache
    }

    @Test("a Deployment CREATE pins every tagged image site, leaving digest-pinned ones alone")
    func deploymentPinning() async throws {
        let setup = try Setup(policy: Self.acceptRegistryExample)
        defer { setup.directory.remove() }
        let cache = try await Self.shopCache(webTag: "1.4")
        let answer = try await Self.review(setup.controller(cache: cache), F.deploymentCreate, endpoint: .mutate)
        #expect(answer.response.allowed == true)
        #expect(answer.response.patch == [
            .init(replace: "/spec/template/spec/containers/0/image", with: "registry.example/shop/web:1.4@\(Self.digest)"),
            .init(replace: "/spec/template/spec/initContainers/0/image", with: "registry.example/shop/migrate:1.4@\(Self.digest)"),
            .init(replace: "/spec/template/spec/volumes/1/image/reference", with: "registry.example/shop/models:v3@\(Self.digest)"),
        ])
        #expect(answer.record.images.count == 4)
        #expect(answer.record.images.allSatisfy { $0.outcome == .allowed && $0.cached })
    }

    @Test("an UPDATE pins only the images that changed")
    func updatePinning() async throws {
        let setup = try Setup(policy: Self.acceptRegistryExample)
        defer { setup.directory.remove() }
        let cache = try await Self.shopCache(webTag: "1.5")
        let answer = try await Self.review(setup.controller(cache: cache), F.deploymentUpdate, endpoint: .mutate)
        #expect(answer.response.allowed == true)
        #expect(answer.response.patch == [.init(replace: "/spec/template/spec/containers/0/image", with: "registry.example/shop/web:1.5@\(Self.digest)")])
    }

    @Test("a denial in enforce mode drops the patch of the images that were allowed")
    func denialDropsPatch() async throws {
        let setup = try Setup(policy: Self.acceptRegistryExample)
        defer { setup.directory.remove() }
        let cache = Self.longLivedCache()
        let tag = "registry.example/shop/web:1.4"
        try await Self.remember(cache, tag: tag, reference: tag, digest: Self.digest)
        let answer = try await Self.review(setup.controller(cache: cache), F.podCreate(spec: Self.spec(images: [tag, "UPPER/Case:tag"])), endpoint: .mutate)
        #expect(answer.response.allowed == false)
        #expect(answer.response.patch.isEmpty)
        #expect(answer.record.patch.isEmpty)
        #expect(answer.record.images.map(\.outcome) == [.allowed, .denied])
    }
}
