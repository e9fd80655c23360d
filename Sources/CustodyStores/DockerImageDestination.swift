import CustodyFormats
import CustodyOCI
import CustodyRegistry
import Foundation
import Synchronization

/// Writes an image to a registry (`docker://`), so that it appears under its tag all at once.
///
/// Blobs are uploaded first (skipped when the repository has them, mounted from another
/// repository of the same registry when the source is there), then the manifests of an index by
/// digest. The root manifest and the signatures wait for ``commit()``, which pushes the root by
/// digest, then the signatures, and only then the tag: a copy that fails or is interrupted leaves
/// no tag pointing at a half image (unreferenced blobs are the registry's garbage to collect).
///
/// Signatures: cosign (sigstore) signatures become layers of the `sha256-<hex>.sig` attachment;
/// simple signatures go to the ``lookaside`` store (registries.d `lookaside-staging`), and are an
/// error when there is none, as in containers/image.
public final class DockerImageDestination: ImageDestination {
    /// The image to write: a tag, or a digest (which must then be the root manifest's).
    public let reference: ImageReference
    /// The client for the destination registry.
    public let client: RegistryClient
    /// Where simple signatures are written, if anywhere.
    public let lookaside: (any SignatureStore)?
    /// Blobs larger than this are staged in a temporary file and uploaded from it; smaller ones in memory.
    public static let inMemoryBlobLimit = 16 * 1024 * 1024
    /// The chunk size for uploads from a file.
    public static let uploadChunkSize = 32 * 1024 * 1024

    private struct Pending {
        var root: Manifest?
        var signatures: [(digest: Digest, blob: SignatureBlob)] = []
    }
    private let pending = Mutex(Pending())

    /// Opens a destination; nothing is written until the first call.
    public init(reference: ImageReference, client: RegistryClient, lookaside: (any SignatureStore)? = nil) {
        self.reference = reference
        self.client = client
        self.lookaside = lookaside
    }

    public var imageName: ImageName { .docker(reference) }

    /// The repository path inside the registry.
    public var repository: String { reference.path }

    public func putBlob(_ descriptor: Descriptor, from source: any ImageSource) async throws {
        if try await client.blobExists(repository: repository, digest: descriptor.digest) { return }
        if let docker = source as? DockerImageSource, docker.client.registry == client.registry, docker.repository != repository,
            try await client.mountBlob(repository: repository, digest: descriptor.digest, from: docker.repository)
        {
            return
        }
        if descriptor.size <= Int64(Self.inMemoryBlobLimit) {
            let bytes = try await source.blob(descriptor, limit: Self.inMemoryBlobLimit)
            try await client.uploadBlob(repository: repository, descriptor: descriptor, bytes: bytes)
            return
        }
        // Large blobs: stage the verified bytes in a private temporary file and stream the upload from it.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("custody-upload-\(UInt64.random(in: 0...UInt64.max))").path
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw StoreError(code: .io, reason: "cannot create a temporary file for uploading \(descriptor.digest)")
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            try await source.streamBlob(descriptor) { chunk in try handle.write(contentsOf: Data(chunk)) }
            try handle.close()
        } catch {
            try? handle.close()
            throw error
        }
        try await client.uploadBlob(repository: repository, descriptor: descriptor, fileAt: path, chunkSize: Self.uploadChunkSize)
    }

    public func putBlob(_ bytes: [UInt8], descriptor: Descriptor) async throws {
        try BlobVerifier.verify(bytes, against: descriptor)
        if try await client.blobExists(repository: repository, digest: descriptor.digest) { return }
        try await client.uploadBlob(repository: repository, descriptor: descriptor, bytes: bytes)
    }

    /// Pushes a manifest of an index by digest at once; keeps the root for ``commit()``.
    public func putManifest(_ manifest: Manifest, instance: Bool) async throws {
        if instance {
            try await client.putManifest(manifest, repository: repository, reference: manifest.digest.description)
        } else {
            if let digest = reference.digest, digest != manifest.digest {
                throw StoreError(code: .notWritable, reason: "cannot write manifest \(manifest.digest) to \(reference): the reference names digest \(digest)")
            }
            pending.withLock { $0.root = manifest }
        }
    }

    /// Queues a signature (raw OpenPGP or a framed containers/image blob) for ``commit()``.
    /// - Returns: the number of signatures queued for this digest.
    public func appendSignature(_ signature: [UInt8], for manifestDigest: Digest, instance: Bool) async throws -> Int {
        let blob: SignatureBlob
        do {
            blob = try SignatureBlob(bytes: signature)
        } catch {
            throw StoreError(code: .notWritable, reason: "cannot write a signature for \(manifestDigest) to \(reference): \(error)")
        }
        if case .simpleSigning = blob, lookaside == nil {
            throw StoreError(
                code: .notWritable,
                reason: "no lookaside is configured for \(reference): simple signatures need a registries.d lookaside-staging (or --lookaside); cosign signatures are attached in the registry")
        }
        return pending.withLock { state in
            state.signatures.append((manifestDigest, blob))
            return state.signatures.count { $0.digest == manifestDigest }
        }
    }

    /// Pushes the root manifest by digest, then the signatures, then the tag.
    public func commit() async throws {
        let (root, signatures) = pending.withLock { ($0.root, $0.signatures) }
        guard let root else {
            throw StoreError(code: .notWritable, reason: "no root manifest was written for \(reference)")
        }
        let tag = reference.digest == nil ? reference.tag : nil
        if tag == nil || !signatures.isEmpty {
            try await client.putManifest(root, repository: repository, reference: root.digest.description)
        }
        var attached: [Digest: [SigstoreSignature]] = [:]
        var order: [Digest] = []
        for (digest, blob) in signatures {
            switch blob {
            case .sigstore(let signature):
                if attached[digest] == nil { order.append(digest) }
                attached[digest, default: []].append(signature)
            case .simpleSigning(let bytes):
                // Checked when queued: simple signatures are only accepted with a lookaside.
                _ = try await lookaside?.append(bytes, for: digest, reference: reference)
            }
        }
        let attachments = CosignAttachmentStore(client: client, repository: repository)
        for digest in order {
            try await attachments.append(attached[digest] ?? [], for: digest)
        }
        if let tag {
            try await client.putManifest(root, repository: repository, reference: tag)
        }
    }
}
