import AsyncHTTPClient
import CustodyOCI
import CustodyTestSupport
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import Testing
@testable import CustodyRegistry

/// Counts the requests an authenticator sends.
private final class Counter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

/// Plain HTTP against a test registry, with an optional `Authorization` header.
private enum Registry {
    static let indexMediaType = "application/vnd.oci.image.index.v1+json"

    struct Answer {
        var status: Int
        var challenge: String?
    }

    static func send(_ method: HTTPMethod, _ url: String, authorization: String?) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: indexMediaType)
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Answer(status: Int(response.status.code), challenge: response.headers.first(name: "WWW-Authenticate"))
    }

    /// Pushes Samples/hello (both platforms) with skopeo, as `user:password`.
    static func pushHello(to registry: RegistryServer, credentials: String, repository: String = "custody/hello", tag: String = "v1") throws {
        let result = try runProcess("skopeo", [
            "copy", "--all", "--dest-tls-verify=false", "--dest-creds", credentials,
            "oci:\(Fixtures.repositoryRoot)/Samples/hello:latest", "docker://\(registry.host)/\(repository):\(tag)",
        ])
        try #require(result.status == 0, "skopeo copy: \(result)")
    }
}

/// An authenticator for `registry` whose credential lookup sees only `home`.
private func authenticator(
    _ registry: RegistryServer, _ source: CredentialSource, home: CredentialHome, counter: Counter = Counter()
) -> RegistryAuthenticator {
    RegistryAuthenticator(
        registry: registry.host, credentials: source, lookup: home.lookup(), client: HTTPClient.shared,
        requestTimeout: .seconds(60), onRequest: { counter.increment() })
}

/// An authenticator that never reaches a network (its challenges are answered without requests).
private func offlineAuthenticator(_ source: CredentialSource, registry: String = "registry.example", counter: Counter = Counter()) -> RegistryAuthenticator {
    RegistryAuthenticator(
        registry: registry, credentials: source, lookup: RegistryCredentialLookup(environment: [:], helperSearchPath: "/nonexistent"),
        client: HTTPClient.shared, requestTimeout: .seconds(5), onRequest: { counter.increment() })
}

@Suite("RegistryAuthenticationTests")
struct RegistryAuthenticationTests {
    // MARK: - Pieces

    @Test("how long tokens are cached")
    func cacheLifetime() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(RegistryAuthenticator.cacheLifetime(expiresIn: nil, issuedAt: nil, now: now) == .seconds(54))
        #expect(RegistryAuthenticator.cacheLifetime(expiresIn: 0, issuedAt: nil, now: now) == .seconds(54))
        #expect(RegistryAuthenticator.cacheLifetime(expiresIn: -5, issuedAt: nil, now: now) == .seconds(54))
        #expect(RegistryAuthenticator.cacheLifetime(expiresIn: 300, issuedAt: nil, now: now) == .seconds(290))
        #expect(RegistryAuthenticator.cacheLifetime(expiresIn: 300, issuedAt: now.addingTimeInterval(-100), now: now) == .seconds(190))
        // A token service whose clock is ahead does not lengthen the lifetime.
        #expect(RegistryAuthenticator.cacheLifetime(expiresIn: 300, issuedAt: now.addingTimeInterval(30), now: now) == .seconds(290))
        #expect(RegistryAuthenticator.cacheLifetime(expiresIn: 300, issuedAt: now.addingTimeInterval(-400), now: now) <= .zero)
        #expect(RegistryAuthenticator.cacheLifetime(expiresIn: 1, issuedAt: nil, now: now) == .milliseconds(900))
    }

    @Test("token answers")
    func tokenAnswers() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        func parse(_ json: String) throws(RegistryError) -> (String, Duration) {
            try RegistryAuthenticator.parseTokenResponse(Array(json.utf8), realm: "https://auth.example/token", now: now)
        }
        #expect(try parse(#"{"token": "abc", "expires_in": 300}"#) == ("abc", .seconds(290)))
        #expect(try parse(#"{"access_token": "xyz"}"#) == ("xyz", .seconds(54)))
        #expect(try parse(#"{"token": "", "access_token": "xyz", "expires_in": 120.0}"#) == ("xyz", .seconds(110)))
        #expect(try parse(#"{"token": "t", "expires_in": 300, "issued_at": "2027-01-15T07:59:00Z"}"#).1 == .seconds(230))
        #expect(try parse(#"{"token": "t", "expires_in": 300, "issued_at": "2027-01-15T07:59:00.123456Z"}"#).1 < .seconds(231))
        #expect(try parse(#"{"token": "t", "issued_at": "yesterday"}"#).1 == .seconds(54))

        let cases: [(String, String)] = [
            ("[]", "with something other than a JSON object"),
            ("not json", "with something other than a JSON object"),
            (#"{"expires_in": 60}"#, #"without a "token" or "access_token""#),
            (#"{"token": 5}"#, #"without a "token" or "access_token""#),
            (#"{"token": "secret\r\nX-Injected: 1"}"#, "with a token that holds characters not allowed in an HTTP header"),
            (#"{"token": "secret with space"}"#, "with a token that holds characters not allowed in an HTTP header"),
        ]
        for (json, problem) in cases {
            let error = #expect(throws: RegistryError(code: .tokenService)) { try parse(json) }
            #expect(error?.reason == "the token service https://auth.example/token answered \(problem)")
            #expect(error?.reason.contains("secret") != true)
        }
    }

    @Test("query and form encoding")
    func formEncoding() {
        let encoded = RegistryAuthenticator.formEncode([
            ("scope", "repository:team/app:pull,push"), ("service", "registry example"), ("x", "ü&=+"),
        ])
        #expect(encoded == "scope=repository%3Ateam%2Fapp%3Apull%2Cpush&service=registry%20example&x=%C3%BC%26%3D%2B")
    }

    @Test("scopes are merged per resource")
    func scopeMerging() {
        #expect(RegistryAuthenticator.mergeScopes(["repository:a:pull,push", "repository:a:push,pull"]) == ["repository:a:pull,push"])
        #expect(RegistryAuthenticator.mergeScopes(["repository:a:pull", "repository:b:pull", "repository:a:push"])
            == ["repository:a:pull,push", "repository:b:pull"])
        #expect(RegistryAuthenticator.mergeScopes(["repository:127.0.0.1:5000/x:pull"]) == ["repository:127.0.0.1:5000/x:pull"])
        #expect(RegistryAuthenticator.mergeScopes(["registry:catalog:*", "", "odd", "odd"]) == ["registry:catalog:*", "odd"])
        #expect(RegistryAuthenticator.mergeScopes([]).isEmpty)
    }

    @Test("the repository a scope is about")
    func scopeRepository() {
        #expect(RegistryAuthenticator.repository(in: "repository:team/app:pull") == "team/app")
        #expect(RegistryAuthenticator.repository(in: "repository:a:pull,push repository:b:pull") == "a")
        #expect(RegistryAuthenticator.repository(in: "") == nil)
        #expect(RegistryAuthenticator.repository(in: "registry:catalog:*") == nil)
        #expect(RegistryAuthenticator.repository(in: "repository::pull") == nil)
    }

    @Test("where credentials may go over plain HTTP")
    func plainHTTPRealms() {
        #expect(RegistryAuthenticator.mayCarryCredentials(realm: "https://auth.example/token", registry: "registry.example"))
        #expect(RegistryAuthenticator.mayCarryCredentials(realm: "http://registry.example:5001/token", registry: "registry.example:5000"))
        #expect(RegistryAuthenticator.mayCarryCredentials(realm: "http://127.0.0.1:5001/token", registry: "registry.example"))
        #expect(RegistryAuthenticator.mayCarryCredentials(realm: "http://localhost/token", registry: "registry.example"))
        #expect(RegistryAuthenticator.mayCarryCredentials(realm: "http://[::1]:80/token", registry: "registry.example"))
        #expect(!RegistryAuthenticator.mayCarryCredentials(realm: "http://auth.example/token", registry: "registry.example"))
        #expect(!RegistryAuthenticator.mayCarryCredentials(realm: "http://registry.example.evil/token", registry: "registry.example"))
    }

    // MARK: - Challenges answered without a network

    @Test("Basic with explicit credentials; the same credentials refused again are reported")
    func basicOffline() async throws {
        let auth = offlineAuthenticator(.basic(username: "bob", password: "bob-password"))
        let scope = "repository:team/app:pull"
        #expect(auth.cachedAuthorization(scope: scope) == nil)
        let header = try await auth.authorize(challenge: #"Basic realm="custody-test-realm""#, scope: scope)
        #expect(header == "Basic " + Data("bob:bob-password".utf8).base64EncodedString())
        #expect(auth.cachedAuthorization(scope: scope) == header)
        #expect(auth.cachedAuthorization(scope: "repository:team/app:pull,push") == header)

        let error = await #expect(throws: RegistryError(code: .unauthorized)) {
            try await auth.authorize(challenge: #"Basic realm="custody-test-realm""#, scope: scope)
        }
        #expect(error?.reason == #"registry registry.example rejected the credentials of user "bob" from --creds (Basic authentication)"#)
        #expect(error?.reason.contains("bob-password") != true)
    }

    @Test("Basic without credentials says how to provide them")
    func basicWithoutCredentials() async throws {
        let error = await #expect(throws: RegistryError(code: .unauthorized)) {
            try await offlineAuthenticator(.anonymous).authorize(challenge: #"Basic realm="r""#, scope: "repository:a:pull")
        }
        let reason = try #require(error?.reason)
        #expect(reason.hasPrefix("registry registry.example requires Basic authentication and anonymous access was requested; provide credentials with --creds USER:PASSWORD, --authfile FILE"))
        #expect(reason.contains("auth.json"))
    }

    @Test("Basic with only an identity token cannot be answered")
    func basicWithIdentityTokenOnly() async throws {
        let home = try CredentialHome()
        defer { home.directory.remove() }
        let path = try home.write(#"{"auths": {"registry.example": {"identitytoken": "refresh-1"}}}"#, "auth.json")
        let auth = RegistryAuthenticator(
            registry: "registry.example", credentials: .authFile(path), lookup: home.lookup(), client: HTTPClient.shared,
            requestTimeout: .seconds(5), onRequest: {})
        let error = await #expect(throws: RegistryError(code: .unauthorized)) {
            try await auth.authorize(challenge: #"Basic realm="r""#, scope: "")
        }
        #expect(error?.reason == "registry registry.example requires Basic authentication, but auth file \(path) (key \"registry.example\") holds only an identity token")
    }

    @Test("unusable challenges are .unauthorized errors and send nothing")
    func unusableChallenges() async throws {
        let counter = Counter()
        let auth = offlineAuthenticator(.basic(username: "u", password: "p"), counter: counter)
        let cases: [(String, String)] = [
            ("Negotiate abc==, NTLM", "registry registry.example asks for authentication by negotiate, ntlm, which Custody does not support (only Bearer and Basic)"),
            (#"Bearer realm="https://x"#, "registry registry.example sent an unusable WWW-Authenticate header: the quoted string at byte 13 of the WWW-Authenticate header is not terminated"),
            (#"Bearer service="s""#, #"registry registry.example sent an unusable Bearer challenge: the Bearer challenge has no "realm" parameter"#),
            (#"Bearer realm="file:///etc/passwd""#, #"registry registry.example sent an unusable Bearer challenge: the Bearer realm "file:///etc/passwd" is not an http:// or https:// URL"#),
            ("", "registry registry.example sent an unusable WWW-Authenticate header: the WWW-Authenticate header holds no challenge"),
            (#"Bearer realm="http://auth.example/token""#, "registry registry.example names the token service http://auth.example/token, which is plain HTTP on another host; refusing to send credentials there"),
        ]
        for (challenge, message) in cases {
            let error = await #expect(throws: RegistryError(code: .unauthorized)) {
                try await auth.authorize(challenge: challenge, scope: "repository:a:pull")
            }
            #expect(error?.reason == message)
        }
        #expect(counter.value == 0)
    }

    @Test("a token service that cannot be reached is a network error naming it")
    func unreachableTokenService() async throws {
        let port = try RegistryServer.freePort()
        let counter = Counter()
        let auth = offlineAuthenticator(.anonymous, counter: counter)
        let error = await #expect(throws: RegistryError(code: .network)) {
            try await auth.authorize(challenge: #"Bearer realm="http://127.0.0.1:\#(port)/token",service="s""#, scope: "")
        }
        #expect(error?.reason.hasPrefix("token request to http://127.0.0.1:\(port)/token: ") == true)
        #expect(counter.value == 1)
    }

    // MARK: - Against Distribution with token auth

    @Suite("RegistryAuthenticationTests.TokenAuth", .serialized, .enabled(if: PeerTool.availableOrCI("docker-registry", "skopeo", "python3")))
    struct TokenAuth {
        static let users = ["alice": "alice-password", "helperuser": "helper-secret"]

        @Test("credentials from an auth.json: pull, ping and push scopes; the token is cached")
        func pullWithAuthFile() async throws {
            let registry = try RegistryServer(authentication: .token(users: Self.users))
            defer { registry.stop() }
            let service = try #require(registry.tokenService)
            try Registry.pushHello(to: registry, credentials: "alice:alice-password")
            let home = try CredentialHome()
            defer { home.directory.remove() }
            let authFile = try home.write(CredentialHome.authJSON([(registry.host, "alice", "alice-password")]), "auth.json")
            let counter = Counter()
            let auth = authenticator(registry, .authFile(authFile), home: home, counter: counter)
            let tokensBefore = service.issuedTokens.count

            let scope = "repository:custody/hello:pull"
            let manifest = "http://\(registry.host)/v2/custody/hello/manifests/v1"
            #expect(auth.cachedAuthorization(scope: scope) == nil)
            let refused = try await Registry.send(.GET, manifest, authorization: nil)
            #expect(refused.status == 401)
            let challenge = try #require(refused.challenge)
            #expect(challenge.hasPrefix("Bearer realm=\"\(service.realm)\""))

            let header = try await auth.authorize(challenge: challenge, scope: scope)
            #expect(header.hasPrefix("Bearer ey"))
            #expect(try await Registry.send(.GET, manifest, authorization: header).status == 200)
            // Cached: the next requests reuse the token without asking the token service again.
            #expect(auth.cachedAuthorization(scope: scope) == header)
            let again = try #require(auth.cachedAuthorization(scope: scope))
            #expect(try await Registry.send(.GET, manifest, authorization: again).status == 200)
            #expect(try await Registry.send(.HEAD, manifest, authorization: again).status == 200)
            #expect(counter.value == 1)
            #expect(Array(service.issuedTokens.dropFirst(tokensBefore)) == ["GET user=alice scopes=repository:custody/hello:pull"])

            // The /v2/ ping: a token without scope.
            let ping = try await Registry.send(.GET, "http://\(registry.host)/v2/", authorization: nil)
            #expect(ping.status == 401)
            let pingHeader = try await auth.authorize(challenge: try #require(ping.challenge), scope: "")
            #expect(try await Registry.send(.GET, "http://\(registry.host)/v2/", authorization: pingHeader).status == 200)
            #expect(service.issuedTokens.last == "GET user=alice scopes=")

            // A push scope: starting an upload needs pull and push.
            let pushScope = "repository:custody/pushed:pull,push"
            let uploads = "http://\(registry.host)/v2/custody/pushed/blobs/uploads/"
            let start = try await Registry.send(.POST, uploads, authorization: auth.cachedAuthorization(scope: pushScope))
            #expect(start.status == 401)
            let pushHeader = try await auth.authorize(challenge: try #require(start.challenge), scope: pushScope)
            #expect(try await Registry.send(.POST, uploads, authorization: pushHeader).status == 202)
            #expect(service.issuedTokens.last == "GET user=alice scopes=repository:custody/pushed:pull,push")
            #expect(counter.value == 3)
        }

        @Test("a wrong password is an .unauthorized error that names the registry and the credentials' origin")
        func wrongPassword() async throws {
            let registry = try RegistryServer(authentication: .token(users: Self.users))
            defer { registry.stop() }
            let home = try CredentialHome()
            defer { home.directory.remove() }
            try home.write(CredentialHome.authJSON([(registry.host, "alice", "wrong-password")]), "home/.docker/config.json")
            let auth = authenticator(registry, .standard, home: home)
            let refused = try await Registry.send(.GET, "http://\(registry.host)/v2/custody/hello/manifests/v1", authorization: nil)
            let error = await #expect(throws: RegistryError(code: .unauthorized)) {
                try await auth.authorize(challenge: try #require(refused.challenge), scope: "repository:custody/hello:pull")
            }
            let service = try #require(registry.tokenService)
            #expect(error?.reason == """
                the token service \(service.realm) of registry \(registry.host) rejected the credentials of user "alice" \
                from auth file \(home.home)/.docker/config.json (key "\(registry.host)") (HTTP 401)
                """)
            #expect(error?.reason.contains("wrong-password") != true)
            #expect(auth.cachedAuthorization(scope: "repository:custody/hello:pull") == nil)
        }

        @Test("anonymous access gets a token that grants nothing; the refusal says how to log in")
        func anonymous() async throws {
            let registry = try RegistryServer(authentication: .token(users: Self.users))
            defer { registry.stop() }
            try Registry.pushHello(to: registry, credentials: "alice:alice-password")
            let home = try CredentialHome()
            defer { home.directory.remove() }
            // .standard with an empty home finds nothing, like .anonymous.
            for source in [CredentialSource.anonymous, .standard] {
                let auth = authenticator(registry, source, home: home)
                let scope = "repository:custody/hello:pull"
                let manifest = "http://\(registry.host)/v2/custody/hello/manifests/v1"
                let refused = try await Registry.send(.GET, manifest, authorization: nil)
                let header = try await auth.authorize(challenge: try #require(refused.challenge), scope: scope)
                let stillRefused = try await Registry.send(.GET, manifest, authorization: header)
                #expect(stillRefused.status == 401)
                #expect(stillRefused.challenge?.contains(#"error="insufficient_scope""#) == true)
                let error = auth.accessDeniedError(scope: scope)
                #expect(error.code == .unauthorized)
                #expect(error.reason.hasPrefix(
                    "repository custody/hello (pull) on registry \(registry.host) refused anonymous access; provide credentials with --creds USER:PASSWORD, --authfile FILE"))
            }
            #expect(try #require(registry.tokenService).issuedTokens.suffix(2) == [
                "GET user=- scopes=repository:custody/hello:pull", "GET user=- scopes=repository:custody/hello:pull",
            ])
        }

        @Test("an identity token is exchanged with an OAuth2 refresh-token POST")
        func identityToken() async throws {
            let registry = try RegistryServer(authentication: .token(users: Self.users, refreshTokens: ["refresh-alice": "alice"]))
            defer { registry.stop() }
            try Registry.pushHello(to: registry, credentials: "alice:alice-password")
            let home = try CredentialHome()
            defer { home.directory.remove() }
            try home.write(#"{"auths": {"\#(registry.host)": {"identitytoken": "refresh-alice"}}}"#, "run/containers/auth.json")
            let auth = authenticator(registry, .standard, home: home)
            let scope = "repository:custody/hello:pull"
            let manifest = "http://\(registry.host)/v2/custody/hello/manifests/v1"
            let refused = try await Registry.send(.GET, manifest, authorization: nil)
            let header = try await auth.authorize(challenge: try #require(refused.challenge), scope: scope)
            #expect(try await Registry.send(.GET, manifest, authorization: header).status == 200)
            #expect(try #require(registry.tokenService).issuedTokens.last == "POST user=alice scopes=repository:custody/hello:pull")

            // A refresh token the service does not know is rejected.
            try home.write(#"{"auths": {"\#(registry.host)": {"identitytoken": "refresh-unknown"}}}"#, "run/containers/auth.json")
            let stale = authenticator(registry, .standard, home: home)
            let error = await #expect(throws: RegistryError(code: .unauthorized)) {
                try await stale.authorize(challenge: try #require(refused.challenge), scope: scope)
            }
            #expect(error?.reason.contains("rejected the credentials of an identity token from auth file") == true)
            #expect(error?.reason.contains("refresh-unknown") != true)
        }

        @Test("credentials from a credential helper, end to end")
        func credentialHelper() async throws {
            let registry = try RegistryServer(authentication: .token(users: Self.users))
            defer { registry.stop() }
            try Registry.pushHello(to: registry, credentials: "alice:alice-password")
            let home = try CredentialHome()
            defer { home.directory.remove() }
            try home.installHelper()
            try home.write(#"{"credHelpers": {"\#(registry.host)": "custodytest"}}"#, "home/.docker/config.json")
            let auth = authenticator(registry, .standard, home: home)
            let scope = "repository:custody/hello:pull"
            let manifest = "http://\(registry.host)/v2/custody/hello/manifests/v1"
            let refused = try await Registry.send(.GET, manifest, authorization: nil)
            let header = try await auth.authorize(challenge: try #require(refused.challenge), scope: scope)
            #expect(try await Registry.send(.GET, manifest, authorization: header).status == 200)
            #expect(home.helperCalls == [registry.host])
            #expect(try #require(registry.tokenService).issuedTokens.last == "GET user=helperuser scopes=repository:custody/hello:pull")

            // Credentials are looked up once per repository.
            _ = try await auth.authorize(challenge: try #require(refused.challenge), scope: scope)
            #expect(home.helperCalls == [registry.host])
        }

        @Test("a token is not reused once it is about to expire")
        func expiry() async throws {
            // 3 s, from an issued_at rounded down to the second, less a 0.3 s margin: cached for
            // 1.7 to 2.7 s.
            let registry = try RegistryServer(authentication: .token(users: Self.users, expiresIn: 3))
            defer { registry.stop() }
            let auth = offlineAuthenticator(.basic(username: "alice", password: "alice-password"), registry: registry.host)
            let ping = try await Registry.send(.GET, "http://\(registry.host)/v2/", authorization: nil)
            let header = try await auth.authorize(challenge: try #require(ping.challenge), scope: "")
            #expect(auth.cachedAuthorization(scope: "") == header)
            try await Task.sleep(for: .milliseconds(2800))
            #expect(auth.cachedAuthorization(scope: "") == nil)
        }
    }

    // MARK: - Through RegistryClient

    @Suite("RegistryAuthenticationTests.ThroughClient", .serialized, .enabled(if: PeerTool.availableOrCI("docker-registry", "skopeo", "python3")))
    struct ThroughClient {
        static func client(_ registry: RegistryServer, _ credentials: CredentialSource) throws -> RegistryClient {
            try RegistryClient(
                registry: registry.host,
                options: RegistryOptions(insecureHosts: [registry.host], credentials: credentials, requestTimeout: .seconds(120), maxRetries: 0))
        }

        @Test("token auth: pull, push and a cross-repository mount with an auth.json; tokens are reused")
        func tokenAuth() async throws {
            let registry = try RegistryServer(authentication: .token(users: ["alice": "alice-password"]))
            defer { registry.stop() }
            try Registry.pushHello(to: registry, credentials: "alice:alice-password")
            let service = try #require(registry.tokenService)
            let home = try CredentialHome()
            defer { home.directory.remove() }
            let authFile = try home.write(CredentialHome.authJSON([(registry.host, "alice", "alice-password")]), "auth.json")
            let client = try Self.client(registry, .authFile(authFile))
            let tokensBefore = service.issuedTokens.count

            let index = try await client.manifest(repository: "custody/hello", reference: "v1")
            #expect(index.mediaType == .ociIndex)
            let afterFirst = client.requestCount
            _ = try await client.manifest(repository: "custody/hello", reference: "v1")
            #expect(client.requestCount == afterFirst + 1, "the second fetch reuses the cached token")
            let pullTokens = service.issuedTokens.count - tokensBefore
            #expect(pullTokens >= 1)

            let bytes = Array("custody registry-auth test blob".utf8)
            let descriptor = Descriptor(mediaType: "application/octet-stream", bytes: bytes)
            try await client.uploadBlob(repository: "custody/pushed", descriptor: descriptor, bytes: bytes)
            #expect(try await client.blobExists(repository: "custody/pushed", digest: descriptor.digest))
            #expect(service.issuedTokens.contains("GET user=alice scopes=repository:custody/pushed:pull,push"))

            #expect(try await client.mountBlob(repository: "custody/mounted", digest: descriptor.digest, from: "custody/pushed"))
            #expect(try await client.blobExists(repository: "custody/mounted", digest: descriptor.digest))
        }

        @Test("token auth: a wrong password and anonymous access are .unauthorized")
        func tokenAuthRefused() async throws {
            let registry = try RegistryServer(authentication: .token(users: ["alice": "alice-password"]))
            defer { registry.stop() }
            try Registry.pushHello(to: registry, credentials: "alice:alice-password")
            let wrong = try Self.client(registry, .basic(username: "alice", password: "not-alices"))
            let wrongError = await #expect(throws: RegistryError(code: .unauthorized)) {
                try await wrong.manifest(repository: "custody/hello", reference: "v1")
            }
            #expect(wrongError?.reason.contains("not-alices") != true)
            let anonymous = try Self.client(registry, .anonymous)
            await #expect(throws: RegistryError(code: .unauthorized)) {
                try await anonymous.manifest(repository: "custody/hello", reference: "v1")
            }
        }

        @Test("htpasswd auth: pull with credentials; wrong and missing credentials are .unauthorized")
        func basicAuth() async throws {
            let registry = try RegistryServer(authentication: .htpasswd(users: ["bob": "bob-password"]))
            defer { registry.stop() }
            try Registry.pushHello(to: registry, credentials: "bob:bob-password")
            let client = try Self.client(registry, .basic(username: "bob", password: "bob-password"))
            let index = try await client.manifest(repository: "custody/hello", reference: "v1")
            #expect(index.mediaType == .ociIndex)
            let afterFirst = client.requestCount
            _ = try await client.manifest(repository: "custody/hello", reference: "v1")
            #expect(client.requestCount == afterFirst + 1, "basic credentials are sent without a new challenge")

            let wrong = try Self.client(registry, .basic(username: "bob", password: "not-bobs"))
            await #expect(throws: RegistryError(code: .unauthorized)) {
                try await wrong.manifest(repository: "custody/hello", reference: "v1")
            }
            let anonymous = try Self.client(registry, .anonymous)
            let error = await #expect(throws: RegistryError(code: .unauthorized)) {
                try await anonymous.manifest(repository: "custody/hello", reference: "v1")
            }
            #expect(error?.reason.contains("--creds") == true)
        }
    }

    // MARK: - Against Distribution with htpasswd (Basic) auth

    @Suite("RegistryAuthenticationTests.BasicAuth", .serialized, .enabled(if: PeerTool.availableOrCI("docker-registry", "skopeo", "python3")))
    struct BasicAuth {
        @Test("Basic credentials from an auth.json; wrong and missing credentials")
        func basic() async throws {
            let registry = try RegistryServer(authentication: .htpasswd(users: ["bob": "bob-password"]))
            defer { registry.stop() }
            try Registry.pushHello(to: registry, credentials: "bob:bob-password")
            let manifest = "http://\(registry.host)/v2/custody/hello/manifests/v1"
            let scope = "repository:custody/hello:pull"
            let refused = try await Registry.send(.GET, manifest, authorization: nil)
            #expect(refused.status == 401)
            let challenge = try #require(refused.challenge)
            #expect(challenge == #"Basic realm="\#(RegistryServer.htpasswdRealm)""#)

            let home = try CredentialHome()
            defer { home.directory.remove() }
            try home.write(CredentialHome.authJSON([("\(registry.host)/custody", "bob", "bob-password")]), "home/.config/containers/auth.json")
            let counter = Counter()
            let auth = authenticator(registry, .standard, home: home, counter: counter)
            let header = try await auth.authorize(challenge: challenge, scope: scope)
            #expect(try await Registry.send(.GET, manifest, authorization: header).status == 200)
            #expect(auth.cachedAuthorization(scope: scope) == header)
            #expect(counter.value == 0)

            // A wrong password: the registry refuses it; asked again, the authenticator says so.
            try home.write(CredentialHome.authJSON([(registry.host, "bob", "not-bobs")]), "wrong.json")
            let wrong = authenticator(registry, .authFile(home.directory.file("wrong.json")), home: home)
            let wrongHeader = try await wrong.authorize(challenge: challenge, scope: scope)
            let again = try await Registry.send(.GET, manifest, authorization: wrongHeader)
            #expect(again.status == 401)
            let error = await #expect(throws: RegistryError(code: .unauthorized)) {
                try await wrong.authorize(challenge: try #require(again.challenge), scope: scope)
            }
            #expect(error?.reason == """
                registry \(registry.host) rejected the credentials of user "bob" from auth file \
                \(home.directory.file("wrong.json")) (key "\(registry.host)") (Basic authentication)
                """)
            #expect(wrong.accessDeniedError(scope: scope).reason.contains("refused access with the credentials of user \"bob\""))

            // No credentials at all.
            let anonymous = authenticator(registry, .anonymous, home: home)
            let missing = await #expect(throws: RegistryError(code: .unauthorized)) {
                try await anonymous.authorize(challenge: challenge, scope: scope)
            }
            #expect(missing?.reason.hasPrefix("registry \(registry.host) requires Basic authentication and anonymous access was requested; provide credentials with --creds") == true)

            let empty = authenticator(registry, .standard, home: home)
            let emptyError = await #expect(throws: RegistryError(code: .unauthorized)) {
                try await empty.authorize(challenge: challenge, scope: "repository:other/repo:pull")
            }
            #expect(emptyError?.reason.contains("no credentials for it were found (looked in \(home.runtime)/containers/auth.json, ") == true)
        }
    }
}
