import CustodyAdmission
import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL

/// Settings of a ``WebhookServer``.
public struct WebhookServerConfiguration: Sendable {
    /// The address to listen on (default `127.0.0.1`; `0.0.0.0` in a cluster).
    public var host: String
    /// The TCP port; 0 picks a free port, reported to ``WebhookServer/run(handlingSignals:onListening:)``.
    public var port: Int
    /// The server certificate chain (PEM); the API server requires HTTPS. The certificate and
    /// key are read again when their files change (certificate rotation needs no restart).
    public var certificatePath: String
    /// The server's private key (PEM).
    public var privateKeyPath: String
    /// How often the policy file and its key files are checked for changes (default 1 s).
    public var reloadInterval: Duration

    public init(host: String = "127.0.0.1", port: Int = 8443, certificatePath: String, privateKeyPath: String, reloadInterval: Duration = .seconds(1)) {
        self.host = host
        self.port = port
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
        self.reloadInterval = reloadInterval
    }
}

/// The HTTPS server of `custody webhook serve`: Kubernetes AdmissionReview v1 at `POST /validate`
/// and `POST /mutate`, `GET /healthz` and Prometheus `GET /metrics` (see `Docs/webhook.md`).
///
/// A review that cannot be read is answered 400 with a JSON error (the API server then applies
/// `failurePolicy: Fail`); every other request gets an AdmissionReview answer, denying on any
/// failure. Each decision is written to the audit file, when one is configured, before the
/// answer is sent; an audit write that fails denies the request (an unrecorded admission is not
/// allowed), also in warn mode.
public struct WebhookServer: Sendable {
    public let configuration: WebhookServerConfiguration
    public let controller: AdmissionController
    public let metrics: WebhookMetrics
    let audit: AuditLog?
    let publisher: AuditLogPublisher?
    let logger: Logger
    /// The certificate and key, reloaded when their files change.
    let tlsFiles: TLSCertificateFiles

    /// Makes a server.
    /// - Parameters:
    ///   - audit: the audit file, or nil for none.
    ///   - publisher: appends each audit record to a transparency log, or nil.
    /// - Throws: when the certificate or key cannot be read.
    public init(
        configuration: WebhookServerConfiguration, controller: AdmissionController, audit: AuditLog? = nil, publisher: AuditLogPublisher? = nil,
        metrics: WebhookMetrics = WebhookMetrics(), logger: Logger = Logger(label: "custody.webhook")
    ) throws {
        self.configuration = configuration
        self.controller = controller
        self.audit = audit
        self.publisher = publisher
        self.metrics = metrics
        self.logger = logger
        do {
            tlsFiles = try TLSCertificateFiles(
                certificatePath: configuration.certificatePath, keyPath: configuration.privateKeyPath, logger: logger)
        } catch {
            throw AdmissionError(.configuration, "\(error)")
        }
    }

    /// Serves until the task is cancelled or, with `handlingSignals`, until SIGTERM or SIGINT
    /// (in-flight reviews finish). Checks the policy for changes every
    /// ``WebhookServerConfiguration/reloadInterval`` meanwhile.
    public func run(handlingSignals: Bool = true, onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let router = Router(context: BasicRequestContext.self)
        register(on: router)
        let app = Application(
            router: router, server: try .tls(.http1(), tlsConfiguration: tlsFiles.serverConfiguration()),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "custody-webhook"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        let reloader = Task { [controller, logger, interval = configuration.reloadInterval] in
            var reported: String?
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if controller.policy.refresh() {
                    let current = controller.policy.current
                    logger.info("policy reloaded", metadata: [
                        "policyGeneration": "\(current.policy.generation)", "trustGeneration": "\(current.trust.generation)",
                        "policySHA256": "\(current.policy.sha256)",
                    ])
                }
                let error = controller.policy.lastError
                if let error, error != reported { logger.error("policy reload failed", metadata: ["error": "\(error)"]) }
                reported = error
            }
        }
        defer { reloader.cancel() }
        if handlingSignals {
            try await app.runService()
        } else {
            try await app.run()
        }
        await publisher?.finish()
    }

    func register(on router: Router<BasicRequestContext>) {
        router.post("validate") { request, _ in await admit(request, endpoint: .validate) }
        router.post("mutate") { request, _ in await admit(request, endpoint: .mutate) }
        router.get("healthz") { _, _ in
            let error = controller.policy.lastError
            let body = error.map { "ok (policy reload failing: \($0); deciding with the last good policy)\n" } ?? "ok\n"
            metrics.request(route: "/healthz", status: 200)
            return Self.text(body, status: .ok)
        }
        router.get("metrics") { _, _ in
            await metrics.observe(cache: controller.cache, controller: controller)
            metrics.request(route: "/metrics", status: 200)
            return Self.text(metrics.text(), status: .ok, type: "text/plain; version=0.0.4; charset=utf-8")
        }
    }

    /// Decides one review and answers it.
    func admit(_ request: Request, endpoint: AdmissionController.Endpoint) async -> Response {
        let route = "/" + endpoint.rawValue
        let started = ContinuousClock.now
        let limit = UntrustedAdmissionReview.maxBytes
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            return failure(route, status: .contentTooLarge, code: "tooLarge", message: "the request body is over \(limit) bytes")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limit)
        } catch {
            return failure(route, status: .contentTooLarge, code: "tooLarge", message: "the request body is over \(limit) bytes")
        }
        var timeout: Duration?
        if let text = request.uri.queryParameters["timeout"] {
            guard let parsed = AdmissionDeadline.parseGoDuration(String(text)) else {
                return failure(route, status: .badRequest, code: "badTimeout", message: "timeout=\(String(text).prefix(64)) is not a duration such as 10s")
            }
            timeout = parsed
        }
        var answer: AdmissionController.Answer
        do {
            answer = try await controller.review(body.readableBytesView, endpoint: endpoint, timeout: timeout)
        } catch {
            logger.notice("unreadable AdmissionReview", metadata: ["error": "\(error)"])
            return failure(route, status: error.code == .tooLarge ? .contentTooLarge : .badRequest, code: error.code.rawValue, message: error.reason)
        }
        if let audit {
            do {
                try audit.append(answer.record)
            } catch {
                metrics.auditFailed("file")
                logger.error("audit write failed; denying", metadata: ["error": "\(error)"])
                answer.response.allowed = false
                answer.response.patch = []
                answer.response.warnings = []
                answer.response.message = "custody denied the request: its decision could not be written to the audit trail"
                answer.record.outcome = "denied"
            }
        }
        publisher?.publish(answer.record)
        metrics.decided(answer.record, duration: ContinuousClock.now - started)
        metrics.request(route: route, status: 200)
        logger.info("decision", metadata: [
            "uid": "\(answer.record.request.uid)", "outcome": "\(answer.record.outcome)", "endpoint": "\(endpoint.rawValue)",
            "record": "\(answer.record.id)", "latencyMs": "\(answer.record.latencyMilliseconds)",
        ])
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.response.reviewJSON)))
    }

    func failure(_ route: String, status: HTTPResponse.Status, code: String, message: String) -> Response {
        metrics.request(route: route, status: status.code)
        let body = (try? JSONSerialization.data(withJSONObject: ["code": code, "message": message], options: [.sortedKeys])) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func text(_ body: String, status: HTTPResponse.Status, type: String = "text/plain; charset=utf-8") -> Response {
        Response(status: status, headers: [.contentType: type], body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
