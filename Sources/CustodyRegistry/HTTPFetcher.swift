import AsyncHTTPClient
import Synchronization
import NIOCore
import NIOHTTP1

/// Fetches `http://` and `https://` URLs with AsyncHTTPClient.
///
/// Fetchers with the same timeout share one process-wide `HTTPClient`, created on first use with
/// Custody's settings and never shut down (as `HTTPClient.shared`, which cannot be used here
/// because it follows 20 redirects and decompresses bodies). So an ``HTTPFetcher`` is a cheap
/// value that needs no shutdown. The settings:
///
/// - at most ``maxRedirects`` redirects, and no redirect cycles;
/// - ``connectTimeout`` to connect; ``requestTimeout`` for the whole request, including the body
///   (checked as each chunk arrives; a server that sends nothing for ``requestTimeout`` is cut off
///   by the read timeout, so a request never lasts much more than twice ``requestTimeout``);
/// - TLS with AsyncHTTPClient's default client configuration: full certificate and host-name
///   verification against the system trust store;
/// - no decompression: bodies are returned exactly as sent;
/// - no authentication and no cookies.
public struct HTTPFetcher: HTTPFetching {
    /// The most redirects followed for one request (AsyncHTTPClient's redirect limit).
    public static let maxRedirects = 5
    /// The longest a request may take, from connecting to the last body byte; also the longest
    /// silence accepted while reading.
    public static let requestTimeout: Duration = .seconds(30)
    /// The longest connecting to a server may take.
    public static let connectTimeout: Duration = .seconds(10)

    private let client: HTTPClient
    /// The wall-clock budget of one request made by this fetcher.
    public let timeout: Duration

    /// Makes a fetcher on the process-wide client.
    /// - Parameter timeout: the wall-clock budget of one request, body included (default ``requestTimeout``).
    public init(timeout: Duration = HTTPFetcher.requestTimeout) {
        client = SharedClients.client(readTimeout: timeout)
        self.timeout = timeout
    }

    public func get(_ url: String, maxBytes: Int) async throws -> HTTPFetchResponse {
        try Self.validate(url)
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        return try await send(request, url: url, maxBytes: maxBytes)
    }

    /// Sends `request` (to the already validated `url`) and reads the whole response, at most
    /// `maxBytes` of body, within ``timeout``.
    func send(_ request: HTTPClientRequest, url: String, maxBytes: Int) async throws -> HTTPFetchResponse {
        let deadline = NIODeadline.now() + TimeAmount(timeout)

        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, deadline: deadline)
        } catch {
            throw Self.registryError(error, url: url)
        }
        if let declared = response.headers.first(name: "Content-Length").flatMap({ Int($0) }), declared > maxBytes {
            throw Self.tooLarge(url: url, maxBytes: maxBytes)
        }

        var body: [UInt8] = []
        do {
            for try await buffer in response.body {
                guard buffer.readableBytes <= maxBytes - body.count else {
                    throw Self.tooLarge(url: url, maxBytes: maxBytes)
                }
                body.append(contentsOf: buffer.readableBytesView)
                guard NIODeadline.now() <= deadline else {
                    throw RegistryError(code: .timeout, reason: "fetching \(url): no complete response within \(timeout)")
                }
            }
        } catch let error as RegistryError {
            throw error
        } catch {
            throw Self.registryError(error, url: url)
        }
        // A cancelled body stream ends early without an error: never return a truncated body.
        try Task.checkCancellation()
        return HTTPFetchResponse(
            status: Int(response.status.code),
            body: body,
            contentType: response.headers.first(name: "Content-Type")
        )
    }

    /// Accepts only absolute `http://` and `https://` URLs with a host.
    static func validate(_ url: String) throws {
        let lowercased = url.lowercased()
        let rest: Substring
        if lowercased.hasPrefix("http://") {
            rest = url.dropFirst(7)
        } else if lowercased.hasPrefix("https://") {
            rest = url.dropFirst(8)
        } else {
            throw RegistryError(code: .invalidURL, reason: "\(url) is not an http:// or https:// URL")
        }
        let host = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !host.isEmpty else {
            throw RegistryError(code: .invalidURL, reason: "\(url) has no host")
        }
        guard !url.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) else {
            throw RegistryError(code: .invalidURL, reason: "\(url) contains white space or control characters")
        }
    }

    private static func tooLarge(url: String, maxBytes: Int) -> RegistryError {
        RegistryError(code: .tooLarge, reason: "fetching \(url): the response body is larger than the limit of \(maxBytes) bytes")
    }

    private static func registryError(_ error: any Error, url: String) -> any Error {
        if error is CancellationError { return error }
        guard let client = error as? HTTPClientError else {
            return RegistryError(code: .network, reason: "fetching \(url): \(error)")
        }
        switch client {
        case .redirectLimitReached:
            return RegistryError(code: .tooManyRedirects, reason: "fetching \(url): more than \(maxRedirects) redirects")
        case .redirectCycleDetected:
            return RegistryError(code: .tooManyRedirects, reason: "fetching \(url): the redirects form a cycle")
        case .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .tlsHandshakeTimeout:
            return RegistryError(code: .timeout, reason: "fetching \(url): \(client)")
        case .invalidURL, .emptyHost, .emptyScheme:
            return RegistryError(code: .invalidURL, reason: "fetching \(url): \(client)")
        case .cancelled:
            return CancellationError()
        default:
            return RegistryError(code: .network, reason: "fetching \(url): \(client)")
        }
    }
}

/// The clients fetchers use: one per distinct timeout (in practice one), created on first use and
/// never shut down, so a fetcher needs no shutdown. The client's read timeout is the fetcher's
/// timeout, so that a consumer that is slow to ask for the body is not cut off earlier than its
/// own deadline.
private enum SharedClients {
    private static let clients = Mutex<[Duration: HTTPClient]>([:])

    static func client(readTimeout: Duration) -> HTTPClient {
        clients.withLock { clients in
            if let client = clients[readTimeout] { return client }
            let configuration = HTTPClient.Configuration(
                redirectConfiguration: .follow(max: HTTPFetcher.maxRedirects, allowCycles: false),
                timeout: HTTPClient.Configuration.Timeout(
                    connect: TimeAmount(HTTPFetcher.connectTimeout),
                    read: TimeAmount(readTimeout)
                ),
                connectionPool: HTTPClient.Configuration.ConnectionPool(),
                decompression: .disabled
            )
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            clients[readTimeout] = client
            return client
        }
    }
}
