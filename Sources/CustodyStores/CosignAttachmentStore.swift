import CustodyFormats
import CustodyOCI
import CustodyRegistry

/// cosign signatures attached to images in a registry: one OCI manifest per signed digest, under
/// the tag `sha256-<hex>.sig` in the image's repository, with one layer per signature (the layer
/// blob is the signed payload, its annotations carry the signature).
///
/// Reading returns every layer as a ``SigstoreSignature`` (unverified; a layer with garbage
/// annotations is returned as it is, for the verifier to reject on its own). Writing appends a
/// layer and keeps every existing one.
public struct CosignAttachmentStore: Sendable {
    /// The registry client.
    public let client: RegistryClient
    /// The repository of the signed image.
    public let repository: String

    /// The largest payload layer read (containers/image reads attachments up to 4 MiB).
    public static let maxLayerBytes = 4 * 1024 * 1024

    /// Makes a store for one repository.
    public init(client: RegistryClient, repository: String) {
        self.client = client
        self.repository = repository
    }

    /// The attachment manifest for `digest`, or nil when the registry has none.
    func attachmentManifest(for digest: Digest) async throws -> Manifest? {
        do {
            return try await client.manifest(repository: repository, reference: CosignSignatureManifest.tag(for: digest))
        } catch let error as RegistryError where error.code == .notFound {
            return nil
        }
    }

    /// Every signature attached to `digest`, in layer order; empty when there is no `.sig` tag.
    /// - Throws: when the attachment manifest is not an OCI image manifest, has too many layers, or
    ///   a layer cannot be fetched or does not match its descriptor.
    public func signatures(for digest: Digest) async throws -> [SigstoreSignature] {
        guard let manifest = try await attachmentManifest(for: digest) else { return [] }
        let layers = try CosignSignatureManifest(manifest: manifest).layers
        var result: [SigstoreSignature] = []
        for layer in layers {
            let payload = try await client.blob(repository: repository, descriptor: layer, limit: Self.maxLayerBytes)
            result.append(SigstoreSignature(mimeType: layer.mediaType.rawValue, payload: payload, annotations: layer.annotations ?? [:]))
        }
        return result
    }

    /// Appends signatures as new layers of the attachment for `digest`, keeping every existing
    /// layer; a signature already attached (same media type, size, digest and annotations) is
    /// skipped. Blobs are uploaded before the manifest, so the tag never names a missing blob.
    ///
    /// As with cosign, two writers appending at the same moment can lose one signature: the
    /// registry API has no compare-and-swap for tags.
    /// - Returns: the number of layers added.
    @discardableResult
    public func append(_ signatures: [SigstoreSignature], for digest: Digest) async throws -> Int {
        var current: (manifest: CosignSignatureManifest, config: [UInt8])?
        if let manifest = try await attachmentManifest(for: digest) {
            let parsed = try CosignSignatureManifest(manifest: manifest)
            let config = try await client.blob(repository: repository, descriptor: parsed.config, limit: CosignSignatureManifest.maxConfigBytes)
            current = (parsed, config)
        }
        var added = 0
        for signature in signatures {
            guard case .appended(let update) = try CosignSignatureManifest.appending(signature, to: current) else { continue }
            for (bytes, descriptor) in [(update.payload, update.payloadDescriptor), (update.config, update.configDescriptor)]
            where !(try await client.blobExists(repository: repository, digest: descriptor.digest)) {
                try await client.uploadBlob(repository: repository, descriptor: descriptor, bytes: bytes)
            }
            current = (try CosignSignatureManifest(manifest: update.manifest), update.config)
            added += 1
        }
        if added > 0, let current {
            try await client.putManifest(current.manifest.manifest, repository: repository, reference: CosignSignatureManifest.tag(for: digest))
        }
        return added
    }
}
