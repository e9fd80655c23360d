import CustodyJSON

/// A manifest exactly as received, with its digest, media type and parsed content.
///
/// The bytes are kept unchanged: every digest is computed over them, never over a re-encoding.
public struct Manifest: Sendable, Hashable {
    /// What kind of manifest this is.
    public enum Content: Sendable, Hashable {
        /// A single-platform image.
        case image(ImageManifest)
        /// A multi-platform index or list.
        case index(ImageIndex)
    }

    /// The exact bytes.
    public let bytes: [UInt8]
    /// The SHA-256 digest of ``bytes``: the manifest digest that signatures name.
    public let digest: Digest
    /// The media type, from the document or, for OCI documents without one, from its shape.
    public let mediaType: MediaType
    /// The parsed content.
    public let content: Content

    /// The largest manifest accepted: 4 MiB, as containers/image (`iolimits.MaxManifestBodySize`).
    public static let maxBytes = 4 * 1024 * 1024

    /// Parses manifest bytes.
    /// - Parameters:
    ///   - bytes: the manifest as received.
    ///   - declaredMediaType: the media type stated by whoever pointed at it (a descriptor, an HTTP
    ///     `Content-Type`), if any. A document whose own `mediaType` disagrees is rejected.
    /// - Throws: ``OCIError`` naming the problem (malformed, ambiguous, unsupported type).
    public init(bytes: [UInt8], declaredMediaType: MediaType? = nil) throws(OCIError) {
        guard bytes.count <= Manifest.maxBytes else {
            throw OCIError(code: .tooLarge, reason: "manifest is \(bytes.count) bytes, over the limit of \(Manifest.maxBytes)")
        }
        let json: JSONValue
        do {
            json = try JSONParser(limits: JSONLimits(maxDocumentBytes: Manifest.maxBytes)).parse(bytes)
        } catch {
            throw OCIError(code: .invalidManifest, reason: "manifest is not valid JSON: \(error)")
        }
        guard case .object(let top) = json else {
            throw OCIError(code: .invalidManifest, reason: "manifest is not a JSON object")
        }
        let mediaType = try Manifest.detectMediaType(top, declared: declaredMediaType)
        let decoder = StrictJSONDecoder(unknownKeys: .ignore)  // the OCI spec requires ignoring unknown members
        do {
            if mediaType.isIndex {
                content = .index(try decoder.decode(ImageIndex.self, from: json))
            } else {
                content = .image(try decoder.decode(ImageManifest.self, from: json))
            }
        } catch {
            throw OCIError(code: .invalidManifest, reason: "invalid \(mediaType) manifest: \(error)")
        }
        self.bytes = bytes
        self.digest = Digest.compute(bytes)
        self.mediaType = mediaType
    }

    /// Works out the manifest type as containers/image does (`manifest.GuessMIMEType`), then refuses
    /// documents that carry members of another manifest type, which readers could interpret differently.
    private static func detectMediaType(_ top: JSONObject, declared: MediaType?) throws(OCIError) -> MediaType {
        guard case .number(let version)? = top["schemaVersion"], let schemaVersion = version.int64 else {
            throw OCIError(code: .invalidManifest, reason: "manifest has no integer schemaVersion")
        }
        var own: MediaType?
        if let field = top["mediaType"] {
            guard case .string(let text) = field else {
                throw OCIError(code: .invalidManifest, reason: "manifest mediaType is not a string")
            }
            own = MediaType(rawValue: text)
        }
        if schemaVersion == 1 || own == .dockerSchema1 || own == .dockerSchema1Signed || declared == .dockerSchema1 || declared == .dockerSchema1Signed {
            throw OCIError(code: .unsupportedMediaType, reason: "Docker schema 1 manifests are not supported (deprecated, and their digest is not over the stored bytes)")
        }
        guard schemaVersion == 2 else {
            throw OCIError(code: .invalidManifest, reason: "unsupported manifest schemaVersion \(schemaVersion)")
        }
        if let own, let declared, own != declared {
            throw OCIError(code: .invalidManifest, reason: "manifest says its media type is \(own) but was referenced as \(declared)")
        }
        let hasManifests = top["manifests"] != nil
        let hasImageMembers = top["config"] != nil || top["layers"] != nil
        let resolved: MediaType
        if let type = own ?? declared {
            resolved = type
        } else if hasManifests && !hasImageMembers {
            resolved = .ociIndex
        } else if hasImageMembers && !hasManifests {
            resolved = .ociManifest
        } else {
            throw OCIError(code: .invalidManifest, reason: "manifest has no mediaType and its members do not say whether it is an image or an index")
        }
        guard resolved.isSupportedManifest else {
            throw OCIError(code: .unsupportedMediaType, reason: "unsupported manifest media type \(resolved)")
        }
        if resolved.isIndex && hasImageMembers {
            throw OCIError(code: .invalidManifest, reason: "ambiguous manifest: an index must not have config or layers")
        }
        if resolved.isImageManifest && hasManifests {
            throw OCIError(code: .invalidManifest, reason: "ambiguous manifest: an image manifest must not have manifests")
        }
        return resolved
    }

    /// Checks that these bytes are what `descriptor` names: same size and digest.
    /// - Throws: ``OCIError`` naming both digests on a mismatch.
    public func verify(against descriptor: Descriptor) throws(OCIError) {
        try BlobVerifier.verify(bytes, against: descriptor)
    }

    /// A descriptor for this manifest.
    public var descriptor: Descriptor {
        Descriptor(mediaType: mediaType, digest: digest, size: Int64(bytes.count))
    }
}
