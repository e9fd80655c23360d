import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// Produces `Authorization` header values for one registry: bearer tokens from the token service
/// named in a `WWW-Authenticate` challenge, or basic credentials, from ``CredentialSource``.
///
/// The registry client asks ``cachedAuthorization(scope:)`` before each request and, on a 401,
/// calls ``authorize(challenge:scope:)`` and retries once. A 401 after that is the caller's
/// business; ``accessDeniedError(scope:)`` words it.
///
/// - Bearer: `GET realm?service=…&scope=…` (one `scope` item per space-separated scope; none for
///   the `/v2/` ping's empty scope), with `Authorization: Basic` when credentials exist; with an
///   identity token, an OAuth2 `POST realm` (`grant_type=refresh_token`). The answer's `token`
///   (or `access_token`) is cached per scope until shortly before `expires_in` (default 60 s,
///   counted from `issued_at` when that is in the past) runs out. Answers are bounded
///   (``maxTokenResponseBytes``) and each request gets `requestTimeout`.
/// - Basic: once the registry asks for it, `Basic base64(user:password)` for every request; the
///   same credentials refused again are reported at once.
///
/// Credentials are looked up once per repository (auth-file keys may name repositories) on the
/// first challenge and kept. Credentials are sent to a plain-`http` token service only when it is
/// on the registry's own host or on the loopback interface. No token, password or identity token
/// ever appears in an error message. Thread-safe: the state sits behind a `Mutex`.
final class RegistryAuthenticator: Sendable {
    /// The largest token-service answer read.
    static let maxTokenResponseBytes = 1 << 20
    /// The lifetime of a token whose answer has no usable `expires_in`.
    static let defaultTokenLifetime: Duration = .seconds(60)
    /// The most scopes whose tokens are kept at once.
    static let maxCachedTokens = 256
    /// The OAuth2 `client_id` sent with identity-token requests.
    static let clientID = "custody"

    /// The registry host as in image references.
    let registry: String
    /// Where credentials come from.
    let source: CredentialSource
    /// How ``source`` is searched (environment, helper search path).
    let lookup: RegistryCredentialLookup
    private let client: HTTPClient
    private let requestTimeout: Duration
    private let onRequest: @Sendable () -> Void
    private let state = Mutex(State())

    private struct State {
        /// Bearer header values by the scope they were fetched for.
        var tokens: [String: CachedToken] = [:]
        /// The registry asked for Basic authentication.
        var usesBasic = false
        /// Credentials by repository ("" for the registry as a whole); nil inside: none exist.
        var credentials: [String: RegistryCredentials?] = [:]
    }

    private struct CachedToken {
        var header: String
        var refreshAt: ContinuousClock.Instant
    }

    /// - Parameters:
    ///   - registry: the registry host as in image references (`docker.io`, `127.0.0.1:5000`).
    ///   - credentials: where credentials come from.
    ///   - client: the HTTP client (with the registry's TLS settings) used for token requests.
    ///   - requestTimeout: the budget of one token request.
    ///   - onRequest: called once for every HTTP request the authenticator sends (request counting).
    convenience init(registry: String, credentials: CredentialSource, client: HTTPClient, requestTimeout: Duration, onRequest: @escaping @Sendable () -> Void) {
        self.init(
            registry: registry, credentials: credentials, lookup: RegistryCredentialLookup(), client: client,
            requestTimeout: requestTimeout, onRequest: onRequest)
    }

    /// As the other initializer, with the credential lookup given (tests inject the environment
    /// and the helper search path).
    init(
        registry: String, credentials: CredentialSource, lookup: RegistryCredentialLookup, client: HTTPClient,
        requestTimeout: Duration, onRequest: @escaping @Sendable () -> Void
    ) {
        self.registry = registry
        self.source = credentials
        self.lookup = lookup
        self.client = client
        self.requestTimeout = requestTimeout
        self.onRequest = onRequest
    }

    /// The header value to send with a request for `scope` (`repository:NAME:pull` or
    /// `repository:NAME:pull,push`, or "" for the `/v2/` ping), when one is already known (a cached
    /// unexpired token, or basic credentials once the registry asked for basic auth); nil otherwise.
    func cachedAuthorization(scope: String) -> String? {
        let now = ContinuousClock.now
        let key = Self.repository(in: scope) ?? ""
        return state.withLock { state in
            if let token = state.tokens[scope] {
                if token.refreshAt > now { return token.header }
                state.tokens[scope] = nil
            }
            if state.usesBasic, case .some(.some(let credentials)) = state.credentials[key], credentials.hasBasicCredentials {
                return Self.basicHeader(credentials)
            }
            return nil
        }
    }

    /// Answers a 401: parses `challenge` (the `WWW-Authenticate` header value), fetches a token for
    /// `scope` (or prepares basic credentials), caches it, and returns the header value.
    /// - Throws: ``RegistryError`` (`.unauthorized`) when the challenge cannot be met;
    ///   `.credentialFile` or `.credentialHelper` when finding credentials fails; `.tokenService`,
    ///   `.network`, `.timeout` or `.tooLarge` when the token request fails.
    func authorize(challenge: String, scope: String) async throws -> String {
        let challenges: [AuthenticationChallenge]
        do {
            challenges = try AuthenticationChallenge.parse(challenge)
        } catch {
            throw RegistryError(code: .unauthorized, reason: "registry \(registry) sent an unusable WWW-Authenticate header: \(error)")
        }
        if let bearerChallenge = challenges.first(where: { $0.scheme == "bearer" }) {
            let bearer: AuthenticationChallenge.Bearer
            do {
                bearer = try bearerChallenge.bearer()
            } catch {
                throw RegistryError(code: .unauthorized, reason: "registry \(registry) sent an unusable Bearer challenge: \(error)")
            }
            return try await authorizeBearer(bearer, scope: scope)
        }
        if challenges.contains(where: { $0.scheme == "basic" }) {
            return try await authorizeBasic(scope: scope)
        }
        let schemes = challenges.map(\.scheme).joined(separator: ", ")
        throw RegistryError(
            code: .unauthorized,
            reason: "registry \(registry) asks for authentication by \(schemes), which Custody does not support (only Bearer and Basic)")
    }

    /// The error for a request that the registry still refuses (401 or 403) after
    /// ``authorize(challenge:scope:)``: it says whether credentials were sent, where they came
    /// from, and how to provide others.
    func accessDeniedError(scope: String) -> RegistryError {
        let key = Self.repository(in: scope) ?? ""
        let known = state.withLock { $0.credentials[key] }
        let what = scope.isEmpty ? "registry \(registry)" : "\(Self.describe(scope: scope)) on registry \(registry)"
        if case .some(.some(let credentials)) = known {
            return RegistryError(
                code: .unauthorized,
                reason: "\(what) refused access with the credentials of \(credentials): they are wrong or lack permission")
        }
        return RegistryError(code: .unauthorized, reason: "\(what) refused anonymous access; \(howToProvide())")
    }

    // MARK: - Bearer

    private func authorizeBearer(_ challenge: AuthenticationChallenge.Bearer, scope: String) async throws -> String {
        let scopes = Self.mergeScopes(scope.split(separator: " ").map(String.init) + challenge.scopes)
        let credentials = try await credentials(forScope: scope)
        if credentials != nil && !Self.mayCarryCredentials(realm: challenge.realm, registry: registry) {
            throw RegistryError(
                code: .unauthorized,
                reason: "registry \(registry) names the token service \(challenge.realm), which is plain HTTP on another host; "
                    + "refusing to send credentials there")
        }
        let (token, lifetime) = try await fetchToken(realm: challenge.realm, service: challenge.service, scopes: scopes, credentials: credentials)
        let header = "Bearer \(token)"
        let now = ContinuousClock.now
        state.withLock { state in
            if lifetime > .zero {
                if state.tokens.count >= Self.maxCachedTokens, state.tokens[scope] == nil {
                    state.tokens = state.tokens.filter { $0.value.refreshAt > now }
                    if state.tokens.count >= Self.maxCachedTokens,
                       let oldest = state.tokens.min(by: { $0.value.refreshAt < $1.value.refreshAt })?.key {
                        state.tokens[oldest] = nil
                    }
                }
                state.tokens[scope] = CachedToken(header: header, refreshAt: now + lifetime)
            } else {
                state.tokens[scope] = nil
            }
        }
        return header
    }

    /// Asks the token service; returns the token and how long it may be cached.
    private func fetchToken(
        realm: String, service: String?, scopes: [String], credentials: RegistryCredentials?
    ) async throws -> (String, Duration) {
        var request: HTTPClientRequest
        if let identityToken = credentials?.identityToken {
            var form: [(String, String)] = [("grant_type", "refresh_token"), ("refresh_token", identityToken)]
            if let service { form.append(("service", service)) }
            form += scopes.map { ("scope", $0) }
            form.append(("client_id", Self.clientID))
            request = HTTPClientRequest(url: realm)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: Self.formEncode(form)))
        } else {
            var query: [(String, String)] = []
            if let service { query.append(("service", service)) }
            query += scopes.map { ("scope", $0) }
            let url = query.isEmpty ? realm : realm + (realm.contains("?") ? "&" : "?") + Self.formEncode(query)
            request = HTTPClientRequest(url: url)
            request.method = .GET
            if let credentials, credentials.hasBasicCredentials {
                request.headers.add(name: "Authorization", value: Self.basicHeader(credentials))
            }
        }
        request.headers.add(name: "Accept", value: "application/json")

        let (status, body) = try await send(request, realm: realm)
        switch status {
        case 200:
            break
        case 401, 403:
            if let credentials {
                throw RegistryError(
                    code: .unauthorized,
                    reason: "the token service \(realm) of registry \(registry) rejected the credentials of \(credentials) (HTTP \(status))")
            }
            throw RegistryError(
                code: .unauthorized,
                reason: "the token service \(realm) of registry \(registry) refused anonymous access (HTTP \(status)); \(howToProvide())")
        default:
            throw RegistryError(
                code: .tokenService, reason: "the token service \(realm) of registry \(registry) answered HTTP \(status)")
        }
        return try Self.parseTokenResponse(body, realm: realm, now: Date())
    }

    /// Reads the token answer: `token` (else `access_token`), `expires_in`, `issued_at`.
    static func parseTokenResponse(_ body: [UInt8], realm: String, now: Date) throws(RegistryError) -> (String, Duration) {
        func fail(_ what: String) -> RegistryError {
            RegistryError(code: .tokenService, reason: "the token service \(realm) answered \(what)")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body), options: [])) as? [String: Any] else {
            throw fail("with something other than a JSON object")
        }
        let token: String
        if let value = object["token"] as? String, !value.isEmpty {
            token = value
        } else if let value = object["access_token"] as? String, !value.isEmpty {
            token = value
        } else {
            throw fail("without a \"token\" or \"access_token\"")
        }
        // The header is built from the token: only visible ASCII may go into it.
        guard token.utf8.count <= maxTokenResponseBytes, token.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw fail("with a token that holds characters not allowed in an HTTP header")
        }
        let expiresIn = (object["expires_in"] as? Int) ?? (object["expires_in"] as? Double).map { Int($0) }
        let issuedAt = (object["issued_at"] as? String).flatMap(parseTimestamp)
        return (token, cacheLifetime(expiresIn: expiresIn, issuedAt: issuedAt, now: now))
    }

    /// How long a token may be cached: its lifetime (`expires_in`, default 60 s), less the time
    /// since `issued_at` when that lies in the past, less a margin (a tenth of the lifetime, at
    /// most 10 s) so that it is never sent just as it expires. Zero or less: do not cache.
    static func cacheLifetime(expiresIn: Int?, issuedAt: Date?, now: Date) -> Duration {
        let lifetime: Duration = if let expiresIn, expiresIn > 0 { .seconds(min(expiresIn, 366 * 86_400)) } else { defaultTokenLifetime }
        var remaining = lifetime
        if let issuedAt {
            let age = now.timeIntervalSince(issuedAt)
            if age > 0 { remaining -= .milliseconds(Int64(min(age, 366 * 86_400) * 1000)) }
        }
        return remaining - min(.seconds(10), lifetime / 10)
    }

    /// RFC 3339 time stamps, with or without fractional seconds.
    private static func parseTimestamp(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    // MARK: - Basic

    private func authorizeBasic(scope: String) async throws -> String {
        let key = Self.repository(in: scope) ?? ""
        let (alreadyBasic, known) = state.withLock { ($0.usesBasic, $0.credentials[key]) }
        if alreadyBasic, case .some(.some(let credentials)) = known, credentials.hasBasicCredentials {
            // ``cachedAuthorization(scope:)`` already sent these: the registry refused them.
            throw RegistryError(
                code: .unauthorized, reason: "registry \(registry) rejected the credentials of \(credentials) (Basic authentication)")
        }
        let credentials = try await credentials(forScope: scope)
        state.withLock { $0.usesBasic = true }
        guard let credentials else {
            throw RegistryError(
                code: .unauthorized,
                reason: "registry \(registry) requires Basic authentication and \(noCredentialsFound()); \(howToProvide())")
        }
        guard credentials.hasBasicCredentials else {
            throw RegistryError(
                code: .unauthorized,
                reason: "registry \(registry) requires Basic authentication, but \(credentials.origin) holds only an identity token")
        }
        return Self.basicHeader(credentials)
    }

    // MARK: - Credentials

    /// The credentials for the repository the scope names, looked up once and kept.
    private func credentials(forScope scope: String) async throws -> RegistryCredentials? {
        let repository = Self.repository(in: scope)
        let key = repository ?? ""
        if case .some(let known) = state.withLock({ $0.credentials[key] }) { return known }
        let found = try await lookup.credentials(for: source, registry: registry, repository: repository)
        state.withLock { $0.credentials[key] = .some(found) }
        return found
    }

    /// Scopes with the actions of each resource merged, in first-seen order: the caller's
    /// `repository:a:pull,push` and the registry's `repository:a:push,pull` become one scope.
    static func mergeScopes(_ scopes: [String]) -> [String] {
        var resources: [String] = []
        var actions: [String: [String]] = [:]
        for scope in scopes where !scope.isEmpty {
            guard let colon = scope.lastIndex(of: ":"), scope[..<colon].contains(":") else {
                // Not `type:name:actions`: kept as it is.
                if actions[scope] == nil { resources.append(scope) }
                actions[scope, default: []] = []
                continue
            }
            let resource = String(scope[..<colon])
            if actions[resource] == nil { resources.append(resource) }
            for action in scope[scope.index(after: colon)...].split(separator: ",").map(String.init)
            where !(actions[resource] ?? []).contains(action) {
                actions[resource, default: []].append(action)
            }
        }
        return resources.map { resource in
            let merged = actions[resource] ?? []
            return merged.isEmpty ? resource : "\(resource):\(merged.joined(separator: ","))"
        }
    }

    /// The repository of the first `repository:NAME:ACTIONS` scope.
    static func repository(in scope: String) -> String? {
        guard let first = scope.split(separator: " ").first, first.hasPrefix("repository:") else { return nil }
        let rest = first.dropFirst("repository:".count)
        guard let colon = rest.lastIndex(of: ":") else { return nil }
        let name = rest[..<colon]
        return name.isEmpty ? nil : String(name)
    }

    private static func describe(scope: String) -> String {
        let names = scope.split(separator: " ").map { item -> String in
            let parts = item.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count >= 3, parts[0] == "repository" else { return String(item) }
            return "repository \(parts[1..<(parts.count - 1)].joined(separator: ":")) (\(parts[parts.count - 1]))"
        }
        return names.joined(separator: " and ")
    }

    private func noCredentialsFound() -> String {
        switch source {
        case .anonymous:
            return "anonymous access was requested"
        case .basic:
            return "no credentials were given"
        case .authFile, .standard:
            let files = lookup.authFiles(for: source).map(\.path).joined(separator: ", ")
            return "no credentials for it were found (looked in \(files))"
        }
    }

    private func howToProvide() -> String {
        "provide credentials with --creds USER:PASSWORD, --authfile FILE, or an entry for \"\(registry)\" in "
            + "auth.json (skopeo login and podman login write one) or docker's config.json"
    }

    static func basicHeader(_ credentials: RegistryCredentials) -> String {
        "Basic " + Data("\(credentials.username):\(credentials.password)".utf8).base64EncodedString()
    }

    /// Credentials go to `https` token services, and to plain-`http` ones only on the registry's
    /// own host or on the loopback interface.
    static func mayCarryCredentials(realm: String, registry: String) -> Bool {
        let lowercased = realm.lowercased()
        if lowercased.hasPrefix("https://") { return true }
        guard lowercased.hasPrefix("http://") else { return false }
        let realmHost = host(ofAuthority: lowercased.dropFirst(7).prefix { $0 != "/" && $0 != "?" })
        let registryHost = host(ofAuthority: Substring(registry.lowercased()))
        if realmHost == registryHost { return true }
        return realmHost == "localhost" || realmHost == "::1" || realmHost.hasPrefix("127.")
    }

    /// `host` of `host:port`, `[v6]:port`, `host`.
    private static func host(ofAuthority authority: Substring) -> String {
        if authority.hasPrefix("[") {
            return String(authority.dropFirst().prefix { $0 != "]" })
        }
        return String(authority.prefix { $0 != ":" })
    }

    /// `application/x-www-form-urlencoded`, with every byte outside RFC 3986's unreserved set
    /// percent-encoded (also valid as a URL query).
    static func formEncode(_ items: [(String, String)]) -> String {
        items.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
    }

    private static func percentEncode(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                encoded += byte < 0x10 ? "%0\(hex)" : "%\(hex)"
            }
        }
        return encoded
    }

    // MARK: - HTTP

    /// Sends one token request within ``requestTimeout``; the status and the body (at most
    /// ``maxTokenResponseBytes``).
    private func send(_ request: HTTPClientRequest, realm: String) async throws -> (Int, [UInt8]) {
        let deadline = NIODeadline.now() + TimeAmount(requestTimeout)
        onRequest()
        do {
            let response = try await client.execute(request, deadline: deadline)
            if let declared = response.headers.first(name: "Content-Length").flatMap({ Int($0) }), declared > Self.maxTokenResponseBytes {
                throw tooLarge(realm: realm)
            }
            var body: [UInt8] = []
            for try await buffer in response.body {
                guard buffer.readableBytes <= Self.maxTokenResponseBytes - body.count else { throw tooLarge(realm: realm) }
                body.append(contentsOf: buffer.readableBytesView)
                guard NIODeadline.now() <= deadline else {
                    throw RegistryError(code: .timeout, reason: "token request to \(realm): no complete answer within \(requestTimeout)")
                }
            }
            try Task.checkCancellation()
            return (Int(response.status.code), body)
        } catch let error as RegistryError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .tlsHandshakeTimeout:
                throw RegistryError(code: .timeout, reason: "token request to \(realm): \(error)")
            case .cancelled:
                throw CancellationError()
            default:
                throw RegistryError(code: .network, reason: "token request to \(realm): \(error)")
            }
        } catch {
            throw RegistryError(code: .network, reason: "token request to \(realm): \(error)")
        }
    }

    private func tooLarge(realm: String) -> RegistryError {
        RegistryError(
            code: .tooLarge, reason: "token request to \(realm): the answer is larger than the limit of \(Self.maxTokenResponseBytes) bytes")
    }
}
