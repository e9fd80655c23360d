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
        /// The registry refused access to the repository with the credentials given (403).
        public static let denied = Code(rawValue: "denied")
        /// The registry does not know the repository, manifest, blob or upload (404).
        public static let notFound = Code(rawValue: "notFound")
        /// Content does not hash to the digest that names it, or the registry reports another digest.
        public static let digestMismatch = Code(rawValue: "digestMismatch")
        /// Content does not have the size its descriptor states.
        public static let sizeMismatch = Code(rawValue: "sizeMismatch")
        /// The response is not what the protocol requires: an unexpected status, a missing or malformed
        /// header, or a body that cannot be parsed.
        public static let invalidResponse = Code(rawValue: "invalidResponse")
        /// The registry answered with a server error (5xx) or kept asking to slow down (429), also after retries.
        public static let server = Code(rawValue: "server")
        /// TLS failed: the certificate was not trusted, the host name did not match, or the server does
        /// not speak TLS (a plain-HTTP registry reached without permission).
        public static let tls = Code(rawValue: "tls")
        /// An argument cannot be sent: a repository name, tag or digest that is not valid (it is never
        /// put into a URL), or a chunk size that is not positive.
        public static let invalidRequest = Code(rawValue: "invalidRequest")
        /// A local file could not be read: a blob to upload, or a certificate authority file.
        public static let io = Code(rawValue: "io")
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
