/// An error from talking to a registry or another HTTP server: a bad URL, a network failure, a
/// response larger than a named limit.
///
/// Equality compares ``code`` only, so tests can write
/// `#expect(throws: RegistryError(code: .tooLarge))`. ``description`` is one line that names the
/// URL and says what failed.
public struct RegistryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable kind of failure.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The URL is malformed or uses a scheme other than `http` or `https`.
        public static let invalidURL = Code(rawValue: "invalidURL")
        /// The connection failed or broke: refused, reset, DNS, TLS.
        public static let network = Code(rawValue: "network")
        /// The server did not answer within the time limit.
        public static let timeout = Code(rawValue: "timeout")
        /// The server redirected too often, or in a cycle.
        public static let tooManyRedirects = Code(rawValue: "tooManyRedirects")
        /// The response body is larger than the caller's limit.
        public static let tooLarge = Code(rawValue: "tooLarge")
    }

    /// The kind of failure.
    public var code: Code
    /// What failed and where (the URL), in one line.
    public var reason: String

    /// Makes an error.
    public init(code: Code, reason: String = "") {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason.isEmpty ? code.rawValue : reason }

    public static func == (lhs: RegistryError, rhs: RegistryError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
