// UntrustedAdmissionReview: the AdmissionReview v1 documents the API server sends (Pod,
// Deployment and CronJob CREATE, Deployment UPDATE, DELETE) are read member by member; every
// rule of the strict parser rejects with the right AdmissionError code, and each rejection has
// an accepted neighbour that differs only in the member the rule is about.

import CustodyAdmission
import CustodyJSON
import Foundation
import Testing

@Suite("UntrustedAdmissionReview: parsing AdmissionReview v1")
struct AdmissionReviewTests {
    typealias F = AdmissionFixtures

    static func parse(_ text: String) throws(AdmissionError) -> UntrustedAdmissionReview {
        try UntrustedAdmissionReview(bytes: Array(text.utf8))
    }

    /// The code of the error parsing `text` throws, or nil when it parses.
    static func failure(_ text: String) -> AdmissionError? {
        failure(bytes: Array(text.utf8))
    }

    static func failure(bytes: [UInt8]) -> AdmissionError? {
        do throws(AdmissionError) {
            _ = try UntrustedAdmissionReview(bytes: bytes)
            return nil
        } catch {
            return error
        }
    }

    // MARK: Accepted documents

    @Test("a Pod CREATE: every member the parser reads")
    func podCreate() throws {
        let review = try Self.parse(F.podCreate())
        #expect(review.uid == F.podUID)
        #expect(review.kind == .init(group: "", version: "v1", kind: "Pod"))
        #expect(review.resource == "pods")
        #expect(review.subResource == nil)
        #expect(review.name == "web-7d4b9c8f6d-x2k9q")
        #expect(review.namespace == "shop")
        #expect(review.operation == "CREATE")
        #expect(review.userInfo.username == "system:serviceaccount:kube-system:replicaset-controller")
        #expect(review.userInfo.uid == "9a0e7d4c-3b2a-4f1e-8d6c-5b4a3f2e1d0c")
        #expect(review.userInfo.groups == ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"])
        #expect(review.dryRun == false)
        #expect(review.oldObject == nil)
        let object = try #require(review.object)
        #expect(object["kind"] == .string("Pod"))
        guard case .object(let metadata)? = object["metadata"] else {
            Issue.record("metadata is not an object")
            return
        }
        #expect(metadata["namespace"] == .string("shop"))
    }

    @Test("the object is kept exactly: it equals the object parsed on its own")
    func objectKept() throws {
        let review = try Self.parse(F.podCreate())
        #expect(review.object == (try F.object(F.podObject())))
        #expect(review.object != (try F.object(F.podObject(name: "another"))))
    }

    @Test("dryRun true is read")
    func dryRun() throws {
        #expect(try Self.parse(F.podCreate(dryRun: true)).dryRun == true)
        #expect(try Self.parse(F.podCreate(dryRun: false)).dryRun == false)
    }

    @Test("a Deployment CREATE (apps/v1)")
    func deploymentCreate() throws {
        let review = try Self.parse(F.deploymentCreate)
        #expect(review.uid == F.deploymentUID)
        #expect(review.kind == .init(group: "apps", version: "v1", kind: "Deployment"))
        #expect(review.resource == "deployments")
        #expect(review.name == "web")
        #expect(review.operation == "CREATE")
        #expect(review.object == (try F.object(F.deploymentObject())))
        #expect(review.oldObject == nil)
    }

    @Test("a CronJob CREATE (batch/v1)")
    func cronJobCreate() throws {
        let review = try Self.parse(F.cronJobCreate)
        #expect(review.uid == F.cronJobUID)
        #expect(review.kind == .init(group: "batch", version: "v1", kind: "CronJob"))
        #expect(review.resource == "cronjobs")
        #expect(review.name == "nightly-report")
        #expect(review.object == (try F.object(F.cronJobObject())))
    }

    @Test("a Deployment UPDATE carries object and oldObject, which differ")
    func deploymentUpdate() throws {
        let review = try Self.parse(F.deploymentUpdate)
        #expect(review.uid == F.updateUID)
        #expect(review.operation == "UPDATE")
        let object = try #require(review.object)
        let old = try #require(review.oldObject)
        #expect(old == (try F.object(F.deploymentObject())))
        #expect(object != old)
        let images = try WorkloadImages.sites(in: object, kind: .deployment).map(\.image)
        let oldImages = try WorkloadImages.sites(in: old, kind: .deployment).map(\.image)
        #expect(images.first == "registry.example/shop/web:1.5")
        #expect(oldImages.first == "registry.example/shop/web:1.4")
    }

    @Test("a DELETE has a null object and the old object")
    func delete() throws {
        let review = try Self.parse(F.podDelete)
        #expect(review.uid == F.deleteUID)
        #expect(review.operation == "DELETE")
        #expect(review.object == nil)
        #expect(review.oldObject == (try F.object(F.podObject())))
    }

    @Test("CONNECT without an object is accepted")
    func connect() throws {
        let review = try Self.parse(F.minimal(request: F.requestMembers(operation: #""CONNECT""#, object: nil)))
        #expect(review.operation == "CONNECT")
        #expect(review.object == nil)
    }

    @Test("a missing or null userInfo reads as nobody; absent optional members are nil")
    func minimalMembers() throws {
        let text = F.minimal(request: #""uid":"u1","kind":{"kind":"Pod"},"operation":"DELETE","userInfo":null"#)
        let review = try Self.parse(text)
        #expect(review.kind == .init(group: "", version: "", kind: "Pod"))
        #expect(review.userInfo == .init(username: nil, uid: nil, groups: []))
        #expect(review.name == nil)
        #expect(review.namespace == nil)
        #expect(review.resource == nil)
        #expect(review.dryRun == false)
    }

    @Test("subResource is read")
    func subResource() throws {
        let review = try Self.parse(F.minimal(request: F.requestMembers(extra: #""subResource":"ephemeralcontainers""#)))
        #expect(review.subResource == "ephemeralcontainers")
    }

    @Test("unknown members (new API fields) at every level are ignored")
    func unknownMembers() throws {
        let request = F.requestMembers(extra: #""futureField":{"nested":[1,2,{"x":null}]},"anotherNewThing":42"#)
        let text = #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":null,"somethingNew":[true],"request":{\#(request)}}"#
        let review = try Self.parse(text)
        #expect(review.uid == "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")
        #expect(review.operation == "CREATE")
    }

    @Test("a uid of exactly maxUIDBytes is accepted")
    func longestUID() throws {
        let uid = String(repeating: "u", count: UntrustedAdmissionReview.maxUIDBytes)
        #expect(try Self.parse(F.minimal(request: F.requestMembers(uid: "\"\(uid)\""))).uid == uid)
    }

    @Test("a review of exactly maxBytes is accepted")
    func largestReview() throws {
        var bytes = Array(F.podCreate().utf8)
        bytes += [UInt8](repeating: UInt8(ascii: " "), count: UntrustedAdmissionReview.maxBytes - bytes.count)
        #expect(bytes.count == UntrustedAdmissionReview.maxBytes)
        #expect(try UntrustedAdmissionReview(bytes: bytes).uid == F.podUID)
    }

    @Test("objectName: request.name, else metadata.name, else generateName with *, else nil")
    func objectName() throws {
        #expect(try Self.parse(F.podCreate()).objectName == "web-7d4b9c8f6d-x2k9q")
        let object = #"{"metadata":{"name":"from-metadata","generateName":"gen-"}}"#
        #expect(try Self.parse(F.minimal(request: F.requestMembers(object: object))).objectName == "from-metadata")
        #expect(try Self.parse(F.minimal(request: F.requestMembers(object: object, extra: #""name":"""#))).objectName == "from-metadata")
        #expect(try Self.parse(F.minimal(request: F.requestMembers(object: object, extra: #""name":"given""#))).objectName == "given")
        let generated = #"{"metadata":{"name":"","generateName":"web-7d4b9c8f6d-"}}"#
        #expect(try Self.parse(F.minimal(request: F.requestMembers(object: generated))).objectName == "web-7d4b9c8f6d-*")
        #expect(try Self.parse(F.minimal(request: F.requestMembers(object: #"{"metadata":{}}"#))).objectName == nil)
        #expect(try Self.parse(F.minimal(request: F.requestMembers(object: #"{"metadata":"x"}"#))).objectName == nil)
        #expect(try Self.parse(F.minimal(request: F.requestMembers(operation: #""DELETE""#, object: nil))).objectName == nil)
    }

    // MARK: Rejections

    struct Rejected: Sendable, CustomTestStringConvertible {
        let why: String
        let text: String
        let code: AdmissionError.Code
        /// Text the reason must contain: the rule that refused it, not another.
        let mentions: String
        var testDescription: String { why }
    }

    static let rejected: [Rejected] = [
        .init(why: "not JSON", text: "this is not JSON", code: .malformedReview, mentions: "not valid JSON"),
        .init(why: "empty body", text: "", code: .malformedReview, mentions: "not valid JSON"),
        .init(why: "trailing bytes after the object", text: F.podCreate() + "{}", code: .malformedReview, mentions: "not valid JSON"),
        .init(why: "a second document after the object", text: F.podCreate() + "\n" + F.podCreate(), code: .malformedReview, mentions: "not valid JSON"),
        .init(why: "a JSON array, not an object", text: "[" + F.podCreate() + "]", code: .malformedReview, mentions: "not a JSON object"),
        .init(
            why: "duplicate key at the top level",
            text: #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","kind":"AdmissionReview","request":{\#(F.requestMembers())}}"#,
            code: .malformedReview, mentions: "duplicate"),
        .init(
            why: "duplicate uid in the request",
            text: F.minimal(request: F.requestMembers(extra: #""uid":"another""#)), code: .malformedReview, mentions: "duplicate"),
        .init(
            why: "duplicate key deep inside the object",
            text: F.podCreate().replacingOccurrences(of: #""labels": {"app": "web", "#, with: #""labels": {"app": "web", "app": "evil", "#),
            code: .malformedReview, mentions: "duplicate"),
        .init(
            why: "duplicate image in a container of the object",
            text: F.podCreate().replacingOccurrences(
                of: #""image": "registry.example/shop/web:1.4","#, with: #""image": "registry.example/shop/web:1.4", "image": "evil.example/x:1","#),
            code: .malformedReview, mentions: "duplicate"),
        .init(why: "apiVersion admission.k8s.io/v1beta1", text: F.minimal(request: F.requestMembers(), apiVersion: "admission.k8s.io/v1beta1"), code: .malformedReview, mentions: "\"admission.k8s.io/v1beta1\""),
        .init(
            why: "apiVersion missing", text: #"{"kind":"AdmissionReview","request":{\#(F.requestMembers())}}"#, code: .malformedReview, mentions: "apiVersion is missing"),
        .init(
            why: "apiVersion not a string", text: #"{"apiVersion":1,"kind":"AdmissionReview","request":{\#(F.requestMembers())}}"#,
            code: .malformedReview, mentions: "apiVersion is a number"),
        .init(why: "kind AdmissionRequest", text: F.minimal(request: F.requestMembers(), kind: "AdmissionRequest"), code: .malformedReview, mentions: "kind is \"AdmissionRequest\""),
        .init(why: "kind in lower case", text: F.minimal(request: F.requestMembers(), kind: "admissionreview"), code: .malformedReview, mentions: "kind is \"admissionreview\""),
        .init(why: "request missing", text: #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#, code: .malformedReview, mentions: "request is missing or not an object"),
        .init(why: "request null", text: #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":null}"#, code: .malformedReview, mentions: "request is missing or not an object"),
        .init(why: "request an array", text: #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":[]}"#, code: .malformedReview, mentions: "request is missing or not an object"),
        .init(
            why: "uid missing",
            text: F.minimal(request: #""kind":{"group":"","version":"v1","kind":"Pod"},"operation":"DELETE""#), code: .malformedReview, mentions: "request.uid is missing"),
        .init(why: "uid empty", text: F.minimal(request: F.requestMembers(uid: #""""#)), code: .malformedReview, mentions: "request.uid must be a non-empty string"),
        .init(
            why: "uid over 256 bytes",
            text: F.minimal(request: F.requestMembers(uid: "\"" + String(repeating: "u", count: UntrustedAdmissionReview.maxUIDBytes + 1) + "\"")),
            code: .malformedReview, mentions: "request.uid must be a non-empty string"),
        .init(
            why: "uid over 256 bytes in UTF-8 (129 two-byte characters)",
            text: F.minimal(request: F.requestMembers(uid: "\"" + String(repeating: "é", count: 129) + "\"")), code: .malformedReview, mentions: "request.uid must be a non-empty string"),
        .init(why: "uid a number", text: F.minimal(request: F.requestMembers(uid: "42")), code: .malformedReview, mentions: "request.uid is a number"),
        .init(why: "uid an object", text: F.minimal(request: F.requestMembers(uid: #"{"id":"x"}"#)), code: .malformedReview, mentions: "request.uid is a object"),
        .init(
            why: "request.kind missing",
            text: F.minimal(request: #""uid":"u","operation":"DELETE""#), code: .malformedReview, mentions: "request.kind is missing"),
        .init(
            why: "request.kind.kind missing",
            text: F.minimal(request: #""uid":"u","kind":{"group":"","version":"v1"},"operation":"DELETE""#), code: .malformedReview, mentions: "request.kind.kind is missing"),
        .init(
            why: "request.kind.group a number",
            text: F.minimal(request: #""uid":"u","kind":{"group":0,"version":"v1","kind":"Pod"},"operation":"DELETE""#), code: .malformedReview, mentions: "request.kind.group is a number"),
        .init(why: "operation PATCH", text: F.minimal(request: F.requestMembers(operation: #""PATCH""#)), code: .malformedReview, mentions: "\"PATCH\""),
        .init(why: "operation in lower case", text: F.minimal(request: F.requestMembers(operation: #""create""#)), code: .malformedReview, mentions: "\"create\""),
        .init(why: "operation missing", text: F.minimal(request: #""uid":"u","kind":{"kind":"Pod"}"#), code: .malformedReview, mentions: "request.operation is missing"),
        .init(why: "operation a boolean", text: F.minimal(request: F.requestMembers(operation: "true")), code: .malformedReview, mentions: "request.operation is a boolean"),
        .init(why: "CREATE without object", text: F.minimal(request: F.requestMembers(object: nil)), code: .malformedReview, mentions: "request.object is missing for a CREATE"),
        .init(why: "CREATE with a null object", text: F.minimal(request: F.requestMembers(object: "null")), code: .malformedReview, mentions: "request.object is missing for a CREATE"),
        .init(
            why: "UPDATE without object",
            text: F.minimal(request: F.requestMembers(operation: #""UPDATE""#, object: nil, extra: #""oldObject":{"kind":"Pod"}"#)),
            code: .malformedReview, mentions: "request.object is missing for a UPDATE"),
        .init(why: "object an array", text: F.minimal(request: F.requestMembers(object: "[]")), code: .malformedReview, mentions: "request.object is not an object"),
        .init(why: "object a string", text: F.minimal(request: F.requestMembers(object: #""{}""#)), code: .malformedReview, mentions: "request.object is not an object"),
        .init(
            why: "oldObject a number",
            text: F.minimal(request: F.requestMembers(extra: #""oldObject":1"#)), code: .malformedReview, mentions: "request.oldObject is not an object"),
        .init(why: "dryRun a string", text: F.minimal(request: F.requestMembers(extra: #""dryRun":"true""#)), code: .malformedReview, mentions: "request.dryRun is not a boolean"),
        .init(why: "userInfo a string", text: F.minimal(request: #""uid":"u","kind":{"kind":"Pod"},"operation":"DELETE","userInfo":"admin""#), code: .malformedReview, mentions: "request.userInfo is not an object"),
        .init(
            why: "userInfo.groups holding a number",
            text: F.minimal(request: #""uid":"u","kind":{"kind":"Pod"},"operation":"DELETE","userInfo":{"groups":["a",1]}"#), code: .malformedReview, mentions: "holds a non-string"),
        .init(
            why: "userInfo.groups a string",
            text: F.minimal(request: #""uid":"u","kind":{"kind":"Pod"},"operation":"DELETE","userInfo":{"groups":"system:masters"}"#), code: .malformedReview, mentions: "request.userInfo.groups is not an array"),
        .init(
            why: "userInfo.username a number",
            text: F.minimal(request: #""uid":"u","kind":{"kind":"Pod"},"operation":"DELETE","userInfo":{"username":7}"#), code: .malformedReview, mentions: "request.userInfo.username is a number"),
        .init(why: "name an array", text: F.minimal(request: F.requestMembers(extra: #""name":["x"]"#)), code: .malformedReview, mentions: "request.name is a array"),
    ]

    @Test("rejected with the right code", arguments: rejected)
    func rejects(_ case_: Rejected) throws {
        let error = try #require(Self.failure(case_.text), "\(case_.why) was accepted")
        #expect(error.code == case_.code, "\(case_.why): \(error)")
        #expect(error.reason.contains(case_.mentions), "\(case_.why): \(error.reason)")
    }

    @Test("each rejected neighbour of a valid review parses: the valid pieces are valid")
    func neighboursParse() throws {
        #expect(Self.failure(F.minimal(request: F.requestMembers())) == nil)
        #expect(Self.failure(F.podCreate() + "\n\t ") == nil)
        #expect(Self.failure(F.podCreate().replacingOccurrences(of: #""labels": {"app": "web", "#, with: #""labels": {"app": "web", "tier": "front", "#)) == nil)
        #expect(Self.failure(F.minimal(request: F.requestMembers(operation: #""DELETE""#, object: nil))) == nil)
        #expect(Self.failure(F.minimal(request: F.requestMembers(operation: #""DELETE""#, object: "null"))) == nil)
        #expect(Self.failure(F.minimal(request: F.requestMembers(extra: #""oldObject":null,"dryRun":null"#))) == nil)
        #expect(Self.failure(F.minimal(request: #""uid":"u","kind":{"kind":"Pod"},"operation":"DELETE","userInfo":{"groups":null}"#)) == nil)
    }

    @Test("malformed reviews name what is wrong")
    func reasons() throws {
        #expect(try #require(Self.failure(F.minimal(request: F.requestMembers(), apiVersion: "admission.k8s.io/v1beta1"))).reason.contains("v1beta1"))
        #expect(try #require(Self.failure(F.minimal(request: F.requestMembers(operation: #""PATCH""#)))).reason.contains("PATCH"))
        #expect(try #require(Self.failure(F.minimal(request: F.requestMembers(uid: "42")))).reason.contains("request.uid"))
        #expect(try #require(Self.failure(F.minimal(request: F.requestMembers(object: nil)))).reason.contains("request.object"))
    }

    @Test("over maxBytes is tooLarge, before any parsing")
    func tooLarge() throws {
        var bytes = Array(F.podCreate().utf8)
        bytes += [UInt8](repeating: UInt8(ascii: " "), count: UntrustedAdmissionReview.maxBytes + 1 - bytes.count)
        #expect(bytes.count == UntrustedAdmissionReview.maxBytes + 1)
        #expect(Self.failure(bytes: bytes)?.code == .tooLarge)
        // Garbage of the same size is also tooLarge, not malformedReview: the size is checked first.
        #expect(Self.failure(bytes: [UInt8](repeating: UInt8(ascii: "x"), count: UntrustedAdmissionReview.maxBytes + 1))?.code == .tooLarge)
    }

    @Test("the error description starts with the code")
    func errorDescription() {
        let error = AdmissionError(.malformedReview, "request.uid is missing")
        #expect(error.description == "malformedReview: request.uid is missing")
    }
}
