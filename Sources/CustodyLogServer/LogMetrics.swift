import CustodyLog
import Metrics
import Prometheus
import Synchronization

/// The log server's metrics, served as Prometheus text at `GET /metrics` (see `Docs/log.md`,
/// "Metrics").
///
/// The metrics are swift-metrics `Counter`, `Gauge` and `Timer` objects made with an explicit
/// `PrometheusMetricsFactory` over this object's own ``registry``: nothing is bootstrapped in the
/// global `MetricsSystem`, so several servers in one process (tests) keep separate counts.
///
/// ```swift
/// let metrics = LogMetrics()                      // or LogMetrics(registry: shared)
/// let server = try await LogServer(configuration: …, storage: …, logName: …, signingKey: …, metrics: metrics)
/// ```
public final class LogMetrics: Sendable {
    /// Where the metrics are kept; ``text()`` renders it.
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory

    let newEntries: Metrics.Counter
    let duplicateEntries: Metrics.Counter
    let batchesIntegrated: Metrics.Counter
    let appendLatency: Metrics.Timer
    let treeSize: Metrics.Gauge
    let pendingEntries: Metrics.Gauge
    /// The sequencer's batch count at the last ``observe(_:)``, to turn it into counter increments.
    private let observedBatches = Mutex<Int>(0)
    /// The request counters made so far, by route and status class.
    private let requestCounters = Mutex<[RequestKey: Metrics.Counter]>([:])

    /// The metric names, as served.
    public enum Name {
        public static let entriesAppended = "custody_log_entries_appended_total"
        public static let httpRequests = "custody_log_http_requests_total"
        public static let batchesIntegrated = "custody_log_batches_integrated_total"
        public static let appendDuration = "custody_log_append_duration_seconds"
        public static let treeSize = "custody_log_tree_size"
        public static let pendingEntries = "custody_log_pending_entries"
    }

    /// Makes the metrics in `registry` (a fresh registry by default).
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        let factory = PrometheusMetricsFactory(registry: registry)
        self.factory = factory
        newEntries = Metrics.Counter(label: Name.entriesAppended, dimensions: [("result", "new")], factory: factory)
        duplicateEntries = Metrics.Counter(label: Name.entriesAppended, dimensions: [("result", "duplicate")], factory: factory)
        batchesIntegrated = Metrics.Counter(label: Name.batchesIntegrated, factory: factory)
        appendLatency = Metrics.Timer(label: Name.appendDuration, factory: factory)
        treeSize = Metrics.Gauge(label: Name.treeSize, factory: factory)
        pendingEntries = Metrics.Gauge(label: Name.pendingEntries, factory: factory)
    }

    /// Counts one answered request: `route` is the route pattern (`/tile/**`, never the path
    /// asked for, so the label set stays small), `status` its HTTP status, counted by class (`2xx`…).
    func request(route: String, status: Int) {
        let statusClass = (100...599).contains(status) ? "\(status / 100)xx" : "other"
        let key = RequestKey(route: route, statusClass: statusClass)
        // Made once per route and class: the factory's own lookup costs more than the count.
        let counter = requestCounters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Metrics.Counter(
                label: Name.httpRequests, dimensions: [("route", route), ("status", statusClass)], factory: factory)
            counters[key] = counter
            return counter
        }
        counter.increment()
    }

    private struct RequestKey: Hashable {
        let route: String
        let statusClass: String
    }

    /// Counts one acknowledged append and records how long it took from the request to the answer.
    func appended(isNew: Bool, duration: Duration) {
        (isNew ? newEntries : duplicateEntries).increment()
        appendLatency.record(duration: duration)
    }

    /// Brings the gauges (tree size, pending entries) and the batch counter up to date with the
    /// sequencer; called before the metrics are rendered.
    func observe(_ sequencer: LogSequencer) async {
        let batches = await sequencer.integratedBatches
        let size = await sequencer.publishedState.size
        let pending = await sequencer.pendingEntries
        let increment = observedBatches.withLock { seen in
            let delta = max(0, batches - seen)
            seen = max(seen, batches)
            return delta
        }
        if increment > 0 { batchesIntegrated.increment(by: increment) }
        treeSize.record(Double(size))
        pendingEntries.record(Double(pending))
    }

    /// The metrics in the Prometheus text exposition format (version 0.0.4).
    public func text() -> String {
        registry.emitToString()
    }
}
