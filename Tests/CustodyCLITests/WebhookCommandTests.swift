import CustodyTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// End-to-end tests of `custody webhook serve`, `custody audit query` and `custody audit replay`,
// each run as a separate process, against a REAL registry (Distribution 2.8, RegistryServer) that
// skopeo pushes the fixture images to and `custody sign --key` signs (cosign attachments).
//
// The AdmissionReviews are posted over HTTPS by Scripts/admission-client.py (Python standard
// library: ssl + http.client), which verifies the webhook's certificate against a throwaway CA
// made here with openssl, as the API server verifies it against the caBundle. The review shape
// is Kubernetes' admission.k8s.io/v1 (../shared/reference/enforcement.md §0.1); the patch is
// checked after base64-decoding it, as the API server applies it.
//
// Every test has its own registry, temporary directory and webhook process; every process is
// stopped in a defer block. Peer commands are isolated from the machine's configuration: skopeo
// gets --insecure-policy and an empty --registries.d, custody an empty --registries.d.

@Suite(
    "webhook serve, audit query and audit replay, end to end",
    .enabled(if: PeerTool.availableOrCI("docker-registry", "skopeo", "openssl", "python3")),
    .timeLimit(.minutes(10))
)
struct WebhookCommandTests {
    // MARK: a) mutate

    @Test("mutate: a signed Deployment image is allowed and pinned to the pushed digest; an unsigned one is denied with 403 naming it")
    func mutateAllowsPinsAndDenies() throws {
        let bed = try WebhookBed()
        defer { bed.remove() }
        let signed = try bed.pushSigned("custody/app:v1")
        // Another tag of the same repository, another manifest (Docker schema 2), not signed.
        let unsigned = try bed.push("custody/app:unsigned", fixture: "dir-single-v2s2")
        #expect(unsigned.digest != signed.digest, "the unsigned tag must name another manifest")

        let webhook = try WebhookProcess.start(bed.serveArguments(), work: bed.work)
        defer { webhook.stop() }

        // Allowed, with a patch that pins the tag to the digest the registry serves.
        let allowed = try webhook.review("/mutate?timeout=10s", bed.deploymentReview(uid: "uid-allowed", image: signed.image), bed: bed)
        #expect(allowed.status == 200, "\(allowed)")
        let response = try allowed.response()
        #expect(response["uid"] as? String == "uid-allowed", "the uid must be echoed: \(allowed)")
        #expect(response["allowed"] as? Bool == true, "\(allowed)")
        #expect(response["status"] == nil, "an allowed answer has no status: \(allowed)")
        #expect(response["patchType"] as? String == "JSONPatch", "\(allowed)")
        let patchText = try #require(response["patch"] as? String, "a patch must be returned: \(allowed)")
        let patchBytes = try #require(Data(base64Encoded: patchText), "the patch must be base64: \(patchText)")
        let patch = try #require(try JSONSerialization.jsonObject(with: patchBytes) as? [[String: Any]], "\(String(decoding: patchBytes, as: UTF8.self))")
        #expect(patch.count == 1, "one container, one operation: \(patch)")
        #expect(patch.first?["op"] as? String == "replace", "\(patch)")
        #expect(patch.first?["path"] as? String == "/spec/template/spec/containers/0/image", "\(patch)")
        #expect(patch.first?["value"] as? String == "\(signed.image)@\(signed.digest)", "\(patch)")

        // Denied: 403, a message naming the image, no patch.
        let denied = try webhook.review("/mutate?timeout=10s", bed.deploymentReview(uid: "uid-denied", image: unsigned.image), bed: bed)
        #expect(denied.status == 200, "a denial is still an AdmissionReview answer: \(denied)")
        let refusal = try denied.response()
        #expect(refusal["uid"] as? String == "uid-denied", "\(denied)")
        #expect(refusal["allowed"] as? Bool == false, "an unsigned image must be denied: \(denied)")
        let status = refusal["status"] as? [String: Any] ?? [:]
        #expect((status["code"] as? NSNumber)?.intValue == 403, "\(denied)")
        #expect((status["message"] as? String ?? "").contains(unsigned.image), "the message names the image: \(denied)")
        #expect(refusal["patch"] == nil && refusal["patchType"] == nil, "a denial carries no patch: \(denied)")

        // Both decisions are in the audit file, linked to the answers by record id.
        let records = try WebhookKit.auditRecords(bed.auditFile)
        #expect(records.map { $0["outcome"] as? String } == ["allowed", "denied"], "\(records)")
        #expect(records.map { ($0["request"] as? [String: Any])?["uid"] as? String } == ["uid-allowed", "uid-denied"], "\(records)")
        let annotations = response["auditAnnotations"] as? [String: Any] ?? [:]
        #expect(annotations["custody.dev/record"] as? String == records.first?["id"] as? String, "\(annotations)")
        let images = records.first?["images"] as? [[String: Any]] ?? []
        #expect(images.first?["digest"] as? String == signed.digest, "\(records.first ?? [:])")
    }

    // MARK: b) audit query

    @Test("audit query: --outcome denied --output json prints exactly the denied record; no match exits 0; a corrupted line exits 2 after the good records")
    func auditQuery() throws {
        let bed = try WebhookBed()
        defer { bed.remove() }
        let signed = try bed.pushSigned("custody/app:v1")
        let unsigned = try bed.push("custody/other:v1", fixture: "dir-single")
        do {
            let webhook = try WebhookProcess.start(bed.serveArguments(), work: bed.work)
            defer { webhook.stop() }
            let allowed = try webhook.review("/validate?timeout=10s", bed.deploymentReview(uid: "uid-allowed", image: signed.image), bed: bed)
            try #require(try allowed.response()["allowed"] as? Bool == true, "\(allowed)")
            let denied = try webhook.review("/validate?timeout=10s", bed.deploymentReview(uid: "uid-denied", image: unsigned.image), bed: bed)
            try #require(try denied.response()["allowed"] as? Bool == false, "\(denied)")
        }
        let lines = try WebhookKit.lines(bed.auditFile)
        try #require(lines.count == 2, "two decisions, two audit lines: \(lines)")
        let deniedLine = try #require(lines.first { $0.contains("\"outcome\":\"denied\"") }, "\(lines)")

        let denied = try CustodyExecutable.run(["audit", "query", bed.auditFile, "--outcome", "denied", "--output", "json"])
        #expect(denied.status == 0, "\(denied)")
        // "The records themselves (JSON lines, as stored)": byte for byte. (This once failed on
        // about half the runs: times re-encoded could lose a millisecond; see DecisionTimeTests.)
        #expect(denied.stdoutText == deniedLine + "\n", "exactly the denied record, as stored: \(denied)")
        let printed = denied.stdoutText.split(separator: "\n").map { try? WebhookKit.object(Data($0.utf8)) }
        let deniedID = try WebhookKit.object(Data(deniedLine.utf8))["id"] as? String
        #expect(printed.count == 1 && printed.first??["id"] as? String == deniedID, "one record, the denied one: \(denied)")

        let allowedText = try CustodyExecutable.run(["audit", "query", bed.auditFile, "--outcome", "allowed"])
        #expect(allowedText.status == 0, "\(allowedText)")
        let summary = allowedText.stdoutText.split(separator: "\n")
        #expect(summary.count == 1 && summary.first?.contains("\(signed.image)@\(signed.digest)=allowed") == true, "\(allowedText)")

        let nothing = try CustodyExecutable.run(["audit", "query", bed.auditFile, "--namespace", "other"])
        #expect(nothing.status == 0, "no match is not an error: \(nothing)")
        #expect(nothing.stdoutText.isEmpty, "\(nothing)")

        // A copy with a corrupted line appended (a truncated record, as a crash mid-write leaves it).
        let corrupted = bed.work.path("corrupted-audit.jsonl")
        let original = try String(contentsOfFile: bed.auditFile, encoding: .utf8)
        try Data((original + String(lines[0].prefix(lines[0].count / 2)) + "\n").utf8).write(to: URL(fileURLWithPath: corrupted))
        let bad = try CustodyExecutable.run(["audit", "query", corrupted, "--output", "json"])
        #expect(bad.status == 2, "a line that is not a record exits 2: \(bad)")
        #expect(bad.stdoutText == original, "the good records are still printed, as stored: \(bad)")
        let printedIDs = bad.stdoutText.split(separator: "\n").map { (try? WebhookKit.object(Data($0.utf8)))?["id"] as? String }
        let storedIDs = try lines.map { try WebhookKit.object(Data($0.utf8))["id"] as? String }
        #expect(printedIDs == storedIDs, "both good records, in order: \(bad)")
        #expect(bad.stderrText.contains("line 3"), "the bad line is named by its number: \(bad)")
        // The original file is still fine.
        #expect(try CustodyExecutable.run(["audit", "query", bed.auditFile]).status == 0)
    }

    // MARK: c) audit replay

    @Test("audit replay: the allowed record replays the same (exit 0); under a reject-all policy it differs (exit 1); a record without evidence exits 2")
    func auditReplay() throws {
        let bed = try WebhookBed()
        defer { bed.remove() }
        let signed = try bed.pushSigned("custody/app:v1")
        // A registry port where nothing listens (in the policy, so that the webhook asks it): the
        // tag cannot be resolved, nothing is verified, no evidence is recorded.
        let nowhereHost = "127.0.0.1:\(try RegistryServer.freePort())"
        let nowhere = "\(nowhereHost)/custody/gone:v1"
        try bed.writePolicy(alsoSigned: [nowhereHost])
        do {
            let webhook = try WebhookProcess.start(bed.serveArguments(), work: bed.work)
            defer { webhook.stop() }
            let allowed = try webhook.review("/validate?timeout=10s", bed.deploymentReview(uid: "uid-allowed", image: signed.image), bed: bed)
            try #require(try allowed.response()["allowed"] as? Bool == true, "\(allowed)")
            let unreachable = try webhook.review("/validate?timeout=10s", bed.deploymentReview(uid: "uid-unreachable", image: nowhere), bed: bed)
            let refusal = try unreachable.response()
            #expect(refusal["allowed"] as? Bool == false, "an image that cannot be verified is denied: \(unreachable)")
            #expect(((refusal["status"] as? [String: Any])?["message"] as? String ?? "").contains(nowhere), "\(unreachable)")
        }
        let records = try WebhookKit.auditRecords(bed.auditFile)
        try #require(records.count == 2, "\(records)")
        let allowedID = try #require(records.first { $0["outcome"] as? String == "allowed" }?["id"] as? String, "\(records)")
        let unreachableID = try #require(records.first { ($0["request"] as? [String: Any])?["uid"] as? String == "uid-unreachable" }?["id"] as? String)
        let unreachableImages = records.first { $0["id"] as? String == unreachableID }?["images"] as? [[String: Any]] ?? []
        #expect(unreachableImages.first?["outcome"] as? String == "couldNotEvaluate", "\(unreachableImages)")
        #expect((unreachableImages.first?["reasons"] as? [String])?.first?.contains("could not resolve the tag") == true, "\(unreachableImages)")
        #expect(unreachableImages.first?["evidence"] is NSNull, "no evidence was gathered: \(unreachableImages)")

        // Today's policy is the one in force then.
        let same = try CustodyExecutable.run(["audit", "replay", bed.auditFile, "--id", allowedID])
        #expect(same.status == 0, "\(same)")
        #expect(same.stdoutText.contains("): same"), "\(same)")
        let sameJSON = try CustodyExecutable.run(["audit", "replay", bed.auditFile, "--id", allowedID, "--output", "json"])
        #expect(sameJSON.status == 0, "\(sameJSON)")
        let report = try WebhookKit.object(sameJSON.stdout)
        #expect(report["verdict"] as? String == "same" && report["policyChanged"] as? Bool == false, "\(sameJSON)")
        // The request uid picks the record too.
        #expect(try CustodyExecutable.run(["audit", "replay", bed.auditFile, "--id", "uid-allowed"]).status == 0)

        // The policy file the record names now rejects everything.
        try Data(#"{"default":[{"type":"reject"}]}"#.utf8).write(to: URL(fileURLWithPath: bed.policyFile))
        let differs = try CustodyExecutable.run(["audit", "replay", bed.auditFile, "--id", allowedID])
        #expect(differs.status == 1, "\(differs)")
        #expect(differs.stdoutText.contains("): differs"), "\(differs)")
        #expect(differs.stdoutText.contains("recorded allowed, now denied"), "\(differs)")

        // No evidence: under a reject-all policy the record can still be decided (no image is
        // needed to reject it), and it differs from the "could not evaluate" recorded.
        let rejected = try CustodyExecutable.run(["audit", "replay", bed.auditFile, "--id", unreachableID])
        #expect(rejected.status == 1, "\(rejected)")
        #expect(rejected.stdoutText.contains("recorded couldNotEvaluate, now denied"), "\(rejected)")

        // Under the policy in force then, which needs the image, it cannot be replayed.
        try bed.writePolicy(alsoSigned: [nowhereHost])
        let unreplayable = try CustodyExecutable.run(["audit", "replay", bed.auditFile, "--id", unreachableID])
        #expect(unreplayable.status == 2, "\(unreplayable)")
        #expect(unreplayable.stdoutText.contains("not replayable"), "\(unreplayable)")
    }

    // MARK: d) malformed reviews

    @Test("a malformed review is answered 400 with a JSON body and the server goes on serving")
    func malformedReview() throws {
        let bed = try WebhookBed()
        defer { bed.remove() }
        let signed = try bed.pushSigned("custody/app:v1")
        let webhook = try WebhookProcess.start(bed.serveArguments(), work: bed.work)
        defer { webhook.stop() }

        let malformed: [(String, String)] = [
            ("not JSON", "{\"apiVersion\":"),
            ("no request", #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#),
            ("v1beta1", bed.deploymentReview(uid: "uid-beta", image: signed.image).replacingOccurrences(of: "admission.k8s.io/v1", with: "admission.k8s.io/v1beta1")),
        ]
        for (label, review) in malformed {
            let answer = try webhook.review("/validate?timeout=10s", review, bed: bed)
            #expect(answer.status == 400, "\(label): \(answer)")
            let body = try? WebhookKit.object(Data(answer.body.utf8))
            #expect(body?["code"] as? String == "malformedReview", "\(label): a JSON error body: \(answer)")
            #expect((body?["message"] as? String)?.isEmpty == false, "\(label): \(answer)")
        }

        let good = try webhook.review("/validate?timeout=10s", bed.deploymentReview(uid: "uid-after", image: signed.image), bed: bed)
        #expect(good.status == 200, "the server still answers: \(good)")
        let response = try good.response()
        #expect(response["uid"] as? String == "uid-after" && response["allowed"] as? Bool == true, "\(good)")
        #expect(webhook.isRunning, "the webhook must still be running: \(webhook.log)")
        // Only the decision is audited: an unreadable review is not a decision.
        let records = try WebhookKit.auditRecords(bed.auditFile)
        #expect(records.map { ($0["request"] as? [String: Any])?["uid"] as? String } == ["uid-after"], "\(records)")
    }

    // MARK: e) SIGTERM

    @Test("the webhook exits 0 on SIGTERM")
    func exitsOnSIGTERM() throws {
        let bed = try WebhookBed()
        defer { bed.remove() }
        let signed = try bed.pushSigned("custody/app:v1")
        let webhook = try WebhookProcess.start(bed.serveArguments(), work: bed.work)
        defer { webhook.stop() }
        let answer = try webhook.review("/validate?timeout=10s", bed.deploymentReview(uid: "uid-1", image: signed.image), bed: bed)
        #expect(try answer.response()["allowed"] as? Bool == true, "\(answer)")

        let exit = webhook.terminate(within: .seconds(20))
        #expect(exit.inTime, "the webhook must exit on SIGTERM within 20 s (it was killed): \(webhook.log)")
        #expect(exit.status == 0, "exit status 0 expected, got \(exit.status): \(webhook.log)")
    }

    // MARK: f) deadline (Scripts/slow-proxy.py)

    @Test("a registry slower than ?timeout= is denied before the deadline, and the record cannot be replayed")
    func slowRegistryDeniedBeforeDeadline() throws {
        let bed = try WebhookBed()
        defer { bed.remove() }
        _ = try bed.pushSigned("custody/app:v1")
        let proxy = try ScriptServer(
            script: "slow-proxy.py", arguments: ["--upstream", bed.registry.host, "--delay", "8"], name: "the slow registry proxy")
        defer { proxy.stop() }
        let slowImage = "127.0.0.1:\(proxy.port)/custody/app:v1"
        try bed.writePolicy(alsoSigned: ["127.0.0.1:\(proxy.port)"])
        let webhook = try WebhookProcess.start(bed.serveArguments(), work: bed.work)
        defer { webhook.stop() }

        let started = ContinuousClock.now
        let answer = try webhook.review("/validate?timeout=2s", bed.deploymentReview(uid: "uid-slow", image: slowImage), bed: bed)
        let elapsed = ContinuousClock.now - started
        // 2 s for the webhook, and some for starting Python; far less than the proxy's 8 s.
        #expect(elapsed < .milliseconds(6500), "the answer must not wait for the slow registry: \(elapsed)")
        let response = try answer.response()
        #expect(response["allowed"] as? Bool == false, "\(answer)")
        let message = (response["status"] as? [String: Any])?["message"] as? String ?? ""
        #expect(message.contains(slowImage) && message.contains("deadline"), "\(answer)")
        #expect(!message.contains("rejected by policy"), "the registry must have been asked, not the scope's reject: \(answer)")

        let records = try WebhookKit.auditRecords(bed.auditFile)
        try #require(records.count == 1, "\(records)")
        let budget = (records[0]["budgetMilliseconds"] as? NSNumber)?.doubleValue ?? 0
        let latency = (records[0]["latencyMilliseconds"] as? NSNumber)?.doubleValue ?? .infinity
        #expect(budget > 0 && budget < 2000 && latency < 2000, "budget \(budget) ms, latency \(latency) ms: \(records[0])")
        let replay = try CustodyExecutable.run(["audit", "replay", bed.auditFile, "--id", "uid-slow"])
        #expect(replay.status == 2, "\(replay)")
    }
}

// MARK: - helpers

/// One test's world: a workspace, a registry, TLS files for the webhook, a cosign key pair, a
/// policy that requires that key for the registry, and where the audit file goes.
private final class WebhookBed {
    let work: Workspace
    let registry: RegistryServer
    let certificates: TestCertificates
    /// PREFIX.key and PREFIX.pub of `custody key generate --type ecdsa-p256 --format pem`.
    let signingKey: String
    let publicKey: String
    let policyFile: String
    let auditFile: String
    let emptyRegistriesD: String

    init() throws {
        let work = try Workspace()
        do {
            self.work = work
            registry = try RegistryServer()
            certificates = try TestCertificates(inFolder: work.path("tls"))
            let prefix = work.path("signer")
            let generated = try CustodyExecutable.run(["key", "generate", "--type", "ecdsa-p256", "--format", "pem", "-o", prefix])
            guard generated.status == 0 else { throw TestSupportError("custody key generate: \(generated)") }
            signingKey = prefix + ".key"
            publicKey = prefix + ".pub"
            policyFile = work.path("policy.json")
            auditFile = work.path("audit.jsonl")
            emptyRegistriesD = work.path("registries.d")
            try FileManager.default.createDirectory(atPath: emptyRegistriesD, withIntermediateDirectories: true)
            try writePolicy()
        } catch {
            work.remove()
            throw error
        }
    }

    func remove() {
        registry.stop()
        work.remove()
    }

    /// Writes the policy: reject by default; the registry (and each of `alsoSigned`, other
    /// HOST:PORTs) needs a cosign signature by this bed's key for the image's repository. (A
    /// host under the default `reject` is decided without asking its registry anything, so a
    /// test that wants the registry asked must name the host here.)
    func writePolicy(alsoSigned: [String] = []) throws {
        let requirement = #"[{"type":"sigstoreSigned","keyPath":"\#(publicKey)","signedIdentity":{"type":"matchRepository"}}]"#
        let scopes = ([registry.host] + alsoSigned).map { "\"\($0)\":\(requirement)" }.joined(separator: ",")
        let policy = #"{"default":[{"type":"reject"}],"transports":{"docker":{\#(scopes)}}}"#
        try Data(policy.utf8).write(to: URL(fileURLWithPath: policyFile))
    }

    /// `custody webhook serve` arguments: this bed's policy, TLS files and audit file, plain HTTP
    /// to the registry, no lookaside configuration from the machine.
    func serveArguments(_ extra: [String] = []) -> [String] {
        [
            "webhook", "serve", "--policy", policyFile, "--tls-cert", certificates.serverCertificate, "--tls-key", certificates.serverKey,
            "--listen", "127.0.0.1:0", "--tls-verify=false", "--audit-file", auditFile, "--registries.d", emptyRegistriesD,
        ] + extra
    }

    /// Pushes a fixture image as `REPOSITORY:TAG` on the registry; the reference and the digest
    /// of the manifest the registry serves (`skopeo inspect --raw` + `skopeo manifest-digest`).
    func push(_ repositoryAndTag: String, fixture: String) throws -> (image: String, digest: String) {
        let image = "\(registry.host)/\(repositoryAndTag)"
        try work.skopeoPush(["dir:\(try Fixtures.path(fixture))", "docker://\(image)"])
        let raw = try runProcess("skopeo", ["inspect", "--raw", "--tls-verify=false", "docker://\(image)"])
        guard raw.status == 0 else { throw TestSupportError("skopeo inspect --raw docker://\(image): \(raw)") }
        let file = work.path("served-\(UUID().uuidString.prefix(8)).json")
        try raw.stdout.write(to: URL(fileURLWithPath: file))
        return (image, try manifestDigest(ofFile: file))
    }

    /// Pushes `dir-single` as `REPOSITORY:TAG` and signs it with `custody sign --key`.
    func pushSigned(_ repositoryAndTag: String) throws -> (image: String, digest: String) {
        let pushed = try push(repositoryAndTag, fixture: "dir-single")
        let signed = try CustodyExecutable.run(["sign", "docker://\(pushed.image)", "--key", signingKey, "--tls-verify=false"])
        guard signed.status == 0, signed.stdoutText.contains(pushed.digest) else {
            throw TestSupportError("custody sign docker://\(pushed.image) --key: \(signed)")
        }
        return pushed
    }

    /// An AdmissionReview v1 for a Deployment CREATE whose one container runs `image`.
    func deploymentReview(uid: String, image: String, namespace: String = "prod") -> String {
        let review: [String: Any] = [
            "apiVersion": "admission.k8s.io/v1",
            "kind": "AdmissionReview",
            "request": [
                "uid": uid,
                "kind": ["group": "apps", "version": "v1", "kind": "Deployment"],
                "resource": ["group": "apps", "version": "v1", "resource": "deployments"],
                "namespace": namespace,
                "operation": "CREATE",
                "userInfo": ["username": "ci-bot", "groups": ["system:authenticated"]],
                "object": [
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "metadata": ["name": "app", "namespace": namespace],
                    "spec": ["template": ["spec": ["containers": [["name": "app", "image": image]]]]],
                ] as [String: Any],
                "oldObject": NSNull(),
                "dryRun": false,
            ] as [String: Any],
        ]
        // The JSON text cannot fail for these values.
        let data = (try? JSONSerialization.data(withJSONObject: review, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

/// The answer to one POST: the HTTP status and the body (one line).
private struct AdmissionAnswer: CustomStringConvertible {
    let status: Int
    let body: String

    /// The `response` of the AdmissionReview answered.
    func response() throws -> [String: Any] {
        let review = try WebhookKit.object(Data(body.utf8))
        guard review["apiVersion"] as? String == "admission.k8s.io/v1", review["kind"] as? String == "AdmissionReview",
              let response = review["response"] as? [String: Any]
        else {
            throw TestSupportError("not an admission.k8s.io/v1 AdmissionReview with a response: \(self)")
        }
        return response
    }

    var description: String { "HTTP \(status): \(body)" }
}

/// `custody webhook serve` as a child process (``ServerProcess``), on the port its first line of
/// output names.
private final class WebhookProcess: @unchecked Sendable {
    let server: ServerProcess
    let port: Int

    private init(server: ServerProcess, port: Int) {
        self.server = server
        self.port = port
    }

    /// Starts `custody ARGUMENTS` (a `webhook serve` listening on 127.0.0.1:0) and waits for its
    /// first line, `custody webhook listening on https://127.0.0.1:PORT (mode …)`.
    static func start(_ arguments: [String], work: Workspace) throws -> WebhookProcess {
        let prefix = "custody webhook listening on https://127.0.0.1:"
        let (server, line) = try ServerProcess.start(try CustodyExecutable.path(), arguments, in: work.path("")) {
            $0.hasPrefix(prefix) && $0.contains(" (mode ")
        }
        guard let port = Int(line.dropFirst(prefix.count).prefix { $0 != " " }), port > 0 else {
            server.stop()
            throw TestSupportError("no port in \(line.debugDescription)")
        }
        return WebhookProcess(server: server, port: port)
    }

    var isRunning: Bool { server.isRunning }

    /// Standard output and standard error so far.
    var log: String { server.log }

    /// POSTs `review` to `PATH?QUERY` with Scripts/admission-client.py, verifying the server
    /// certificate against the bed's CA.
    func review(_ pathAndQuery: String, _ review: String, bed: WebhookBed) throws -> AdmissionAnswer {
        let file = bed.work.path("review-\(UUID().uuidString.prefix(8)).json")
        try Data(review.utf8).write(to: URL(fileURLWithPath: file))
        let result = try runProcess("python3", [
            Fixtures.repositoryRoot + "/Scripts/admission-client.py", "--url", "https://127.0.0.1:\(port)\(pathAndQuery)",
            "--ca", bed.certificates.caCertificate, "--review", file,
        ])
        let lines = result.stdoutText.split(separator: "\n", omittingEmptySubsequences: false)
        guard result.status == 0, lines.count >= 2, let status = Int(lines[0]) else {
            throw TestSupportError("admission-client.py POST \(pathAndQuery): \(result)\n\(log)")
        }
        return AdmissionAnswer(status: status, body: String(lines[1]))
    }

    /// Sends SIGTERM and waits up to `limit` for the exit, then SIGKILL.
    func terminate(within limit: Duration) -> (status: Int32, inTime: Bool) { server.terminate(within: limit) }

    /// Stops the webhook (SIGTERM, SIGKILL after 20 s). Safe to call more than once.
    func stop() { server.stop() }
}

private enum WebhookKit {
    /// The non-empty lines of a file.
    static func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    /// The audit file's records, parsed as plain JSON (not with Custody's types).
    static func auditRecords(_ path: String) throws -> [[String: Any]] {
        try lines(path).map { try object(Data($0.utf8)) }
    }

    static func object(_ data: Data) throws -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TestSupportError("not a JSON object: \(String(decoding: data, as: UTF8.self))")
        }
        return object
    }
}
