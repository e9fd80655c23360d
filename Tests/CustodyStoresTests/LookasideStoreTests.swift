import CustodyTestSupport
import CustodyOCI
import CustodyRegistry
import CustodyStores
import Foundation
import Testing

/// The two digests of containers-image.md §2.1's examples (the hex is illustrative).
private let busyboxDigest = "sha256:817a12c32a39bbe394944ba49de563e085f1d3c5266eb8e9723256bc4448680e"
private let localDigest = "sha256:f20c6d6b3e9e4e9d8d6e8f0b6b0c3a0f7c8a3c1d8f2a6b4e0c9d7e5f3a1b7268"

/// An HTTPFetching that must never be called (file:// stores and URL construction).
private struct NoNetwork: HTTPFetching {
    func get(_ url: String, maxBytes: Int) async throws -> HTTPFetchResponse {
        Issue.record("unexpected fetch of \(url)")
        return HTTPFetchResponse(status: 500, body: [], contentType: nil)
    }
}

@Suite("LookasideStore: URLs")
struct LookasideURLTests {
    @Test("docker.io/library/busybox:latest keeps library/ and drops the host (reference 2.1)")
    func dockerHub() throws {
        let store = try LookasideStore(base: "https://example.com/lookaside", fetcher: NoNetwork())
        let location = store.signatureLocation(
            for: try Digest(parsing: busyboxDigest), reference: try dockerReference("busybox"), number: 1)
        #expect(location == "https://example.com/lookaside/library/busybox@sha256=817a12c32a39bbe394944ba49de563e085f1d3c5266eb8e9723256bc4448680e/signature-1")
    }

    @Test("localhost:5000/busybox with a host:port lookaside (reference 2.1)")
    func localRegistry() throws {
        let store = try LookasideStore(base: "http://127.0.0.1:5000/look", fetcher: NoNetwork())
        let location = store.signatureLocation(
            for: try Digest(parsing: localDigest), reference: try dockerReference("localhost:5000/busybox:latest"), number: 2)
        #expect(location == "http://127.0.0.1:5000/look/busybox@sha256=f20c6d6b3e9e4e9d8d6e8f0b6b0c3a0f7c8a3c1d8f2a6b4e0c9d7e5f3a1b7268/signature-2")
    }

    @Test("a tag or digest in the reference does not change the path; nested namespaces are kept")
    func pathOnly() throws {
        let store = try LookasideStore(base: "file:///srv/sigs", fetcher: NoNetwork())
        let digest = try fakeDigest("b")
        let byTag = store.signatureDirectory(for: digest, reference: try dockerReference("quay.io/a/b/c:v1"))
        let byDigest = store.signatureDirectory(for: digest, reference: try dockerReference("quay.io/a/b/c@\(digest)"))
        #expect(byTag == "/srv/sigs/a/b/c@sha256=\(digest.encoded)")
        #expect(byDigest == byTag)
    }

    @Test("accepted bases: trailing slashes dropped, file:// percent-decoded, scheme case-insensitive", arguments: [
        ("file:///srv/sigs/", "/srv/sigs/library/busybox@"),
        ("file:///srv/my%20sigs", "/srv/my sigs/library/busybox@"),
        ("file:///", "/library/busybox@"),
        ("FILE:///srv", "/srv/library/busybox@"),
        ("https://sigs.example.com/", "https://sigs.example.com/library/busybox@"),
        ("HTTP://sigs.example.com:8080/a//", "http://sigs.example.com:8080/a/library/busybox@"),
    ])
    func acceptedBases(base: String, prefix: String) throws {
        let store = try LookasideStore(base: base, fetcher: NoNetwork())
        #expect(store.base == base)
        let directory = store.signatureDirectory(for: try fakeDigest(), reference: try dockerReference("busybox"))
        #expect(directory.hasPrefix(prefix), "\(directory)")
    }

    @Test("rejected bases", arguments: [
        "", "/srv/sigs", "srv/sigs", "ftp://example.com/sigs", "file://host/srv", "file:relative", "file:/srv",
        "http://", "https:///path", "https://example.com/sigs?x=1", "https://example.com/#f", "file:///bad%zz",
        "https://example.com/a b",
    ])
    func rejectedBases(base: String) async throws {
        let error = await storeError { _ = try LookasideStore(base: base, fetcher: NoNetwork()) }
        #expect(error?.code == .invalidLocation)
        #expect(error?.reason.contains("invalid lookaside URL") == true)
    }

    @Test("a configured lookaside opens as a store")
    func fromConfiguration() throws {
        let configuration = RegistriesConfiguration(defaultDocker: .init(lookaside: "https://r", lookasideStaging: "file:///w"))
        let reference = try dockerReference("busybox")
        #expect(try configuration.lookasideStore(for: reference, forWriting: false, fetcher: NoNetwork())?.base == "https://r")
        #expect(try configuration.lookasideStore(for: reference, forWriting: true, fetcher: NoNetwork())?.base == "file:///w")
        let bad = RegistriesConfiguration(defaultDocker: .init(lookaside: "ftp://x"))
        #expect(throws: StoreError(code: .invalidLocation)) {
            _ = try bad.lookasideStore(for: reference, forWriting: false, fetcher: NoNetwork())
        }
    }

    @Test("the reference is required")
    func referenceRequired() async throws {
        let store = try LookasideStore(base: "file:///srv/sigs", fetcher: NoNetwork())
        await #expect(throws: StoreError(code: .missingReference)) {
            _ = try await store.signatures(for: try fakeDigest(), reference: nil)
        }
        await #expect(throws: StoreError(code: .missingReference)) {
            _ = try await store.append([1], for: try fakeDigest(), reference: nil)
        }
    }

    @Test("an http(s) lookaside cannot be written")
    func httpNotWritable() async throws {
        let store = try LookasideStore(base: "https://sigs.example.com", fetcher: NoNetwork())
        let digest = try fakeDigest()
        let error = await storeError { _ = try await store.append([0xA3], for: digest, reference: try dockerReference("busybox")) }
        #expect(error?.code == .notWritable)
        #expect(error?.reason == "Writing directly to a https lookaside https://sigs.example.com/library/busybox@sha256=\(digest.encoded)/signature-1 is not supported. Configure a lookaside-staging: location")
    }
}

@Suite("LookasideStore: file://")
struct FileLookasideTests {
    let digest: Digest
    let reference: ImageReference

    init() throws {
        digest = try fakeDigest("c")
        reference = try dockerReference("registry.example.com/ns/app:1")
    }

    var relativeDirectory: String { "sigs/ns/app@sha256=\(digest.encoded)" }

    func store(_ directory: TemporaryDirectory) throws -> LookasideStore {
        try LookasideStore(base: "file://\(directory.file("sigs"))", fetcher: NoNetwork())
    }

    @Test("reads signature-1, signature-2, … in order, with their paths")
    func readsInOrder() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write([1, 1], to: "\(relativeDirectory)/signature-1")
            try directory.write([2, 2], to: "\(relativeDirectory)/signature-2")
            let signatures = try await store(directory).signatures(for: digest, reference: reference)
            #expect(signatures == [
                .blob([1, 1], location: directory.file("\(relativeDirectory)/signature-1")),
                .blob([2, 2], location: directory.file("\(relativeDirectory)/signature-2")),
            ])
        }
    }

    @Test("a gap ends reading")
    func gapStops() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write([1], to: "\(relativeDirectory)/signature-1")
            try directory.write([2], to: "\(relativeDirectory)/signature-2")
            try directory.write([4], to: "\(relativeDirectory)/signature-4")
            let signatures = try await store(directory).signatures(for: digest, reference: reference)
            #expect(blobs(signatures) == [[1], [2]])
        }
    }

    @Test("no directory, or an empty one, means no signatures")
    func noSignatures() async throws {
        try await withTemporaryDirectory { directory in
            #expect(try await store(directory).signatures(for: digest, reference: reference).isEmpty)
            try directory.makeDirectory(relativeDirectory)
            #expect(try await store(directory).signatures(for: digest, reference: reference).isEmpty)
        }
    }

    @Test("signatures of another digest or repository are not read")
    func otherDigest() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write([1], to: "\(relativeDirectory)/signature-1")
            let store = try store(directory)
            #expect(try await store.signatures(for: try fakeDigest("d"), reference: reference).isEmpty)
            #expect(try await store.signatures(for: digest, reference: try dockerReference("registry.example.com/ns/other:1")).isEmpty)
        }
    }

    @Test("an unreadable signature-2 (a directory) is reported and the others are returned")
    func unreadableDirectory() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write([1], to: "\(relativeDirectory)/signature-1")
            try directory.makeDirectory("\(relativeDirectory)/signature-2")
            try directory.write([3], to: "\(relativeDirectory)/signature-3")
            let signatures = try await store(directory).signatures(for: digest, reference: reference)
            #expect(signatures.count == 3)
            #expect(signatures[0] == .blob([1], location: directory.file("\(relativeDirectory)/signature-1")))
            guard case .unreadable(let location, let reason) = signatures[1] else {
                Issue.record("expected .unreadable, got \(signatures[1])")
                return
            }
            #expect(location == directory.file("\(relativeDirectory)/signature-2"))
            #expect(reason.contains("signature-2"))
            #expect(signatures[2] == .blob([3], location: directory.file("\(relativeDirectory)/signature-3")))
        }
    }

    @Test("a signature over the size limit is unreadable; one at the limit is read")
    func sizeLimit() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write([UInt8](repeating: 0xA3, count: LookasideStore.maxSignatureBytes), to: "\(relativeDirectory)/signature-1")
            try directory.write([UInt8](repeating: 0xA3, count: LookasideStore.maxSignatureBytes + 1), to: "\(relativeDirectory)/signature-2")
            let signatures = try await store(directory).signatures(for: digest, reference: reference)
            #expect(signatures[0].bytes?.count == LookasideStore.maxSignatureBytes)
            #expect(signatures[1].bytes == nil)
            #expect(signatures[1].location.hasSuffix("/signature-2"))
        }
    }

    @Test("127 signatures are read; 128 are refused as containers/image refuses them")
    func signatureCountLimit() async throws {
        try await withTemporaryDirectory { directory in
            for number in 1..<LookasideStore.maxSignatures {
                try directory.write([UInt8(number)], to: "\(relativeDirectory)/signature-\(number)")
            }
            #expect(try await store(directory).signatures(for: digest, reference: reference).count == 127)
            try directory.write([0], to: "\(relativeDirectory)/signature-128")
            let error = await storeError { _ = try await store(directory).signatures(for: digest, reference: reference) }
            #expect(error?.code == .tooManySignatures)
            #expect(error?.reason == "server provided 128 signatures, assuming that's unreasonable and a server error")
        }
    }

    @Test("a file where the signature directory should be makes the whole store unreadable")
    func directoryIsAFile() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write([1], to: relativeDirectory)
            let error = await storeError { _ = try await store(directory).signatures(for: digest, reference: reference) }
            #expect(error?.code == .unreadable)
            #expect(error?.reason.contains(directory.file(relativeDirectory)) == true)
        }
    }

    @Test("append creates the directories and writes signature-1 (0644 in 0755 directories)")
    func appendFirst() async throws {
        try await withTemporaryDirectory { directory in
            let written = try await store(directory).append([0xA3, 1], for: digest, reference: reference)
            #expect(written == directory.file("\(relativeDirectory)/signature-1"))
            #expect(try directory.read("\(relativeDirectory)/signature-1") == [0xA3, 1])
            let fileMode = try permissions(written)
            let directoryMode = try permissions(directory.file(relativeDirectory))
            #expect(fileMode & ~0o644 == 0 && fileMode & 0o600 == 0o600, "mode \(String(fileMode, radix: 8))")
            #expect(directoryMode & ~0o755 == 0 && directoryMode & 0o700 == 0o700, "mode \(String(directoryMode, radix: 8))")
            #expect(try directory.names(in: relativeDirectory) == ["signature-1"])
        }
    }

    @Test("append after two existing signatures writes signature-3 and keeps the others")
    func appendThird() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write([1], to: "\(relativeDirectory)/signature-1")
            try directory.write([2], to: "\(relativeDirectory)/signature-2")
            let store = try store(directory)
            let written = try await store.append([3], for: digest, reference: reference)
            #expect(written.hasSuffix("/signature-3"))
            #expect(blobs(try await store.signatures(for: digest, reference: reference)) == [[1], [2], [3]])
        }
    }

    @Test("append fills a gap rather than leaving one")
    func appendFillsGap() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write([1], to: "\(relativeDirectory)/signature-1")
            try directory.write([3], to: "\(relativeDirectory)/signature-3")
            let written = try await store(directory).append([2], for: digest, reference: reference)
            #expect(written.hasSuffix("/signature-2"))
            #expect(try directory.read("\(relativeDirectory)/signature-3") == [3])
        }
    }

    @Test("8 concurrent appends write 8 distinct files and overwrite nothing")
    func concurrentAppends() async throws {
        try await withTemporaryDirectory { directory in
            let store = try store(directory)
            let digest = digest, reference = reference
            let written = try await withThrowingTaskGroup(of: (UInt8, String).self) { group in
                for value in UInt8(1)...8 {
                    group.addTask { (value, try await store.append([0xA3, value], for: digest, reference: reference)) }
                }
                var results: [(UInt8, String)] = []
                for try await result in group { results.append(result) }
                return results
            }
            #expect(Set(written.map(\.1)).count == 8)
            #expect(try directory.names(in: relativeDirectory) == (1...8).map { "signature-\($0)" }.sorted())
            for (value, path) in written {
                #expect(Array(try Data(contentsOf: URL(fileURLWithPath: path))) == [0xA3, value])
            }
        }
    }

    @Test("append refuses signature-128, which containers/image could not read")
    func appendCountLimit() async throws {
        try await withTemporaryDirectory { directory in
            for number in 1..<LookasideStore.maxSignatures {
                try directory.write([1], to: "\(relativeDirectory)/signature-\(number)")
            }
            let error = await storeError { _ = try await store(directory).append([1], for: digest, reference: reference) }
            #expect(error?.code == .tooManySignatures)
            #expect(!FileManager.default.fileExists(atPath: directory.file("\(relativeDirectory)/signature-128")))
            #expect(try directory.names(in: relativeDirectory).count == 127)
        }
    }

    @Test("append refuses a signature over the size limit")
    func appendTooLarge() async throws {
        try await withTemporaryDirectory { directory in
            let error = await storeError {
                _ = try await store(directory).append([UInt8](repeating: 0, count: LookasideStore.maxSignatureBytes + 1), for: digest, reference: reference)
            }
            #expect(error?.code == .tooLarge)
            #expect(!FileManager.default.fileExists(atPath: directory.file(relativeDirectory)))
        }
    }

    @Test("append fails when a file blocks the directory")
    func appendBlocked() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write([1], to: "sigs/ns")
            let error = await storeError { _ = try await store(directory).append([1], for: digest, reference: reference) }
            #expect(error?.code == .io)
            #expect(error?.reason.contains(directory.file("sigs/ns")) == true)
        }
    }
}

/// The permission bits of the file at `path`.
private func permissions(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.posixPermissions] as? Int) ?? -1
}
