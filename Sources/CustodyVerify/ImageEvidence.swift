import CustodyOCI
import CustodyStores

/// Everything a policy decision reads about one image: its manifests and, for each, the
/// signatures found for its digest. Gathered once (``gather(from:stores:readsImageSignatures:storeReference:)``)
/// or built in memory (recorded evidence, benchmarks) and handed to
/// ``PolicyEvaluator/evaluate(image:evidence:now:)``.
public struct ImageEvidence: Sendable {
    /// One manifest and the signatures stored for its digest.
    public struct Entry: Sendable {
        /// The manifest (its digest is computed over the exact bytes).
        public var manifest: Manifest
        /// The platform its index names; nil for the root.
        public var platform: Platform?
        /// The signatures found for the manifest's digest, from the image and from stores, in order.
        public var signatures: [StoredSignature]

        /// Makes an entry.
        public init(manifest: Manifest, platform: Platform? = nil, signatures: [StoredSignature]) {
            self.manifest = manifest
            self.platform = platform
            self.signatures = signatures
        }
    }

    /// The manifest the image name points at: a single image's manifest, or an index.
    public var root: Entry
    /// For an index, each manifest it names directly, in index order; empty for a single image
    /// (and ignored when ``root`` is not an index).
    public var instances: [Entry]

    /// Makes evidence from already loaded manifests and signatures.
    public init(root: Entry, instances: [Entry] = []) {
        self.root = root
        self.instances = instances
    }

    /// Whether the root is an index.
    public var isIndex: Bool {
        if case .index = root.manifest.content { return true }
        return false
    }

    /// Reads an image's manifests (each checked against the descriptor that named it) and the
    /// signatures of each: from the image itself, then from each store, as
    /// ``ImageSignatureVerifier`` gathers them.
    ///
    /// Signatures found in the image are named `"<image name> signature-<n>"` (n from 1); those
    /// in stores by the store's location. A single unreadable signature file is kept as
    /// ``StoredSignature/unreadable(location:reason:)``.
    /// - Parameters:
    ///   - source: the image.
    ///   - stores: signature stores (lookaside) to read too. Do not pass a `dir:` image's own
    ///     `DirectorySignatureStore` together with `readsImageSignatures: true`: its signatures
    ///     would be read twice.
    ///   - readsImageSignatures: whether the image's own signatures
    ///     (``ImageSource/signatures(for:instance:)``) are read.
    ///   - storeReference: the reference stores file signatures under (lookaside stores need one).
    /// - Throws: when the image or a store as a whole cannot be read.
    public static func gather(
        from source: any ImageSource, stores: [any SignatureStore], readsImageSignatures: Bool, storeReference: ImageReference?
    ) async throws -> ImageEvidence {
        let tree = try await ImageTree.load(from: source)
        var entries: [Entry] = []
        for (position, node) in tree.signableManifests.enumerated() {
            let digest = node.manifest.digest
            var found: [StoredSignature] = []
            if readsImageSignatures {
                let attached = try await source.signatures(for: digest, instance: position != 0)
                for (number, bytes) in attached.enumerated() {
                    found.append(.blob(bytes, location: "\(source.imageName) signature-\(number + 1)"))
                }
            }
            for store in stores {
                found += try await store.signatures(for: digest, reference: storeReference)
            }
            entries.append(Entry(manifest: node.manifest, platform: node.platform, signatures: found))
        }
        return ImageEvidence(root: entries[0], instances: Array(entries.dropFirst()))
    }
}
