import CustodyJSON
import CustodyOCI

/// cosign's legacy signature attachment: the OCI image manifest stored under the tag
/// `sha256-<hex>.sig` next to the signed image, one layer per signature.
///
/// Each layer's blob is a signed payload, its media type is the payload's
/// (``MediaType/cosignSimpleSigning`` for image signatures), and its annotations carry the
/// signature (``CosignAnnotation/signature``) and, for keyless signatures, certificate, chain and
/// Rekor bundle. cosign (`pkg/oci/remote/signatures.go`) and containers/image
/// (`docker/docker_client.go`, `docker_image_src.go`, `docker_image_dest.go`) read and write it.
///
/// Reading is layer by layer: ``init(manifest:)`` checks only the manifest itself, and a bad layer
/// (an oversized blob, another media type, a missing or garbage signature annotation, a blob that
/// does not match its descriptor) is reported for that layer by ``checkLayer(at:)``,
/// ``signature(atLayer:blob:)`` or ``signatures(fetchingBlobsWith:)`` without hiding the others.
///
/// Writing follows containers/image's `putSignaturesToSigstoreAttachments`: see
/// ``appending(_:to:)``.
public struct CosignSignatureManifest: Sendable, Hashable {
    /// The most layers read or written: 1000, cosign's limit (`maxLayers`).
    public static let maxLayers = 1000
    /// The largest layer blob read or written: 4 MiB, containers/image's limit for an attachment
    /// (`iolimits.MaxSignatureBodySize`).
    public static let maxLayerBytes = 4 * 1024 * 1024
    /// The largest config blob read when appending: 4 MiB, containers/image's `MaxConfigBodySize`.
    public static let maxConfigBytes = ImageConfiguration.maxBytes

    /// The manifest, exactly as received.
    public let manifest: Manifest
    /// The config descriptor (a go-containerregistry image config; its content is not relied on).
    public let config: Descriptor
    /// The layer descriptors, in manifest order: one per attachment.
    public let layers: [Descriptor]

    /// The tag the attachment manifest of `digest` is stored under: the digest with its `:`
    /// replaced by `-`, then `.sig` (`sha256-<hex>.sig`), as cosign and containers/image name it.
    public static func tag(for digest: Digest) -> String {
        "\(digest.algorithm.rawValue)-\(digest.encoded).sig"
    }

    /// Reads an attachment manifest.
    ///
    /// - Throws: ``SimpleSigningError`` with code ``SimpleSigningError/Code/unexpectedMediaType``
    ///   when the manifest is not an OCI image manifest (containers/image refuses anything else
    ///   too), or ``SimpleSigningError/Code/tooLarge`` when it has more than ``maxLayers`` layers.
    public init(manifest: Manifest) throws(SimpleSigningError) {
        guard manifest.mediaType == .ociManifest, case .image(let image) = manifest.content else {
            throw SimpleSigningError(
                .unexpectedMediaType,
                "unexpected MIME type for sigstore attachment manifest: \(manifest.mediaType.rawValue.prefix(200)) (expected \(MediaType.ociManifest))")
        }
        guard image.layers.count <= CosignSignatureManifest.maxLayers else {
            throw SimpleSigningError(
                .tooLarge,
                "sigstore attachment manifest has \(image.layers.count) layers, over the limit of \(CosignSignatureManifest.maxLayers)")
        }
        self.manifest = manifest
        self.config = image.config
        self.layers = image.layers
    }

    /// Checks what can be checked of layer `index` before its blob is fetched: its size, its media
    /// type, and its signature annotation (present, standard base64).
    ///
    /// - Throws: ``SimpleSigningError`` naming the layer by position (from 1) and digest, with code
    ///   ``SimpleSigningError/Code/tooLarge``, ``SimpleSigningError/Code/unexpectedMediaType``,
    ///   ``SimpleSigningError/Code/missingSignatureAnnotation`` or
    ///   ``SimpleSigningError/Code/invalidSignatureEncoding``.
    /// - Precondition: `index` is a valid index of ``layers``.
    public func checkLayer(at index: Int) throws(SimpleSigningError) {
        let layer = layers[index]
        let name = Self.layerName(index, layer)
        guard layer.size <= Int64(CosignSignatureManifest.maxLayerBytes) else {
            throw SimpleSigningError(
                .tooLarge, "\(name) is \(layer.size) bytes, over the limit of \(CosignSignatureManifest.maxLayerBytes)")
        }
        guard layer.mediaType == .cosignSimpleSigning else {
            throw SimpleSigningError(
                .unexpectedMediaType,
                "\(name) has media type \(layer.mediaType.rawValue.prefix(200)), not a cosign signature (\(MediaType.cosignSimpleSigning))")
        }
        guard let encoded = layer.annotations?[CosignAnnotation.signature] else {
            throw SimpleSigningError(.missingSignatureAnnotation, "\(name): missing \(CosignAnnotation.signature) annotation")
        }
        guard CosignAnnotation.decodeSignature(encoded) != nil else {
            throw SimpleSigningError(
                .invalidSignatureEncoding, "\(name): \(CosignAnnotation.signature) annotation is not standard base64")
        }
    }

    /// The signature of layer `index`, given the layer's blob: media type, payload and
    /// annotations, as containers/image builds it (`SigstoreFromComponents`).
    ///
    /// - Throws: ``SimpleSigningError`` as ``checkLayer(at:)``, or with code
    ///   ``SimpleSigningError/Code/invalidAttachment`` when the blob does not match the layer's
    ///   size and digest.
    /// - Precondition: `index` is a valid index of ``layers``.
    public func signature(atLayer index: Int, blob: [UInt8]) throws(SimpleSigningError) -> SigstoreSignature {
        try checkLayer(at: index)
        let layer = layers[index]
        do {
            try BlobVerifier.verify(blob, against: layer)
        } catch {
            throw SimpleSigningError(.invalidAttachment, "\(Self.layerName(index, layer)): \(error.reason)")
        }
        return SigstoreSignature(mimeType: layer.mediaType.rawValue, payload: blob, annotations: layer.annotations ?? [:])
    }

    /// Every layer as a signature, or why that layer is not one, in manifest order.
    ///
    /// `fetch` is called only for layers that pass ``checkLayer(at:)``; an error it throws is
    /// reported for that layer (code ``SimpleSigningError/Code/invalidAttachment``) and the other
    /// layers are still read.
    public func signatures(
        fetchingBlobsWith fetch: (Descriptor) async throws -> [UInt8]
    ) async -> [Result<SigstoreSignature, SimpleSigningError>] {
        var results: [Result<SigstoreSignature, SimpleSigningError>] = []
        for index in layers.indices {
            do throws(SimpleSigningError) {
                try checkLayer(at: index)
            } catch {
                results.append(.failure(error))
                continue
            }
            let blob: [UInt8]
            do {
                blob = try await fetch(layers[index])
            } catch {
                results.append(.failure(SimpleSigningError(
                    .invalidAttachment, "\(Self.layerName(index, layers[index])) cannot be read: \(error)")))
                continue
            }
            results.append(Result { () throws(SimpleSigningError) in try signature(atLayer: index, blob: blob) })
        }
        return results
    }

    /// `layer 2 (sha256:…)`: positions count from 1.
    private static func layerName(_ index: Int, _ layer: Descriptor) -> String {
        "layer \(index + 1) (\(layer.digest))"
    }
}

// MARK: - Appending

/// What appending a signature to an attachment manifest produced.
public enum CosignAttachmentAppend: Sendable, Hashable {
    /// A layer with the same media type, size, digest and annotations is already in the manifest
    /// (at this position, from 0): nothing needs to be written.
    case alreadyPresent(layerIndex: Int)
    /// The blobs and manifest to upload: the payload, then the config, then the manifest under
    /// ``CosignSignatureManifest/tag(for:)``.
    case appended(CosignAttachmentUpdate)
}

/// The new state of an attachment after appending one signature.
public struct CosignAttachmentUpdate: Sendable, Hashable {
    /// The new manifest bytes, to be stored under the `.sig` tag.
    public let manifestBytes: [UInt8]
    /// The new manifest, parsed from ``manifestBytes``.
    public let manifest: Manifest
    /// The new config blob.
    public let config: [UInt8]
    /// The descriptor of ``config`` (`application/vnd.oci.image.config.v1+json`).
    public let configDescriptor: Descriptor
    /// The payload blob: the new layer.
    public let payload: [UInt8]
    /// The new layer's descriptor (media type, digest, size and annotations).
    public let payloadDescriptor: Descriptor
}

extension CosignSignatureManifest {
    /// The `created` value Go writes for a zero `time.Time`, used by go-containerregistry configs.
    static let zeroTime = "0001-01-01T00:00:00Z"

    /// Appends `signature` as a new layer, as containers/image does when it writes sigstore
    /// attachments, producing the payload blob, the new config and the new manifest.
    ///
    /// - Without an existing attachment, a new one is made in the shape cosign writes
    ///   (`pkg/oci/empty`): an OCI image manifest whose config is a go-containerregistry image
    ///   config, `{"architecture":"","created":"0001-01-01T00:00:00Z","history":[…],"os":"",
    ///   "rootfs":{"type":"layers","diff_ids":[…]},"config":{}}`.
    /// - With one, every existing member of the manifest and the config is kept, in its order, and
    ///   so is every member of every existing layer descriptor; the new layer's digest is appended
    ///   to `rootfs.diff_ids`, and when the config keeps a `history` (cosign's do) an entry is
    ///   appended to it too, so that it keeps one entry per layer.
    /// - A signature whose layer is already there (same media type, size, digest and
    ///   annotations: containers/image's rule) is not appended again: the result is
    ///   ``CosignAttachmentAppend/alreadyPresent(layerIndex:)``.
    ///
    /// New descriptors are written with the members `mediaType`, `digest`, `size`, `annotations`
    /// (annotations sorted, left out when empty), as containers/image writes them. Strings are
    /// escaped as Go's `encoding/json` escapes them; existing numbers keep their text.
    ///
    /// - Parameter existing: the attachment manifest already stored under the `.sig` tag and its
    ///   config blob, or nil when there is none.
    /// - Throws: ``SimpleSigningError``: ``SimpleSigningError/Code/tooLarge`` for a payload over
    ///   ``maxLayerBytes`` or a manifest that already has ``maxLayers`` layers,
    ///   ``SimpleSigningError/Code/invalidAttachment`` for a config that does not match its
    ///   descriptor or is not a JSON object with a well-formed `rootfs` and `history`.
    public static func appending(
        _ signature: SigstoreSignature, to existing: (manifest: CosignSignatureManifest, config: [UInt8])?
    ) throws(SimpleSigningError) -> CosignAttachmentAppend {
        let payload = signature.untrustedPayload
        guard payload.count <= maxLayerBytes else {
            throw SimpleSigningError(.tooLarge, "signature payload is \(payload.count) bytes, over the limit of \(maxLayerBytes)")
        }
        let mediaType = MediaType(rawValue: signature.untrustedMIMEType)
        let payloadDigest = Digest.compute(payload)
        if let existing {
            let match = existing.manifest.layers.firstIndex { layer in
                layer.mediaType == mediaType && layer.size == Int64(payload.count) && layer.digest == payloadDigest
                    && (layer.annotations ?? [:]) == signature.untrustedAnnotations
            }
            if let match { return .alreadyPresent(layerIndex: match) }
            guard existing.manifest.layers.count < maxLayers else {
                throw SimpleSigningError(
                    .tooLarge, "sigstore attachment manifest already has \(existing.manifest.layers.count) layers, the limit")
            }
        }
        let payloadDescriptor = Descriptor(
            mediaType: mediaType, digest: payloadDigest, size: Int64(payload.count),
            annotations: signature.untrustedAnnotations.isEmpty ? nil : signature.untrustedAnnotations)

        let config: JSONValue
        let manifest: JSONObject
        if let existing {
            config = .object(try appendedConfig(existing.config, descriptor: existing.manifest.config, diffID: payloadDigest))
            manifest = try existingManifestObject(existing.manifest.manifest)
        } else {
            config = .object(newConfig(diffID: payloadDigest))
            manifest = object([
                ("schemaVersion", .number(JSONNumber(2))),
                ("mediaType", .string(MediaType.ociManifest.rawValue)),
                ("config", .null),
                ("layers", .array([])),
            ])
        }
        let configBytes = try write(config)
        let configDescriptor = Descriptor(mediaType: .ociConfig, bytes: configBytes)

        var layers: [JSONValue] = []
        if case .array(let elements)? = manifest["layers"] { layers = elements }
        layers.append(descriptorJSON(payloadDescriptor))
        let updated = replacing(replacing(manifest, "config", with: descriptorJSON(configDescriptor)), "layers", with: .array(layers))
        let manifestBytes = try write(.object(updated))
        let parsed: Manifest
        do {
            parsed = try Manifest(bytes: manifestBytes, declaredMediaType: .ociManifest)
        } catch {
            throw SimpleSigningError(.invalidAttachment, "the new sigstore attachment manifest is not valid: \(error.reason)")
        }
        return .appended(CosignAttachmentUpdate(
            manifestBytes: manifestBytes, manifest: parsed, config: configBytes, configDescriptor: configDescriptor,
            payload: payload, payloadDescriptor: payloadDescriptor))
    }

    /// cosign's empty signature image config with one layer.
    private static func newConfig(diffID: Digest) -> JSONObject {
        object([
            ("architecture", .string("")),
            ("created", .string(zeroTime)),
            ("history", .array([.object(object([("created", .string(zeroTime))]))])),
            ("os", .string("")),
            ("rootfs", .object(object([("type", .string("layers")), ("diff_ids", .array([.string(diffID.description)]))]))),
            ("config", .object(JSONObject())),
        ])
    }

    /// The existing config with `diffID` appended to `rootfs.diff_ids` (and a `history` entry when
    /// it has a history); all other members kept in order.
    private static func appendedConfig(_ bytes: [UInt8], descriptor: Descriptor, diffID: Digest) throws(SimpleSigningError) -> JSONObject {
        guard bytes.count <= maxConfigBytes else {
            throw SimpleSigningError(.tooLarge, "sigstore attachment config is \(bytes.count) bytes, over the limit of \(maxConfigBytes)")
        }
        do {
            try BlobVerifier.verify(bytes, against: descriptor)
        } catch {
            throw SimpleSigningError(.invalidAttachment, "sigstore attachment config: \(error.reason)")
        }
        let parsed: JSONValue
        do {
            parsed = try JSONParser(limits: JSONLimits(maxDocumentBytes: maxConfigBytes)).parse(bytes)
        } catch {
            throw SimpleSigningError(.invalidAttachment, "sigstore attachment config is not valid JSON: \(error)")
        }
        guard case .object(var config) = parsed else {
            throw SimpleSigningError(.invalidAttachment, "sigstore attachment config is not a JSON object")
        }
        var rootfs = object([("type", .string("layers")), ("diff_ids", .array([]))])
        if let existing = config["rootfs"] {
            guard case .object(let value) = existing else {
                throw SimpleSigningError(.invalidAttachment, "sigstore attachment config: rootfs is a \(existing.typeName), not an object")
            }
            rootfs = value
        }
        var diffIDs: [JSONValue] = []
        if let existing = rootfs["diff_ids"] {
            guard case .array(let values) = existing else {
                throw SimpleSigningError(.invalidAttachment, "sigstore attachment config: rootfs.diff_ids is a \(existing.typeName), not an array")
            }
            diffIDs = values
        }
        rootfs = replacing(rootfs, "diff_ids", with: .array(diffIDs + [.string(diffID.description)]))
        config = replacing(config, "rootfs", with: .object(rootfs))
        if let history = config["history"] {
            guard case .array(let entries) = history else {
                throw SimpleSigningError(.invalidAttachment, "sigstore attachment config: history is a \(history.typeName), not an array")
            }
            config = replacing(config, "history", with: .array(entries + [.object(object([("created", .string(zeroTime))]))]))
        }
        return config
    }

    /// The members of an existing manifest, in document order.
    private static func existingManifestObject(_ manifest: Manifest) throws(SimpleSigningError) -> JSONObject {
        do {
            guard case .object(let members) = try JSONParser(limits: JSONLimits(maxDocumentBytes: Manifest.maxBytes)).parse(manifest.bytes) else {
                throw SimpleSigningError(.invalidAttachment, "sigstore attachment manifest is not a JSON object")
            }
            return members
        } catch let error as SimpleSigningError {
            throw error
        } catch {
            throw SimpleSigningError(.invalidAttachment, "sigstore attachment manifest is not valid JSON: \(error)")
        }
    }

    /// A descriptor as containers/image writes one: mediaType, digest, size, annotations.
    private static func descriptorJSON(_ descriptor: Descriptor) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("mediaType", .string(descriptor.mediaType.rawValue)),
            ("digest", .string(descriptor.digest.description)),
            ("size", .number(JSONNumber(descriptor.size))),
        ]
        if let annotations = descriptor.annotations, !annotations.isEmpty {
            let sorted = annotations.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            members.append(("annotations", .object(object(sorted.map { ($0.key, JSONValue.string($0.value)) }))))
        }
        return .object(object(members))
    }

    /// An object from members whose keys are known to be distinct.
    private static func object(_ members: [(key: String, value: JSONValue)]) -> JSONObject {
        var result = JSONObject()
        for member in members { result.insert(member.key, member.value) }
        return result
    }

    /// `object` with the value of `key` replaced in place, or appended when it is absent.
    private static func replacing(_ object: JSONObject, _ key: String, with value: JSONValue) -> JSONObject {
        var result = JSONObject()
        var found = false
        for member in object {
            if member.key == key {
                result.insert(key, value)
                found = true
            } else {
                result.insert(member.key, member.value)
            }
        }
        if !found { result.insert(key, value) }
        return result
    }

    /// Serialises `value` keeping object members in their order and numbers as written; strings
    /// escaped as Go's `encoding/json` escapes them.
    private static func write(_ value: JSONValue) throws(SimpleSigningError) -> [UInt8] {
        var out: [UInt8] = []
        do {
            try write(value, to: &out)
        } catch {
            throw SimpleSigningError(.invalidAttachment, "cannot serialise the sigstore attachment: \(error)")
        }
        return out
    }

    private static func write(_ value: JSONValue, to out: inout [UInt8]) throws(JSONError) {
        switch value {
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                try write(element, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (position, member) in members.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                out += try CanonicalJSONEncoder.serialize(.string(member.key), style: .goEncodingJSON)
                out.append(UInt8(ascii: ":"))
                try write(member.value, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        case .number(let number):
            out += Array(number.literal.utf8)  // as written (checked by the parser, or made from an integer)
        case .null, .bool, .string:
            out += try CanonicalJSONEncoder.serialize(value, style: .goEncodingJSON)
        }
    }
}

extension UntrustedSimpleSigningClaim {
    /// The members of `optional` as strings, unchecked: string values as they are, any other value
    /// as its JSON text (Go's `encoding/json` form). Empty when `optional` is null or empty.
    ///
    /// cosign's `-a key=value` annotations are strings; other producers may write any JSON.
    public var untrustedAnnotations: [String: String] {
        var result: [String: String] = [:]
        for member in untrustedOptional {
            switch member.value {
            case .string(let text): result[member.key] = text
            default: result[member.key] = (try? CanonicalJSONEncoder.serialize(member.value, style: .goEncodingJSON)).map { String(decoding: $0, as: UTF8.self) }
            }
        }
        return result
    }
}
