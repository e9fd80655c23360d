// The admission webhook end to end: AdmissionReview v1 documents as the API server sends them,
// over real TLS on 127.0.0.1, deciding about images in a real Distribution registry signed by
// `custody sign` (cosign format), with the registry's faults (stopped, slower than the deadline).
import AsyncHTTPClient
import CustodyAdmission
import CustodyOCI
import CustodyPolicy
import CustodyRegistry
import CustodyStores
import CustodyTestSupport
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Testing

@Suite(
    "admission webhook over TLS against a real registry",
    .enabled(if: PeerTool.availableOrCI("docker-registry", "skopeo", "openssl")),
    .timeLimit(.minutes(10))
)
struct WebhookServerTests {
    @Test("a signed image is allowed; /mutate pins the tag to the verified digest, /validate does not patch; the uid is echoed")
    func signedImageAllowedAndPinned() async throws {
        let bed = try await offPool { try SignedRegistry() }
        defer { bed.stop() }
        let image = bed.image("team/app")
        let digest = try await offPool { try bed.push(image) }
        try await offPool { try bed.sign(image) }
        let webhook = try await RunningWebhook(policyPath: try bed.writePolicy(), work: bed.work)

        let review = Reviews.deployment(uid: "uid-mutate-1", images: [image], initImages: [image])
        let mutated = try await webhook.review("/mutate?timeout=10s", review)
        #expect(mutated["uid"] as? String == "uid-mutate-1")
        #expect(mutated["allowed"] as? Bool == true, "\(mutated)")
        let patch = try decodedPatch(mutated)
        #expect(patch == [
            ["op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "\(image)@\(digest)"],
            ["op": "replace", "path": "/spec/template/spec/initContainers/0/image", "value": "\(image)@\(digest)"],
        ])
        // Applied by an independent RFC 6902 implementation, the patch pins exactly those two
        // images and changes nothing else.
        let patched = try await patchedObject(review, mutated, work: bed.work)
        let podSpec = ((patched["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any]
        #expect((podSpec?["containers"] as? [[String: Any]])?.first?["image"] as? String == "\(image)@\(digest)")
        #expect((podSpec?["initContainers"] as? [[String: Any]])?.first?["image"] as? String == "\(image)@\(digest)")
        let original = try #require(try JSONSerialization.jsonObject(with: Data(review)) as? [String: Any])
        var expected = try #require((original["request"] as? [String: Any])?["object"] as? [String: Any])
        var template = try #require((expected["spec"] as? [String: Any])?["template"] as? [String: Any])
        var spec = try #require(template["spec"] as? [String: Any])
        for list in ["containers", "initContainers"] {
            var entries = try #require(spec[list] as? [[String: Any]])
            entries[0]["image"] = "\(image)@\(digest)"
            spec[list] = entries
        }
        template["spec"] = spec
        var outerSpec = try #require(expected["spec"] as? [String: Any])
        outerSpec["template"] = template
        expected["spec"] = outerSpec
        #expect(NSDictionary(dictionary: patched).isEqual(to: expected), "only the two images changed")

        let validated = try await webhook.review("/validate?timeout=10s", Reviews.deployment(uid: "uid-validate-1", images: [image]))
        #expect(validated["uid"] as? String == "uid-validate-1")
        #expect(validated["allowed"] as? Bool == true, "\(validated)")
        #expect(validated["patch"] == nil, "/validate never patches: \(validated)")

        // The pinned form the API server stores after /mutate is allowed too.
        let pinned = try await webhook.review("/validate", Reviews.pod(images: ["\(image)@\(digest)"]))
        #expect(pinned["allowed"] as? Bool == true, "\(pinned)")
        await webhook.stop()
    }

    @Test("an unsigned image is denied (403, the image named in status.message); an image signed by an untrusted key is denied")
    func unsignedAndUntrustedDenied() async throws {
        let bed = try await offPool { try SignedRegistry() }
        defer { bed.stop() }
        let unsigned = bed.image("team/unsigned")
        let untrusted = bed.image("team/untrusted")
        _ = try await offPool { try bed.push(unsigned) }
        _ = try await offPool { try bed.push(untrusted) }
        let otherKey = bed.work.file("other.pem")
        try await offPool {
            try SignedRegistry.run("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", otherKey])
            try bed.sign(untrusted, key: otherKey)
        }
        let webhook = try await RunningWebhook(policyPath: try bed.writePolicy(), work: bed.work)

        for image in [unsigned, untrusted] {
            let response = try await webhook.review("/mutate?timeout=10s", Reviews.deployment(images: [image]))
            #expect(response["allowed"] as? Bool == false, "\(response)")
            let status = response["status"] as? [String: Any]
            #expect(status?["code"] as? Int == 403)
            let message = status?["message"] as? String ?? ""
            #expect(message.contains("image \(image): denied"), "\(message)")
            #expect(response["patch"] == nil, "a denial carries no patch: \(response)")
        }
        await webhook.stop()
    }

    @Test("a tampered signature (one byte of the signature changed in the registry) is denied")
    func tamperedSignatureDenied() async throws {
        let bed = try await offPool { try SignedRegistry() }
        defer { bed.stop() }
        let image = bed.image("team/tampered")
        let digest = try await offPool { try bed.push(image) }
        try await offPool { try bed.sign(image) }

        // Rewrite the attachment sha256-<hex>.sig with its signature annotation altered.
        let client = try RegistryClient(registry: bed.registry.host, options: RegistryOptions(tlsVerify: false))
        let tag = "sha256-\(digest.encoded).sig"
        let attachment = try await client.manifest(repository: "team/tampered", reference: tag)
        var json = try #require(try JSONSerialization.jsonObject(with: Data(attachment.bytes)) as? [String: Any])
        var layers = try #require(json["layers"] as? [[String: Any]])
        var annotations = try #require(layers[0]["annotations"] as? [String: String])
        let encoded = try #require(annotations["dev.cosignproject.cosign/signature"])
        var signature = try #require(Data(base64Encoded: encoded))
        signature[signature.count - 1] ^= 0x01
        annotations["dev.cosignproject.cosign/signature"] = signature.base64EncodedString()
        layers[0]["annotations"] = annotations
        json["layers"] = layers
        let tampered = try Manifest(bytes: Array(try JSONSerialization.data(withJSONObject: json)), declaredMediaType: attachment.mediaType)
        try await client.putManifest(tampered, repository: "team/tampered", reference: tag)

        let webhook = try await RunningWebhook(policyPath: try bed.writePolicy(), work: bed.work)
        let response = try await webhook.review("/validate?timeout=10s", Reviews.pod(images: [image]))
        #expect(response["allowed"] as? Bool == false, "\(response)")
        let message = (response["status"] as? [String: Any])?["message"] as? String ?? ""
        #expect(message.contains("image \(image): denied"), "\(message)")
        #expect(message.contains("signature"), "the reason names the signature that does not verify: \(message)")
        await webhook.stop()
    }

    @Test("registry stopped: denied, answered before the API server's deadline")
    func registryStoppedDeniedInTime() async throws {
        let bed = try await offPool { try SignedRegistry() }
        defer { bed.stop() }
        let image = bed.image("team/gone")
        _ = try await offPool { try bed.push(image) }
        try await offPool { try bed.sign(image) }
        let webhook = try await RunningWebhook(policyPath: try bed.writePolicy(), work: bed.work)
        bed.registry.stop()

        let response = try await webhook.review("/validate?timeout=3s", Reviews.deployment(images: [image]))
        #expect(response["allowed"] as? Bool == false, "\(response)")
        let record = try #require(try webhook.records().last)
        #expect(record.latencyMilliseconds < 3000, "the answer must come before the 3 s the API server waits; it took \(record.latencyMilliseconds) ms")
        #expect(record.images.first?.outcome == .couldNotEvaluate, "a stopped registry is 'could not evaluate', not 'unsigned'")
        await webhook.stop()
    }

    @Test("registry slower than the deadline: denied before the deadline; warn mode allows with a warning, also in time")
    func slowRegistryDeniedInTime() async throws {
        let bed = try await offPool { try SignedRegistry() }
        defer { bed.stop() }
        let image = bed.image("team/slow")
        _ = try await offPool { try bed.push(image) }
        try await offPool { try bed.sign(image) }
        let proxy = try await offPool {
            try ScriptServer(script: "slow-proxy.py", arguments: ["--upstream", bed.registry.host, "--delay", "6"], name: "the slow registry proxy")
        }
        defer { proxy.stop() }
        // The same repository, reached through the proxy: the policy scope is the proxy's host.
        let slowImage = "127.0.0.1:\(proxy.port)/team/slow:v1"
        let policy = bed.work.file("slow-policy.json")
        try Data(#"{"default":[{"type":"reject"}],"transports":{"docker":{"127.0.0.1:\#(proxy.port)":[{"type":"sigstoreSigned","keyPath":"\#(bed.publicKey)","signedIdentity":{"type":"matchRepository"}}]}}}"#.utf8)
            .write(to: URL(fileURLWithPath: policy))

        for mode in AdmissionSettings.Mode.allCases {
            let webhook = try await RunningWebhook(policyPath: policy, work: bed.work, arguments: ["--mode", mode.rawValue])
            let response = try await webhook.review("/validate?timeout=2s", Reviews.deployment(images: [slowImage]))
            let record = try #require(try webhook.records().last)
            #expect(record.latencyMilliseconds < 2000, "\(mode): the answer must come before the 2 s deadline; it took \(record.latencyMilliseconds) ms")
            #expect(record.budgetMilliseconds == 1750, "2 s less the 250 ms margin")
            switch mode {
            case .enforce:
                #expect(response["allowed"] as? Bool == false, "\(response)")
                let message = (response["status"] as? [String: Any])?["message"] as? String ?? ""
                #expect(message.contains("deadline"), "\(message)")
            case .warn:
                #expect(response["allowed"] as? Bool == true, "\(response)")
                let warnings = response["warnings"] as? [String] ?? []
                #expect(warnings.contains { $0.contains(slowImage) && $0.contains("deadline") }, "\(warnings)")
            }
            await webhook.stop()
        }
    }

    @Test("malformed AdmissionReviews are answered 400 with a JSON error, never a crash; the server goes on serving")
    func malformedReviews() async throws {
        let bed = try await offPool { try SignedRegistry() }
        defer { bed.stop() }
        let webhook = try await RunningWebhook(policyPath: try bed.writePolicy(), work: bed.work)
        let bad: [(String, [UInt8])] = [
            ("not JSON", Array("hello".utf8)),
            ("empty", []),
            ("trailing bytes", Reviews.pod(images: ["a:b"]) + Array(" {}".utf8)),
            ("duplicate key", Array(#"{"apiVersion":"admission.k8s.io/v1","apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{}}"#.utf8)),
            ("v1beta1", Array(String(decoding: Reviews.pod(images: ["a:b"]), as: UTF8.self).replacingOccurrences(of: "admission.k8s.io/v1", with: "admission.k8s.io/v1beta1").utf8)),
            ("no uid", Array(String(decoding: Reviews.pod(uid: "x", images: ["a:b"]), as: UTF8.self).replacingOccurrences(of: #""uid":"x","#, with: "").utf8)),
            ("deep nesting", Array(String(repeating: "[", count: 100_000).utf8)),
        ]
        for (label, body) in bad {
            let (status, answer) = try await webhook.post("/validate", body)
            #expect(status == 400, "\(label): \(status) \(String(decoding: answer, as: UTF8.self))")
            let error = try? JSONSerialization.jsonObject(with: Data(answer)) as? [String: Any]
            #expect(error?["message"] is String, "\(label): a JSON error body: \(String(decoding: answer, as: UTF8.self))")
        }
        let (badTimeout, _) = try await webhook.post("/validate?timeout=soon", Reviews.pod(images: ["a:b"]))
        #expect(badTimeout == 400)
        let (tooLarge, _) = try await webhook.post("/validate", [UInt8](repeating: 0x20, count: UntrustedAdmissionReview.maxBytes + 1))
        #expect(tooLarge == 413)
        let health = try await webhook.get("/healthz")
        #expect(health.status == 200 && health.body.hasPrefix("ok"), "\(health)")
        #expect(await webhook.stop() == 0, "SIGTERM: a clean exit")
    }

    @Test("the same image in ten containers of one Pod is verified once, with one set of registry requests")
    func tenContainersVerifiedOnce() async throws {
        let bed = try await offPool { try SignedRegistry() }
        defer { bed.stop() }
        let image = bed.image("team/many")
        _ = try await offPool { try bed.push(image) }
        try await offPool { try bed.sign(image) }
        // A tag lifetime long enough that the second Pod below finds the tag's digest remembered.
        let webhook = try await RunningWebhook(policyPath: try bed.writePolicy(), work: bed.work, arguments: ["--tag-ttl", "3600"])

        let response = try await webhook.review("/mutate", Reviews.pod(images: Array(repeating: image, count: 10)))
        #expect(response["allowed"] as? Bool == true, "\(response)")
        #expect(try decodedPatch(response).count == 10, "each of the ten sites is pinned")
        #expect(try await webhook.metric("custody_webhook_cache_misses") == 1, "one verification")
        let firstRequests = try await webhook.metric("custody_webhook_registry_requests")
        #expect(firstRequests > 0)

        // A second Pod: decided from the cache (the tag from the tag cache): no registry request.
        let again = try await webhook.review("/validate", Reviews.pod(images: Array(repeating: image, count: 10)))
        #expect(again["allowed"] as? Bool == true)
        #expect(try await webhook.metric("custody_webhook_cache_hits") == 1)
        #expect(try await webhook.metric("custody_webhook_registry_requests") == firstRequests, "a cached decision makes no registry request")

        let records = try webhook.records()
        #expect(records.count == 2)
        #expect(records.first?.images.count == 1, "one distinct image")
        #expect(records.first?.images.first?.pointers.count == 10)
        #expect(records.first?.images.first?.cached == false)
        #expect(records.last?.images.first?.cached == true)
        #expect(records.first?.images.first?.evidence != nil, "the evidence is recorded for replay")
        #expect(records.last?.images.first?.evidence == nil, "a cached decision names the evidence instead of repeating it")
        #expect(records.last?.images.first?.evidenceID == records.first?.images.first?.evidenceID)
        // The cached record replays from the evidence of the first.
        let cachedID = try #require(records.last?.id)
        let replay = try await offPool { [auditPath = webhook.auditPath] in try CustodyExecutable.run(["audit", "replay", auditPath, "--id", cachedID]) }
        #expect(replay.status == 0 && replay.stdoutText.contains("): same"), "\(replay)")
        let metrics = try await webhook.get("/metrics")
        #expect(metrics.body.contains("custody_webhook_decisions_total"), "\(metrics.body.prefix(400))")
        await webhook.stop()
    }

    @Test("validate-only and per-kind pinning: no patch where pinning is off, and an unverified tag is still denied")
    func validateOnlyAndPinKinds() async throws {
        let bed = try await offPool { try SignedRegistry() }
        defer { bed.stop() }
        let image = bed.image("team/gitops")
        let unsigned = bed.image("team/gitops", "unsigned")
        _ = try await offPool { try bed.push(image) }
        _ = try await offPool { try bed.push(unsigned, fixture: "dir-multi") }
        try await offPool { try bed.sign(image) }
        let policy = try bed.writePolicy()

        let validateOnly = try await RunningWebhook(policyPath: policy, work: bed.work, arguments: ["--validate-only"])
        let allowed = try await validateOnly.review("/mutate", Reviews.deployment(images: [image]))
        #expect(allowed["allowed"] as? Bool == true && allowed["patch"] == nil, "\(allowed)")
        let denied = try await validateOnly.review("/mutate", Reviews.deployment(images: [unsigned]))
        #expect(denied["allowed"] as? Bool == false, "\(denied)")
        await validateOnly.stop()

        let podsOnly = try await RunningWebhook(policyPath: policy, work: bed.work, arguments: ["--pin-kinds", "Pod"])
        let deployment = try await podsOnly.review("/mutate", Reviews.deployment(images: [image]))
        #expect(deployment["allowed"] as? Bool == true && deployment["patch"] == nil, "\(deployment)")
        let pod = try await podsOnly.review("/mutate", Reviews.pod(images: [image]))
        #expect(try decodedPatch(pod).count == 1, "\(pod)")
        await podsOnly.stop()
    }

    @Test("a policy change is picked up without a restart and invalidates cached decisions by generation")
    func policyReloadInvalidatesCache() async throws {
        let bed = try await offPool { try SignedRegistry() }
        defer { bed.stop() }
        let image = bed.image("team/reload")
        _ = try await offPool { try bed.push(image) }
        try await offPool { try bed.sign(image) }
        let policy = try bed.writePolicy()
        let webhook = try await RunningWebhook(policyPath: policy, work: bed.work)

        let before = try await webhook.review("/validate", Reviews.pod(images: [image]))
        #expect(before["allowed"] as? Bool == true, "\(before)")
        _ = try bed.writePolicy(at: policy, reject: true)
        var generation = 1.0
        for _ in 0..<600 where generation == 1 {
            try await Task.sleep(for: .milliseconds(50))
            generation = try await webhook.metric("custody_webhook_policy_generation")
        }
        #expect(generation == 2, "the reload loop saw the new policy")
        let after = try await webhook.review("/validate", Reviews.pod(images: [image]))
        #expect(after["allowed"] as? Bool == false, "the cached allow of generation 1 does not apply to generation 2: \(after)")
        await webhook.stop()
    }

    @Test("a rotated certificate is served without a restart; a half-written rotation (new certificate, old key) keeps the old pair")
    func certificateRotation() async throws {
        let bed = try await offPool { try SignedRegistry() }
        defer { bed.stop() }
        let webhook = try await RunningWebhook(policyPath: try bed.writePolicy(), work: bed.work)
        let old = webhook.certificates
        let new = try await offPool { try TestCertificates(inFolder: bed.work.file("rotated")) }

        /// Whether a fresh connection that trusts only `ca` completes a request.
        func reachable(trusting ca: String) async -> Bool {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(ca)
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
            let response = try? await client.execute(HTTPClientRequest(url: "https://127.0.0.1:\(webhook.port)/healthz"), timeout: .seconds(60))
            try? await client.shutdown()
            return response?.status.code == 200
        }
        /// Replaces `path` with the bytes of `source` (a new file renamed into place, as a
        /// Secret volume update does).
        func replace(_ path: String, with source: String) throws {
            let temporary = path + ".new"
            try Data(contentsOf: URL(fileURLWithPath: source)).write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, path) == 0 else { throw TestSupportError("rename \(temporary)") }
        }

        #expect(await reachable(trusting: old.caCertificate))
        #expect(await !reachable(trusting: new.caCertificate))

        // Only the certificate changed: the key does not belong to it, so the old pair stays.
        try replace(old.serverCertificate, with: new.serverCertificate)
        #expect(await reachable(trusting: old.caCertificate), "a half-written rotation must not break the webhook")

        // Then the key: the new pair is served to new connections.
        try replace(old.serverKey, with: new.serverKey)
        #expect(await reachable(trusting: new.caCertificate), "the rotated certificate is served")
        #expect(await !reachable(trusting: old.caCertificate))
        #expect(await webhook.stop() == 0)
    }
}
