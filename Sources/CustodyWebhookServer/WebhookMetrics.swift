import CustodyAdmission
import CustodyPolicy
import CustodyStores
import Metrics
import Prometheus
import Synchronization

/// The webhook's metrics, served as Prometheus text at `GET /metrics` (see `Docs/webhook.md`,
/// "Metrics"). Made with an explicit factory over this object's own ``registry``, so several
/// servers in one process keep separate counts.
public final class WebhookMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    let latency: Metrics.Timer
    let cacheHits: Metrics.Gauge
    let cacheMisses: Metrics.Gauge
    let cacheJoined: Metrics.Gauge
    let cacheEntries: Metrics.Gauge
    let registryRequests: Metrics.Gauge
    let policyGeneration: Metrics.Gauge
    let trustGeneration: Metrics.Gauge
    let reloadFailing: Metrics.Gauge

    /// The metric names, as served.
    public enum Name {
        public static let decisions = "custody_webhook_decisions_total"
        public static let requests = "custody_webhook_http_requests_total"
        public static let latency = "custody_webhook_decision_duration_seconds"
        public static let imageOutcomes = "custody_webhook_image_decisions_total"
        public static let cacheHits = "custody_webhook_cache_hits"
        public static let cacheMisses = "custody_webhook_cache_misses"
        public static let cacheJoined = "custody_webhook_cache_joined_in_flight"
        public static let cacheEntries = "custody_webhook_cache_entries"
        public static let registryRequests = "custody_webhook_registry_requests"
        public static let policyGeneration = "custody_webhook_policy_generation"
        public static let trustGeneration = "custody_webhook_trust_generation"
        public static let reloadFailing = "custody_webhook_policy_reload_failing"
        public static let auditFailures = "custody_webhook_audit_failures_total"
        public static let logAppends = "custody_webhook_log_appends_total"
    }

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        let factory = PrometheusMetricsFactory(registry: registry)
        self.factory = factory
        latency = Metrics.Timer(label: Name.latency, factory: factory)
        cacheHits = Metrics.Gauge(label: Name.cacheHits, factory: factory)
        cacheMisses = Metrics.Gauge(label: Name.cacheMisses, factory: factory)
        cacheJoined = Metrics.Gauge(label: Name.cacheJoined, factory: factory)
        cacheEntries = Metrics.Gauge(label: Name.cacheEntries, factory: factory)
        registryRequests = Metrics.Gauge(label: Name.registryRequests, factory: factory)
        policyGeneration = Metrics.Gauge(label: Name.policyGeneration, factory: factory)
        trustGeneration = Metrics.Gauge(label: Name.trustGeneration, factory: factory)
        reloadFailing = Metrics.Gauge(label: Name.reloadFailing, factory: factory)
    }

    /// Counts one decision: by endpoint and outcome (`allowed`, `denied`, `warned`), its images by
    /// outcome and whether cached, and its latency.
    func decided(_ record: AdmissionRecord, duration: Duration) {
        Metrics.Counter(label: Name.decisions, dimensions: [("endpoint", record.endpoint), ("outcome", record.outcome)], factory: factory).increment()
        for image in record.images {
            Metrics.Counter(
                label: Name.imageOutcomes, dimensions: [("outcome", image.outcome.rawValue), ("cached", image.cached ? "true" : "false")],
                factory: factory
            ).increment()
        }
        latency.record(duration: duration)
    }

    /// Counts one HTTP answer by route and status class.
    func request(route: String, status: Int) {
        let statusClass = (100...599).contains(status) ? "\(status / 100)xx" : "other"
        Metrics.Counter(label: Name.requests, dimensions: [("route", route), ("status", statusClass)], factory: factory).increment()
    }

    func auditFailed(_ what: String) {
        Metrics.Counter(label: Name.auditFailures, dimensions: [("sink", what)], factory: factory).increment()
    }

    func logAppended(_ result: String) {
        Metrics.Counter(label: Name.logAppends, dimensions: [("result", result)], factory: factory).increment()
    }

    /// Brings the gauges up to date; called before the metrics are rendered.
    func observe(cache: VerificationCache, controller: AdmissionController) async {
        cacheHits.record(Double(await cache.hits))
        cacheMisses.record(Double(await cache.misses))
        cacheJoined.record(Double(await cache.joined))
        cacheEntries.record(Double(await cache.count))
        registryRequests.record(Double(controller.transport.registryRequestCount))
        let snapshot = controller.policy.current
        policyGeneration.record(Double(snapshot.policy.generation))
        trustGeneration.record(Double(snapshot.trust.generation))
        reloadFailing.record(controller.policy.lastError == nil ? 0 : 1)
    }

    /// The Prometheus text exposition.
    public func text() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
