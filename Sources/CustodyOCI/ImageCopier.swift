/// Copies an image between transports without changing a byte of any manifest, so every digest
/// (and so every signature) stays valid. Blobs and manifests are verified while they are read.
public enum ImageCopier {
    /// Copies the image `source` names, with every platform of an index, to `destination`.
    /// - Parameter copySignatures: also copy the signatures stored with the source (where both sides hold them).
    /// - Returns: the root manifest's digest.
    @discardableResult
    public static func copy(from source: any ImageSource, to destination: any ImageDestination, copySignatures: Bool = true) async throws -> Digest {
        let tree = try await ImageTree.load(from: source)
        for blob in tree.blobs {
            try await destination.putBlob(blob, from: source)
        }
        try await putChildren(of: tree.root, to: destination, from: source, copySignatures: copySignatures)
        try await destination.putManifest(tree.root.manifest, instance: false)
        if copySignatures {
            for signature in try await source.signatures(for: tree.root.manifest.digest, instance: false) {
                _ = try await destination.appendSignature(signature, for: tree.root.manifest.digest, instance: false)
            }
        }
        try await destination.commit()
        return tree.root.manifest.digest
    }

    private static func putChildren(of node: ImageTree.Node, to destination: any ImageDestination, from source: any ImageSource, copySignatures: Bool) async throws {
        for child in node.children {
            try await putChildren(of: child, to: destination, from: source, copySignatures: copySignatures)
            try await destination.putManifest(child.manifest, instance: true)
            if copySignatures {
                for signature in try await source.signatures(for: child.manifest.digest, instance: true) {
                    _ = try await destination.appendSignature(signature, for: child.manifest.digest, instance: true)
                }
            }
        }
    }
}
