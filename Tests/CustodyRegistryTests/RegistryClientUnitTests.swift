// The parts of the registry client that need no server: names, URLs, headers, retry delays,
// error bodies, options.
import CustodyOCI
@testable import CustodyRegistry
import CustodyTestSupport
import Testing

@Suite("RegistryClient without a server")
struct RegistryClientUnitTests {
    @Test("docker.io is served by registry-1.docker.io; other hosts by themselves")
    func endpoint() throws {
        #expect(RegistryClient.endpointHost(for: "docker.io") == "registry-1.docker.io")
        #expect(RegistryClient.endpointHost(for: "quay.io") == "quay.io")
        #expect(RegistryClient.endpointHost(for: "127.0.0.1:5000") == "127.0.0.1:5000")
        let client = try RegistryClient(registry: "docker.io")
        #expect(client.endpointHost == "registry-1.docker.io")
        #expect(client.allowsInsecure == false)
    }

    @Test("registry hosts are validated; IPv6 literals in brackets are accepted")
    func registryHosts() throws {
        for good in ["registry.example.com", "localhost:5000", "127.0.0.1:5000", "[::1]:5000", "[fd00::1]"] {
            #expect(RegistryClient.isValidRegistry(good), "\(good)")
        }
        for bad in ["", "https://registry.example.com", "registry.example.com/path", "host:port", "a b", "[::1]x", "user@host"] {
            #expect(!RegistryClient.isValidRegistry(bad), "\(bad)")
            #expect(throws: RegistryError(code: .invalidURL)) { try RegistryClient(registry: bad) }
        }
    }

    @Test("insecure: tlsVerify false, or the host or host:port listed")
    func insecureHosts() throws {
        #expect(try RegistryClient(registry: "r.example:5000", options: RegistryOptions(tlsVerify: false)).allowsInsecure)
        #expect(try RegistryClient(registry: "r.example:5000", options: RegistryOptions(insecureHosts: ["r.example:5000"])).allowsInsecure)
        #expect(try RegistryClient(registry: "r.example:5000", options: RegistryOptions(insecureHosts: ["r.example"])).allowsInsecure)
        #expect(try RegistryClient(registry: "r.example:5000", options: RegistryOptions(insecureHosts: ["r.example:5001"])).allowsInsecure == false)
        #expect(try RegistryClient(registry: "other.example", options: RegistryOptions(insecureHosts: ["r.example"])).allowsInsecure == false)
    }

    @Test("repository names and tags that could change the URL are refused before any request")
    func names() async throws {
        for good in ["library/busybox", "a", "a/b/c", "my-repo", "my__repo", "a.b_c-d/e---f"] {
            #expect(RegistryNames.isRepository(good), "\(good)")
        }
        for bad in ["", "A", "a/../b", "../a", "a//b", "/a", "a/", "a?b", "a#b", "a%2fb", "a b", "a/b:c", "a..b", "a_-b", "-a",
                    String(repeating: "a", count: 256)] {
            #expect(!RegistryNames.isRepository(bad), "\(bad)")
        }
        for good in ["latest", "v1.0", "_x", "A-b_c.d", String(repeating: "t", count: 128)] {
            #expect(RegistryNames.isTag(good), "\(good)")
        }
        for bad in ["", ".x", "-x", "a/b", "a?b", "..", "a b", String(repeating: "t", count: 129)] {
            #expect(!RegistryNames.isTag(bad), "\(bad)")
        }

        let client = try RegistryClient(registry: "registry.invalid", options: RegistryOptions(credentials: .anonymous))
        await #expect(throws: RegistryError(code: .invalidRequest)) {
            try await client.manifest(repository: "a/../../v2/x", reference: "latest")
        }
        await #expect(throws: RegistryError(code: .invalidRequest)) {
            try await client.manifest(repository: "a", reference: "../x")
        }
        await #expect(throws: RegistryError(code: .invalidRequest)) {
            try await client.manifestDescriptor(repository: "a", reference: "sha256:abc")
        }
        await #expect(throws: RegistryError(code: .invalidRequest)) {
            try await client.tags(repository: "a?n=1")
        }
        await #expect(throws: RegistryError(code: .invalidRequest)) {
            try await client.tags(repository: "a", pageSize: 0)
        }
        await #expect(throws: RegistryError(code: .invalidRequest)) {
            try await client.mountBlob(repository: "a", digest: Digest.compute([1]), from: "b&c=d")
        }
        #expect(client.requestCount == 0)
    }

    @Test("Location and Link targets resolve against the URL that sent them")
    func urlResolution() throws {
        let base = try #require(RegistryURL(absolute: "https://r.example:5000/v2/a/blobs/uploads/?x=1"))
        #expect(base.authority == "r.example:5000")
        #expect(base.pathAndQuery == "/v2/a/blobs/uploads/?x=1")
        #expect(base.resolving("/v2/a/blobs/uploads/u1?_state=s")?.description == "https://r.example:5000/v2/a/blobs/uploads/u1?_state=s")
        #expect(base.resolving("https://cdn.example/blob?sig=1#frag")?.description == "https://cdn.example/blob?sig=1")
        #expect(base.resolving("//cdn.example/blob")?.description == "https://cdn.example/blob")
        #expect(base.resolving("u2")?.description == "https://r.example:5000/v2/a/blobs/uploads/u2")
        #expect(base.resolving("?n=2")?.description == "https://r.example:5000/v2/a/blobs/uploads/?n=2")
        #expect(base.resolving("ftp://x/y") == nil)
        #expect(base.resolving("/a b") == nil)
        #expect(base.resolving("https://user@host/") == nil)

        #expect(base.appendingQuery("digest", "sha256:ab").description == "https://r.example:5000/v2/a/blobs/uploads/?x=1&digest=sha256%3Aab")
        let plain = try #require(RegistryURL(absolute: "http://h/v2/a/blobs/uploads/u"))
        #expect(plain.appendingQuery("digest", "sha256:ab").description == "http://h/v2/a/blobs/uploads/u?digest=sha256%3Aab")
        #expect(RegistryURL.percentEncoded("application/vnd.x+json") == "application%2Fvnd.x%2Bjson")
    }

    @Test("Authorization goes only to the registry's own origin")
    func origins() throws {
        let client = try RegistryClient(registry: "r.example", options: RegistryOptions(credentials: .anonymous))
        #expect(client.isRegistryOrigin(try #require(RegistryURL(absolute: "https://r.example/v2/"))))
        #expect(client.isRegistryOrigin(try #require(RegistryURL(absolute: "https://R.EXAMPLE:443/v2/"))))
        #expect(!client.isRegistryOrigin(try #require(RegistryURL(absolute: "https://r.example:8443/v2/"))))
        #expect(!client.isRegistryOrigin(try #require(RegistryURL(absolute: "https://cdn.example/v2/"))))
        #expect(!client.isRegistryOrigin(try #require(RegistryURL(absolute: "https://r.example.cdn.example/v2/"))))
    }

    @Test("Link headers: the rel=next target, among others")
    func links() {
        #expect(RegistryClient.nextLink("</v2/a/tags/list?last=b&n=2>; rel=\"next\"") == "/v2/a/tags/list?last=b&n=2")
        #expect(RegistryClient.nextLink("<https://x/prev>; rel=\"prev\", <https://x/next>; rel=next") == "https://x/next")
        #expect(RegistryClient.nextLink("<https://x/a>; title=\"a, b\"; rel=\"prev next\"") == "https://x/a")
        #expect(RegistryClient.nextLink("<https://x/prev>; rel=\"prev\"") == nil)
        #expect(RegistryClient.nextLink("garbage") == nil)
        #expect(RegistryClient.rangeEnd("0-1048575") == 1_048_575)
        #expect(RegistryClient.rangeEnd("bytes=0-9") == 9)
        #expect(RegistryClient.rangeEnd("nonsense") == nil)
    }

    @Test("retry delays double from 200 ms, honour Retry-After, and never exceed the cap")
    func retryDelays() {
        #expect(RegistryClient.retryDelay(afterAttempt: 0, retryAfter: nil) == .milliseconds(200))
        #expect(RegistryClient.retryDelay(afterAttempt: 1, retryAfter: nil) == .milliseconds(400))
        #expect(RegistryClient.retryDelay(afterAttempt: 2, retryAfter: nil) == .milliseconds(800))
        #expect(RegistryClient.retryDelay(afterAttempt: 20, retryAfter: nil) == RegistryClient.maxRetryDelay)
        #expect(RegistryClient.retryDelay(afterAttempt: 0, retryAfter: "3") == .seconds(3))
        #expect(RegistryClient.retryDelay(afterAttempt: 0, retryAfter: "3600") == RegistryClient.maxRetryDelay)
        #expect(RegistryClient.retryDelay(afterAttempt: 1, retryAfter: "soon") == .milliseconds(400))
    }

    @Test("OCI error bodies become one short line; anything else is ignored")
    func errorBodies() {
        let body = #"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"x"}},{"code":"DENIED"}]}"#
        #expect(RegistryErrorBody.summary(Array(body.utf8)) == "MANIFEST_UNKNOWN: manifest unknown; DENIED")
        let multiline = #"{"errors":[{"code":"X","message":"line one\nline two"}]}"#
        #expect(RegistryErrorBody.summary(Array(multiline.utf8)) == "X: line one line two")
        #expect(RegistryErrorBody.summary(Array("404 page not found".utf8)) == nil)
        #expect(RegistryErrorBody.summary(Array(#"{"errors":"no"}"#.utf8)) == nil)
        #expect(RegistryErrorBody.summary([]) == nil)
        let long = #"{"errors":[{"code":"X","message":""# + String(repeating: "m", count: 1000) + #""}]}"#
        #expect((RegistryErrorBody.summary(Array(long.utf8))?.count ?? 0) < 300)
    }

    @Test("tag list pages: tags, null, and malformed documents")
    func tagLists() throws {
        #expect(try RegistryClient.parseTagList(Array(#"{"name":"a","tags":["v1","v2"]}"#.utf8), what: "t") == ["v1", "v2"])
        #expect(try RegistryClient.parseTagList(Array(#"{"name":"a","tags":null}"#.utf8), what: "t") == [])
        #expect(throws: RegistryError(code: .invalidResponse)) {
            try RegistryClient.parseTagList(Array(#"{"name":"a","tags":[1]}"#.utf8), what: "t")
        }
        #expect(throws: RegistryError(code: .invalidResponse)) {
            try RegistryClient.parseTagList(Array(#"{"tags":["a"],"tags":["b"]}"#.utf8), what: "t")
        }
        #expect(throws: RegistryError(code: .invalidResponse)) {
            try RegistryClient.parseTagList(Array("[]".utf8), what: "t")
        }
    }

    @Test("the referrers tag schema and the declared manifest type")
    func referrersTagAndContentType() throws {
        let sha256 = Digest.compute(Array("x".utf8))
        #expect(RegistryClient.referrersTag(for: sha256) == "sha256-" + sha256.encoded)
        let sha512 = Digest.compute(Array("x".utf8), algorithm: .sha512)
        #expect(RegistryClient.referrersTag(for: sha512) == "sha512-" + sha512.encoded.prefix(64))
        #expect(RegistryClient.declaredManifestType("application/vnd.oci.image.index.v1+json") == .ociIndex)
        #expect(RegistryClient.declaredManifestType("application/json") == nil)
        #expect(RegistryClient.declaredManifestType(nil) == nil)
        #expect(RegistryClient.manifestAccept.split(separator: ",").count == 4)
    }

    @Test("a CA file that cannot be read is an io error when the client is made")
    func unreadableCertificateAuthority() throws {
        let work = try TemporaryDirectory()
        defer { work.remove() }
        #expect(throws: RegistryError(code: .io)) {
            try RegistryClient(registry: "registry.example", options: RegistryOptions(certificateAuthorityFiles: [work.file("missing.pem")]))
        }
        let notPEM = try work.write("not a certificate\n", to: "bad.pem")
        #expect(throws: RegistryError(code: .io)) {
            try RegistryClient(registry: "registry.example", options: RegistryOptions(certificateAuthorityFiles: [notPEM]))
        }
    }
}
