/// When an admission answer is due.
///
/// The API server appends `?timeout=10s` (a Go duration: the webhook's `timeoutSeconds`) to the
/// webhook URL and gives up on the call after that long; with `failurePolicy: Fail` that rejects
/// the request with an error nobody can read. The webhook therefore answers earlier, with a
/// deliberate denial (or a warning in warn mode) that names the images still being verified: it
/// keeps ``margin(for:)`` for the answer to travel back.
public enum AdmissionDeadline {
    /// The timeout assumed when the request names none (the Kubernetes default `timeoutSeconds`).
    public static let defaultTimeout: Duration = .seconds(10)
    /// The longest timeout honoured (the Kubernetes maximum `timeoutSeconds`).
    public static let maxTimeout: Duration = .seconds(30)
    /// The least time kept for answering.
    public static let minimumMargin: Duration = .milliseconds(250)
    /// The least time ever given to verification.
    public static let minimumBudget: Duration = .milliseconds(50)

    /// How long verification may take under `timeout`: the timeout less ``margin(for:)``, at least
    /// ``minimumBudget`` but never more than the timeout.
    public static func budget(for timeout: Duration) -> Duration {
        let bounded = min(timeout, maxTimeout)
        return max(bounded - margin(for: bounded), min(minimumBudget, bounded))
    }

    /// The time kept for the answer: a tenth of the timeout, at least ``minimumMargin``.
    public static func margin(for timeout: Duration) -> Duration {
        max(timeout / 10, minimumMargin)
    }

    /// Parses a Go duration as the API server writes `?timeout=`: one or more decimal numbers
    /// with units (`10s`, `1m30s`, `500ms`, `2.5s`; units `h`, `m`, `s`, `ms`, `us`, `µs`, `ns`).
    /// Returns nil for anything else, including a negative or zero duration.
    public static func parseGoDuration(_ text: String) -> Duration? {
        guard !text.isEmpty, text.utf8.count <= 64 else { return nil }
        var total: Double = 0
        var rest = Substring(text)
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unitText = rest.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            rest = rest.dropFirst(unitText.count)
            let scale: Double
            switch unitText {
            case "h": scale = 3600
            case "m": scale = 60
            case "s": scale = 1
            case "ms": scale = 1e-3
            case "us", "µs", "μs": scale = 1e-6
            case "ns": scale = 1e-9
            default: return nil
            }
            total += value * scale
        }
        guard total > 0, total < 86_400 else { return nil }
        return .nanoseconds(Int64(total * 1e9))
    }
}
