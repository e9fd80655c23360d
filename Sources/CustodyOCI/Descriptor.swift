/// An OCI content descriptor: what a blob or manifest is, how big, and its digest.
public struct Descriptor: Sendable, Hashable, Codable {
    /// The media type of the referenced content.
    public var mediaType: MediaType
    /// The digest of the referenced content.
    public var digest: Digest
    /// The size of the referenced content in bytes.
    public var size: Int64
    /// Where else the content may be fetched from (non-distributable layers).
    public var urls: [String]?
    /// Arbitrary metadata.
    public var annotations: [String: String]?
    /// The platform of a manifest inside an index.
    public var platform: Platform?
    /// The artifact type of a manifest inside an index.
    public var artifactType: MediaType?

    /// Makes a descriptor.
    public init(
        mediaType: MediaType, digest: Digest, size: Int64, urls: [String]? = nil,
        annotations: [String: String]? = nil, platform: Platform? = nil, artifactType: MediaType? = nil
    ) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.urls = urls
        self.annotations = annotations
        self.platform = platform
        self.artifactType = artifactType
    }

    /// A descriptor for in-memory bytes.
    public init(mediaType: MediaType, bytes: [UInt8]) {
        self.init(mediaType: mediaType, digest: Digest.compute(bytes), size: Int64(bytes.count))
    }

    private enum CodingKeys: String, CodingKey {
        case mediaType, digest, size, urls, annotations, platform, artifactType
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        mediaType = try c.decode(MediaType.self, forKey: .mediaType)
        digest = try c.decode(Digest.self, forKey: .digest)
        size = try c.decode(Int64.self, forKey: .size)
        guard size >= 0 else {
            throw DecodingError.dataCorruptedError(forKey: .size, in: c, debugDescription: "size must not be negative")
        }
        urls = try c.decodeIfPresent([String].self, forKey: .urls)
        annotations = try c.decodeIfPresent([String: String].self, forKey: .annotations)
        platform = try c.decodeIfPresent(Platform.self, forKey: .platform)
        artifactType = try c.decodeIfPresent(MediaType.self, forKey: .artifactType)
    }

    /// The annotation that names an image inside an OCI layout's `index.json`.
    public static let refNameAnnotation = "org.opencontainers.image.ref.name"
}
