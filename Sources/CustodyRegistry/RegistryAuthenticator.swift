import AsyncHTTPClient

// CONTRACT FILE (temporary bodies): the authentication helper replaces the bodies below, keeping
// these internal signatures (adding more is fine). The registry-client helper calls them.

/// Produces `Authorization` header values for one registry: bearer tokens from the token service
/// named in a `WWW-Authenticate` challenge, or basic credentials, from ``CredentialSource``.
final class RegistryAuthenticator: Sendable {
    /// - Parameters:
    ///   - registry: the registry host as in image references (`docker.io`, `127.0.0.1:5000`).
    ///   - credentials: where credentials come from.
    ///   - client: the HTTP client (with the registry's TLS settings) used for token requests.
    ///   - requestTimeout: the budget of one token request.
    ///   - onRequest: called once for every HTTP request the authenticator sends (request counting).
    init(registry: String, credentials: CredentialSource, client: HTTPClient, requestTimeout: Duration, onRequest: @escaping @Sendable () -> Void) {}

    /// The header value to send with a request for `scope` (`repository:NAME:pull` or
    /// `repository:NAME:pull,push`, or "" for the `/v2/` ping), when one is already known (a cached
    /// unexpired token, or basic credentials once the registry asked for basic auth); nil otherwise.
    func cachedAuthorization(scope: String) -> String? { nil }

    /// Answers a 401: parses `challenge` (the `WWW-Authenticate` header value), fetches a token for
    /// `scope` (or prepares basic credentials), caches it, and returns the header value.
    /// - Throws: ``RegistryError`` (`.unauthorized`) when the challenge cannot be met.
    func authorize(challenge: String, scope: String) async throws -> String {
        throw RegistryError(code: .network, reason: "unimplemented")
    }
}
