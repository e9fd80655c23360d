/// Fetches a URL with `GET` and returns the whole, size-limited response.
///
/// ``HTTPFetcher`` is the real implementation; tests and callers with their own transport can
/// provide another. Implementations follow redirects themselves, so the response is the final
/// one, and they never return a body larger than `maxBytes`.
public protocol HTTPFetching: Sendable {
    /// Fetches `url` with `GET`.
    ///
    /// A response with any status is returned, not thrown: the caller decides what a 404 or a 403
    /// means.
    /// - Parameters:
    ///   - url: An absolute `http://` or `https://` URL.
    ///   - maxBytes: The largest body accepted; a larger body is an error, detected while it streams.
    /// - Returns: The final response after redirects.
    /// - Throws: ``RegistryError`` for a bad URL, a network failure or timeout, too many redirects,
    ///   or a body over `maxBytes`.
    func get(_ url: String, maxBytes: Int) async throws -> HTTPFetchResponse
}

/// A complete HTTP response: status, body and content type.
public struct HTTPFetchResponse: Sendable {
    /// The HTTP status code, such as 200 or 404.
    public let status: Int
    /// The body, exactly as received (no decompression).
    public let body: [UInt8]
    /// The `Content-Type` header, if the server sent one.
    public let contentType: String?

    /// Makes a response.
    public init(status: Int, body: [UInt8], contentType: String?) {
        self.status = status
        self.body = body
        self.contentType = contentType
    }
}
