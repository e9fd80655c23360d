import CustodyOCI
import CustodyTestSupport
import Foundation
import Testing

/// A layout with two named single-platform images, "first" and "second".
private struct TwoImageLayout {
    let layout: OCILayoutBuilder
    let first: BuiltImage
    let second: BuiltImage

    init(in directory: TemporaryDirectory) throws {
        layout = try OCILayoutBuilder(in: directory)
        first = try layout.addImage(layers: ["first layer".utf8Bytes])
        second = try layout.addImage(platform: Platform(os: "linux", architecture: "arm64"), layers: ["second layer".utf8Bytes])
        try layout.writeIndex([first.manifest.on(nil).named("first"), second.manifest.on(nil).named("second")])
    }
}

@Suite("OCILayoutSource")
struct OCILayoutSourceTests {
    @Test("reads the only image of a layout, its blobs, and no signatures")
    func onlyImage() async throws {
        try await withTemporaryDirectory { directory in
            let layout = try OCILayoutBuilder(in: directory)
            let image = try layout.addImage(layers: ["hello".utf8Bytes, randomBytes(70_000, seed: 1)])
            try layout.writeIndex([image.manifest.on(nil).named("v1")])
            let source = layout.source()
            #expect(source.imageName == .ociLayout(path: layout.path, selector: .onlyImage))

            let manifest = try await source.rootManifest()
            #expect(manifest.bytes == image.manifestBytes)
            #expect(manifest.digest == image.manifest.digest)
            #expect(try await source.blob(image.config, limit: 1024) == ManifestJSON.config(.init(os: "linux", architecture: "amd64")).utf8Bytes)
            var seen = 0
            try await source.verifyBlob(image.layers[1]) { seen += $0 }
            #expect(seen == 70_000)
            #expect(try await source.signatures(for: manifest.digest, instance: false).isEmpty)
        }
    }

    @Test("selects by name and by @N")
    func selectors() async throws {
        try await withTemporaryDirectory { directory in
            let fixture = try TwoImageLayout(in: directory)
            let layout = fixture.layout
            #expect(try await layout.source(.name("second")).rootManifest().digest == fixture.second.manifest.digest)
            #expect(try await layout.source(.name("first")).rootManifest().digest == fixture.first.manifest.digest)
            #expect(try await layout.source(.index(0)).rootManifest().digest == fixture.first.manifest.digest)
            #expect(try await layout.source(.index(1)).rootManifest().digest == fixture.second.manifest.digest)
        }
    }

    @Test("several images and no name is imageNotFound listing the names")
    func ambiguousOnlyImage() async throws {
        try await withTemporaryDirectory { directory in
            let fixture = try TwoImageLayout(in: directory)
            let error = await ociError { _ = try await fixture.layout.source().rootManifest() }
            #expect(error?.code == .imageNotFound)
            #expect(error?.reason.contains("holds 2 images") == true)
            #expect(error?.reason.contains("first, second") == true)
        }
    }

    @Test("@N past the end is imageNotFound")
    func indexOutOfRange() async throws {
        try await withTemporaryDirectory { directory in
            let fixture = try TwoImageLayout(in: directory)
            let error = await ociError { _ = try await fixture.layout.source(.index(2)).rootManifest() }
            #expect(error?.code == .imageNotFound)
            #expect(error?.reason.contains("only 2 entries") == true)
        }
    }

    @Test("an unknown name is imageNotFound listing the names")
    func nameNotFound() async throws {
        try await withTemporaryDirectory { directory in
            let fixture = try TwoImageLayout(in: directory)
            let error = await ociError { _ = try await fixture.layout.source(.name("third")).rootManifest() }
            #expect(error?.code == .imageNotFound)
            #expect(error?.reason.contains("\"third\"") == true)
            #expect(error?.reason.contains("first, second") == true)
        }
    }

    @Test("a name that only matches an unsupported media type is unsupportedMediaType")
    func nameWithUnsupportedType() async throws {
        try await withTemporaryDirectory { directory in
            let layout = try OCILayoutBuilder(in: directory)
            let blob = try layout.addBlob("x".utf8Bytes, mediaType: "application/vnd.example.thing")
            try layout.writeIndex([blob.named("v1")])
            await #expect(throws: OCIError(code: .unsupportedMediaType)) { try await layout.source(.name("v1")).rootManifest() }
        }
    }

    @Test("a missing oci-layout is notFound naming the path")
    func missingMarker() async throws {
        try await withTemporaryDirectory { directory in
            let layout = try OCILayoutBuilder(in: directory, marker: nil)
            let image = try layout.addImage(layers: [])
            try layout.writeIndex([image.manifest])
            let error = await ociError { _ = try await layout.source().rootManifest() }
            #expect(error?.code == .notFound)
            #expect(error?.reason.contains(layout.path) == true)
            #expect(error?.reason.contains("not an OCI image layout") == true)
        }
    }

    @Test("a missing directory is notFound")
    func missingDirectory() async throws {
        try await withTemporaryDirectory { directory in
            let source = OCILayoutSource(path: directory.file("nowhere"), selector: .onlyImage)
            await #expect(throws: OCIError(code: .notFound)) { try await source.rootManifest() }
        }
    }

    @Test("a bad oci-layout marker is invalidManifest", arguments: [
        #"{"imageLayoutVersion":"2.0.0"}"#, #"{"imageLayoutVersion":"1.0"}"#, #"{"imageLayoutVersion":1}"#, "{}", "not json", "",
        #"{"imageLayoutVersion":"1.0.0","imageLayoutVersion":"1.0.0"}"#,
    ])
    func badMarker(marker: String) async throws {
        try await withTemporaryDirectory { directory in
            let layout = try OCILayoutBuilder(in: directory, marker: marker)
            let image = try layout.addImage(layers: [])
            try layout.writeIndex([image.manifest])
            await #expect(throws: OCIError(code: .invalidManifest)) { try await layout.source().rootManifest() }
        }
    }

    // image-layout.md: the oci-layout file "MUST contain an imageLayoutVersion field" and
    // "MAY include additional fields".
    @Test("an oci-layout marker with additional fields is accepted (image-layout.md: MAY include additional fields)")
    func markerWithAdditionalFields() async throws {
        try await withTemporaryDirectory { directory in
            let layout = try OCILayoutBuilder(in: directory, marker: #"{"imageLayoutVersion":"1.0.0","x-tool":"custody-test"}"#)
            let image = try layout.addImage(layers: [])
            try layout.writeIndex([image.manifest])
            #expect(try await layout.source().rootManifest().digest == image.manifest.digest)
        }
    }

    @Test("an empty index.json has no only image")
    func emptyIndex() async throws {
        try await withTemporaryDirectory { directory in
            let layout = try OCILayoutBuilder(in: directory)
            try layout.writeIndex([])
            await #expect(throws: OCIError(code: .imageNotFound)) { try await layout.source().rootManifest() }
            await #expect(throws: OCIError(code: .imageNotFound)) { try await layout.source(.index(0)).rootManifest() }
        }
    }

    // OCILayoutSelector.index is public, so callers can build .index(-1) without the parser.
    @Test("a negative @N selector built in code throws instead of trapping")
    func negativeIndexSelector() async {
        await #expect(processExitsWith: .success) {
            let entry = Descriptor(mediaType: .ociManifest, bytes: Array("x".utf8))
            _ = try? OCILayout(path: "/nonexistent").descriptor(for: .index(-1), in: ImageIndex(manifests: [entry]))
        }
    }

    @Test("a missing index.json is notFound")
    func missingIndex() async throws {
        try await withTemporaryDirectory { directory in
            let layout = try OCILayoutBuilder(in: directory)
            await #expect(throws: OCIError(code: .notFound)) { try await layout.source().rootManifest() }
        }
    }

    @Test("index.json must be an index", arguments: [
        (#"{"schemaVersion":2,"config":{"mediaType":"a","digest":"\#(fakeDigestString())","size":1},"layers":[]}"#, OCIError.Code.invalidManifest),
        (#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","manifests":[]}"#, .invalidManifest),
        (#"{"schemaVersion":1,"manifests":[]}"#, .unsupportedMediaType),
        ("[]", .invalidManifest),
    ])
    func indexMustBeAnIndex(index: String, code: OCIError.Code) async throws {
        try await withTemporaryDirectory { directory in
            let layout = try OCILayoutBuilder(in: directory)
            try layout.writeIndex(raw: index)
            await #expect(throws: OCIError(code: code)) { try await layout.source().rootManifest() }
        }
    }

    @Test("a descriptor digest that could escape the layout is rejected when index.json is parsed", arguments: [
        "sha256:../../etc", "sha256:../../../../../../etc/passwd", "sha256:/etc/passwd", "../../etc:x",
    ])
    func pathEscape(digest: String) async throws {
        try await withTemporaryDirectory { directory in
            let layout = try OCILayoutBuilder(in: directory)
            try layout.writeIndex(raw: #"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(digest)","size":2}]}"#)
            let error = await ociError { _ = try await layout.source().rootManifest() }
            #expect(error?.code == .invalidManifest)
            #expect(error?.reason.contains("index.json") == true)
        }
    }

    @Test("blob paths stay inside the layout for both algorithms")
    func blobPath() throws {
        let layout = OCILayout(path: "/x")
        let sha256 = try Digest(parsing: fakeDigestString("b"))
        #expect(layout.blobPath(sha256) == "/x/blobs/sha256/" + String(repeating: "b", count: 64))
        let sha512 = Digest.compute([], algorithm: .sha512)
        #expect(layout.blobPath(sha512) == "/x/blobs/sha512/\(sha512.encoded)")
    }

    @Test("a tampered manifest blob is a digestMismatch")
    func tamperedManifest() async throws {
        try await withTemporaryDirectory { directory in
            let layout = try OCILayoutBuilder(in: directory)
            let image = try layout.addImage(layers: ["layer".utf8Bytes])
            try layout.writeIndex([image.manifest])
            try flipByte(in: layout.blobPath(image.manifest.digest), at: 5)
            let error = await ociError { _ = try await layout.source().rootManifest() }
            #expect(error?.code == .digestMismatch)
            #expect(error?.reason.contains(image.manifest.digest.description) == true)
        }
    }

    @Test("a manifest blob of another size than index.json states is a sizeMismatch")
    func manifestSize() async throws {
        try await withTemporaryDirectory { directory in
            let layout = try OCILayoutBuilder(in: directory)
            let image = try layout.addImage(layers: [])
            var descriptor = image.manifest
            descriptor.size -= 1
            try layout.writeIndex([descriptor])
            await #expect(throws: OCIError(code: .sizeMismatch)) { try await layout.source().rootManifest() }
        }
    }

    @Test("a manifest whose type disagrees with index.json is rejected")
    func manifestTypeDisagrees() async throws {
        try await withTemporaryDirectory { directory in
            let layout = try OCILayoutBuilder(in: directory)
            let image = try layout.addImage(layers: [])
            var descriptor = image.manifest
            descriptor.mediaType = .ociIndex
            try layout.writeIndex([descriptor])
            await #expect(throws: OCIError(code: .invalidManifest)) { try await layout.source().rootManifest() }
        }
    }

    @Test("a missing manifest blob is notFound")
    func missingManifestBlob() async throws {
        try await withTemporaryDirectory { directory in
            let layout = try OCILayoutBuilder(in: directory)
            let image = try layout.addImage(layers: [])
            try FileManager.default.removeItem(atPath: layout.blobPath(image.manifest.digest))
            try layout.writeIndex([image.manifest])
            await #expect(throws: OCIError(code: .notFound)) { try await layout.source().rootManifest() }
        }
    }

    @Test("blob(_:limit:) refuses blobs over the limit and checks content")
    func blobLimitAndContent() async throws {
        try await withTemporaryDirectory { directory in
            let layout = try OCILayoutBuilder(in: directory)
            let image = try layout.addImage(layers: ["0123456789".utf8Bytes])
            let source = layout.source()
            let layer = image.layers[0]
            #expect(try await source.blob(layer, limit: 10) == "0123456789".utf8Bytes)
            await #expect(throws: OCIError(code: .tooLarge)) { try await source.blob(layer, limit: 9) }
            try flipByte(in: layout.blobPath(layer.digest))
            await #expect(throws: OCIError(code: .digestMismatch)) { try await source.blob(layer, limit: 10) }
            await #expect(throws: OCIError(code: .digestMismatch)) { try await source.verifyBlob(layer) { _ in } }
            var bigger = layer
            bigger.size = 11
            await #expect(throws: OCIError(code: .sizeMismatch)) { try await source.verifyBlob(bigger) { _ in } }
            let absent = Descriptor(mediaType: ManifestJSON.layerType, bytes: "absent".utf8Bytes)
            let error = await ociError { try await source.verifyBlob(absent) { _ in } }
            #expect(error?.code == .notFound)
            #expect(error?.reason.contains(absent.digest.description) == true)
        }
    }
}

@Suite("OCILayoutSource on umoci/skopeo fixtures", .enabled(if: PeerTool.availableOrCI("skopeo", "umoci")))
struct OCILayoutSourceFixtureTests {
    @Test("reads the same manifest bytes as skopeo, by tag and untagged", arguments: ["oci-single:v1", "oci-single", "oci-multi:multi"])
    func sameBytesAsSkopeo(reference: String) async throws {
        let path = try Fixtures.directory() + "/" + reference
        let name = try ImageName(parsing: "oci:" + path)
        let manifest = try await name.openLocalSource().rootManifest()
        #expect(manifest.bytes == (try RealFixtures.skopeoRaw("oci:" + path)))
    }

    @Test("the umoci manifest without mediaType is detected as an OCI manifest")
    func umociManifest() async throws {
        let manifest = try await OCILayoutSource(path: try Fixtures.path("oci-single"), selector: .name("v1")).rootManifest()
        #expect(manifest.mediaType == .ociManifest)
        guard case .image(let image) = manifest.content else { Issue.record("not an image"); return }
        #expect(image.layers.count == 2)
    }

    @Test("a tampered layer fails verification naming the blob")
    func tamperedLayer() async throws {
        let tampered = try RealFixtures.marker("oci-tampered.TAMPERED")
        let source = OCILayoutSource(path: try Fixtures.path("oci-tampered"), selector: .name("v1"))
        let tree = try await ImageTree.load(from: source)
        let error = await ociError { _ = try await tree.verifyBlobs(in: source) }
        #expect(error?.code == .digestMismatch)
        #expect(error?.reason.contains(tampered) == true)
    }

    @Test("a missing layer is notFound naming the blob")
    func missingLayer() async throws {
        let missing = try RealFixtures.marker("oci-missing-blob.MISSING")
        let source = OCILayoutSource(path: try Fixtures.path("oci-missing-blob"), selector: .name("v1"))
        let tree = try await ImageTree.load(from: source)
        let error = await ociError { _ = try await tree.verifyBlobs(in: source) }
        #expect(error?.code == .notFound)
        #expect(error?.reason.contains(missing) == true)
    }
}
