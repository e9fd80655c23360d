/// Why a log client operation failed: the log refused or answered badly, an input is malformed,
/// or something did not verify.
public struct LogClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: String, Sendable, Hashable {
        /// The log's URL is not an `http://` or `https://` URL with a host.
        case invalidURL
        /// The log answered with an error status (its error message is in the reason).
        case httpStatus
        /// The log's answer is not what the API specifies (bad JSON, wrong shape, wrong length).
        case invalidResponse
        /// An entry (a `TransparencyLogEntry` JSON) is malformed.
        case invalidEntry
        /// A key cannot be used (unsupported type or size, unreadable).
        case unsupportedKey
        /// A log key (PEM public key or note verifier key) cannot be read.
        case invalidLogKey
        /// Arguments out of range (an index beyond the tree, sizes out of order).
        case outOfRange
        /// Something did not verify: a checkpoint signature, a proof, a tile, the log ID, the
        /// entry's body, the artifact. This is a refusal, not a failure to evaluate.
        case notVerified
    }

    /// The kind of failure.
    public var code: Code
    /// A sentence for people.
    public var reason: String

    /// An error.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// A refusal: ``Code/notVerified``.
    static func notVerified(_ reason: String) -> LogClientError { LogClientError(.notVerified, reason) }

    public var description: String { reason }

    public static func == (lhs: LogClientError, rhs: LogClientError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
