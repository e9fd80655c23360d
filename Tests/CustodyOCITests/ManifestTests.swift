import CustodyOCI
import Foundation
import Testing

/// Descriptors and documents shared by the manifest tests.
private enum Sample {
    static let config = Descriptor(mediaType: .ociConfig, bytes: #"{"architecture":"amd64","os":"linux"}"#.utf8Bytes)
    static let layer = Descriptor(mediaType: ManifestJSON.layerType, bytes: "layer".utf8Bytes)
    static let configJSON = ManifestJSON.descriptor(config)
    static let layerJSON = ManifestJSON.descriptor(layer)
    static let child = Descriptor(mediaType: .ociManifest, bytes: "child".utf8Bytes)
        .on(Platform(os: "linux", architecture: "arm64", variant: "v8"))
    static let childJSON = ManifestJSON.descriptor(child)

    /// The members of an image manifest after `schemaVersion`/`mediaType`.
    static let imageBody = #""config":\#(configJSON),"layers":[\#(layerJSON)]"#
    static let indexBody = #""manifests":[\#(childJSON)]"#
}

/// A manifest document that must be rejected.
struct ManifestRejection: Sendable, CustomTestStringConvertible {
    let name: String
    let json: String
    var declared: MediaType? = nil
    let code: OCIError.Code
    var testDescription: String { "\(name) → \(code)" }
}

@Suite("Manifest media type detection")
struct ManifestMediaTypeTests {
    @Test("the mediaType member decides the type", arguments: [
        (MediaType.ociManifest, Sample.imageBody, false),
        (MediaType.dockerManifest, Sample.imageBody, false),
        (MediaType.ociIndex, Sample.indexBody, true),
        (MediaType.dockerManifestList, Sample.indexBody, true),
    ])
    func fromMember(type: MediaType, body: String, isIndex: Bool) throws {
        let manifest = try Manifest(bytes: #"{"schemaVersion":2,"mediaType":"\#(type)",\#(body)}"#.utf8Bytes)
        #expect(manifest.mediaType == type)
        switch manifest.content {
        case .image(let image):
            #expect(!isIndex)
            #expect(image.mediaType == type)
            #expect(image.config == Sample.config)
            #expect(image.layers == [Sample.layer])
            #expect(image.blobs == [Sample.config, Sample.layer])
        case .index(let index):
            #expect(isIndex)
            #expect(index.manifests == [Sample.child])
        }
    }

    @Test("an OCI manifest without mediaType is detected from config and layers")
    func imageFromShape() throws {
        let manifest = try Manifest(bytes: #"{"schemaVersion":2,\#(Sample.imageBody)}"#.utf8Bytes)
        #expect(manifest.mediaType == .ociManifest)
        guard case .image(let image) = manifest.content else { Issue.record("not an image"); return }
        #expect(image.mediaType == nil)
        // layers alone (an empty config is still required by the decoder) also say "image"
        #expect(throws: OCIError(code: .invalidManifest)) { try Manifest(bytes: #"{"schemaVersion":2,"layers":[]}"#.utf8Bytes) }
    }

    @Test("an OCI index without mediaType is detected from manifests")
    func indexFromShape() throws {
        let manifest = try Manifest(bytes: #"{"schemaVersion":2,\#(Sample.indexBody)}"#.utf8Bytes)
        #expect(manifest.mediaType == .ociIndex)
        guard case .index(let index) = manifest.content else { Issue.record("not an index"); return }
        #expect(index.manifests.first?.platform == Platform(os: "linux", architecture: "arm64", variant: "v8"))
    }

    @Test("a declared type that agrees with the document, or fills in a missing one, is accepted")
    func declaredAgrees() throws {
        let withMember = #"{"schemaVersion":2,"mediaType":"\#(MediaType.ociIndex)",\#(Sample.indexBody)}"#
        #expect(try Manifest(bytes: withMember.utf8Bytes, declaredMediaType: .ociIndex).mediaType == .ociIndex)
        let withoutMember = #"{"schemaVersion":2,\#(Sample.imageBody)}"#
        #expect(try Manifest(bytes: withoutMember.utf8Bytes, declaredMediaType: .dockerManifest).mediaType == .dockerManifest)
    }

    static let rejections: [ManifestRejection] = [
        ManifestRejection(name: "declared index, document says manifest",
                          json: #"{"schemaVersion":2,"mediaType":"\#(MediaType.ociManifest)",\#(Sample.imageBody)}"#,
                          declared: .ociIndex, code: .invalidManifest),
        ManifestRejection(name: "declared Docker manifest, document says OCI manifest",
                          json: #"{"schemaVersion":2,"mediaType":"\#(MediaType.ociManifest)",\#(Sample.imageBody)}"#,
                          declared: .dockerManifest, code: .invalidManifest),
        ManifestRejection(name: "index with layers",
                          json: #"{"schemaVersion":2,"mediaType":"\#(MediaType.ociIndex)",\#(Sample.indexBody),"layers":[]}"#,
                          code: .invalidManifest),
        ManifestRejection(name: "index with config",
                          json: #"{"schemaVersion":2,"mediaType":"\#(MediaType.dockerManifestList)",\#(Sample.indexBody),"config":\#(Sample.configJSON)}"#,
                          code: .invalidManifest),
        ManifestRejection(name: "manifest with manifests",
                          json: #"{"schemaVersion":2,"mediaType":"\#(MediaType.ociManifest)",\#(Sample.imageBody),"manifests":[]}"#,
                          code: .invalidManifest),
        ManifestRejection(name: "no mediaType, both shapes",
                          json: #"{"schemaVersion":2,\#(Sample.imageBody),\#(Sample.indexBody)}"#, code: .invalidManifest),
        ManifestRejection(name: "no mediaType, neither shape", json: #"{"schemaVersion":2}"#, code: .invalidManifest),
        ManifestRejection(name: "no mediaType, declared index, image members",
                          json: #"{"schemaVersion":2,\#(Sample.imageBody)}"#, declared: .ociIndex, code: .invalidManifest),
        ManifestRejection(name: "schemaVersion 1",
                          json: #"{"schemaVersion":1,"name":"x","tag":"latest","architecture":"amd64","fsLayers":[],"history":[]}"#,
                          code: .unsupportedMediaType),
        ManifestRejection(name: "schema 1 media type",
                          json: #"{"schemaVersion":2,"mediaType":"\#(MediaType.dockerSchema1)",\#(Sample.imageBody)}"#,
                          code: .unsupportedMediaType),
        ManifestRejection(name: "signed schema 1 media type",
                          json: #"{"schemaVersion":2,"mediaType":"\#(MediaType.dockerSchema1Signed)",\#(Sample.imageBody)}"#,
                          code: .unsupportedMediaType),
        ManifestRejection(name: "declared schema 1", json: #"{"schemaVersion":2,\#(Sample.imageBody)}"#,
                          declared: .dockerSchema1Signed, code: .unsupportedMediaType),
        ManifestRejection(name: "not a manifest media type",
                          json: #"{"schemaVersion":2,"mediaType":"\#(MediaType.ociConfig)",\#(Sample.imageBody)}"#,
                          code: .unsupportedMediaType),
        ManifestRejection(name: "declared type not a manifest", json: #"{"schemaVersion":2,\#(Sample.imageBody)}"#,
                          declared: "application/json", code: .unsupportedMediaType),
        ManifestRejection(name: "mediaType not a string", json: #"{"schemaVersion":2,"mediaType":7,\#(Sample.imageBody)}"#,
                          code: .invalidManifest),
        ManifestRejection(name: "schemaVersion 3", json: #"{"schemaVersion":3,\#(Sample.imageBody)}"#, code: .invalidManifest),
        ManifestRejection(name: "schemaVersion 0", json: #"{"schemaVersion":0,\#(Sample.imageBody)}"#, code: .invalidManifest),
        ManifestRejection(name: "schemaVersion missing", json: #"{\#(Sample.imageBody)}"#, code: .invalidManifest),
        ManifestRejection(name: "schemaVersion a string", json: #"{"schemaVersion":"2",\#(Sample.imageBody)}"#, code: .invalidManifest),
        ManifestRejection(name: "schemaVersion fractional", json: #"{"schemaVersion":2.5,\#(Sample.imageBody)}"#, code: .invalidManifest),
    ]

    @Test("rejects mismatched, ambiguous, schema 1 and unsupported documents", arguments: rejections)
    func rejects(_ row: ManifestRejection) {
        #expect(throws: OCIError(code: row.code)) { try Manifest(bytes: row.json.utf8Bytes, declaredMediaType: row.declared) }
    }
}

@Suite("Manifest parsing")
struct ManifestParsingTests {
    static let malformed: [ManifestRejection] = [
        ManifestRejection(name: "array", json: "[]", code: .invalidManifest),
        ManifestRejection(name: "string", json: #""manifest""#, code: .invalidManifest),
        ManifestRejection(name: "number", json: "2", code: .invalidManifest),
        ManifestRejection(name: "null", json: "null", code: .invalidManifest),
        ManifestRejection(name: "empty input", json: "", code: .invalidManifest),
        ManifestRejection(name: "truncated", json: #"{"schemaVersion":2,"#, code: .invalidManifest),
        ManifestRejection(name: "trailing data", json: #"{"schemaVersion":2,\#(Sample.imageBody)} {}"#, code: .invalidManifest),
        ManifestRejection(name: "duplicate top-level key",
                          json: #"{"schemaVersion":2,"schemaVersion":2,\#(Sample.imageBody)}"#, code: .invalidManifest),
        ManifestRejection(name: "duplicate mediaType with different values",
                          json: #"{"schemaVersion":2,"mediaType":"\#(MediaType.ociManifest)","mediaType":"\#(MediaType.ociIndex)",\#(Sample.imageBody)}"#,
                          code: .invalidManifest),
        ManifestRejection(name: "duplicate key inside a descriptor",
                          json: #"{"schemaVersion":2,"config":{"mediaType":"a","digest":"\#(Sample.config.digest)","size":1,"size":2},"layers":[]}"#,
                          code: .invalidManifest),
        ManifestRejection(name: "negative descriptor size",
                          json: #"{"schemaVersion":2,"config":{"mediaType":"a","digest":"\#(Sample.config.digest)","size":-1},"layers":[]}"#,
                          code: .invalidManifest),
        ManifestRejection(name: "fractional descriptor size",
                          json: #"{"schemaVersion":2,"config":{"mediaType":"a","digest":"\#(Sample.config.digest)","size":1.5},"layers":[]}"#,
                          code: .invalidManifest),
        ManifestRejection(name: "descriptor size as a string",
                          json: #"{"schemaVersion":2,"config":{"mediaType":"a","digest":"\#(Sample.config.digest)","size":"1"},"layers":[]}"#,
                          code: .invalidManifest),
        ManifestRejection(name: "descriptor with an uppercase digest",
                          json: #"{"schemaVersion":2,"config":{"mediaType":"a","digest":"\#(Sample.config.digest.description.uppercased())","size":1},"layers":[]}"#,
                          code: .invalidManifest),
        ManifestRejection(name: "descriptor with a path in its digest",
                          json: #"{"schemaVersion":2,\#(Sample.indexBody.replacingOccurrences(of: Sample.child.digest.description, with: "sha256:../../etc/passwd"))}"#,
                          code: .invalidManifest),
        ManifestRejection(name: "descriptor without a digest",
                          json: #"{"schemaVersion":2,"config":{"mediaType":"a","size":1},"layers":[]}"#, code: .invalidManifest),
        ManifestRejection(name: "image manifest without config",
                          json: #"{"schemaVersion":2,"mediaType":"\#(MediaType.ociManifest)","layers":[]}"#, code: .invalidManifest),
    ]

    @Test("rejects malformed documents and descriptors", arguments: malformed)
    func rejects(_ row: ManifestRejection) {
        #expect(throws: OCIError(code: row.code)) { try Manifest(bytes: row.json.utf8Bytes, declaredMediaType: row.declared) }
    }

    @Test("rejects invalid UTF-8, even in an unknown member's key")
    func invalidUTF8() {
        let bytes = #"{"schemaVersion":2,"#.utf8Bytes + [0x22, 0xFF, 0x22, 0x3A, 0x31, 0x2C] + #"\#(Sample.imageBody)}"#.utf8Bytes
        #expect(throws: OCIError(code: .invalidManifest)) { try Manifest(bytes: bytes) }
    }

    @Test("unknown members are ignored everywhere (OCI extensibility)")
    func unknownMembersIgnored() throws {
        let json = #"""
            {"schemaVersion":2,"x-vendor":{"nested":[1,2,3]},"mediaType":"\#(MediaType.ociManifest)",
             "config":{"mediaType":"\#(MediaType.ociConfig)","digest":"\#(Sample.config.digest)","size":\#(Sample.config.size),"future":true},
             "layers":[],"annotations":{"a":"b"},"artifactType":"application/x-custody-test",
             "subject":{"mediaType":"\#(MediaType.ociManifest)","digest":"\#(Sample.child.digest)","size":5}}
            """#
        let manifest = try Manifest(bytes: json.utf8Bytes)
        guard case .image(let image) = manifest.content else { Issue.record("not an image"); return }
        #expect(image.config == Sample.config)
        #expect(image.layers.isEmpty)
        #expect(image.annotations == ["a": "b"])
        #expect(image.artifactType == "application/x-custody-test")
        #expect(image.subject?.digest == Sample.child.digest)
    }

    @Test("the digest is over the exact bytes; bytes are kept unchanged")
    func exactBytes() throws {
        let compact = #"{"schemaVersion":2,"mediaType":"\#(MediaType.ociManifest)",\#(Sample.imageBody)}"#
        let spaced = "{\n  \"schemaVersion\": 2,\n  \"mediaType\": \"\(MediaType.ociManifest)\",\n  \(Sample.imageBody)\n}\n"
        let reordered = #"{\#(Sample.imageBody),"mediaType":"\#(MediaType.ociManifest)","schemaVersion":2}"#
        let manifests = try [compact, spaced, reordered].map { try Manifest(bytes: $0.utf8Bytes) }
        for (manifest, text) in zip(manifests, [compact, spaced, reordered]) {
            #expect(manifest.bytes == text.utf8Bytes)
            #expect(manifest.digest == Digest.compute(text.utf8Bytes))
            #expect(manifest.descriptor == Descriptor(mediaType: .ociManifest, bytes: text.utf8Bytes))
        }
        #expect(manifests[0].content == manifests[1].content)
        #expect(manifests[0].content == manifests[2].content)
        #expect(Set(manifests.map(\.digest)).count == 3)
    }

    @Test("verify(against:) accepts its own descriptor and rejects another")
    func verifyAgainstDescriptor() throws {
        let manifest = try Manifest(bytes: #"{"schemaVersion":2,\#(Sample.indexBody)}"#.utf8Bytes)
        try manifest.verify(against: manifest.descriptor)
        var wrongDigest = manifest.descriptor
        wrongDigest.digest = Sample.config.digest
        #expect(throws: OCIError(code: .digestMismatch)) { try manifest.verify(against: wrongDigest) }
        var wrongSize = manifest.descriptor
        wrongSize.size += 1
        #expect(throws: OCIError(code: .sizeMismatch)) { try manifest.verify(against: wrongSize) }
    }

    /// A valid manifest padded with trailing spaces to exactly `size` bytes.
    static func padded(to size: Int) -> [UInt8] {
        let body = #"{"schemaVersion":2,\#(Sample.imageBody)}"#.utf8Bytes
        return body + [UInt8](repeating: 0x20, count: size - body.count)
    }

    @Test("a manifest of exactly 4 MiB is accepted; one byte more is tooLarge")
    func sizeLimit() throws {
        #expect(Manifest.maxBytes == 4 * 1024 * 1024)
        #expect(try Manifest(bytes: Self.padded(to: Manifest.maxBytes)).bytes.count == Manifest.maxBytes)
        #expect(throws: OCIError(code: .tooLarge)) { try Manifest(bytes: Self.padded(to: Manifest.maxBytes + 1)) }
    }

    @Test("Docker schema 2 manifest and manifest list parse")
    func dockerSchema2() throws {
        let config = Descriptor(mediaType: .dockerConfig, bytes: "{}".utf8Bytes)
        let layer = Descriptor(mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", bytes: "gz".utf8Bytes)
        let manifestText = """
            {
               "schemaVersion": 2,
               "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
               "config": \(ManifestJSON.descriptor(config)),
               "layers": [\(ManifestJSON.descriptor(layer))]
            }
            """
        let manifest = try Manifest(bytes: manifestText.utf8Bytes)
        #expect(manifest.mediaType == .dockerManifest)
        #expect(manifest.mediaType.isImageManifest)
        guard case .image(let image) = manifest.content else { Issue.record("not an image"); return }
        #expect(image.blobs == [config, layer])

        let entry = manifest.descriptor.on(Platform(os: "linux", architecture: "arm", variant: "v7"))
        let listText = #"""
            {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json",
             "manifests":[{"mediaType":"\#(MediaType.dockerManifest)","digest":"\#(entry.digest)","size":\#(entry.size),
                           "platform":{"architecture":"arm","os":"linux","variant":"v7","os.version":"1","os.features":["f"]}}]}
            """#
        let list = try Manifest(bytes: listText.utf8Bytes, declaredMediaType: .dockerManifestList)
        #expect(list.mediaType == .dockerManifestList)
        #expect(list.mediaType.isIndex)
        guard case .index(let index) = list.content else { Issue.record("not an index"); return }
        #expect(index.manifests.count == 1)
        #expect(index.manifests[0].digest == manifest.digest)
        #expect(index.manifests[0].platform?.osVersion == "1")
        #expect(index.manifests[0].platform?.osFeatures == ["f"])
        #expect(try index.manifest(for: Platform(os: "linux", architecture: "arm")).digest == manifest.digest)
    }
}

@Suite("Descriptor and MediaType")
struct DescriptorTests {
    @Test("a descriptor round-trips through JSONEncoder and JSONDecoder")
    func roundTrip() throws {
        let descriptor = Sample.child.named("v1")
        let decoded = try JSONDecoder().decode(Descriptor.self, from: try JSONEncoder().encode(descriptor))
        #expect(decoded == descriptor)
        #expect(decoded.annotations?[Descriptor.refNameAnnotation] == "v1")
    }

    @Test("a descriptor with a negative size or an invalid digest does not decode", arguments: [
        #"{"mediaType":"a","digest":"\#(fakeDigestString())","size":-1}"#,
        #"{"mediaType":"a","digest":"sha256:../../etc","size":1}"#,
        #"{"mediaType":"a","digest":"\#(fakeDigestString("A"))","size":1}"#,
        #"{"mediaType":"a","size":1}"#,
        #"{"digest":"\#(fakeDigestString())","size":1}"#,
    ])
    func rejects(json: String) {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Descriptor.self, from: Data(json.utf8)) }
    }

    @Test("media type classes")
    func mediaTypeClasses() {
        #expect(MediaType.ociManifest.isImageManifest && MediaType.dockerManifest.isImageManifest)
        #expect(MediaType.ociIndex.isIndex && MediaType.dockerManifestList.isIndex)
        for type in [MediaType.ociManifest, .dockerManifest, .ociIndex, .dockerManifestList] {
            #expect(type.isSupportedManifest)
        }
        for type in [MediaType.dockerSchema1, .dockerSchema1Signed, .ociConfig, .dockerConfig, .ociEmpty, "application/json"] {
            #expect(!type.isSupportedManifest)
        }
    }
}
