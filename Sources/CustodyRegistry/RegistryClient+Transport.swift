import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// One request as the registry client describes it, before scheme, authorization, redirects and
/// retries are applied.
struct RegistryRequest: Sendable {
    /// Where the request goes.
    enum Target: Sendable {
        /// A path (and query) on the registry, starting with `/v2/`; the scheme is the registry's.
        case path(String)
        /// An absolute URL the registry sent (`Location`, `Link`).
        case url(RegistryURL)
    }

    /// The request body. Every kind can be produced again, so every request can be resent.
    enum Body: Sendable {
        case none
        case bytes([UInt8])
        /// `length` bytes of the file at `path` from `offset`, streamed.
        case file(path: String, offset: Int64, length: Int64)
    }

    var method: HTTPMethod
    var target: Target
    /// The token scope: `repository:NAME:pull`, `repository:NAME:pull,push`, or "" for `/v2/`.
    var scope: String
    var headers: HTTPHeaders = [:]
    var body: Body = .none
    /// Whether a connection failure may lead to sending the request again. False for requests the
    /// server may have acted on in part (a `PATCH` of an upload chunk).
    var retriesConnectionFailures = true

    /// Only `GET` and `HEAD` follow redirects; a redirect of anything else is an unexpected answer.
    var followsRedirects: Bool { method == .GET || method == .HEAD }
}

/// A request that could not be sent or whose connection broke before an answer: no HTTP response
/// at all. Kept apart from other errors (the authenticator's, for one) so that only these lead to
/// a retry or to the plain-HTTP fallback; ``RegistryClient/send(_:)`` unwraps it.
struct TransportFailure: Error {
    let error: RegistryError
}

/// Counts the HTTP requests a client and its authenticator send.
final class RequestCounter: Sendable {
    private let count = Atomic<Int>(0)

    func increment() { count.add(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}

extension RegistryClient {
    /// The statuses after which a request is sent again (with backoff).
    static let retryableStatuses: Set<Int> = [429, 502, 503, 504]
    /// The statuses whose `Location` a `GET` or `HEAD` follows.
    static let redirectStatuses: Set<Int> = [301, 302, 303, 307, 308]

    /// Sends `request`: picks the scheme (for an insecure host whose scheme is not known yet, HTTPS
    /// without verification first, then plain HTTP if HTTPS fails at the connection or TLS level),
    /// then authorizes, follows redirects and retries.
    /// - Returns: the final response, whatever its status.
    func send(_ request: RegistryRequest) async throws -> RegistryResponse {
        do {
            return try await sendChoosingScheme(request)
        } catch let failure as TransportFailure {
            throw failure.error
        }
    }

    private func sendChoosingScheme(_ request: RegistryRequest) async throws -> RegistryResponse {
        if case .url(let url) = request.target {
            return try await sendAuthorized(request, url: url)
        }
        if let scheme = resolvedScheme.withLock({ $0 }) {
            return try await sendAuthorized(request, url: url(scheme: scheme, request: request))
        }
        do {
            let response = try await sendAuthorized(request, url: url(scheme: "https", request: request))
            resolvedScheme.withLock { $0 = "https" }
            return response
        } catch let https as TransportFailure {
            do {
                let response = try await sendAuthorized(request, url: url(scheme: "http", request: request))
                resolvedScheme.withLock { $0 = "http" }
                return response
            } catch let http as TransportFailure {
                throw RegistryError(code: https.error.code, reason: "\(https.error.reason); plain HTTP failed too: \(http.error.reason)")
            }
        }
    }

    private func url(scheme: String, request: RegistryRequest) -> RegistryURL {
        guard case .path(let path) = request.target else { preconditionFailure("absolute targets carry their own URL") }
        return RegistryURL(scheme: scheme, authority: endpointHost, pathAndQuery: path)
    }

    /// Whether `url` is on the registry itself, so that it may see the registry's `Authorization`.
    func isRegistryOrigin(_ url: RegistryURL) -> Bool {
        url.origin == RegistryURL(scheme: url.scheme, authority: endpointHost, pathAndQuery: "/").origin
    }

    /// Sends with the cached authorization for the scope; on a 401 with a challenge, asks the
    /// authenticator once and sends again. A final 401 is returned for the caller to report.
    private func sendAuthorized(_ request: RegistryRequest, url: RegistryURL) async throws -> RegistryResponse {
        let cached = authenticator.cachedAuthorization(scope: request.scope)
        let first = try await sendFollowingRedirects(request, url: url, authorization: cached)
        guard first.status == 401, let challenge = first.header("WWW-Authenticate") else { return first }
        await first.discard()
        let authorization = try await authenticator.authorize(challenge: challenge, scope: request.scope)
        var second = try await sendFollowingRedirects(request, url: url, authorization: authorization)
        if second.status == 401 {
            second.authorizationFailure = authenticator.accessDeniedError(scope: request.scope)
        }
        return second
    }

    /// Follows at most ``maxRedirects`` redirects of a `GET` or `HEAD`, refusing cycles and
    /// HTTPS-to-HTTP downgrades; `Authorization` goes only to the registry's own origin.
    private func sendFollowingRedirects(_ request: RegistryRequest, url start: RegistryURL, authorization: String?) async throws -> RegistryResponse {
        var url = start
        var visited: Set<RegistryURL> = [start]
        var redirects = 0
        while true {
            var headers = request.headers
            if let authorization, isRegistryOrigin(url) {
                headers.replaceOrAdd(name: "Authorization", value: authorization)
            }
            let response = try await sendWithRetries(request, url: url, headers: headers)
            guard request.followsRedirects, Self.redirectStatuses.contains(response.status),
                  let location = response.header("Location")
            else { return response }
            await response.discard()
            guard redirects < Self.maxRedirects else {
                throw RegistryError(code: .tooManyRedirects, reason: "\(request.method.rawValue) \(start): more than \(Self.maxRedirects) redirects (last to \(RegistryNames.printable(location)))")
            }
            guard let next = url.resolving(location) else {
                throw RegistryError(code: .invalidResponse, reason: "\(response.what) redirected to an unusable location \(RegistryNames.printable(location))")
            }
            if url.scheme == "https" && next.scheme == "http" && !allowsInsecure {
                throw RegistryError(code: .invalidResponse, reason: "\(response.what) redirected from HTTPS to plain HTTP (\(next)), which is refused unless the registry is insecure (--tls-verify=false)")
            }
            guard visited.insert(next).inserted else {
                throw RegistryError(code: .tooManyRedirects, reason: "\(request.method.rawValue) \(start): the redirects form a cycle (back to \(next))")
            }
            url = next
            redirects += 1
        }
    }

    /// Sends, and sends again after a 429, 502, 503 or 504 (honouring `Retry-After` up to
    /// ``maxRetryDelay``) or a connection failure, at most `maxRetries` times.
    private func sendWithRetries(_ request: RegistryRequest, url: RegistryURL, headers: HTTPHeaders) async throws -> RegistryResponse {
        var retries = 0
        while true {
            var response: RegistryResponse
            do {
                response = try await sendOnce(request, url: url, headers: headers)
            } catch let failure as TransportFailure {
                guard failure.error.code == .network, request.retriesConnectionFailures, retries < options.maxRetries else {
                    guard retries > 0 else { throw failure }
                    let error = failure.error
                    throw TransportFailure(error: RegistryError(code: error.code, reason: "\(error.reason), also after \(retries) \(retries == 1 ? "retry" : "retries")"))
                }
                try await Task.sleep(for: Self.retryDelay(afterAttempt: retries, retryAfter: nil))
                retries += 1
                continue
            }
            response.retries = retries
            guard Self.retryableStatuses.contains(response.status), retries < options.maxRetries else { return response }
            let delay = Self.retryDelay(afterAttempt: retries, retryAfter: response.header("Retry-After"))
            await response.discard()
            try await Task.sleep(for: delay)
            retries += 1
        }
    }

    /// The pause before retry number `attempt + 1`: `Retry-After` seconds when the server sent
    /// them, else ``initialRetryDelay`` doubled per attempt; never more than ``maxRetryDelay``.
    static func retryDelay(afterAttempt attempt: Int, retryAfter: String?) -> Duration {
        if let retryAfter, let seconds = Int(retryAfter.trimmingSpaces()), seconds >= 0 {
            return min(.seconds(seconds), maxRetryDelay)
        }
        let factor = 1 << min(attempt, 16)
        return min(initialRetryDelay * factor, maxRetryDelay)
    }

    /// Sends one HTTP request and counts it.
    private func sendOnce(_ request: RegistryRequest, url: RegistryURL, headers: HTTPHeaders) async throws -> RegistryResponse {
        var http = HTTPClientRequest(url: url.description)
        http.method = request.method
        http.headers = headers
        http.headers.replaceOrAdd(name: "User-Agent", value: Self.userAgent)
        switch request.body {
        case .none:
            break
        case .bytes(let bytes):
            http.body = .bytes(bytes)
        case .file(let path, let offset, let length):
            http.body = .stream(FileBodySequence(path: path, offset: offset, length: length), length: .known(length))
        }
        counter.increment()
        let deadline = NIODeadline.now() + TimeAmount(options.requestTimeout)
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(http, deadline: deadline)
        } catch {
            throw transportError(error, what: "\(request.method.rawValue) \(url)", url: url)
        }
        return RegistryResponse(method: request.method, url: url, response: response, retries: 0, deadline: deadline, timeout: options.requestTimeout)
    }

    /// Maps a transport failure: ``TransportFailure`` with `.network` for connection failures
    /// (which are retried) or `.tls` for TLS failures (with what to do about them); a plain
    /// ``RegistryError`` for timeouts and bad URLs, which are neither retried nor a reason to try
    /// plain HTTP.
    private func transportError(_ error: any Error, what: String, url: RegistryURL) -> any Error {
        if error is CancellationError || error is RegistryError { return error }
        if let client = error as? HTTPClientError {
            switch client {
            case .cancelled:
                return CancellationError()
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                return RegistryError(code: .timeout, reason: "\(what): no complete response within \(options.requestTimeout) (\(client))")
            case .invalidURL, .emptyHost, .emptyScheme:
                return RegistryError(code: .invalidURL, reason: "\(what): \(client)")
            default:
                return TransportFailure(error: RegistryError(code: .network, reason: "\(what): \(client)"))
            }
        }
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError {
            return TransportFailure(error: tlsError(error, what: what, url: url))
        }
        return TransportFailure(error: RegistryError(code: .network, reason: "\(what): \(error)"))
    }

    private func tlsError(_ error: any Error, what: String, url: RegistryURL) -> RegistryError {
        let text = Self.tlsDetail(error)
        let upper = String(describing: error).uppercased()
        let notTLS = ["WRONG_VERSION_NUMBER", "HTTP_REQUEST", "PACKET_LENGTH_TOO_LONG", "RECORD_TOO_LARGE", "UNKNOWN_PROTOCOL"]
        if notTLS.contains(where: { upper.contains($0) }) {
            return RegistryError(
                code: .tls,
                reason: "\(what): \(url.authority) does not answer with TLS; if it is a plain-HTTP registry, allow that with --tls-verify=false or by listing \(registry) as insecure (\(text))"
            )
        }
        if upper.contains("CERTIFICATE") || error as? NIOSSLExtraError == .failedToValidateHostname {
            return RegistryError(
                code: .tls,
                reason: "\(what): the TLS certificate of \(url.authority) is not trusted (\(text)); add its CA certificate (certificateAuthorityFiles, --cert-dir), or use --tls-verify=false for a test registry"
            )
        }
        return RegistryError(code: .tls, reason: "\(what): TLS with \(url.authority) failed (\(text)); plain HTTP or unverified TLS is used only with --tls-verify=false or for insecure registries")
    }

    /// BoringSSL's reason names (`CERTIFICATE_VERIFY_FAILED`) when the error carries them, without
    /// the source locations; else the error's own description.
    static func tlsDetail(_ error: any Error) -> String {
        let text = String(describing: error)
        var reasons: [String] = []
        var rest = Substring(text)
        while let marker = rest.firstRange(of: "OPENSSL_internal:") {
            let reason = rest[marker.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            if !reason.isEmpty && !reasons.contains(String(reason)) { reasons.append(String(reason)) }
            rest = rest[marker.upperBound...]
        }
        return reasons.isEmpty ? text : "TLS handshake failed: " + reasons.joined(separator: ", ")
    }
}
