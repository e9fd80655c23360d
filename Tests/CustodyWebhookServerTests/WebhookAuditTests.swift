// Audit records of the webhook: what UPDATE reviews pin, and records appended to a real
// transparency log (`custody log serve`'s server, in-process, on SQLite).
import CustodyAdmission
import CustodyKeys
import CustodyLog
import CustodyLogClient
import CustodyLogServer
import CustodyTestSupport
import CustodyTransparency
import Crypto
import Foundation
import Testing

@Suite(
    "admission webhook: updates and the audit trail",
    .enabled(if: PeerTool.availableOrCI("docker-registry", "skopeo", "openssl")),
    .timeLimit(.minutes(10))
)
struct WebhookAuditTests {
    /// A Deployment UPDATE review: `old` images before, `new` images after.
    static func update(old: [String], new: [String]) -> [UInt8] {
        func object(_ images: [String]) -> String {
            #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"app","namespace":"prod"},"spec":{"template":{"spec":{"containers":[\#(Reviews.containers(images))]}}}}"#
        }
        return Array(#"""
        {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"\#(UUID().uuidString.lowercased())",
        "kind":{"group":"apps","version":"v1","kind":"Deployment"},"resource":{"group":"apps","version":"v1","resource":"deployments"},
        "name":"app","namespace":"prod","operation":"UPDATE","userInfo":{"username":"flux"},
        "object":\#(object(new)),"oldObject":\#(object(old)),"dryRun":false,"options":{"kind":"UpdateOptions","apiVersion":"meta.k8s.io/v1"}}}
        """#.utf8)
    }

    @Test("UPDATE: a container whose image did not change is not patched (immutable templates); a changed one is pinned")
    func updatePinsOnlyChangedImages() async throws {
        let bed = try await offPool { try SignedRegistry() }
        defer { bed.stop() }
        let first = bed.image("team/app", "v1")
        let second = bed.image("team/app", "v2")
        _ = try await offPool { try bed.push(first) }
        let secondDigest = try await offPool { try bed.push(second, fixture: "dir-multi") }
        try await offPool {
            try bed.sign(first)
            try bed.sign(second)
        }
        let webhook = try await RunningWebhook(policyPath: try bed.writePolicy(), work: bed.work)

        let unchanged = try await webhook.review("/mutate", Self.update(old: [first, first], new: [first, first]))
        #expect(unchanged["allowed"] as? Bool == true, "\(unchanged)")
        #expect(unchanged["patch"] == nil, "nothing changed, nothing patched: \(unchanged)")

        let review = Self.update(old: [first, first], new: [first, second])
        let changed = try await webhook.review("/mutate", review)
        #expect(changed["allowed"] as? Bool == true, "\(changed)")
        #expect(try decodedPatch(changed) == [["op": "replace", "path": "/spec/template/spec/containers/1/image", "value": "\(second)@\(secondDigest)"]])
        let patched = try await patchedObject(review, changed, work: bed.work)
        let containers = (((patched["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any])?["containers"] as? [[String: Any]]
        #expect(containers?.compactMap { $0["image"] as? String } == [first, "\(second)@\(secondDigest)"], "applied independently (jsonpatch)")
        await webhook.stop()
    }

    @Test("every decision is appended to the audit file and, signed by the webhook, to a transparency log: the log entry's digest is the SHA-256 of the audit line")
    func auditRecordsInTransparencyLog() async throws {
        let bed = try await offPool { try SignedRegistry() }
        defer { bed.stop() }
        let image = bed.image("team/logged")
        _ = try await offPool { try bed.push(image) }
        try await offPool { try bed.sign(image) }

        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let storage = try await SQLiteLogStorage(path: directory.file("log.sqlite"))
        let logSigner = FileSigner(try PrivateKey.generate(.ed25519))
        let log = try await LogServer(
            configuration: LogServerConfiguration(host: "127.0.0.1", port: 0), storage: storage, logName: "audit.custody.test",
            signingKey: logSigner, sequencer: LogSequencer.Configuration(batchInterval: .milliseconds(20)))
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let logTask = Task { try await log.run(handlingSignals: false) { continuation.yield($0) } }
        var iterator = ports.makeAsyncIterator()
        let logPort = try #require(await iterator.next())

        let webhookKey = bed.work.file("webhook-log.pem")
        try await offPool { try SignedRegistry.run("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", webhookKey]) }
        let webhook = try await RunningWebhook(
            policyPath: try bed.writePolicy(), work: bed.work, arguments: ["--log-server", "http://127.0.0.1:\(logPort)", "--log-key", webhookKey])
        let auditPath = webhook.auditPath
        let allowed = try await webhook.review("/validate", Reviews.pod(images: [image]))
        let denied = try await webhook.review("/validate", Reviews.pod(images: [bed.image("team/none")]))
        #expect(allowed["allowed"] as? Bool == true)
        #expect(denied["allowed"] as? Bool == false)
        #expect(await webhook.stop() == 0)   // SIGTERM: exits once the queued records are appended

        let lines = try String(contentsOfFile: auditPath, encoding: .utf8).split(separator: "\n").map { Array($0.utf8) }
        #expect(lines.count == 2)
        let client = try LogClient(baseURL: "http://127.0.0.1:\(logPort)")
        let checkpoint = try await client.verifiedCheckpoint(logKey: .verifierKey(try NoteVerifierKey(name: "audit.custody.test", publicKey: logSigner.publicKey)))
        #expect(checkpoint.checkpoint.size == 2, "one log entry per audit record")
        var logged: Set<String> = []
        for index in 0..<checkpoint.checkpoint.size {
            logged.insert(String(decoding: try await client.entry(index: index, in: checkpoint), as: UTF8.self))
        }
        for line in lines {
            let digest = Data(SHA256.hash(data: line)).base64EncodedString()
            #expect(logged.contains { $0.contains(digest) }, "the log holds an entry for the audit line with SHA-256 \(digest)")
        }
        logTask.cancel()
        _ = try? await logTask.value
        try? await storage.close()
    }
}
