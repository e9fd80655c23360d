// Faults a real registry does not produce, from Scripts/registry-fault-server.py.
import CustodyOCI
@testable import CustodyRegistry
import CustodyTestSupport
import Foundation
import Testing

@Suite(
    "RegistryClient against a misbehaving registry",
    .enabled(if: PeerTool.availableOrCI("python3")),
    .timeLimit(.minutes(10))
)
struct RegistryFaultTests {
    /// A digest that nothing the fault server sends has.
    static let someDigest = Digest.compute(Array("something else".utf8))

    @Test("a redirect cycle and an endless redirect chain are tooManyRedirects")
    func redirects() async throws {
        let server = try RegistryFaultServer()
        defer { server.stop() }
        let client = try await pingedClient(server.host)

        let cycle = await #expect(throws: RegistryError.self) {
            try await client.manifest(repository: "redirect-loop", reference: "v1")
        }
        #expect(cycle?.code == .tooManyRedirects)
        #expect(cycle?.reason.contains("cycle") == true, "\(String(describing: cycle))")

        let before = client.requestCount
        let chain = await #expect(throws: RegistryError.self) {
            try await client.manifest(repository: "redirect-chain", reference: "v1")
        }
        #expect(chain?.code == .tooManyRedirects)
        #expect(chain?.reason.contains("more than 5 redirects") == true, "\(String(describing: chain))")
        #expect(client.requestCount - before == 6)  // the request and 5 redirects
    }

    @Test("a 5 MiB manifest is tooLarge, with or without Content-Length")
    func oversizedManifest() async throws {
        let server = try RegistryFaultServer()
        defer { server.stop() }
        let client = try await pingedClient(server.host)
        for repository in ["oversized", "oversized-stream"] {
            let error = await #expect(throws: RegistryError.self) {
                try await client.manifest(repository: repository, reference: "v1")
            }
            #expect(error?.code == .tooLarge, "\(repository)")
            #expect(error?.reason.contains("\(Manifest.maxBytes)") == true, "\(String(describing: error))")
        }
    }

    @Test("a manifest whose bytes do not hash to the requested digest is digestMismatch naming both digests")
    func manifestDigestMismatch() async throws {
        let server = try RegistryFaultServer()
        defer { server.stop() }
        let client = try await pingedClient(server.host)
        let error = await #expect(throws: RegistryError.self) {
            try await client.manifest(repository: "wrong-digest", reference: Self.someDigest.description)
        }
        #expect(error?.code == .digestMismatch)
        #expect(error?.reason.contains(Self.someDigest.description) == true, "\(String(describing: error))")
        // By tag the same bytes are accepted: they match the registry's Docker-Content-Digest.
        let manifest = try await client.manifest(repository: "wrong-digest", reference: "v1")
        #expect(error?.reason.contains(manifest.digest.description) == true)
    }

    @Test("a Docker-Content-Digest that disagrees with the bytes is digestMismatch (GET, HEAD by digest, PUT)")
    func contentDigestHeaderMismatch() async throws {
        let server = try RegistryFaultServer()
        defer { server.stop() }
        let client = try await pingedClient(server.host)
        await #expect(throws: RegistryError(code: .digestMismatch)) {
            try await client.manifest(repository: "header-mismatch", reference: "v1")
        }
        let good = try await client.manifest(repository: "wrong-digest", reference: "v1")
        await #expect(throws: RegistryError(code: .digestMismatch)) {
            try await client.manifestDescriptor(repository: "header-mismatch", reference: good.digest.description)
        }
        await #expect(throws: RegistryError(code: .digestMismatch)) {
            try await client.putManifest(good, repository: "put-mismatch", reference: "v1")
        }
    }

    @Test("a blob with the wrong bytes is digestMismatch; a longer Content-Length is sizeMismatch before reading")
    func wrongBlob() async throws {
        let server = try RegistryFaultServer()
        defer { server.stop() }
        let client = try await pingedClient(server.host)
        let wanted = "the blob that was asked for"
        let descriptor = Descriptor(mediaType: "application/octet-stream", bytes: Array(wanted.utf8))
        #expect(descriptor.size == 27)  // as long as what the server sends

        var delivered = 0
        let error = await #expect(throws: RegistryError.self) {
            try await client.streamBlob(repository: "wrong-blob", descriptor: descriptor) { delivered += $0.count }
        }
        #expect(error?.code == .digestMismatch)
        #expect(error?.reason.contains(descriptor.digest.description) == true, "\(String(describing: error))")

        delivered = 0
        await #expect(throws: RegistryError(code: .sizeMismatch)) {
            try await client.streamBlob(repository: "long-blob", descriptor: descriptor) { delivered += $0.count }
        }
        #expect(delivered == 0)
    }

    @Test("429 then 200: the retry succeeds after Retry-After")
    func retryAfterTooManyRequests() async throws {
        let server = try RegistryFaultServer()
        defer { server.stop() }
        let client = try await pingedClient(server.host)
        let before = client.requestCount
        let clock = ContinuousClock()
        let start = clock.now
        let manifest = try await client.manifest(repository: "flaky-a", reference: "v1")
        #expect(clock.now - start >= .milliseconds(900))  // Retry-After: 1
        #expect(manifest.mediaType == .ociManifest)
        #expect(client.requestCount - before == 2)
        #expect(try await server.requests(to: "/v2/flaky-a/manifests/v1") == 2)
    }

    @Test("503 forever: gives up after maxRetries with the registry's error in the message")
    func unavailable() async throws {
        let server = try RegistryFaultServer()
        defer { server.stop() }
        let client = try await pingedClient(server.host, maxRetries: 2)
        let before = client.requestCount
        let error = await #expect(throws: RegistryError.self) {
            try await client.manifest(repository: "unavailable", reference: "v1")
        }
        #expect(error?.code == .server)
        #expect(error?.reason.contains("503") == true)
        #expect(error?.reason.contains("UNAVAILABLE: down for maintenance") == true, "\(String(describing: error))")
        #expect(error?.reason.contains("after 2 retries") == true)
        #expect(client.requestCount - before == 3)
        #expect(try await server.requests(to: "/v2/unavailable/manifests/v1") == 3)
    }

    @Test("403 is denied with the registry's message")
    func denied() async throws {
        let server = try RegistryFaultServer()
        defer { server.stop() }
        let client = try await pingedClient(server.host)
        let error = await #expect(throws: RegistryError.self) {
            try await client.manifest(repository: "denied", reference: "v1")
        }
        #expect(error?.code == .denied)
        #expect(error?.reason.contains("DENIED: requested access to the resource is denied") == true, "\(String(describing: error))")
        #expect(client.requestCount >= 1)
    }

    @Test("tags follow Link pagination: n=2 over 5 tags is 3 pages; a Link loop is refused")
    func tagPagination() async throws {
        let server = try RegistryFaultServer()
        defer { server.stop() }
        let client = try await pingedClient(server.host)
        let before = client.requestCount
        #expect(try await client.tags(repository: "paged", pageSize: 2) == ["alpha", "bravo", "charlie", "delta", "echo"])
        #expect(client.requestCount - before == 3)
        #expect(try await server.requests(to: "/v2/paged/tags/list") == 3)
        #expect(try await client.tags(repository: "paged") == ["alpha", "bravo", "charlie", "delta", "echo"])

        let loop = await #expect(throws: RegistryError.self) {
            try await client.tags(repository: "link-loop", pageSize: 1)
        }
        #expect(loop?.code == .invalidResponse)
        #expect(loop?.reason.contains("loops") == true, "\(String(describing: loop))")
        #expect(try await server.requests(to: "/v2/link-loop/tags/list") == 1)
    }

    @Test("the referrers API: pages are followed and filtered here, unless the registry says it filtered")
    func referrersAPI() async throws {
        let server = try RegistryFaultServer()
        defer { server.stop() }
        let client = try await pingedClient(server.host)
        let subject = Self.someDigest
        let before = client.requestCount
        let all = try await client.referrers(repository: "referrers-api", subject: subject)
        #expect(client.requestCount - before == 2)
        #expect(all.map { $0.artifactType?.rawValue } == ["application/vnd.test.a", "application/vnd.test.b"])
        #expect(all.map(\.digest) == ["a", "b"].map { Digest.compute(Array($0.utf8)) })
        let onlyB = try await client.referrers(repository: "referrers-api", subject: subject, artifactType: "application/vnd.test.b")
        #expect(onlyB == [all[1]])

        let filtered = try await client.referrers(repository: "referrers-filtered", subject: subject, artifactType: "application/vnd.test.a")
        #expect(filtered == [all[0]])
        #expect(try await client.referrers(repository: "referrers-filtered", subject: subject).count == 2)
    }

    @Test("a blob redirected to another host: the registry's Authorization does not follow it")
    func authorizationStaysOnTheRegistry() async throws {
        let server = try RegistryFaultServer()
        defer { server.stop() }
        let client = try RegistryClient(registry: server.host, options: RegistryOptions(
            insecureHosts: [server.host], credentials: .basic(username: "user", password: "secret"), requestTimeout: .seconds(120)
        ))
        try await client.ping()
        let descriptor = Descriptor(mediaType: "application/octet-stream", bytes: Array("the blob that was asked for".utf8))
        let before = client.requestCount
        let bytes = try await client.blob(repository: "auth-redirect", descriptor: descriptor, limit: 100)
        #expect(bytes == Array("the blob that was asked for".utf8))
        #expect(client.requestCount - before == 3)  // 401, the authorized request (307), the storage host
        #expect(try await server.requests(to: "/v2/auth-redirect/blobs/\(descriptor.digest)") == 2)
        #expect(try await server.requests(to: "/storage/\(descriptor.digest)") == 1)

        // A registry that keeps refusing is unauthorized, with the authenticator's explanation.
        let error = await #expect(throws: RegistryError.self) {
            try await client.manifest(repository: "auth-required", reference: "v1")
        }
        #expect(error?.code == .unauthorized)
        #expect(error?.reason.contains("auth-required") == true, "\(String(describing: error))")
        #expect(error?.reason.contains("secret") == false)
    }

    @Test("connection refused is retried, then a network error")
    func connectionRefused() async throws {
        let port = try RegistryServer.freePort()
        let host = "127.0.0.1:\(port)"
        let client = try RegistryClient(registry: host, options: RegistryOptions(credentials: .anonymous, maxRetries: 2))
        let error = await #expect(throws: RegistryError.self) { try await client.ping() }
        #expect(error?.code == .network)
        #expect(error?.reason.contains(host) == true, "\(String(describing: error))")
        #expect(client.requestCount == 3)
    }
}
