/// A media type string, with the ones Custody knows as constants.
public struct MediaType: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        self.rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// OCI image manifest.
    public static let ociManifest: MediaType = "application/vnd.oci.image.manifest.v1+json"
    /// OCI image index.
    public static let ociIndex: MediaType = "application/vnd.oci.image.index.v1+json"
    /// Docker image manifest, schema 2.
    public static let dockerManifest: MediaType = "application/vnd.docker.distribution.manifest.v2+json"
    /// Docker manifest list (schema 2).
    public static let dockerManifestList: MediaType = "application/vnd.docker.distribution.manifest.list.v2+json"
    /// Docker image manifest, schema 1 (unsigned); not supported.
    public static let dockerSchema1: MediaType = "application/vnd.docker.distribution.manifest.v1+json"
    /// Docker image manifest, schema 1 (signed JWS); not supported.
    public static let dockerSchema1Signed: MediaType = "application/vnd.docker.distribution.manifest.v1+prettyjws"
    /// OCI image configuration.
    public static let ociConfig: MediaType = "application/vnd.oci.image.config.v1+json"
    /// Docker image configuration.
    public static let dockerConfig: MediaType = "application/vnd.docker.container.image.v1+json"
    /// OCI empty descriptor content (`{}`).
    public static let ociEmpty: MediaType = "application/vnd.oci.empty.v1+json"

    /// Whether this is a single-image manifest type (OCI or Docker schema 2).
    public var isImageManifest: Bool { self == .ociManifest || self == .dockerManifest }
    /// Whether this is a multi-platform type (OCI index or Docker manifest list).
    public var isIndex: Bool { self == .ociIndex || self == .dockerManifestList }
    /// Whether Custody can read manifests of this type.
    public var isSupportedManifest: Bool { isImageManifest || isIndex }
}
