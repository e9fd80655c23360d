import ArgumentParser
import CustodyAdmission
import CustodyKeys
import CustodyLogClient
import CustodyWebhookServer
import Foundation
import Logging

/// `custody webhook serve`: the admission webhook over HTTPS.
struct WebhookServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve Kubernetes AdmissionReview v1 at /validate and /mutate over HTTPS.",
        discussion: """
            Every container, init container, ephemeral container and image volume of a Pod, or of \
            the pod template of a Deployment, ReplicaSet, StatefulSet, DaemonSet, Job or CronJob, \
            is verified under --policy. /validate allows or denies; /mutate also pins each verified \
            tag to its digest (repo:tag@sha256:…) with a JSON Patch, unless --validate-only or the \
            kind is left out of --pin-kinds. Answers come before the API server's ?timeout=; a \
            timeout or any error denies (in --mode warn: allows with warnings). The policy and its \
            key files are reloaded when they change. Each decision is appended to --audit-file as a \
            custody.admission/v1 record, and with --log-server also to a transparency log. See \
            Docs/webhook.md.
            """
    )

    @Option(name: .long, help: "The trust policy (containers-policy.json with Custody's extensions).") var policy: String
    @Option(name: .customLong("tls-cert"), help: "The server certificate chain, PEM.") var tlsCertificate: String
    @Option(name: .customLong("tls-key"), help: "The server's private key, PEM.") var tlsKey: String
    @Option(name: .long, help: "HOST:PORT to listen on (port 0 picks a free port).") var listen: String = "127.0.0.1:8443"
    @Option(name: .long, help: "enforce (deny what the policy does not allow) or warn (allow, with the reasons as warnings).")
    var mode: String = "enforce"
    @Flag(name: .customLong("validate-only"), help: "Never patch: /mutate decides like /validate.") var validateOnly = false
    @Option(name: .customLong("pin-kinds"), help: "The kinds whose tags /mutate pins, comma-separated (default: all: Pod,Deployment,ReplicaSet,StatefulSet,DaemonSet,Job,CronJob).")
    var pinKinds: String?
    @Option(name: .customLong("audit-file"), help: "Append a JSON line per decision to this file.") var auditFile: String?
    @Flag(name: .customLong("audit-sync"), help: "fsync the audit file after every record.") var auditSync = false
    @Flag(name: .customLong("no-audit-evidence"), help: "Leave manifests and signatures out of audit records (they cannot be replayed then).")
    var noAuditEvidence = false
    @Option(name: .customLong("log-server"), help: "Also append every audit record to this transparency log (URL).") var logServer: String?
    @Option(name: .customLong("log-key"), help: "The private key that signs audit records for --log-server (ECDSA, RSA or Ed25519, PEM).") var logKey: String?
    @Option(name: .customLong("cache-ttl"), help: "Seconds an allowed decision is reused.") var cacheTTL: Int = 300
    @Option(name: .customLong("negative-cache-ttl"), help: "Seconds a denied or failed decision is reused.") var negativeCacheTTL: Int = 10
    @Option(name: .customLong("tag-ttl"), help: "Seconds a tag's digest is reused before asking the registry again.") var tagTTL: Int = 10
    @Option(name: .customLong("verification-timeout"), help: "Seconds one verification may run, whoever waits for it.") var verificationTimeout: Int = 30
    @Option(name: .customLong("reload-interval"), help: "Milliseconds between checks of the policy and key files for changes.") var reloadInterval: Int = 1000
    @OptionGroup var registry: RegistryOptionGroup
    @OptionGroup var store: SignatureStoreOptions

    func validate() throws {
        guard AdmissionSettings.Mode(rawValue: mode) != nil else { throw ValidationError("--mode must be enforce or warn") }
        _ = try kinds()
        guard (0...86_400).contains(cacheTTL), (0...86_400).contains(negativeCacheTTL), (0...86_400).contains(tagTTL) else {
            throw ValidationError("--cache-ttl, --negative-cache-ttl and --tag-ttl must be 0 to 86400 seconds")
        }
        guard (1...600).contains(verificationTimeout) else { throw ValidationError("--verification-timeout must be 1 to 600 seconds") }
        guard (10...600_000).contains(reloadInterval) else { throw ValidationError("--reload-interval must be 10 to 600000 milliseconds") }
        if (logServer == nil) != (logKey == nil) { throw ValidationError("--log-server and --log-key go together") }
        _ = try ListenAddress(listen)
    }

    func kinds() throws -> Set<WorkloadKind> {
        guard let pinKinds else { return Set(WorkloadKind.allCases) }
        var kinds: Set<WorkloadKind> = []
        for name in pinKinds.split(separator: ",", omittingEmptySubsequences: false) {
            guard let kind = WorkloadKind(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--pin-kinds: \(name.debugDescription) is not one of \(WorkloadKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            kinds.insert(kind)
        }
        return kinds
    }

    func run() async throws {
        let address = try ListenAddress(listen)
        let source = try TrustPolicySource(path: policy)
        let settings = AdmissionSettings(
            mode: AdmissionSettings.Mode(rawValue: mode)!, pinDigests: !validateOnly, pinKinds: try kinds(),
            verificationTimeout: .seconds(verificationTimeout), recordEvidence: !noAuditEvidence)
        let cache = VerificationCache(settings: .init(
            positiveLifetime: .seconds(cacheTTL), negativeLifetime: .seconds(negativeCacheTTL), tagLifetime: .seconds(tagTTL)))
        let controller = AdmissionController(
            policy: source, transport: try registry.transport(store: store), settings: settings, cache: cache)
        let metrics = WebhookMetrics()
        let logger = Logger(label: "custody.webhook")
        var publisher: AuditLogPublisher?
        if let logServer, let logKey {
            let signer = try InputFiles.signer(logKey, passphraseFile: nil)
            publisher = AuditLogPublisher(client: try LogClientOptions.client(logServer), privateKey: signer.privateKey, metrics: metrics, logger: logger)
        }
        let server = try WebhookServer(
            configuration: .init(
                host: address.host, port: address.port, certificatePath: tlsCertificate, privateKeyPath: tlsKey,
                reloadInterval: .milliseconds(reloadInterval)),
            controller: controller, audit: try auditFile.map { try AuditLog(path: $0, synchronous: auditSync) }, publisher: publisher,
            metrics: metrics, logger: logger)
        let current = source.current
        try await server.run(handlingSignals: true) { port in
            Console.current.line("custody webhook listening on https://\(address.host):\(port) (mode \(mode)\(validateOnly ? ", validate-only" : ""))")
            Console.current.line("policy \(policy) \(current.policy.sha256)")
        }
    }
}
