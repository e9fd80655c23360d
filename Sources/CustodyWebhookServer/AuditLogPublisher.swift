import CustodyAdmission
import CustodyKeys
import CustodyLogClient
import Logging

/// Appends audit records to a transparency log (`custody log serve` or any Rekor v2 log), so that
/// a decision cannot later be removed from the audit trail without it showing.
///
/// Each record's line, exactly as written to the audit file (without the newline), is signed
/// with the webhook's key and appended as a `hashedrekord` entry: anyone holding the audit file
/// can find a line's entry by its SHA-256 and check it. Appends run in the background, after the
/// answer: a log waits for its batch to be integrated (up to its batch interval), and an
/// admission must not wait for that. At most ``maxQueued`` records wait; beyond that, records are
/// dropped and counted (`custody_webhook_log_appends_total{result="dropped"}`), so a log outage
/// never slows admission. The log's answer is checked: the entry it stored must be the one sent.
public final class AuditLogPublisher: Sendable {
    /// The most records waiting to be appended.
    public static let maxQueued = 10_000

    private let continuation: AsyncStream<AdmissionRecord>.Continuation
    private let worker: Task<Void, Never>

    /// Starts appending to the log at `client` with `privateKey` (ECDSA P-256/P-384/P-521, RSA, or Ed25519 as Ed25519ph).
    public init(client: LogClient, privateKey: PrivateKey, metrics: WebhookMetrics, logger: Logger) {
        let (stream, continuation) = AsyncStream.makeStream(of: AdmissionRecord.self, bufferingPolicy: .bufferingOldest(Self.maxQueued))
        self.continuation = continuation
        worker = Task {
            for await record in stream {
                do {
                    let line = try record.jsonLine()
                    let request = try HashedRekordRequest(artifact: line, privateKey: privateKey)
                    let entry = try await client.append(request.json)
                    guard entry.canonicalizedBody == request.expectedCanonicalizedBody else {
                        throw LogClientError(.notVerified, "the log stored another entry body than the one sent")
                    }
                    metrics.logAppended("appended")
                    logger.debug("audit record logged", metadata: ["record": "\(record.id)", "logIndex": "\(entry.logIndex)"])
                } catch {
                    metrics.logAppended("failed")
                    logger.error("appending an audit record to the transparency log failed", metadata: ["record": "\(record.id)", "error": "\(error)"])
                }
            }
        }
        self.metrics = metrics
    }

    private let metrics: WebhookMetrics

    /// Queues a record; drops it (and counts it) when the queue is full.
    public func publish(_ record: AdmissionRecord) {
        if case .dropped = continuation.yield(record) { metrics.logAppended("dropped") }
    }

    /// Stops taking records and waits until the queued ones are appended.
    public func finish() async {
        continuation.finish()
        await worker.value
    }
}
