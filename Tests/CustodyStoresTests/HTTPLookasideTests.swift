import CustodyOCI
import CustodyRegistry
import CustodyStores
import CustodyTestSupport
import Foundation
import Testing

/// The lookaside read over HTTP from `Scripts/lookaside-test-server.py` on 127.0.0.1.
/// Requests in these tests get a generous wall-clock budget: other suites run in parallel and some
/// wait on subprocesses, so this process's tasks may not run for a while; the tests are about
/// statuses and limits, not about the production timeout.
private let patientTimeout: Duration = .seconds(300)

@Suite("LookasideStore: http:// against a real server", .enabled(if: PeerTool.availableOrCI("python3")))
struct HTTPLookasideTests {
    let digest: Digest
    let reference: ImageReference

    init() throws {
        digest = try fakeDigest("e")
        reference = try dockerReference("localhost:5000/busybox:latest")
    }

    /// The signature directory under the served root, for the base path `/look`.
    var relativeDirectory: String { "look/busybox@sha256=\(digest.encoded)" }

    @Test("status 200 is a signature and 404 ends the list")
    func readsUntil404() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write([0xA3, 1], to: "\(relativeDirectory)/signature-1")
            try directory.write([0xA3, 2], to: "\(relativeDirectory)/signature-2")
            try directory.write([0xA3, 4], to: "\(relativeDirectory)/signature-4")
            try await withLookasideServer(root: directory.path) { server in
                let store = try LookasideStore(base: server.baseURL + "/look", fetcher: HTTPFetcher(timeout: patientTimeout))
                let signatures = try await store.signatures(for: digest, reference: reference)
                #expect(signatures == [
                    .blob([0xA3, 1], location: "\(server.baseURL)/look/busybox@sha256=\(digest.encoded)/signature-1"),
                    .blob([0xA3, 2], location: "\(server.baseURL)/look/busybox@sha256=\(digest.encoded)/signature-2"),
                ])
                #expect(try await store.signatures(for: try fakeDigest("f"), reference: reference).isEmpty)
            }
        }
    }

    @Test("a 403 makes the whole store unreadable, naming the URL and the status")
    func forbidden() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write([0xA3], to: "\(relativeDirectory)/signature-1")
            try await withLookasideServer(root: directory.path, arguments: ["--status", "/look/=403"]) { server in
                let store = try LookasideStore(base: server.baseURL + "/look", fetcher: HTTPFetcher(timeout: patientTimeout))
                let error = await storeError { _ = try await store.signatures(for: digest, reference: reference) }
                #expect(error?.code == .unreadable)
                #expect(error?.reason == "reading signature from \(server.baseURL)/look/busybox@sha256=\(digest.encoded)/signature-1: received unexpected HTTP status: 403")
            }
        }
    }

    @Test("a 500 after good signatures still fails the whole read")
    func serverErrorLater() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write([0xA3], to: "\(relativeDirectory)/signature-1")
            let failing = "/\(relativeDirectory)/signature-2"
            try await withLookasideServer(root: directory.path, arguments: ["--status", "\(failing)=500"]) { server in
                let store = try LookasideStore(base: server.baseURL + "/look", fetcher: HTTPFetcher(timeout: patientTimeout))
                let error = await storeError { _ = try await store.signatures(for: digest, reference: reference) }
                #expect(error?.code == .unreadable)
                #expect(error?.reason.hasSuffix("/signature-2: received unexpected HTTP status: 500") == true)
            }
        }
    }

    @Test("a body over the limit fails, with or without Content-Length")
    func bodyOverLimit() async throws {
        try await withTemporaryDirectory { directory in
            let big = [UInt8](repeating: 0xA3, count: LookasideStore.maxSignatureBytes + 1)
            try directory.write(big, to: "\(relativeDirectory)/signature-1")
            try await withLookasideServer(root: directory.path, arguments: ["--no-length", "/streamed/"]) { server in
                for base in [server.baseURL + "/look", server.baseURL + "/streamed/look"] {
                    let store = try LookasideStore(base: base, fetcher: HTTPFetcher(timeout: patientTimeout))
                    let error = await storeError { _ = try await store.signatures(for: digest, reference: reference) }
                    #expect(error?.code == .tooLarge, "\(base)")
                    #expect(error?.reason.hasPrefix("reading signature from \(base)/busybox@") == true, "\(String(describing: error))")
                }
            }
        }
    }

    @Test("a body at the limit is read, with or without Content-Length")
    func bodyAtLimit() async throws {
        try await withTemporaryDirectory { directory in
            let exact = [UInt8](repeating: 0xA3, count: LookasideStore.maxSignatureBytes)
            try directory.write(exact, to: "\(relativeDirectory)/signature-1")
            try await withLookasideServer(root: directory.path, arguments: ["--no-length", "/streamed/"]) { server in
                for base in [server.baseURL + "/look", server.baseURL + "/streamed/look"] {
                    let store = try LookasideStore(base: base, fetcher: HTTPFetcher(timeout: patientTimeout))
                    let signatures = try await store.signatures(for: digest, reference: reference)
                    #expect(signatures.first?.bytes == exact, "\(base)")
                }
            }
        }
    }

    @Test("a redirect loop or an endless redirect chain fails the whole read")
    func redirectLoops() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write([0xA3], to: "\(relativeDirectory)/signature-1")
            let arguments = ["--redirect-loop", "/loop/", "--redirect-chain", "/chain/"]
            try await withLookasideServer(root: directory.path, arguments: arguments) { server in
                for base in [server.baseURL + "/loop", server.baseURL + "/chain"] {
                    let store = try LookasideStore(base: base, fetcher: HTTPFetcher(timeout: patientTimeout))
                    let error = await storeError { _ = try await store.signatures(for: digest, reference: reference) }
                    #expect(error?.code == .unreadable, "\(base)")
                    #expect(error?.reason.contains("reading signature from \(base)/busybox@") == true, "\(String(describing: error))")
                }
            }
        }
    }

    @Test("a redirect to the real location is followed")
    func redirectFollowed() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write([0xA3, 9], to: "\(relativeDirectory)/signature-1")
            try await withLookasideServer(root: directory.path, arguments: ["--redirect", "/moved/=/look/"]) { server in
                let store = try LookasideStore(base: server.baseURL + "/moved", fetcher: HTTPFetcher(timeout: patientTimeout))
                #expect(blobs(try await store.signatures(for: digest, reference: reference)) == [[0xA3, 9]])
            }
        }
    }
}

@Suite("HTTPFetcher", .enabled(if: PeerTool.availableOrCI("python3")))
struct HTTPFetcherTests {
    @Test("returns status, body and content type; a 404 is a response, not an error")
    func responses() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write("hello", to: "files/a.txt")
            try await withLookasideServer(root: directory.path) { server in
                let fetcher = HTTPFetcher(timeout: patientTimeout)
                let found = try await fetcher.get(server.baseURL + "/files/a.txt", maxBytes: 100)
                #expect(found.status == 200)
                #expect(found.body == "hello".utf8Bytes)
                #expect(found.contentType == "text/plain")
                let missing = try await fetcher.get(server.baseURL + "/files/b.txt", maxBytes: 1 << 20)
                #expect(missing.status == 404)
            }
        }
    }

    @Test("a body over maxBytes is tooLarge, naming the URL")
    func tooLarge() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write("hello", to: "files/a.txt")
            try await withLookasideServer(root: directory.path, arguments: ["--no-length", "/s/"]) { server in
                for url in [server.baseURL + "/files/a.txt", server.baseURL + "/s/files/a.txt"] {
                    let fetcher = HTTPFetcher(timeout: patientTimeout)
                    #expect(try await fetcher.get(url, maxBytes: 5).body == "hello".utf8Bytes)
                    do {
                        _ = try await fetcher.get(url, maxBytes: 4)
                        Issue.record("expected tooLarge for \(url)")
                    } catch let error as RegistryError {
                        #expect(error.code == .tooLarge)
                        #expect(error.description.contains(url))
                    }
                }
            }
        }
    }

    @Test("more than 5 redirects, or a cycle, is tooManyRedirects")
    func redirects() async throws {
        try await withTemporaryDirectory { directory in
            try await withLookasideServer(root: directory.path, arguments: ["--redirect-loop", "/loop/", "--redirect-chain", "/chain/"]) { server in
                for url in [server.baseURL + "/loop/x", server.baseURL + "/chain/x"] {
                    await #expect(throws: RegistryError(code: .tooManyRedirects)) {
                        _ = try await HTTPFetcher(timeout: patientTimeout).get(url, maxBytes: 100)
                    }
                }
            }
        }
    }

    @Test("only http and https URLs with a host are fetched", arguments: [
        "ftp://example.com/x", "file:///etc/passwd", "example.com/x", "http://", "https:///x", "http://exa mple.com/",
    ])
    func invalidURLs(url: String) async throws {
        do {
            _ = try await HTTPFetcher(timeout: patientTimeout).get(url, maxBytes: 100)
            Issue.record("expected invalidURL for \(url)")
        } catch let error as RegistryError {
            #expect(error.code == .invalidURL)
            #expect(error.description.contains(url))
        }
    }

    @Test("a refused connection is a network error naming the URL")
    func connectionRefused() async throws {
        // A server that has stopped leaves its port closed.
        let directory = try TemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory.path) }
        let server = try LookasideTestServer(root: directory.path)
        server.stop()
        let url = server.baseURL + "/x"
        do {
            _ = try await HTTPFetcher(timeout: patientTimeout).get(url, maxBytes: 100)
            Issue.record("expected a network error")
        } catch let error as RegistryError {
            #expect(error.code == .network)
            #expect(error.description.contains(url))
        }
    }
}
