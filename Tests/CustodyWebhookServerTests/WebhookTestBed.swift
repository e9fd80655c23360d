// What the webhook tests run against: a real Distribution registry on 127.0.0.1 with images
// pushed by skopeo and signed by `custody sign --key` (cosign format), a policy requiring those
// signatures, and the webhook served in-process over real TLS with a CA made by openssl, reached
// with AsyncHTTPClient trusting only that CA.
import AsyncHTTPClient
import CustodyAdmission
import CustodyKeys
import CustodyLogClient
import CustodyOCI
import CustodyRegistry
import CustodyStores
import CustodyTestSupport
import CustodyWebhookServer
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
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

/// The webhook served in-process on a free port over TLS, and a client for it.
final class RunningWebhook: Sendable {
    let controller: AdmissionController
    let server: WebhookServer
    let port: Int
    let client: HTTPClient
    let task: Task<Void, any Error>
    let certificates: TestCertificates

    /// Stopping a server logs the cancellation of open connections at error level; tests keep
    /// only critical messages.
    static let quietLogger: Logger = {
        var logger = Logger(label: "custody.webhook.test")
        logger.logLevel = .critical
        return logger
    }()

    /// Starts a webhook deciding with the policy at `policyPath`.
    init(
        policyPath: String, work: TemporaryDirectory, settings: AdmissionSettings = AdmissionSettings(),
        cache: VerificationCache.Settings = .init(), auditPath: String? = nil, reloadInterval: Duration = .milliseconds(100),
        transparencyLog: (url: String, key: PrivateKey)? = nil
    ) async throws {
        certificates = try await offPool { try TestCertificates(in: work) }
        var registryOptions = RegistryOptions()
        registryOptions.tlsVerify = false
        registryOptions.maxRetries = 1
        controller = AdmissionController(
            policy: try TrustPolicySource(path: policyPath), transport: ImageTransport(options: registryOptions), settings: settings,
            cache: VerificationCache(settings: cache))
        let metrics = WebhookMetrics()
        server = try WebhookServer(
            configuration: .init(
                host: "127.0.0.1", port: 0, certificatePath: certificates.serverCertificate, privateKeyPath: certificates.serverKey,
                reloadInterval: reloadInterval),
            controller: controller, audit: try auditPath.map { try AuditLog(path: $0) },
            publisher: try transparencyLog.map {
                AuditLogPublisher(client: try LogClient(baseURL: $0.url), privateKey: $0.key, metrics: metrics, logger: Self.quietLogger)
            },
            metrics: metrics, logger: Self.quietLogger)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        task = Task { [server] in
            try await server.run(handlingSignals: false) { port in continuation.yield(port) }
        }
        var found: Int?
        for await port in ports {
            found = port
            break
        }
        guard let found, found > 0 else { throw TestSupportError("the webhook did not start") }
        port = found
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(certificates.caCertificate)
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
    }

    func stop() async {
        try? await client.shutdown()
        task.cancel()
        _ = try? await task.value
    }

    /// Posts `body` to `path` (with its query) and returns the status and the body.
    func post(_ path: String, _ body: [UInt8]) async throws -> (status: Int, body: [UInt8]) {
        var request = HTTPClientRequest(url: "https://127.0.0.1:\(port)\(path)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 16 * 1024 * 1024)
        return (Int(response.status.code), Array(bytes.readableBytesView))
    }

    func get(_ path: String) async throws -> (status: Int, body: String) {
        let response = try await client.execute(HTTPClientRequest(url: "https://127.0.0.1:\(port)\(path)"), timeout: .seconds(30))
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
