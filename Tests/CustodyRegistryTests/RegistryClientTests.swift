// The registry client against the real Distribution registry (Debian's docker-registry 2.8),
// with images pushed by skopeo.
import CustodyOCI
@testable import CustodyRegistry
import CustodyTestSupport
import Foundation
import Testing

@Suite(
    "RegistryClient against docker-registry",
    .enabled(if: PeerTool.availableOrCI("docker-registry", "skopeo")),
    .timeLimit(.minutes(10))
)
struct RegistryClientTests {
    // MARK: Manifests

    @Test("GET a manifest by tag and by digest: the bytes skopeo reads, checked against the digest")
    func manifestByTagAndDigest() async throws {
        let registry = try RegistryServer()
        defer { registry.stop() }
        try pushHello(to: registry, repository: "custody/hello", tag: "v1")
        let expected = try Hello.index()
        let client = try await pingedClient(registry.host)

        let byTag = try await client.manifest(repository: "custody/hello", reference: "v1")
        #expect(byTag.digest == expected.digest)
        #expect(byTag.mediaType == .ociIndex)
        #expect(Int64(byTag.bytes.count) == expected.size)
        #expect(byTag.bytes == (try skopeoRawManifest(registry, repository: "custody/hello", reference: "v1")))

        let byDigest = try await client.manifest(repository: "custody/hello", reference: expected.digest.description)
        #expect(byDigest.bytes == byTag.bytes)

        guard case .index(let index) = byTag.content else {
            Issue.record("hello:v1 is not an index")
            return
        }
        #expect(index.manifests.count == 2)
        let platform = try #require(index.manifests.first)
        let image = try await client.manifest(repository: "custody/hello", reference: platform.digest.description)
        #expect(image.digest == platform.digest)
        #expect(image.mediaType == .ociManifest)
        #expect(image.bytes == (try skopeoRawManifest(registry, repository: "custody/hello", reference: platform.digest.description)))
    }

    @Test("HEAD a manifest gives its descriptor; an unknown tag gives nil")
    func manifestHead() async throws {
        let registry = try RegistryServer()
        defer { registry.stop() }
        try pushHello(to: registry, repository: "custody/hello", tag: "v1")
        let expected = try Hello.index()
        let client = try await pingedClient(registry.host)

        let byTag = try #require(try await client.manifestDescriptor(repository: "custody/hello", reference: "v1"))
        #expect(byTag == Descriptor(mediaType: .ociIndex, digest: expected.digest, size: expected.size))
        let byDigest = try #require(try await client.manifestDescriptor(repository: "custody/hello", reference: expected.digest.description))
        #expect(byDigest.digest == expected.digest)
        #expect(try await client.manifestDescriptor(repository: "custody/hello", reference: "missing") == nil)
        #expect(try await client.manifestDescriptor(repository: "custody/absent", reference: "v1") == nil)
    }

    @Test("an unknown manifest is notFound, with the registry's error code in the message")
    func unknownManifest() async throws {
        let registry = try RegistryServer()
        defer { registry.stop() }
        try pushHello(to: registry, repository: "custody/hello", tag: "v1")
        let client = try await pingedClient(registry.host)

        let error = await #expect(throws: RegistryError.self) {
            try await client.manifest(repository: "custody/hello", reference: "missing")
        }
        #expect(error?.code == .notFound)
        #expect(error?.reason.contains("MANIFEST_UNKNOWN") == true, "\(String(describing: error))")
        #expect(error?.reason.contains("custody/hello") == true)
        #expect(error?.reason.contains("\n") == false)
    }

    @Test("PUT a manifest built here, then read it back by tag and digest (and with skopeo)")
    func putManifestAndReadBack() async throws {
        let registry = try RegistryServer()
        defer { registry.stop() }
        let client = try await pingedClient(registry.host)
        let layerBytes = pseudoRandomBytes(3000, seed: 7)
        let layer = Descriptor(mediaType: "application/vnd.oci.image.layer.v1.tar", bytes: layerBytes)
        try await client.uploadBlob(repository: "custody/built", descriptor: EmptyBlob.descriptor, bytes: EmptyBlob.bytes)
        try await client.uploadBlob(repository: "custody/built", descriptor: layer, bytes: layerBytes)
        let manifest = try Manifest(bytes: Array(imageManifestJSON(config: EmptyBlob.descriptor, layers: [layer]).utf8))

        let digest = try await client.putManifest(manifest, repository: "custody/built", reference: "v1")
        #expect(digest == manifest.digest)
        let byDigest = try await client.putManifest(manifest, repository: "custody/built", reference: manifest.digest.description)
        #expect(byDigest == manifest.digest)

        let read = try await client.manifest(repository: "custody/built", reference: "v1")
        #expect(read.bytes == manifest.bytes)
        #expect(read.mediaType == .ociManifest)
        #expect(try skopeoRawManifest(registry, repository: "custody/built", reference: "v1") == manifest.bytes)
        #expect(try await client.manifestDescriptor(repository: "custody/built", reference: "v1") == manifest.descriptor)

        // Pushing under a digest that is not the manifest's is refused before any request.
        let before = client.requestCount
        let other = Digest.compute(Array("other".utf8))
        await #expect(throws: RegistryError(code: .digestMismatch)) {
            try await client.putManifest(manifest, repository: "custody/built", reference: other.description)
        }
        #expect(client.requestCount == before)
    }

    // MARK: Blobs

    @Test("stream a blob verified against its descriptor; a descriptor with the wrong size or an unknown digest fails")
    func blobStream() async throws {
        let registry = try RegistryServer()
        defer { registry.stop() }
        try pushHello(to: registry, repository: "custody/hello", tag: "v1")
        let client = try await pingedClient(registry.host)
        let index = try await client.manifest(repository: "custody/hello", reference: "v1")
        guard case .index(let content) = index.content, let platform = content.manifests.first else {
            Issue.record("hello:v1 is not an index")
            return
        }
        let image = try await client.manifest(repository: "custody/hello", reference: platform.digest.description)
        guard case .image(let imageManifest) = image.content, let layer = imageManifest.layers.first else {
            Issue.record("no layer in \(platform.digest)")
            return
        }

        let bytes = try await streamedBytes(client, repository: "custody/hello", descriptor: layer)
        #expect(Int64(bytes.count) == layer.size)
        #expect(Digest.compute(bytes) == layer.digest)
        let blobFile = Hello.layout + "/blobs/sha256/" + layer.digest.encoded
        #expect(bytes == Array(try Data(contentsOf: URL(fileURLWithPath: blobFile))))

        let config = try await client.blob(repository: "custody/hello", descriptor: imageManifest.config, limit: 1 << 20)
        #expect(Digest.compute(config) == imageManifest.config.digest)
        await #expect(throws: RegistryError(code: .tooLarge)) {
            try await client.blob(repository: "custody/hello", descriptor: imageManifest.config, limit: Int(imageManifest.config.size) - 1)
        }

        var larger = layer
        larger.size += 1
        await #expect(throws: RegistryError(code: .sizeMismatch)) {
            try await streamedBytes(client, repository: "custody/hello", descriptor: larger)
        }
        var smaller = layer
        smaller.size -= 1
        await #expect(throws: RegistryError(code: .sizeMismatch)) {
            try await streamedBytes(client, repository: "custody/hello", descriptor: smaller)
        }
        var unknown = layer
        unknown.digest = Digest.compute(Array("not stored".utf8))
        await #expect(throws: RegistryError(code: .notFound)) {
            try await streamedBytes(client, repository: "custody/hello", descriptor: unknown)
        }
        #expect(try await client.blobExists(repository: "custody/hello", digest: layer.digest))
        #expect(try await client.blobExists(repository: "custody/hello", digest: unknown.digest) == false)
    }

    @Test("monolithic and chunked uploads of a multi-MiB file, read back intact", arguments: [nil, 1 << 20] as [Int?])
    func fileUpload(chunkSize: Int?) async throws {
        let registry = try RegistryServer()
        defer { registry.stop() }
        let work = try TemporaryDirectory()
        defer { work.remove() }
        let bytes = pseudoRandomBytes(5 * 1024 * 1024 + 123, seed: 42)
        let path = try work.write(bytes, to: "blob.bin")
        let descriptor = Descriptor(mediaType: "application/octet-stream", bytes: bytes)
        let client = try await pingedClient(registry.host)

        let before = client.requestCount
        try await client.uploadBlob(repository: "custody/files", descriptor: descriptor, fileAt: path, chunkSize: chunkSize)
        // POST, then one PUT with the body, or 6 PATCHes (5 MiB + 123 bytes in 1 MiB chunks) and a PUT.
        #expect(client.requestCount - before == (chunkSize == nil ? 2 : 8))

        #expect(try await client.blobExists(repository: "custody/files", digest: descriptor.digest))
        let back = try await streamedBytes(client, repository: "custody/files", descriptor: descriptor)
        #expect(back == bytes)
        #expect(pendingUploads(registry, repository: "custody/files").isEmpty)
    }

    @Test("a file that is not what its descriptor names is refused before any request")
    func fileUploadMismatch() async throws {
        let registry = try RegistryServer()
        defer { registry.stop() }
        let work = try TemporaryDirectory()
        defer { work.remove() }
        let bytes = pseudoRandomBytes(10_000, seed: 3)
        let path = try work.write(bytes, to: "blob.bin")
        let client = try await pingedClient(registry.host)
        let before = client.requestCount

        let wrongDigest = Descriptor(mediaType: "application/octet-stream", digest: Digest.compute(Array("x".utf8)), size: 10_000)
        await #expect(throws: RegistryError(code: .digestMismatch)) {
            try await client.uploadBlob(repository: "custody/files", descriptor: wrongDigest, fileAt: path)
        }
        var wrongSize = Descriptor(mediaType: "application/octet-stream", bytes: bytes)
        wrongSize.size = 9_999
        await #expect(throws: RegistryError(code: .sizeMismatch)) {
            try await client.uploadBlob(repository: "custody/files", descriptor: wrongSize, fileAt: path, chunkSize: 4096)
        }
        await #expect(throws: RegistryError(code: .io)) {
            try await client.uploadBlob(repository: "custody/files", descriptor: wrongSize, fileAt: work.file("missing.bin"))
        }
        await #expect(throws: RegistryError(code: .invalidRequest)) {
            try await client.uploadBlob(repository: "custody/files", descriptor: wrongSize, fileAt: path, chunkSize: 0)
        }
        await #expect(throws: RegistryError(code: .digestMismatch)) {
            try await client.uploadBlob(repository: "custody/files", descriptor: wrongDigest, bytes: bytes)
        }
        #expect(client.requestCount == before)
    }

    @Test("in-memory upload, read back")
    func memoryUpload() async throws {
        let registry = try RegistryServer()
        defer { registry.stop() }
        let bytes = pseudoRandomBytes(70_000, seed: 11)
        let descriptor = Descriptor(mediaType: "application/octet-stream", bytes: bytes)
        let client = try await pingedClient(registry.host)

        #expect(try await client.blobExists(repository: "custody/memory", digest: descriptor.digest) == false)
        try await client.uploadBlob(repository: "custody/memory", descriptor: descriptor, bytes: bytes)
        #expect(try await client.blobExists(repository: "custody/memory", digest: descriptor.digest))
        #expect(try await client.blob(repository: "custody/memory", descriptor: descriptor, limit: 1 << 20) == bytes)
        // An empty blob too.
        let empty = Descriptor(mediaType: "application/octet-stream", bytes: [])
        try await client.uploadBlob(repository: "custody/memory", descriptor: empty, bytes: [])
        #expect(try await client.blob(repository: "custody/memory", descriptor: empty, limit: 10) == [])
    }

    @Test("mount a blob from another repository; mounting an unknown blob returns false and leaves no upload")
    func mount() async throws {
        let registry = try RegistryServer()
        defer { registry.stop() }
        let bytes = pseudoRandomBytes(20_000, seed: 5)
        let descriptor = Descriptor(mediaType: "application/octet-stream", bytes: bytes)
        let client = try await pingedClient(registry.host)
        try await client.uploadBlob(repository: "custody/source", descriptor: descriptor, bytes: bytes)

        #expect(try await client.blobExists(repository: "custody/target", digest: descriptor.digest) == false)
        #expect(try await client.mountBlob(repository: "custody/target", digest: descriptor.digest, from: "custody/source"))
        #expect(try await client.blobExists(repository: "custody/target", digest: descriptor.digest))
        #expect(try await client.blob(repository: "custody/target", descriptor: descriptor, limit: 1 << 20) == bytes)

        let unknown = Digest.compute(Array("never uploaded".utf8))
        let before = client.requestCount
        #expect(try await client.mountBlob(repository: "custody/other", digest: unknown, from: "custody/source") == false)
        #expect(client.requestCount - before == 2)  // the POST, and the DELETE of the upload it started
        #expect(pendingUploads(registry, repository: "custody/other").isEmpty)
        #expect(try await client.blobExists(repository: "custody/other", digest: unknown) == false)
    }

    // MARK: Tags and referrers

    @Test("tags: every tag, with and without a page size (Distribution 2.8 ignores n and sends one page)")
    func tags() async throws {
        let registry = try RegistryServer()
        defer { registry.stop() }
        let client = try await pingedClient(registry.host)
        try await client.uploadBlob(repository: "custody/tags", descriptor: EmptyBlob.descriptor, bytes: EmptyBlob.bytes)
        let manifest = try Manifest(bytes: Array(imageManifestJSON(config: EmptyBlob.descriptor, layers: [EmptyBlob.descriptor]).utf8))
        let names = ["alpha", "bravo", "charlie", "delta", "echo"]
        for name in names {
            try await client.putManifest(manifest, repository: "custody/tags", reference: name)
        }

        #expect(try await client.tags(repository: "custody/tags", pageSize: 2).sorted() == names)
        #expect(try await client.tags(repository: "custody/tags").sorted() == names)
        await #expect(throws: RegistryError(code: .notFound)) {
            try await client.tags(repository: "custody/none")
        }
    }

    @Test("referrers fall back to the sha256-<hex> tag on a registry without the referrers API")
    func referrersFallback() async throws {
        let registry = try RegistryServer()
        defer { registry.stop() }
        try pushHello(to: registry, repository: "custody/hello", tag: "v1")
        let subject = try Hello.index()
        let client = try await pingedClient(registry.host)

        // No referrers yet: the API answers 404, and so does the tag.
        #expect(try await client.referrers(repository: "custody/hello", subject: subject.digest) == [])

        try await client.uploadBlob(repository: "custody/hello", descriptor: EmptyBlob.descriptor, bytes: EmptyBlob.bytes)
        let artifactType = "application/vnd.custody.test.v1"
        let artifact = try Manifest(bytes: Array(imageManifestJSON(
            config: EmptyBlob.descriptor, layers: [EmptyBlob.descriptor], artifactType: artifactType,
            subject: Descriptor(mediaType: .ociIndex, digest: subject.digest, size: subject.size)
        ).utf8))
        try await client.putManifest(artifact, repository: "custody/hello", reference: artifact.digest.description)
        let referrer = Descriptor(
            mediaType: .ociManifest, digest: artifact.digest, size: Int64(artifact.bytes.count), artifactType: MediaType(rawValue: artifactType)
        )
        let indexJSON = """
            {"schemaVersion":2,"mediaType":"\(MediaType.ociIndex)","manifests":[{"mediaType":"\(MediaType.ociManifest)",\
            "digest":"\(artifact.digest)","size":\(artifact.bytes.count),"artifactType":"\(artifactType)"}]}
            """
        let index = try Manifest(bytes: Array(indexJSON.utf8))
        let tag = RegistryClient.referrersTag(for: subject.digest)
        #expect(tag == "sha256-" + subject.digest.encoded)
        try await client.putManifest(index, repository: "custody/hello", reference: tag)

        let before = client.requestCount
        #expect(try await client.referrers(repository: "custody/hello", subject: subject.digest) == [referrer])
        #expect(client.requestCount - before == 2)  // the referrers API (404), then the tag
        #expect(try await client.referrers(repository: "custody/hello", subject: subject.digest, artifactType: artifactType) == [referrer])
        #expect(try await client.referrers(repository: "custody/hello", subject: subject.digest, artifactType: "application/vnd.other") == [])
        #expect(try await client.referrers(repository: "custody/hello", subject: artifact.digest) == [])
    }

    // MARK: Connections

    @Test("a warm manifest GET is exactly one request")
    func warmRequestCount() async throws {
        let registry = try RegistryServer()
        defer { registry.stop() }
        try pushHello(to: registry, repository: "custody/hello", tag: "v1")
        let client = try RegistryClient(registry: registry.host, options: testOptions(insecure: registry.host))
        #expect(client.requestCount == 0)
        _ = try await client.manifest(repository: "custody/hello", reference: "v1")
        // Cold: HTTPS first (the registry speaks plain HTTP), then HTTP.
        #expect(client.requestCount == 2)
        let before = client.requestCount
        _ = try await client.manifest(repository: "custody/hello", reference: "v1")
        #expect(client.requestCount - before == 1)
    }

    @Test("a plain-HTTP registry without permission is a TLS error that names --tls-verify=false")
    func plainHTTPWithoutPermission() async throws {
        let registry = try RegistryServer()
        defer { registry.stop() }
        let client = try RegistryClient(registry: registry.host, options: RegistryOptions(credentials: .anonymous, requestTimeout: .seconds(60)))
        #expect(client.allowsInsecure == false)
        let error = await #expect(throws: RegistryError.self) { try await client.ping() }
        #expect(error?.code == .tls)
        #expect(error?.reason.contains("--tls-verify=false") == true, "\(String(describing: error))")
        #expect(error?.reason.contains(registry.host) == true)
        #expect(client.requestCount == 1)  // TLS failures are not retried

        // Allowed by tlsVerify: false, or by listing the bare host as insecure.
        let unverified = try RegistryClient(registry: registry.host, options: RegistryOptions(tlsVerify: false, credentials: .anonymous))
        try await unverified.ping()
        let listed = try RegistryClient(registry: registry.host, options: RegistryOptions(insecureHosts: ["127.0.0.1"], credentials: .anonymous))
        try await listed.ping()
        #expect(listed.allowsInsecure)
    }
}
