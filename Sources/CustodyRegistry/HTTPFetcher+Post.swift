import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// Sends a body with `POST` and returns the whole, size-limited response.
///
/// ``HTTPFetcher`` is the real implementation. As with ``HTTPFetching``, a response with any
/// status is returned, not thrown.
public protocol HTTPPosting: Sendable {
    /// Posts `body` to `url` with the given `Content-Type`.
    ///
    /// - Parameters:
    ///   - url: An absolute `http://` or `https://` URL.
    ///   - contentType: The `Content-Type` header, such as `application/json`.
    ///   - maxBytes: The largest response body accepted.
    /// - Throws: ``RegistryError`` for a bad URL, a network failure or timeout, or a response body
    ///   over `maxBytes`.
    func post(_ url: String, body: [UInt8], contentType: String, maxBytes: Int) async throws -> HTTPFetchResponse
}

extension HTTPFetcher: HTTPPosting {
    /// Posts `body` to `url` with the fetcher's settings (redirect limit, timeouts, no
    /// decompression) and returns the final response.
    public func post(_ url: String, body: [UInt8], contentType: String, maxBytes: Int) async throws -> HTTPFetchResponse {
        try Self.validate(url)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: contentType)
        request.body = .bytes(ByteBuffer(bytes: body))
        return try await send(request, url: url, maxBytes: maxBytes)
    }
}
