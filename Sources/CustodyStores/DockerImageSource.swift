import CustodyFormats
import CustodyOCI
import CustodyRegistry
import Synchronization

/// Reads an image from a registry (`docker://`): manifests and blobs through ``RegistryClient``,
/// each checked against the descriptor that named it, and its signatures.
///
/// The root manifest is fetched once and kept, so a tag that moves while Custody works cannot
/// make the signatures and the manifest refer to different bytes (as containers/image does).
///
/// ``signatures(for:instance:)`` returns, in this order, the simple signatures of the lookaside
/// store given at creation, then the cosign signatures attached under the `sha256-<hex>.sig` tag
/// (when ``readsAttachments`` is set), each framed as containers/image frames stored signatures.
public final class DockerImageSource: ImageSource {
    /// The image, with a tag or a digest.
    public let reference: ImageReference
    /// The client for the image's registry.
    public let client: RegistryClient
    /// Where simple signatures of this image are read, if anywhere.
    public let lookaside: (any SignatureStore)?
    /// Whether cosign signatures attached in the registry are read.
    public let readsAttachments: Bool
    private let root = Mutex<Manifest?>(nil)

    /// Opens an image; nothing is fetched until the first call.
    public init(reference: ImageReference, client: RegistryClient, lookaside: (any SignatureStore)? = nil, readsAttachments: Bool = true) {
        self.reference = reference
        self.client = client
        self.lookaside = lookaside
        self.readsAttachments = readsAttachments
    }

    public var imageName: ImageName { .docker(reference) }

    /// The repository path inside the registry (`library/busybox`).
    public var repository: String { reference.path }

    public func rootManifest() async throws -> Manifest {
        if let cached = root.withLock({ $0 }) { return cached }
        let manifest = try await client.manifest(repository: repository, reference: reference.digest?.description ?? reference.tag ?? ImageReference.defaultTag)
        root.withLock { $0 = manifest }
        return manifest
    }

    public func manifest(for descriptor: Descriptor) async throws -> Manifest {
        let manifest = try await client.manifest(repository: repository, reference: descriptor.digest.description)
        try manifest.verify(against: descriptor)
        return manifest
    }

    public func blob(_ descriptor: Descriptor, limit: Int) async throws -> [UInt8] {
        try await client.blob(repository: repository, descriptor: descriptor, limit: limit)
    }

    public func streamBlob(_ descriptor: Descriptor, into body: (UnsafeRawBufferPointer) throws -> Void) async throws {
        try await client.streamBlob(repository: repository, descriptor: descriptor, into: body)
    }

    /// Lookaside signatures, then attached cosign signatures. A lookaside file that cannot be read
    /// is an error here (as in containers/image): a copy must not silently drop a signature.
    public func signatures(for manifestDigest: Digest, instance: Bool) async throws -> [[UInt8]] {
        var blobs: [[UInt8]] = []
        if let lookaside {
            for stored in try await lookaside.signatures(for: manifestDigest, reference: reference) {
                switch stored {
                case .blob(let bytes, _): blobs.append(bytes)
                case .unreadable(let location, let reason):
                    throw StoreError(code: .unreadable, reason: "reading signature \(location): \(reason)")
                }
            }
        }
        if readsAttachments {
            for signature in try await CosignAttachmentStore(client: client, repository: repository).signatures(for: manifestDigest) {
                blobs.append(try SignatureBlob.sigstore(signature).blob())
            }
        }
        return blobs
    }
}
