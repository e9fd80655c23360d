import CustodyJSON
import CustodyOCI
import CustodyTestSupport
import Foundation
import Testing

/// A layout with an index of two images that share their first layer.
private struct SharedLayerLayout {
    let layout: OCILayoutBuilder
    let amd64: BuiltImage
    let arm64: BuiltImage
    let index: Descriptor

    init(in directory: TemporaryDirectory) throws {
        layout = try OCILayoutBuilder(in: directory)
        let shared = randomBytes(5000, seed: 1)
        amd64 = try layout.addImage(layers: [shared, randomBytes(3000, seed: 2)])
        arm64 = try layout.addImage(platform: Platform(os: "linux", architecture: "arm64", variant: "v8"), layers: [shared, randomBytes(1000, seed: 3)])
        index = try layout.addIndex([amd64.manifest, arm64.manifest])
        try layout.writeIndex([index.named("multi")])
    }
}

@Suite("ImageTree")
struct ImageTreeTests {
    @Test("a single image is a tree of one node")
    func singleImage() async throws {
        try await withTemporaryDirectory { directory in
            let layout = try OCILayoutBuilder(in: directory)
            let image = try layout.addImage(layers: ["a".utf8Bytes, "b".utf8Bytes])
            try layout.writeIndex([image.manifest])
            let tree = try await ImageTree.load(from: layout.source())
            #expect(tree.root.descriptor == nil)
            #expect(tree.root.children.isEmpty)
            #expect(tree.imageManifests.count == 1)
            #expect(tree.imageManifests.first?.descriptor == nil)
            #expect(tree.blobs == [image.config] + image.layers)
        }
    }

    @Test("loading an index fetches every child, in index order, with its descriptor")
    func loadsChildren() async throws {
        try await withTemporaryDirectory { directory in
            let fixture = try SharedLayerLayout(in: directory)
            let tree = try await ImageTree.load(from: fixture.layout.source())
            #expect(tree.root.manifest.digest == fixture.index.digest)
            #expect(tree.root.children.map(\.descriptor) == [fixture.amd64.manifest, fixture.arm64.manifest])
            #expect(tree.root.children.map(\.manifest.bytes) == [fixture.amd64.manifestBytes, fixture.arm64.manifestBytes])
            #expect(tree.root.children.allSatisfy { $0.children.isEmpty })
            #expect(tree.imageManifests.map(\.descriptor?.platform?.description) == ["linux/amd64", "linux/arm64/v8"])
        }
    }

    @Test("a missing child manifest fails the load with notFound")
    func missingChild() async throws {
        try await withTemporaryDirectory { directory in
            let fixture = try SharedLayerLayout(in: directory)
            try FileManager.default.removeItem(atPath: fixture.layout.blobPath(fixture.arm64.manifest.digest))
            let error = await ociError { _ = try await ImageTree.load(from: fixture.layout.source()) }
            #expect(error?.code == .notFound)
            #expect(error?.reason.contains(fixture.arm64.manifest.digest.description) == true)
        }
    }

    @Test("a layer shared by two platforms is listed once, in first-seen order")
    func deduplicatesBlobs() async throws {
        try await withTemporaryDirectory { directory in
            let fixture = try SharedLayerLayout(in: directory)
            let tree = try await ImageTree.load(from: fixture.layout.source())
            let all = tree.imageManifests.flatMap(\.manifest.blobs)
            #expect(all.count == 6)
            #expect(tree.blobs == [fixture.amd64.config, fixture.amd64.layers[0], fixture.amd64.layers[1], fixture.arm64.config, fixture.arm64.layers[1]])
        }
    }

    @Test("verifyBlobs reads each distinct blob once and counts blobs and bytes")
    func verifyBlobsCounts() async throws {
        try await withTemporaryDirectory { directory in
            let fixture = try SharedLayerLayout(in: directory)
            let source = fixture.layout.source()
            let tree = try await ImageTree.load(from: source)
            var reports: [(Digest, Int64)] = []
            let result = try await tree.verifyBlobs(in: source) { reports.append(($0.digest, $1)) }
            let expectedBytes = tree.blobs.reduce(Int64(0)) { $0 + $1.size }
            #expect(result.blobs == 5)
            #expect(result.bytes == expectedBytes)
            #expect(reports.last?.1 == expectedBytes)
            #expect(reports.map(\.1) == reports.map(\.1).sorted())  // running total
            #expect(Set(reports.map(\.0)) == Set(tree.blobs.map(\.digest)))
        }
    }

    @Test("verifyBlobs stops at a corrupt blob with digestMismatch")
    func verifyBlobsCorrupt() async throws {
        try await withTemporaryDirectory { directory in
            let fixture = try SharedLayerLayout(in: directory)
            try flipByte(in: fixture.layout.blobPath(fixture.arm64.layers[1].digest))
            let source = fixture.layout.source()
            let tree = try await ImageTree.load(from: source)
            let error = await ociError { _ = try await tree.verifyBlobs(in: source) }
            #expect(error?.code == .digestMismatch)
            #expect(error?.reason.contains(fixture.arm64.layers[1].digest.description) == true)
        }
    }

    // Two manifests name the same blob with different sizes: the second descriptor is wrong
    // (a client pulling that platform fails with a size mismatch), so verification must fail.
    @Test("one digest named with two different sizes fails verification")
    func conflictingDescriptors() async throws {
        try await withTemporaryDirectory { directory in
            let layout = try OCILayoutBuilder(in: directory)
            let first = try layout.addImage(layers: ["shared layer".utf8Bytes])
            var wrongLayer = first.layers[0]
            wrongLayer.size += 1
            let config = try layout.addBlob(ManifestJSON.config(Platform(os: "linux", architecture: "arm64")).utf8Bytes, mediaType: .ociConfig)
            let second = try layout.addManifest(ManifestJSON.image(config: config, layers: [wrongLayer]).utf8Bytes, mediaType: .ociManifest)
            let index = try layout.addIndex([first.manifest, second])
            try layout.writeIndex([index])
            let source = layout.source()
            let tree = try await ImageTree.load(from: source)
            await #expect(throws: OCIError(code: .sizeMismatch)) { _ = try await tree.verifyBlobs(in: source) }
        }
    }

    @Test("a corrupt child manifest fails the load")
    func corruptChild() async throws {
        try await withTemporaryDirectory { directory in
            let fixture = try SharedLayerLayout(in: directory)
            try flipByte(in: fixture.layout.blobPath(fixture.arm64.manifest.digest), at: 2)
            await #expect(throws: OCIError(code: .digestMismatch)) { try await ImageTree.load(from: fixture.layout.source()) }
        }
    }

    @Test("an index entry with an unsupported media type is unsupportedMediaType")
    func unsupportedEntry() async throws {
        try await withTemporaryDirectory { directory in
            let layout = try OCILayoutBuilder(in: directory)
            let image = try layout.addImage(layers: [])
            let other = try layout.addBlob("{}".utf8Bytes, mediaType: "application/vnd.example+json")
            try layout.writeIndex([try layout.addIndex([image.manifest, other])])
            await #expect(throws: OCIError(code: .unsupportedMediaType)) { try await ImageTree.load(from: layout.source()) }
        }
    }

    /// An image wrapped in `levels` nested indexes; the outermost is the layout's only entry.
    private static func nestedLayout(levels: Int, in directory: TemporaryDirectory) throws -> OCILayoutBuilder {
        let layout = try OCILayoutBuilder(in: directory, name: "nested-\(levels)")
        var top = try layout.addImage(layers: ["deep".utf8Bytes]).manifest
        for _ in 0..<levels { top = try layout.addIndex([top]) }
        try layout.writeIndex([top])
        return layout
    }

    @Test("indexes nested 4 deep are followed")
    func nestingAllowed() async throws {
        try await withTemporaryDirectory { directory in
            #expect(ImageTree.maxIndexDepth == 4)
            let tree = try await ImageTree.load(from: try Self.nestedLayout(levels: 4, in: directory).source())
            #expect(tree.imageManifests.count == 1)
            var node = tree.root, depth = 0
            while let child = node.children.first { node = child; depth += 1 }
            #expect(depth == 4)
        }
    }

    @Test("indexes nested deeper than 4 are tooLarge")
    func nestingTooDeep() async throws {
        try await withTemporaryDirectory { directory in
            let source = try Self.nestedLayout(levels: 5, in: directory).source()
            let error = await ociError { _ = try await ImageTree.load(from: source) }
            #expect(error?.code == .tooLarge)
            #expect(error?.reason.contains("deeper than 4") == true)
        }
    }

    @Test("an image reaching 1024 manifests loads; 1025 is tooLarge")
    func manifestCount() async throws {
        try await withTemporaryDirectory { directory in
            #expect(ImageTree.maxManifests == 1024)
            let layout = try OCILayoutBuilder(in: directory)
            let image = try layout.addImage(layers: []).manifest
            let fits = try layout.addIndex([Descriptor](repeating: image, count: ImageTree.maxManifests - 1))
            try layout.writeIndex([fits])
            #expect(try await ImageTree.load(from: layout.source()).imageManifests.count == ImageTree.maxManifests - 1)
            let over = try layout.addIndex([Descriptor](repeating: image, count: ImageTree.maxManifests))
            try layout.writeIndex([over])
            await #expect(throws: OCIError(code: .tooLarge)) { try await ImageTree.load(from: layout.source()) }
        }
    }

    @Test("ImageConfiguration names its platform only with OS and architecture")
    func configurationPlatform() throws {
        let decoder = StrictJSONDecoder(unknownKeys: .ignore)
        let full = try decoder.decode(ImageConfiguration.self, from: #"{"architecture":"arm64","os":"linux","variant":"v8","rootfs":{}}"#.utf8Bytes)
        #expect(full.platform == Platform(os: "linux", architecture: "arm64", variant: "v8"))
        let partial = try decoder.decode(ImageConfiguration.self, from: #"{"os":"linux"}"#.utf8Bytes)
        #expect(partial.platform == nil)
    }
}

@Suite("ImageTree on umoci/skopeo fixtures", .enabled(if: PeerTool.availableOrCI("skopeo", "umoci")))
struct ImageTreeFixtureTests {
    @Test("the oci-multi index has two instances sharing their base layer")
    func ociMulti() async throws {
        let source = OCILayoutSource(path: try Fixtures.path("oci-multi"), selector: .onlyImage)
        let tree = try await ImageTree.load(from: source)
        #expect(tree.root.manifest.mediaType == .ociIndex)
        #expect(tree.imageManifests.count == 2)
        let layers = tree.imageManifests.map(\.manifest.layers)
        #expect(layers.allSatisfy { $0.count == 2 })
        #expect(layers[0][0].digest == layers[1][0].digest)
        #expect(tree.blobs.count == 5)
        let result = try await tree.verifyBlobs(in: source)
        #expect(result.blobs == 5)
        #expect(result.bytes == tree.blobs.reduce(0) { $0 + $1.size })
    }
}
