/// A single-platform image manifest: OCI image manifest or Docker schema 2 manifest.
public struct ImageManifest: Sendable, Hashable, Decodable {
    /// Always 2.
    public var schemaVersion: Int
    /// The `mediaType` member, when the document has one (required by Docker, optional in OCI).
    public var mediaType: MediaType?
    /// The artifact type (OCI 1.1).
    public var artifactType: MediaType?
    /// The image configuration blob.
    public var config: Descriptor
    /// The layers, base first.
    public var layers: [Descriptor]
    /// The manifest this one refers to (OCI 1.1 referrers).
    public var subject: Descriptor?
    /// Arbitrary metadata.
    public var annotations: [String: String]?

    /// Every blob the manifest references: the config, then the layers.
    public var blobs: [Descriptor] { [config] + layers }
}

/// A multi-platform image: OCI image index or Docker manifest list.
public struct ImageIndex: Sendable, Hashable, Decodable {
    /// Always 2.
    public var schemaVersion: Int
    /// The `mediaType` member, when the document has one.
    public var mediaType: MediaType?
    /// The artifact type (OCI 1.1).
    public var artifactType: MediaType?
    /// The manifests, each with its platform.
    public var manifests: [Descriptor]
    /// The manifest this one refers to (OCI 1.1 referrers).
    public var subject: Descriptor?
    /// Arbitrary metadata.
    public var annotations: [String: String]?

    /// Makes an index.
    public init(manifests: [Descriptor], mediaType: MediaType? = .ociIndex, annotations: [String: String]? = nil) {
        self.schemaVersion = 2
        self.mediaType = mediaType
        self.manifests = manifests
        self.annotations = annotations
    }

    /// The first manifest whose platform satisfies `wanted`, in index order (as containers/image chooses).
    /// - Throws: ``OCIError`` with code ``OCIError/Code/platformNotFound`` listing what the index offers.
    public func manifest(for wanted: Platform) throws(OCIError) -> Descriptor {
        if let match = manifests.first(where: { $0.platform?.satisfies(wanted) ?? false }) { return match }
        let offered = manifests.compactMap { $0.platform?.description }
        throw OCIError(
            code: .platformNotFound,
            reason: "no manifest for platform \(wanted) in the index (it offers: \(offered.isEmpty ? "none" : offered.joined(separator: ", ")))"
        )
    }
}
