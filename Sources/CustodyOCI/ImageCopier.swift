/// Copies an image between transports without changing a byte of any manifest, so every digest
/// (and so every signature) stays valid. Blobs and manifests are verified while they are read.
public enum ImageCopier {
    /// Which manifests of an index are copied.
    public enum Selection: Sendable, Hashable {
        /// The index and every manifest it names (`--all`).
        case all
        /// Only the manifest for one platform, copied as a single-platform image (skopeo's default
        /// without `--all`). An image that is not an index is copied whole.
        case platform(Platform)
    }

    /// Copies the image `source` names to `destination`. On any failure the destination is
    /// aborted, so nothing becomes visible under its name.
    /// - Parameters:
    ///   - copySignatures: also copy the signatures stored with the source (where both sides hold them).
    ///   - selection: every platform of an index (the default), or one.
    /// - Returns: the digest of the manifest written as the destination's root.
    ///   - sign: makes new signatures for a manifest as it is written (the root and each manifest an
    ///     index names directly, as `skopeo copy --sign-by` does); they are added after the copied ones.
    @discardableResult
    public static func copy(
        from source: any ImageSource, to destination: any ImageDestination, copySignatures: Bool = true, selection: Selection = .all,
        sign: (@Sendable (Manifest) async throws -> [[UInt8]])? = nil
    ) async throws -> Digest {
        do {
            return try await write(from: source, to: destination, copySignatures: copySignatures, selection: selection, sign: sign)
        } catch {
            await destination.abort()
            throw error
        }
    }

    /// The tree to copy: the whole image, or the one platform manifest `selection` picks from an index.
    /// - Returns: the tree, and whether its root is an instance of an index in the source (where
    ///   the source keeps its signatures as an instance's).
    public static func selectedTree(of source: any ImageSource, selection: Selection) async throws -> (tree: ImageTree, rootIsInstance: Bool) {
        let root = try await source.rootManifest()
        guard case .platform(let platform) = selection, case .index(let index) = root.content else {
            return (try await ImageTree.load(from: source, root: root), false)
        }
        let descriptor = try index.manifest(for: platform)
        return (try await ImageTree.load(from: source, root: try await source.manifest(for: descriptor)), true)
    }

    private static func write(
        from source: any ImageSource, to destination: any ImageDestination, copySignatures: Bool, selection: Selection,
        sign: (@Sendable (Manifest) async throws -> [[UInt8]])?
    ) async throws -> Digest {
        let (tree, rootIsInstance) = try await selectedTree(of: source, selection: selection)
        for blob in tree.blobs {
            try await destination.putBlob(blob, from: source)
        }
        try await put(tree.root, instance: false, sourceInstance: rootIsInstance, depth: 0, sign: sign, to: destination, from: source, copySignatures: copySignatures)
        try await destination.commit()
        return tree.root.manifest.digest
    }

    /// Writes a manifest after everything below it, then its copied and new signatures. New
    /// signatures are made for the root and the manifests it names directly (depth 0 and 1).
    private static func put(
        _ node: ImageTree.Node, instance: Bool, sourceInstance: Bool, depth: Int, sign: (@Sendable (Manifest) async throws -> [[UInt8]])?,
        to destination: any ImageDestination, from source: any ImageSource, copySignatures: Bool
    ) async throws {
        for child in node.children {
            try await put(child, instance: true, sourceInstance: true, depth: depth + 1, sign: sign, to: destination, from: source, copySignatures: copySignatures)
        }
        try await destination.putManifest(node.manifest, instance: instance)
        let digest = node.manifest.digest
        if copySignatures {
            for signature in try await source.signatures(for: digest, instance: sourceInstance) {
                _ = try await destination.appendSignature(signature, for: digest, instance: instance)
            }
        }
        guard depth <= 1, let sign else { return }
        for signature in try await sign(node.manifest) {
            _ = try await destination.appendSignature(signature, for: digest, instance: instance)
        }
    }
}
