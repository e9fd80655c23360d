import CustodyFormats
import CustodyJSON
import CustodyOCI
import Foundation
import Testing

/// Loads a containers/image fixture copied into this target's vectors.
private func fixture(_ name: String) throws -> [UInt8] {
    let url = try #require(
        Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Vectors/containers-image")
            ?? Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "containers-image"))
    return Array(try Data(contentsOf: url))
}

private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

/// Shared inputs: the real cosign signature of containers/image's `dir-img-cosign-valid` fixture
/// (made by cosign; payload with `"optional":null`), and hand-built attachment manifests shaped
/// exactly like the ones each tool writes.
private enum M {
    /// The fixture's signature, decoded from its `sigstore-json` framing.
    static func cosignSignature() throws -> SigstoreSignature {
        guard case .sigstore(let signature) = try SignatureBlob(bytes: try fixture("dir-img-cosign-valid_signature-1")) else {
            throw SimpleSigningError(.invalidClaim, "the fixture is not a sigstore signature")
        }
        return signature
    }

    static let signatureValue = "MEYCIQDmtamqYPjMg81nqeBhptrPls44aA/r7PwLmspINJY4MwIhANKRpqe2E9UCBtGFdPoz/8jAbaQm4uP4h+IpwKTE6ClR"
    static let otherPayload = Array(#"{"critical":{"identity":{"docker-reference":"example.com/app"},"image":{"docker-manifest-digest":"sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00"},"type":"cosign container image signature"},"optional":{"sig":"2"}}"#.utf8)

    /// cosign's empty signature image config after one `mutate.Append` (go-containerregistry
    /// `v1.ConfigFile` member order; zero `Time` values written as Go writes them).
    static func cosignConfig(_ diffIDs: [Digest]) -> [UInt8] {
        let history = Array(repeating: #"{"created":"0001-01-01T00:00:00Z"}"#, count: diffIDs.count).joined(separator: ",")
        let ids = diffIDs.map { "\"\($0)\"" }.joined(separator: ",")
        return Array(#"{"architecture":"","created":"0001-01-01T00:00:00Z","history":[\#(history)],"os":"","rootfs":{"type":"layers","diff_ids":[\#(ids)]},"config":{}}"#.utf8)
    }

    /// A `.sig` manifest as cosign writes it (go-containerregistry `v1.Manifest` and
    /// `v1.Descriptor`: members `mediaType`, `size`, `digest`, `annotations`), following
    /// sigstore/cosign `specs/SIGNATURE_SPEC.md` and `pkg/oci/empty`, `pkg/oci/mutate`.
    static func cosignManifest(config: [UInt8], layers: [(MediaType, [UInt8], [String: String])]) -> [UInt8] {
        let configJSON = #"{"mediaType":"application/vnd.oci.image.config.v1+json","size":\#(config.count),"digest":"\#(Digest.compute(config))"}"#
        let layerJSON = layers.map { type, blob, annotations in
            var layer = #"{"mediaType":"\#(type)","size":\#(blob.count),"digest":"\#(Digest.compute(blob))""#
            if !annotations.isEmpty {
                layer += #","annotations":{"# + annotations.sorted { $0.key < $1.key }.map { #""\#($0.key)":"\#($0.value)""# }.joined(separator: ",") + "}"
            }
            return layer + "}"
        }
        return Array(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":\#(configJSON),"layers":[\#(layerJSON.joined(separator: ","))]}"#.utf8)
    }

    /// The config containers/image writes for a new attachment (`imgspecv1.Image` with only
    /// `RootFS` set: image-spec v1.1 member order), containers/image
    /// `docker/docker_image_dest.go` `putSignaturesToSigstoreAttachments`.
    static func containersImageConfig(_ diffIDs: [Digest]) -> [UInt8] {
        let ids = diffIDs.map { "\"\($0)\"" }.joined(separator: ",")
        return Array(#"{"architecture":"","os":"","config":{},"rootfs":{"type":"layers","diff_ids":[\#(ids)]}}"#.utf8)
    }

    /// A `.sig` manifest as containers/image writes it (`imgspecv1.Manifest` and
    /// `imgspecv1.Descriptor`: members `mediaType`, `digest`, `size`, `annotations`).
    static func containersImageManifest(config: [UInt8], layers: [(MediaType, [UInt8], [String: String])]) -> [UInt8] {
        let configJSON = #"{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\#(Digest.compute(config))","size":\#(config.count)}"#
        let layerJSON = layers.map { type, blob, annotations in
            var layer = #"{"mediaType":"\#(type)","digest":"\#(Digest.compute(blob))","size":\#(blob.count)"#
            if !annotations.isEmpty {
                layer += #","annotations":{"# + annotations.sorted { $0.key < $1.key }.map { #""\#($0.key)":"\#($0.value)""# }.joined(separator: ",") + "}"
            }
            return layer + "}"
        }
        return Array(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":\#(configJSON),"layers":[\#(layerJSON.joined(separator: ","))]}"#.utf8)
    }

    static func attachment(_ bytes: [UInt8]) throws -> CosignSignatureManifest {
        try CosignSignatureManifest(manifest: try Manifest(bytes: bytes, declaredMediaType: .ociManifest))
    }

    /// A fetch over in-memory blobs that fails for unknown digests.
    static func fetcher(_ blobs: [[UInt8]]) -> (Descriptor) async throws -> [UInt8] {
        let byDigest = Dictionary(blobs.map { (Digest.compute($0), $0) }, uniquingKeysWith: { first, _ in first })
        return { descriptor in
            guard let blob = byDigest[descriptor.digest] else { throw SimpleSigningError(.invalidAttachment, "no blob \(descriptor.digest)") }
            return blob
        }
    }
}

@Suite("CosignSignatureManifest: reading cosign's .sig attachments")
struct CosignSignatureManifestReadTests {
    @Test("the tag is the digest with - for :, then .sig")
    func tag() throws {
        let digest = try Digest(parsing: "sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00")
        #expect(CosignSignatureManifest.tag(for: digest) == "sha256-634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00.sig")
    }

    @Test("a manifest shaped as cosign writes it yields the same signature containers/image framed")
    func cosignShaped() async throws {
        let signature = try M.cosignSignature()
        let config = M.cosignConfig([Digest.compute(signature.untrustedPayload)])
        let manifest = try M.attachment(M.cosignManifest(
            config: config, layers: [(.cosignSimpleSigning, signature.untrustedPayload, signature.untrustedAnnotations)]))
        #expect(manifest.layers.count == 1)
        #expect(manifest.config.mediaType == .ociConfig)
        #expect(try manifest.signature(atLayer: 0, blob: signature.untrustedPayload) == signature)
        let read = await manifest.signatures(fetchingBlobsWith: M.fetcher([signature.untrustedPayload]))
        #expect(read.count == 1)
        #expect(try read[0].get() == signature)
    }

    @Test("a manifest shaped as containers/image writes it, two signatures, read in order")
    func containersImageShaped() async throws {
        let first = try M.cosignSignature()
        let second = SigstoreSignature(
            mimeType: MediaType.cosignSimpleSigning.rawValue, payload: M.otherPayload,
            annotations: [CosignAnnotation.signature: "AAAA", CosignAnnotation.bundle: "{}"])
        let config = M.containersImageConfig([Digest.compute(first.untrustedPayload), Digest.compute(second.untrustedPayload)])
        let manifest = try M.attachment(M.containersImageManifest(config: config, layers: [
            (.cosignSimpleSigning, first.untrustedPayload, first.untrustedAnnotations),
            (.cosignSimpleSigning, second.untrustedPayload, second.untrustedAnnotations),
        ]))
        let read = await manifest.signatures(fetchingBlobsWith: M.fetcher([first.untrustedPayload, second.untrustedPayload]))
        #expect(try read.map { try $0.get() } == [first, second])
    }

    static let wrongManifests: [(String, String)] = [
        (#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},"layers":[]}"#,
         "application/vnd.docker.distribution.manifest.v2+json"),
        (#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#,
         "application/vnd.oci.image.index.v1+json"),
    ]

    @Test("a manifest of another media type is refused, naming it", arguments: wrongManifests)
    func wrongManifestMediaType(_ json: String, _ mediaType: String) throws {
        let manifest = try Manifest(bytes: Array(json.utf8))
        #expect {
            try CosignSignatureManifest(manifest: manifest)
        } throws: { error in
            guard let error = error as? SimpleSigningError else { return false }
            return error.code == .unexpectedMediaType
                && error.reason.contains("unexpected MIME type for sigstore attachment manifest") && error.reason.contains(mediaType)
        }
    }

    @Test("1000 layers are read; 1001 are refused")
    func layerLimit() throws {
        let signature = try M.cosignSignature()
        let config = M.cosignConfig([])
        let layer = (MediaType.cosignSimpleSigning, signature.untrustedPayload, signature.untrustedAnnotations)
        let thousand = try M.attachment(M.cosignManifest(config: config, layers: Array(repeating: layer, count: 1000)))
        #expect(thousand.layers.count == 1000)
        #expect {
            try M.attachment(M.cosignManifest(config: config, layers: Array(repeating: layer, count: 1001)))
        } throws: { error in
            guard let error = error as? SimpleSigningError else { return false }
            return error.code == .tooLarge && error.reason.contains("1001 layers")
        }
    }

    @Test("annotations that are not a string map make the manifest itself invalid, naming the member")
    func garbageAnnotations() throws {
        let json = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},"layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","annotations":{"dev.cosignproject.cosign/signature":5}}]}"#
        #expect {
            try Manifest(bytes: Array(json.utf8))
        } throws: { error in
            guard let error = error as? OCIError else { return false }
            return error.code == .invalidManifest && error.reason.contains("annotations")
        }
    }

    @Test("each bad layer is reported for itself, with its reason, and the good layers are still read")
    func perLayerProblems() async throws {
        let good = try M.cosignSignature()
        let blob = good.untrustedPayload
        let otherAttachment = Array("this is not a signature, regardless of the annotation".utf8)
        let huge = [UInt8](repeating: 0x20, count: CosignSignatureManifest.maxLayerBytes + 1)
        let layers: [(MediaType, [UInt8], [String: String])] = [
            (.cosignSimpleSigning, blob, good.untrustedAnnotations),                             // 1 good
            ("text/plain", otherAttachment, [CosignAnnotation.signature: M.signatureValue]),    // 2 wrong media type
            (.cosignSimpleSigning, M.otherPayload, [CosignAnnotation.bundle: "{}"]),              // 3 no signature annotation
            (.cosignSimpleSigning, M.otherPayload, [CosignAnnotation.signature: "!!not base64!!"]),  // 4 garbage base64
            (.cosignSimpleSigning, M.otherPayload, [CosignAnnotation.signature: "MEYCIQ"]),      // 5 unpadded base64
            (.cosignSimpleSigning, huge, [CosignAnnotation.signature: M.signatureValue]),        // 6 over 4 MiB
            (.cosignSimpleSigning, Array("unknown".utf8), [CosignAnnotation.signature: M.signatureValue]),  // 7 fetch fails
            (.cosignSimpleSigning, blob, good.untrustedAnnotations),                             // 8 good again
        ]
        let manifest = try M.attachment(M.cosignManifest(config: M.cosignConfig([]), layers: layers))
        let fetched = FetchLog()
        let fetch = M.fetcher([blob, otherAttachment, M.otherPayload, huge])
        let read = await manifest.signatures { descriptor in
            await fetched.add(descriptor.digest)
            return try await fetch(descriptor)
        }
        #expect(read.count == 8)
        func failure(_ index: Int) -> SimpleSigningError? {
            if case .failure(let error) = read[index] { return error }
            return nil
        }
        #expect(try read[0].get() == good)
        #expect(try read[7].get() == good)
        #expect(failure(1)?.code == .unexpectedMediaType)
        #expect(failure(1)?.reason.contains("layer 2 (\(Digest.compute(otherAttachment)))") == true)
        #expect(failure(1)?.reason.contains("text/plain") == true)
        #expect(failure(2)?.code == .missingSignatureAnnotation)
        #expect(failure(2)?.reason.contains("layer 3") == true)
        #expect(failure(2)?.reason.contains("missing dev.cosignproject.cosign/signature annotation") == true)
        #expect(failure(3)?.code == .invalidSignatureEncoding)
        #expect(failure(3)?.reason.contains("layer 4") == true)
        #expect(failure(4)?.code == .invalidSignatureEncoding)
        #expect(failure(5)?.code == .tooLarge)
        #expect(failure(5)?.reason.contains("layer 6") == true)
        #expect(failure(5)?.reason.contains("\(CosignSignatureManifest.maxLayerBytes + 1) bytes") == true)
        #expect(failure(6)?.code == .invalidAttachment)
        #expect(failure(6)?.reason.contains("layer 7") == true)
        #expect(failure(6)?.reason.contains("cannot be read") == true)
        // Layers refused from their descriptor are never fetched.
        let digests = await fetched.digests
        #expect(!digests.contains(Digest.compute(huge)))
        #expect(!digests.contains(Digest.compute(otherAttachment)))
    }

    @Test("a blob that does not match its layer descriptor is refused for that layer")
    func blobMismatch() throws {
        let good = try M.cosignSignature()
        let manifest = try M.attachment(M.cosignManifest(
            config: M.cosignConfig([]), layers: [(.cosignSimpleSigning, good.untrustedPayload, good.untrustedAnnotations)]))
        var tampered = good.untrustedPayload
        tampered[10] ^= 1
        #expect {
            try manifest.signature(atLayer: 0, blob: tampered)
        } throws: { error in
            guard let error = error as? SimpleSigningError else { return false }
            return error.code == .invalidAttachment && error.reason.contains("layer 1")
        }
        #expect(throws: SimpleSigningError(.invalidAttachment, "")) {
            try manifest.signature(atLayer: 0, blob: Array(good.untrustedPayload.dropLast()))
        }
    }

    @Test("the claim's optional members as strings: strings as they are, other JSON as its text (sigstore payload_test.go vectors)")
    func untrustedAnnotations() throws {
        // sigstore/sigstore pkg/signature/payload/payload_test.go, TestMarshalCosign "arbitrary claims" (commit bd0ad712).
        let payload = #"{"critical":{"identity":{"docker-reference":"example.com/cosign/test/image"},"image":{"docker-manifest-digest":"sha256:d34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33f"},"type":"cosign container image signature"},"optional":{"CamelCase WithSpace":8.314,"creator":"anyone","some_struct":{"false":true,"foo":"bar","nothing":null}}}"#
        let claim = try UntrustedSimpleSigningClaim(payload: Array(payload.utf8), type: .cosign)
        #expect(claim.untrustedAnnotations == [
            "CamelCase WithSpace": "8.314", "creator": "anyone", "some_struct": #"{"false":true,"foo":"bar","nothing":null}"#,
        ])
        let none = #"{"critical":{"identity":{"docker-reference":"example.com/test/image"},"image":{"docker-manifest-digest":"sha256:d34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33f"},"type":"cosign container image signature"},"optional":null}"#
        #expect(try UntrustedSimpleSigningClaim(payload: Array(none.utf8), type: .cosign).untrustedAnnotations.isEmpty)
    }
}

extension Manifest {
    /// The number of layers of an image manifest (0 for an index).
    fileprivate var layerCount: Int {
        if case .image(let image) = content { return image.layers.count }
        return 0
    }
}

/// Records which blobs a test fetch was asked for.
private actor FetchLog {
    var digests: [Digest] = []
    func add(_ digest: Digest) { digests.append(digest) }
}

@Suite("CosignSignatureManifest: appending signatures")
struct CosignSignatureManifestAppendTests {
    private func appended(_ result: CosignAttachmentAppend) throws -> CosignAttachmentUpdate {
        guard case .appended(let update) = result else {
            throw SimpleSigningError(.invalidAttachment, "expected a new layer, got \(result)")
        }
        return update
    }

    @Test("a new attachment: cosign's config, an OCI manifest with containers/image's descriptors; read back")
    func newAttachment() throws {
        let signature = try M.cosignSignature()
        let update = try appended(try CosignSignatureManifest.appending(signature, to: nil))
        let payloadDigest = Digest.compute(signature.untrustedPayload)
        #expect(update.config == M.cosignConfig([payloadDigest]))
        #expect(update.configDescriptor == Descriptor(mediaType: .ociConfig, bytes: update.config))
        #expect(update.payload == signature.untrustedPayload)
        #expect(update.payloadDescriptor.digest == payloadDigest)
        #expect(update.payloadDescriptor.size == Int64(signature.untrustedPayload.count))
        #expect(update.payloadDescriptor.annotations == signature.untrustedAnnotations)
        #expect(update.manifestBytes == M.containersImageManifest(
            config: update.config, layers: [(.cosignSimpleSigning, signature.untrustedPayload, signature.untrustedAnnotations)]))
        #expect(update.manifest.digest == Digest.compute(update.manifestBytes))

        let read = try CosignSignatureManifest(manifest: update.manifest)
        #expect(try read.signature(atLayer: 0, blob: update.payload) == signature)
    }

    @Test("appending to cosign's attachment keeps every existing member and descriptor byte for byte; history grows with diff_ids")
    func appendToCosign() throws {
        let first = try M.cosignSignature()
        let config = M.cosignConfig([Digest.compute(first.untrustedPayload)])
        let existingBytes = M.cosignManifest(config: config, layers: [(.cosignSimpleSigning, first.untrustedPayload, first.untrustedAnnotations)])
        let existing = try M.attachment(existingBytes)
        let second = SigstoreSignature(
            mimeType: MediaType.cosignSimpleSigning.rawValue, payload: M.otherPayload,
            annotations: [CosignAnnotation.signature: "AAAA", "note": "a<b&c>d"])
        let update = try appended(try CosignSignatureManifest.appending(second, to: (existing, config)))

        #expect(update.config == M.cosignConfig([Digest.compute(first.untrustedPayload), Digest.compute(M.otherPayload)]))
        // The old layer's descriptor text is kept (cosign's member order); the new one follows in
        // containers/image's order, annotations sorted and escaped as Go escapes them.
        let oldLayer = #"{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":\#(first.untrustedPayload.count),"digest":"\#(Digest.compute(first.untrustedPayload))","annotations":{"dev.cosignproject.cosign/signature":"\#(M.signatureValue)"}}"#
        let newLayer = #"{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","digest":"\#(Digest.compute(M.otherPayload))","size":\#(M.otherPayload.count),"annotations":{"dev.cosignproject.cosign/signature":"AAAA","note":"a\u003cb\u0026c\u003ed"}}"#
        let newConfig = #"{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\#(Digest.compute(update.config))","size":\#(update.config.count)}"#
        #expect(text(update.manifestBytes)
            == #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":\#(newConfig),"layers":[\#(oldLayer),\#(newLayer)]}"#)

        let read = try CosignSignatureManifest(manifest: update.manifest)
        #expect(read.layers.count == 2)
        #expect(try read.signature(atLayer: 0, blob: first.untrustedPayload) == first)
        #expect(try read.signature(atLayer: 1, blob: M.otherPayload) == second)
    }

    @Test("appending to containers/image's attachment: no history is invented; other members (subject, annotations) are kept")
    func appendToContainersImage() throws {
        let first = try M.cosignSignature()
        let config = M.containersImageConfig([Digest.compute(first.untrustedPayload)])
        var existingText = text(M.containersImageManifest(config: config, layers: [(.cosignSimpleSigning, first.untrustedPayload, first.untrustedAnnotations)]))
        existingText.removeLast()
        existingText += #","annotations":{"org.example":"kept"},"x-unknown":[1,2.50,{"y":null}]}"#
        let existing = try M.attachment(Array(existingText.utf8))
        let second = SigstoreSignature(mimeType: MediaType.cosignSimpleSigning.rawValue, payload: M.otherPayload, annotations: [CosignAnnotation.signature: "AAAA"])
        let update = try appended(try CosignSignatureManifest.appending(second, to: (existing, config)))
        #expect(update.config == M.containersImageConfig([Digest.compute(first.untrustedPayload), Digest.compute(M.otherPayload)]))
        let manifestText = text(update.manifestBytes)
        #expect(manifestText.hasSuffix(#"],"annotations":{"org.example":"kept"},"x-unknown":[1,2.50,{"y":null}]}"#))
        #expect(manifestText.contains(#"{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","digest":"\#(Digest.compute(first.untrustedPayload))","size":\#(first.untrustedPayload.count),"annotations":{"dev.cosignproject.cosign/signature":"\#(M.signatureValue)"}}"#))
        #expect(try CosignSignatureManifest(manifest: update.manifest).layers.count == 2)
    }

    @Test("a signature already there (same media type, size, digest, annotations) is not appended again")
    func duplicate() throws {
        let first = try M.cosignSignature()
        let config = M.cosignConfig([Digest.compute(first.untrustedPayload)])
        let other = SigstoreSignature(mimeType: MediaType.cosignSimpleSigning.rawValue, payload: M.otherPayload, annotations: [CosignAnnotation.signature: "AAAA"])
        let existing = try M.attachment(M.cosignManifest(config: config, layers: [
            (.cosignSimpleSigning, M.otherPayload, other.untrustedAnnotations),
            (.cosignSimpleSigning, first.untrustedPayload, first.untrustedAnnotations),
        ]))
        #expect(try CosignSignatureManifest.appending(first, to: (existing, config)) == .alreadyPresent(layerIndex: 1))
        #expect(try CosignSignatureManifest.appending(other, to: (existing, config)) == .alreadyPresent(layerIndex: 0))
        // Same payload, other annotations (a second signature over the same payload): appended.
        let resigned = SigstoreSignature(mimeType: first.untrustedMIMEType, payload: first.untrustedPayload, annotations: [CosignAnnotation.signature: "BBBB"])
        #expect(try appended(try CosignSignatureManifest.appending(resigned, to: (existing, config))).manifest.layerCount == 3)
        // Same payload and annotations, other media type: appended.
        let retyped = SigstoreSignature(mimeType: "text/plain", payload: first.untrustedPayload, annotations: first.untrustedAnnotations)
        #expect(try appended(try CosignSignatureManifest.appending(retyped, to: (existing, config))).manifest.layerCount == 3)
    }

    @Test("a manifest holding 1000 layers takes no more")
    func fullManifest() throws {
        let first = try M.cosignSignature()
        let config = M.cosignConfig([])
        let existing = try M.attachment(M.cosignManifest(
            config: config, layers: Array(repeating: (.cosignSimpleSigning, first.untrustedPayload, first.untrustedAnnotations), count: 1000)))
        let other = SigstoreSignature(mimeType: MediaType.cosignSimpleSigning.rawValue, payload: M.otherPayload, annotations: [CosignAnnotation.signature: "AAAA"])
        #expect(throws: SimpleSigningError(.tooLarge, "")) { try CosignSignatureManifest.appending(other, to: (existing, config)) }
        // A duplicate is still recognised.
        #expect(try CosignSignatureManifest.appending(first, to: (existing, config)) == .alreadyPresent(layerIndex: 0))
    }

    @Test("a payload over 4 MiB is refused")
    func oversizedPayload() throws {
        let huge = SigstoreSignature(
            mimeType: MediaType.cosignSimpleSigning.rawValue, payload: [UInt8](repeating: 0x20, count: CosignSignatureManifest.maxLayerBytes + 1),
            annotations: [:])
        #expect(throws: SimpleSigningError(.tooLarge, "")) { try CosignSignatureManifest.appending(huge, to: nil) }
    }

    static let badConfigs: [(String, String)] = [
        ("[]", "not a JSON object"),
        ("{", "not valid JSON"),
        (#"{"rootfs":[]}"#, "rootfs is a array"),
        (#"{"rootfs":{"type":"layers","diff_ids":{}}}"#, "rootfs.diff_ids is a object"),
        (#"{"rootfs":{"type":"layers","diff_ids":[]},"history":5}"#, "history is a number"),
    ]

    @Test("a config that is not a JSON object with a well-formed rootfs and history is refused", arguments: badConfigs)
    func badConfig(_ config: String, _ fragment: String) throws {
        let first = try M.cosignSignature()
        let bytes = Array(config.utf8)
        let existing = try M.attachment(M.cosignManifest(config: bytes, layers: [(.cosignSimpleSigning, first.untrustedPayload, first.untrustedAnnotations)]))
        let other = SigstoreSignature(mimeType: MediaType.cosignSimpleSigning.rawValue, payload: M.otherPayload, annotations: [:])
        #expect {
            try CosignSignatureManifest.appending(other, to: (existing, bytes))
        } throws: { error in
            guard let error = error as? SimpleSigningError else { return false }
            return error.code == .invalidAttachment && error.reason.contains(fragment)
        }
    }

    @Test("a config without rootfs gets one; a config that is not the manifest's is refused")
    func configChecks() throws {
        let first = try M.cosignSignature()
        let bare = Array(#"{"architecture":"amd64"}"#.utf8)
        let existing = try M.attachment(M.cosignManifest(config: bare, layers: [(.cosignSimpleSigning, first.untrustedPayload, first.untrustedAnnotations)]))
        let other = SigstoreSignature(mimeType: MediaType.cosignSimpleSigning.rawValue, payload: M.otherPayload, annotations: [:])
        let update = try appended(try CosignSignatureManifest.appending(other, to: (existing, bare)))
        #expect(text(update.config) == #"{"architecture":"amd64","rootfs":{"type":"layers","diff_ids":["\#(Digest.compute(M.otherPayload))"]}}"#)
        // New layers without annotations have no annotations member.
        #expect(text(update.manifestBytes).hasSuffix(#"{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","digest":"\#(Digest.compute(M.otherPayload))","size":\#(M.otherPayload.count)}]}"#))

        #expect {
            try CosignSignatureManifest.appending(other, to: (existing, M.cosignConfig([])))
        } throws: { error in
            guard let error = error as? SimpleSigningError else { return false }
            return error.code == .invalidAttachment && error.reason.contains("sigstore attachment config")
        }
    }
}
