/// Read access to one image: its manifests, blobs and signatures.
///
/// Every byte a source returns is checked: manifests against the descriptor that named them,
/// blobs against their descriptor's digest and size while they are read.
public protocol ImageSource: Sendable {
    /// The name the source was opened with.
    var imageName: ImageName { get }

    /// The manifest the image name points at (an image manifest or an index).
    func rootManifest() async throws -> Manifest

    /// A manifest named by a descriptor of an index, checked against that descriptor.
    func manifest(for descriptor: Descriptor) async throws -> Manifest

    /// A small blob (a config) in memory, checked against its descriptor.
    /// - Parameter limit: the largest blob accepted.
    func blob(_ descriptor: Descriptor, limit: Int) async throws -> [UInt8]

    /// Streams a blob to `body` chunk by chunk, checking it against its descriptor while it is
    /// read. The call throws (after the last chunk, or as soon as the blob is too long) when the
    /// blob does not match: a consumer must not treat the bytes as valid before it returns.
    func streamBlob(_ descriptor: Descriptor, into body: (UnsafeRawBufferPointer) throws -> Void) async throws

    /// The raw signature blobs stored with the image for a manifest digest, in order.
    /// `instance` is true for a manifest inside an index.
    func signatures(for manifestDigest: Digest, instance: Bool) async throws -> [[UInt8]]
}

extension ImageSource {
    /// Reads a blob to the end and checks it against its descriptor without keeping it.
    /// - Parameter progress: called with the number of bytes read after each chunk.
    public func verifyBlob(_ descriptor: Descriptor, progress: (Int) -> Void) async throws {
        try await streamBlob(descriptor) { progress($0.count) }
    }
}

/// Blob and manifest access for transports that keep blobs as files.
struct LocalBlobFiles: Sendable {
    /// The file that holds a blob.
    let pathForDigest: @Sendable (Digest) -> String

    func path(for digest: Digest) -> String { pathForDigest(digest) }

    /// Reads a manifest file and checks it against its descriptor.
    func manifest(at path: String, for descriptor: Descriptor) throws -> Manifest {
        let bytes = try readBlobFile(path, descriptor: descriptor, limit: Manifest.maxBytes)
        return try Manifest(bytes: bytes, declaredMediaType: descriptor.mediaType)
    }

    func blob(_ descriptor: Descriptor, limit: Int) throws -> [UInt8] {
        try readBlobFile(path(for: descriptor.digest), descriptor: descriptor, limit: limit)
    }

    private func readBlobFile(_ path: String, descriptor: Descriptor, limit: Int) throws -> [UInt8] {
        guard descriptor.size <= Int64(limit) else {
            throw OCIError(code: .tooLarge, reason: "blob \(descriptor.digest) is \(descriptor.size) bytes, over the limit of \(limit)")
        }
        var verifier = BlobVerifier(expected: descriptor)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(descriptor.size))
        do {
            try FileReader.forEachChunk(path: path) { chunk in
                try verifier.update(chunk)
                bytes.append(contentsOf: chunk)
            }
        } catch let error as OCIError where error.code == .notFound {
            throw OCIError(code: .notFound, reason: "blob \(descriptor.digest) is missing: \(error.reason)")
        }
        try verifier.finish()
        return bytes
    }

    func streamBlob(_ descriptor: Descriptor, into body: (UnsafeRawBufferPointer) throws -> Void) throws {
        var verifier = BlobVerifier(expected: descriptor)
        do {
            try FileReader.forEachChunk(path: path(for: descriptor.digest)) { chunk in
                try verifier.update(chunk)
                try body(chunk)
            }
        } catch let error as OCIError where error.code == .notFound {
            throw OCIError(code: .notFound, reason: "blob \(descriptor.digest) is missing: \(error.reason)")
        }
        try verifier.finish()
    }
}
