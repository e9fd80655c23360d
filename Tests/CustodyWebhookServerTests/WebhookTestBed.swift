// What the webhook tests run against: a real Distribution registry on 127.0.0.1 with images
// pushed by skopeo and signed by `custody sign --key` (cosign format), a policy requiring those
// signatures, and `custody webhook serve` over real TLS with a CA made by openssl, reached with
// AsyncHTTPClient trusting only that CA.
import AsyncHTTPClient
import CustodyAdmission
import CustodyOCI
import CustodyTestSupport
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Testing
import Synchronization

/// Runs blocking work (child processes) on a Dispatch thread, off Swift's cooperative pool, which
/// the in-process server needs.
func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}

/// A registry with a signing key, and helpers to push and sign images in it.
final class SignedRegistry: @unchecked Sendable {
    let work: TemporaryDirectory
    let registry: RegistryServer
    let privateKey: String
    let publicKey: String

    init() throws {
        work = try TemporaryDirectory()
        registry = try RegistryServer()
        privateKey = work.file("signing.pem")
        publicKey = work.file("signing.pub")
        try Self.run("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", privateKey])
        try Self.run("openssl", ["pkey", "-in", privateKey, "-pubout", "-out", publicKey])
    }

    func stop() {
        registry.stop()
        work.remove()
    }

    /// `HOST:PORT/repository:tag`.
    func image(_ repository: String, _ tag: String = "v1") -> String { "\(registry.host)/\(repository):\(tag)" }

    /// Pushes the fixture image to `image` with skopeo and returns its manifest digest.
    func push(_ image: String, fixture: String = "dir-single") throws -> Digest {
        let registriesD = work.file("rd-empty")
        try FileManager.default.createDirectory(atPath: registriesD, withIntermediateDirectories: true)
        try Self.run("skopeo", [
            "--insecure-policy", "--registries.d", registriesD, "copy", "--dest-tls-verify=false", "dir:\(try Fixtures.path(fixture))", "docker://\(image)",
        ])
        let inspected = try runProcess("skopeo", ["inspect", "--raw", "--tls-verify=false", "docker://\(image)"])
        guard inspected.status == 0 else { throw TestSupportError("skopeo inspect \(image): \(inspected)") }
        return Digest.compute(Array(inspected.stdout))
    }

    /// Signs `image` (cosign format, attached in the registry) with `key` (default: the trusted key).
    func sign(_ image: String, key: String? = nil) throws {
        let result = try CustodyExecutable.run(["sign", "docker://\(image)", "--key", key ?? privateKey, "--tls-verify=false"])
        guard result.status == 0 else { throw TestSupportError("custody sign \(image): \(result)") }
    }

    /// A policy: images of this registry need a cosign signature by the trusted key; anything else is rejected.
    func writePolicy(at path: String? = nil, reject: Bool = false) throws -> String {
        let file = path ?? work.file("policy.json")
        let scope = reject
            ? #"[{"type":"reject"}]"#
            : #"[{"type":"sigstoreSigned","keyPath":"\#(publicKey)","signedIdentity":{"type":"matchRepository"}}]"#
        let text = #"{"default":[{"type":"reject"}],"transports":{"docker":{"\#(registry.host)":\#(scope)}}}"#
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }

    static func run(_ tool: String, _ arguments: [String]) throws {
        let result = try runProcess(tool, arguments)
        guard result.status == 0 else { throw TestSupportError("\(tool) \(arguments.joined(separator: " ")): \(result)") }
    }
}

/// `custody webhook serve` running as a child process on a free port over TLS (with an audit
/// file), and a client for it that trusts only the test CA.
///
/// The webhook runs in a process of its own so that its deadlines are kept in its own time: the
/// test process is often slow (the whole suite shares two cores), and a server inside it would
/// miss deadlines that the real one keeps. So deadlines are checked on the server's side, with
/// the latency each audit record states.
final class RunningWebhook: Sendable {
    let process: ServerProcess
    let port: Int
    let client: HTTPClient
    let certificates: TestCertificates
    let auditPath: String

    /// Starts a webhook deciding with the policy at `policyPath`, with extra command-line flags.
    init(policyPath: String, work: TemporaryDirectory, arguments: [String] = []) async throws {
        let certificates = try await offPool { try TestCertificates(in: work) }
        self.certificates = certificates
        let auditPath = work.file("audit-\(UUID().uuidString.prefix(8)).jsonl")
        self.auditPath = auditPath
        let prefix = "custody webhook listening on https://127.0.0.1:"
        let (process, line) = try await offPool {
            try ServerProcess.start(
                try CustodyExecutable.path(),
                [
                    "webhook", "serve", "--policy", policyPath, "--tls-cert", certificates.serverCertificate, "--tls-key", certificates.serverKey,
                    "--listen", "127.0.0.1:0", "--tls-verify=false", "--audit-file", auditPath, "--reload-interval", "50",
                ] + arguments,
                in: work.path
            ) { $0.hasPrefix(prefix) }
        }
        self.process = process
        guard let port = Int(line.dropFirst(prefix.count).prefix { $0.isNumber }), port > 0 else {
            throw TestSupportError("no port in \(line.debugDescription)")
        }
        self.port = port
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(certificates.caCertificate)
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
    }

    private let clientOpen = Mutex(true)

    /// Stops the webhook (SIGTERM; it drains and exits) and returns its exit status.
    @discardableResult
    func stop() async -> Int32 {
        if clientOpen.withLock({ open in defer { open = false }; return open }) { try? await client.shutdown() }
        return (try? await offPool { [process] in process.terminate().status }) ?? -1
    }

    /// A test that threw before ``stop()`` still closes the client (AsyncHTTPClient traps on a
    /// client dropped without shutdown) and stops the process.
    deinit {
        if clientOpen.withLock({ open in defer { open = false }; return open }) { try? client.syncShutdown() }
        process.stop()
    }

    /// The audit records written so far.
    func records() throws -> [AdmissionRecord] {
        var records: [AdmissionRecord] = []
        try AuditLog.read(path: auditPath) { records.append(try $0.get()) }
        return records
    }

    /// The value of a metric without labels from `/metrics`.
    func metric(_ name: String) async throws -> Double {
        let text = try await get("/metrics").body
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            if let value = Double(line.dropFirst(name.count + 1)) { return value }
        }
        throw TestSupportError("no metric \(name) in /metrics:\n\(text.prefix(2000))")
    }

    /// Posts `body` to `path` (with its query) and returns the status and the body.
    func post(_ path: String, _ body: [UInt8]) async throws -> (status: Int, body: [UInt8]) {
        var request = HTTPClientRequest(url: "https://127.0.0.1:\(port)\(path)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: .seconds(120))
        let bytes = try await response.body.collect(upTo: 16 * 1024 * 1024)
        return (Int(response.status.code), Array(bytes.readableBytesView))
    }

    func get(_ path: String) async throws -> (status: Int, body: String) {
        let response = try await client.execute(HTTPClientRequest(url: "https://127.0.0.1:\(port)\(path)"), timeout: .seconds(120))
        let bytes = try await response.body.collect(upTo: 16 * 1024 * 1024)
        return (Int(response.status.code), String(buffer: bytes))
    }

    /// Posts a review and returns its `response` object.
    func review(_ path: String, _ body: [UInt8]) async throws -> [String: Any] {
        let (status, bytes) = try await post(path, body)
        guard status == 200 else { throw TestSupportError("\(path) answered \(status): \(String(decoding: bytes, as: UTF8.self))") }
        guard let review = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              let response = review["response"] as? [String: Any]
        else { throw TestSupportError("not an AdmissionReview: \(String(decoding: bytes, as: UTF8.self))") }
        guard review["apiVersion"] as? String == "admission.k8s.io/v1", review["kind"] as? String == "AdmissionReview" else {
            throw TestSupportError("the answer is not an admission.k8s.io/v1 AdmissionReview: \(review)")
        }
        return response
    }
}

/// AdmissionReview documents shaped as the API server sends them (kubernetes/kubernetes
/// `staging/src/k8s.io/api/admission/v1/types.go`).
enum Reviews {
    static func containers(_ images: [String]) -> String {
        images.enumerated().map { #"{"name":"c\#($0.offset)","image":"\#($0.element)","resources":{}}"# }.joined(separator: ",")
    }

    static func deployment(uid: String = UUID().uuidString.lowercased(), images: [String], initImages: [String] = [], namespace: String = "prod") -> [UInt8] {
        let spec = #"{"containers":[\#(containers(images))],"initContainers":[\#(containers(initImages))],"restartPolicy":"Always"}"#
        return Array(#"""
        {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"\#(uid)",
        "kind":{"group":"apps","version":"v1","kind":"Deployment"},"resource":{"group":"apps","version":"v1","resource":"deployments"},
        "requestKind":{"group":"apps","version":"v1","kind":"Deployment"},"requestResource":{"group":"apps","version":"v1","resource":"deployments"},
        "name":"app","namespace":"\#(namespace)","operation":"CREATE","userInfo":{"username":"ci-bot","uid":"1234","groups":["system:authenticated"]},
        "object":{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"app","namespace":"\#(namespace)"},
        "spec":{"replicas":1,"selector":{"matchLabels":{"app":"app"}},"template":{"metadata":{"labels":{"app":"app"}},"spec":\#(spec)}}},
        "oldObject":null,"dryRun":false,"options":{"kind":"CreateOptions","apiVersion":"meta.k8s.io/v1"}}}
        """#.utf8)
    }

    static func pod(uid: String = UUID().uuidString.lowercased(), images: [String], ephemeral: [String] = []) -> [UInt8] {
        Array(#"""
        {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"\#(uid)",
        "kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},
        "namespace":"prod","operation":"CREATE","userInfo":{"username":"alice"},
        "object":{"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"app-","namespace":"prod"},
        "spec":{"containers":[\#(containers(images))],"ephemeralContainers":[\#(containers(ephemeral))]}},"oldObject":null,"dryRun":false}}
        """#.utf8)
    }
}

/// The JSON Patch of an allowed response, decoded from base64.
func decodedPatch(_ response: [String: Any]) throws -> [[String: String]] {
    guard let text = response["patch"] as? String else { return [] }
    guard response["patchType"] as? String == "JSONPatch", let data = Data(base64Encoded: text),
          let operations = try JSONSerialization.jsonObject(with: data) as? [[String: String]]
    else { throw TestSupportError("patch is not a base64 JSON Patch: \(response)") }
    return operations
}

/// `review`'s object with the response's patch applied by an independent RFC 6902
/// implementation (PyPI `jsonpatch`, through `Scripts/apply-json-patch.py`), as the API server
/// would apply it.
func patchedObject(_ review: [UInt8], _ response: [String: Any], work: TemporaryDirectory) async throws -> [String: Any] {
    let patch = try #require(response["patch"] as? String, "no patch in \(response)")
    let file = try work.write(review, to: "review-\(UUID().uuidString.prefix(8)).json")
    let result = try await offPool {
        try runProcess("python3", [Fixtures.repositoryRoot + "/Scripts/apply-json-patch.py", file, patch])
    }
    guard result.status == 0, let object = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any] else {
        throw TestSupportError("apply-json-patch.py: \(result)")
    }
    return object
}

