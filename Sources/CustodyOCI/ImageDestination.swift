/// Write access to one image: blobs, manifests and signatures.
///
/// Write blobs first, then instance manifests, then the root manifest, then ``commit()``.
/// Every blob is checked against its descriptor before it takes its final name, so a
/// destination never holds a blob under a digest its bytes do not have.
public protocol ImageDestination: Sendable {
    /// The name the destination was opened with.
    var imageName: ImageName { get }

    /// Copies a blob from `source`, checked while it streams.
    func putBlob(_ descriptor: Descriptor, from source: any ImageSource) async throws

    /// Writes in-memory blob bytes after checking them against `descriptor`.
    func putBlob(_ bytes: [UInt8], descriptor: Descriptor) async throws

    /// Writes a manifest: the root (`instance == false`) or one named by an index.
    func putManifest(_ manifest: Manifest, instance: Bool) async throws

    /// Appends a signature for a manifest digest and returns its number (from 1).
    /// - Throws: ``OCIError`` when the transport cannot hold signatures.
    func appendSignature(_ signature: [UInt8], for manifestDigest: Digest, instance: Bool) async throws -> Int

    /// Makes the written image visible under its name.
    func commit() async throws

    /// Discards everything written since the destination was opened, after a failure before
    /// ``commit()``. Nothing becomes visible under the image's name.
    func abort() async
}

extension ImageDestination {
    /// Destinations that stage nothing outside content-addressed files have nothing to discard.
    public func abort() async {}
}

/// A file written under a temporary name in its final directory and renamed into place only
/// when complete, so that a reader never sees a partial or unverified file.
struct StagedFile {
    let sink: FileSink
    let temporaryPath: String
    let finalPath: String

    init(for path: String) throws {
        finalPath = path
        temporaryPath = path + ".custody-tmp-\(UInt64.random(in: 0...UInt64.max))"
        sink = try FileSink(creating: temporaryPath)
    }

    /// Closes the file and renames it into place.
    /// - Parameter sync: `fsync` first. Streamed blobs skip it: a blob is checked against its
    ///   digest on every read, so one damaged by a crash is found and refused, while metadata
    ///   (manifests, `index.json`, signatures) is synced before it takes its name.
    func commit(sync: Bool = true) throws {
        try sink.close(sync: sync)
        try FileSystem.rename(temporaryPath, to: finalPath)
    }

    func discard() {
        try? sink.close()
        FileSystem.remove(temporaryPath)
    }

    /// Writes `bytes` to `path` atomically.
    static func write(_ bytes: [UInt8], to path: String) throws {
        let staged = try StagedFile(for: path)
        do {
            try staged.sink.write(bytes)
            try staged.commit()
        } catch {
            staged.discard()
            throw error
        }
    }

    /// The size of the writes ``copy(_:from:to:)`` makes.
    static let writeBufferBytes = 1 << 20

    /// Streams a blob from `source` to `path`; the file takes its name only once the blob is verified.
    static func copy(_ descriptor: Descriptor, from source: any ImageSource, to path: String) async throws {
        let staged = try StagedFile(for: path)
        do {
            // Network sources deliver small chunks; gather them so the file sees few large writes.
            var buffer: [UInt8] = []
            buffer.reserveCapacity(writeBufferBytes)
            try await source.streamBlob(descriptor) { chunk in
                if buffer.count + chunk.count > writeBufferBytes, !buffer.isEmpty {
                    try staged.sink.write(buffer)
                    buffer.removeAll(keepingCapacity: true)
                }
                if chunk.count >= writeBufferBytes {
                    try staged.sink.write(chunk)
                } else {
                    buffer.append(contentsOf: chunk)
                }
            }
            if !buffer.isEmpty { try staged.sink.write(buffer) }
            try staged.commit(sync: false)
        } catch {
            staged.discard()
            throw error
        }
    }
}
