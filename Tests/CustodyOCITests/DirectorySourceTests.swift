import CustodyOCI
import CustodyTestSupport
import Foundation
import Testing

/// A `dir:` directory holding an index of two instances (amd64, arm64).
private struct MultiDirectory {
    let dir: DirectoryBuilder
    let amd64: BuiltImage
    let arm64: BuiltImage
    let indexBytes: [UInt8]

    init(in directory: TemporaryDirectory) throws {
        dir = try DirectoryBuilder(in: directory)
        amd64 = try dir.addImage(layers: ["shared".utf8Bytes, "amd64".utf8Bytes])
        arm64 = try dir.addImage(platform: Platform(os: "linux", architecture: "arm64"), layers: ["shared".utf8Bytes, "arm64".utf8Bytes])
        indexBytes = ManifestJSON.index([amd64.manifest, arm64.manifest]).utf8Bytes
        try dir.writeTopManifest(indexBytes)
    }
}

@Suite("DirectorySource")
struct DirectorySourceTests {
    @Test("reads manifest.json exactly, and blobs named by their hex")
    func singleImage() async throws {
        try await withTemporaryDirectory { directory in
            let dir = try DirectoryBuilder(in: directory)
            let image = try dir.addImage(layers: ["layer".utf8Bytes])
            try dir.writeTopManifest(image.manifestBytes)
            let source = dir.source
            #expect(source.imageName == .directory(path: dir.path))
            let manifest = try await source.rootManifest()
            #expect(manifest.bytes == image.manifestBytes)
            #expect(manifest.digest == image.manifest.digest)
            #expect(try await source.blob(image.layers[0], limit: 100) == "layer".utf8Bytes)
            try await source.verifyBlob(image.config) { _ in }
        }
    }

    @Test("a missing manifest.json is notFound naming the directory")
    func missingManifest() async throws {
        try await withTemporaryDirectory { directory in
            let dir = try DirectoryBuilder(in: directory)
            let error = await ociError { _ = try await dir.source.rootManifest() }
            #expect(error?.code == .notFound)
            #expect(error?.reason.contains(dir.path) == true)
            #expect(error?.reason.contains("not a dir: image") == true)
        }
    }

    @Test("an invalid manifest.json is rejected naming the file")
    func invalidManifest() async throws {
        try await withTemporaryDirectory { directory in
            let dir = try DirectoryBuilder(in: directory)
            try dir.writeTopManifest(#"{"schemaVersion":1,"fsLayers":[]}"#.utf8Bytes)
            let error = await ociError { _ = try await dir.source.rootManifest() }
            #expect(error?.code == .unsupportedMediaType)
            #expect(error?.reason.contains("manifest.json") == true)
        }
    }

    @Test("instance manifests are read from <hex>.manifest.json")
    func instanceManifests() async throws {
        try await withTemporaryDirectory { directory in
            let multi = try MultiDirectory(in: directory)
            let source = multi.dir.source
            let root = try await source.rootManifest()
            #expect(root.mediaType == .ociIndex)
            #expect(root.bytes == multi.indexBytes)
            let instance = try await source.manifest(for: multi.arm64.manifest)
            #expect(instance.bytes == multi.arm64.manifestBytes)
            #expect(FileManager.default.fileExists(atPath: "\(multi.dir.path)/\(multi.arm64.manifest.digest.encoded).manifest.json"))
        }
    }

    @Test("a tampered instance manifest is a digestMismatch")
    func tamperedInstance() async throws {
        try await withTemporaryDirectory { directory in
            let multi = try MultiDirectory(in: directory)
            let path = "\(multi.dir.path)/\(multi.amd64.manifest.digest.encoded).manifest.json"
            try flipByte(in: path, at: 3)
            let error = await ociError { _ = try await multi.dir.source.manifest(for: multi.amd64.manifest) }
            #expect(error?.code == .digestMismatch)
            #expect(error?.reason.contains(multi.amd64.manifest.digest.description) == true)
        }
    }

    @Test("an instance manifest is checked against the descriptor's size and media type")
    func instanceDescriptorChecks() async throws {
        try await withTemporaryDirectory { directory in
            let multi = try MultiDirectory(in: directory)
            var wrongSize = multi.amd64.manifest
            wrongSize.size += 1
            await #expect(throws: OCIError(code: .sizeMismatch)) { try await multi.dir.source.manifest(for: wrongSize) }
            var wrongType = multi.amd64.manifest
            wrongType.mediaType = .dockerManifest
            await #expect(throws: OCIError(code: .invalidManifest)) { try await multi.dir.source.manifest(for: wrongType) }
            let absent = Descriptor(mediaType: .ociManifest, bytes: "absent".utf8Bytes)
            await #expect(throws: OCIError(code: .notFound)) { try await multi.dir.source.manifest(for: absent) }
        }
    }

    @Test("signatures are read from signature-1 up to the first gap")
    func signaturesUntilGap() async throws {
        try await withTemporaryDirectory { directory in
            let dir = try DirectoryBuilder(in: directory)
            let image = try dir.addImage(layers: [])
            try dir.writeTopManifest(image.manifestBytes)
            let source = dir.source
            let digest = image.manifest.digest
            #expect(try await source.signatures(for: digest, instance: false).isEmpty)
            try dir.writeSignature("one".utf8Bytes, number: 1)
            try dir.writeSignature("two".utf8Bytes, number: 2)
            try dir.writeSignature("four".utf8Bytes, number: 4)
            #expect(try await source.signatures(for: digest, instance: false) == ["one".utf8Bytes, "two".utf8Bytes])
            // Instance signatures of the same digest are separate files, and not there.
            #expect(try await source.signatures(for: digest, instance: true).isEmpty)
        }
    }

    @Test("a directory without signature-1 has no signatures, even with signature-2")
    func noFirstSignature() async throws {
        try await withTemporaryDirectory { directory in
            let dir = try DirectoryBuilder(in: directory)
            try dir.writeSignature("two".utf8Bytes, number: 2)
            #expect(try await dir.source.signatures(for: Digest.compute([]), instance: false).isEmpty)
        }
    }

    @Test("instance signatures are <hex>.signature-N, kept apart from the top-level ones")
    func instanceSignatures() async throws {
        try await withTemporaryDirectory { directory in
            let multi = try MultiDirectory(in: directory)
            let source = multi.dir.source
            let amd64 = multi.amd64.manifest.digest, arm64 = multi.arm64.manifest.digest
            try multi.dir.writeSignature("top".utf8Bytes, number: 1)
            try multi.dir.writeSignature("amd64-1".utf8Bytes, number: 1, instance: amd64)
            try multi.dir.writeSignature("amd64-2".utf8Bytes, number: 2, instance: amd64)
            try multi.dir.writeSignature("arm64-2".utf8Bytes, number: 2, instance: arm64)
            #expect(try await source.signatures(for: amd64, instance: true) == ["amd64-1".utf8Bytes, "amd64-2".utf8Bytes])
            #expect(try await source.signatures(for: arm64, instance: true).isEmpty)
            #expect(try await source.signatures(for: amd64, instance: false) == ["top".utf8Bytes])
            #expect(DirectoryLayout(path: "/d").signaturePath(instance: amd64, number: 3) == "/d/\(amd64.encoded).signature-3")
            #expect(DirectoryLayout(path: "/d").signaturePath(instance: nil, number: 3) == "/d/signature-3")
        }
    }

    @Test("at most 128 signatures are read; a 129th is tooLarge")
    func signatureCount() async throws {
        try await withTemporaryDirectory { directory in
            let dir = try DirectoryBuilder(in: directory)
            for number in 1...DirectoryLayout.maxSignatures {
                try dir.writeSignature([UInt8(number & 0xFF)], number: number)
            }
            let digest = Digest.compute([])
            #expect(try await dir.source.signatures(for: digest, instance: false).count == DirectoryLayout.maxSignatures)
            try dir.writeSignature([0], number: DirectoryLayout.maxSignatures + 1)
            await #expect(throws: OCIError(code: .tooLarge)) { try await dir.source.signatures(for: digest, instance: false) }
        }
    }

    @Test("a signature over 4 MiB is tooLarge")
    func signatureSize() async throws {
        try await withTemporaryDirectory { directory in
            let dir = try DirectoryBuilder(in: directory)
            try dir.writeSignature([UInt8](repeating: 1, count: DirectoryLayout.maxSignatureBytes + 1), number: 1)
            await #expect(throws: OCIError(code: .tooLarge)) { try await dir.source.signatures(for: Digest.compute([]), instance: false) }
        }
    }
}

@Suite("DirectorySource on skopeo fixtures", .enabled(if: PeerTool.availableOrCI("skopeo", "umoci")))
struct DirectorySourceFixtureTests {
    @Test("reads the same root manifest bytes as skopeo, with the right type", arguments: [
        ("dir-single", MediaType.ociManifest),
        ("dir-single-v2s2", MediaType.dockerManifest),
        ("dir-multi", MediaType.ociIndex),
        ("dir-docker-list", MediaType.dockerManifestList),
    ])
    func rootManifest(fixture: String, type: MediaType) async throws {
        let path = try Fixtures.path(fixture)
        let manifest = try await DirectorySource(path: path).rootManifest()
        #expect(manifest.mediaType == type)
        #expect(manifest.bytes == (try RealFixtures.skopeoRaw("dir:" + path)))
        #expect(manifest.digest.description == (try RealFixtures.skopeoManifestDigest(ofFile: path + "/manifest.json")))
    }

    @Test("every instance of skopeo's --all copies is read and verified", arguments: ["dir-multi", "dir-docker-list"])
    func instances(fixture: String) async throws {
        let source = DirectorySource(path: try Fixtures.path(fixture))
        let tree = try await ImageTree.load(from: source)
        #expect(tree.root.children.count == 2)
        #expect(tree.root.children.map { $0.descriptor?.platform?.description } == ["linux/amd64", "linux/arm64/v8"])
        let result = try await tree.verifyBlobs(in: source)
        #expect(result.blobs == 5)  // two configs, the shared base layer once, two platform layers
    }

    @Test("a tampered dir: layer fails verification naming the blob")
    func tampered() async throws {
        let tampered = try RealFixtures.marker("dir-tampered.TAMPERED")
        let source = DirectorySource(path: try Fixtures.path("dir-tampered"))
        let tree = try await ImageTree.load(from: source)
        let error = await ociError { _ = try await tree.verifyBlobs(in: source) }
        #expect(error?.code == .digestMismatch)
        #expect(error?.reason.contains(tampered) == true)
    }
}
