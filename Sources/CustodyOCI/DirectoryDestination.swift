import Synchronization

/// Writes an image into a skopeo `dir:` directory.
///
/// As containers/image does, an existing `dir:` image at the path (recognised by its `version`
/// file) is replaced, and a non-empty directory that is not one is refused, so that no stale
/// manifest or signature of another image survives next to the new one.
public struct DirectoryDestination: ImageDestination {
    /// The directory layout.
    public let layout: DirectoryLayout

    /// Prepares `path` for a new image.
    /// - Throws: ``OCIError`` when `path` is a non-empty directory without a skopeo `version` file.
    public init(path: String) throws {
        layout = DirectoryLayout(path: path)
        if FileSystem.isDirectory(path) {
            let names = try FileSystem.contents(of: path)
            if !names.isEmpty {
                let versionPath = "\(path)/version"
                let version = FileReader.exists(versionPath) ? try FileReader.readAll(path: versionPath, limit: 1024) : []
                guard String(decoding: version, as: UTF8.self).hasPrefix("Directory Transport Version: ") else {
                    throw OCIError(code: .invalidImageName, reason: "\(path) is not empty and is not a dir: image; refusing to overwrite it")
                }
                for name in names { FileSystem.remove("\(path)/\(name)") }
            }
        } else {
            try FileSystem.makeDirectories(path)
        }
        try StagedFile.write(Array(DirectoryLayout.versionFileContent.utf8), to: "\(path)/version")
    }

    /// Opens an existing `dir:` image to add signatures, keeping everything else.
    public init(appendingTo path: String) throws {
        guard FileReader.exists("\(path)/manifest.json") else {
            throw OCIError(code: .notFound, reason: "\(path) is not a dir: image (no manifest.json)")
        }
        layout = DirectoryLayout(path: path)
    }

    public var imageName: ImageName { .directory(path: layout.path) }

    public func putBlob(_ descriptor: Descriptor, from source: any ImageSource) async throws {
        try await StagedFile.copy(descriptor, from: source, to: layout.blobPath(descriptor.digest))
    }

    public func putBlob(_ bytes: [UInt8], descriptor: Descriptor) async throws {
        try BlobVerifier.verify(bytes, against: descriptor)
        try StagedFile.write(bytes, to: layout.blobPath(descriptor.digest))
    }

    public func putManifest(_ manifest: Manifest, instance: Bool) async throws {
        try StagedFile.write(manifest.bytes, to: layout.manifestPath(instance: instance ? manifest.digest : nil))
    }

    /// Writes the first free `signature-N` (or `<hex>.signature-N`): complete files only, and two
    /// signers never take the same number.
    public func appendSignature(_ signature: [UInt8], for manifestDigest: Digest, instance: Bool) async throws -> Int {
        guard signature.count <= DirectoryLayout.maxSignatureBytes else {
            throw OCIError(code: .tooLarge, reason: "signature is \(signature.count) bytes, over the limit of \(DirectoryLayout.maxSignatureBytes)")
        }
        let numbers = 1...DirectoryLayout.maxSignatures
        let candidates = numbers.map { layout.signaturePath(instance: instance ? manifestDigest : nil, number: $0) }
        guard let written = try FileSystem.writeToFirstFreeName(signature, in: layout.path, candidates: candidates),
            let index = candidates.firstIndex(of: written)
        else {
            throw OCIError(code: .tooLarge, reason: "\(layout.path) already has \(DirectoryLayout.maxSignatures) signatures")
        }
        return numbers.lowerBound + index
    }

    /// Nothing to do: every file is in place once written.
    public func commit() async throws {}
}
