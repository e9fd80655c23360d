/// An image with every manifest reachable from its root, each checked against the descriptor
/// that named it.
public struct ImageTree: Sendable {
    /// One manifest of the tree and what it contains.
    public struct Node: Sendable {
        /// The descriptor that named this manifest (nil for the root).
        public let descriptor: Descriptor?
        /// The manifest.
        public let manifest: Manifest
        /// The manifests an index names, in index order.
        public let children: [Node]
    }

    /// The deepest nesting of indexes followed.
    public static let maxIndexDepth = 4
    /// The most manifests one image may reach.
    public static let maxManifests = 1024

    /// The root manifest and everything below it.
    public let root: Node

    /// Loads the root manifest and, for an index, every manifest it names (recursively).
    /// - Throws: ``OCIError`` when a manifest is missing, corrupt or too deep.
    public static func load(from source: any ImageSource) async throws -> ImageTree {
        try await load(from: source, root: try await source.rootManifest())
    }

    /// Loads everything below an already read root manifest of `source`.
    public static func load(from source: any ImageSource, root: Manifest) async throws -> ImageTree {
        var count = 0
        return ImageTree(root: try await loadNode(source: source, descriptor: nil, manifest: root, depth: 0, count: &count))
    }

    /// The root, then each manifest an index names directly, with its platform: the manifests that
    /// are signed and verified one by one (as containers/image does per instance).
    public var signableManifests: [(manifest: Manifest, platform: Platform?)] {
        [(root.manifest, nil)] + root.children.map { ($0.manifest, $0.descriptor?.platform) }
    }

    private static func loadNode(source: any ImageSource, descriptor: Descriptor?, manifest: Manifest, depth: Int, count: inout Int) async throws -> Node {
        count += 1
        guard count <= maxManifests else {
            throw OCIError(code: .tooLarge, reason: "image reaches more than \(maxManifests) manifests")
        }
        guard case .index(let index) = manifest.content else {
            return Node(descriptor: descriptor, manifest: manifest, children: [])
        }
        guard depth < maxIndexDepth else {
            throw OCIError(code: .tooLarge, reason: "indexes nest deeper than \(maxIndexDepth) levels at \(manifest.digest)")
        }
        var children: [Node] = []
        for entry in index.manifests {
            guard entry.mediaType.isSupportedManifest else {
                throw OCIError(code: .unsupportedMediaType, reason: "index \(manifest.digest) names \(entry.digest) with unsupported media type \(entry.mediaType)")
            }
            let child = try await source.manifest(for: entry)
            children.append(try await loadNode(source: source, descriptor: entry, manifest: child, depth: depth + 1, count: &count))
        }
        return Node(descriptor: descriptor, manifest: manifest, children: children)
    }

    /// Every image manifest in the tree, depth first.
    public var imageManifests: [(descriptor: Descriptor?, manifest: ImageManifest)] {
        var result: [(Descriptor?, ImageManifest)] = []
        func walk(_ node: Node) {
            switch node.manifest.content {
            case .image(let image): result.append((node.descriptor, image))
            case .index: node.children.forEach(walk)
            }
        }
        walk(root)
        return result
    }

    /// Every blob (configs and layers) the tree references, in first-seen order. A blob named by
    /// several manifests appears once per distinct (digest, size) pair, so that a manifest that
    /// states a wrong size for a shared blob is still checked.
    public var blobs: [Descriptor] {
        struct Identity: Hashable {
            let digest: Digest
            let size: Int64
        }
        var seen: Set<Identity> = []
        return imageManifests.flatMap(\.manifest.blobs).filter { seen.insert(Identity(digest: $0.digest, size: $0.size)).inserted }
    }

    /// Reads every blob to the end and checks it against its descriptor.
    /// - Parameter progress: called after each chunk with the blob and the bytes read so far in total.
    /// - Returns: the number of blobs and bytes checked.
    /// - Throws: ``OCIError`` naming the first blob that is missing or does not match.
    public func verifyBlobs(in source: any ImageSource, progress: (Descriptor, Int64) -> Void = { _, _ in }) async throws -> (blobs: Int, bytes: Int64) {
        var total: Int64 = 0
        let blobs = self.blobs
        for blob in blobs {
            try await source.verifyBlob(blob) { count in
                total += Int64(count)
                progress(blob, total)
            }
        }
        return (blobs.count, total)
    }
}

/// The parts of an image configuration that identify its platform (OCI image spec "config.md").
/// Other members are ignored.
public struct ImageConfiguration: Sendable, Hashable, Decodable {
    /// CPU architecture.
    public var architecture: String?
    /// Operating system.
    public var os: String?
    /// CPU variant.
    public var variant: String?
    /// Creation time, as written (RFC 3339). Unverified metadata.
    public var created: String?

    /// The largest configuration blob read.
    public static let maxBytes = 4 * 1024 * 1024

    /// The platform, when the configuration names OS and architecture.
    public var platform: Platform? {
        guard let os, let architecture else { return nil }
        return Platform(os: os, architecture: architecture, variant: variant)
    }
}
