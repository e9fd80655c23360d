import Synchronization

/// Writes an image into a skopeo `dir:` directory, atomically.
///
/// The image is written into a hidden staging directory next to the destination
/// (`.NAME.custody-tmp-…`) and renamed into place by ``commit()``, so an interrupted or failed
/// copy never leaves a half-written image under the destination's name; ``abort()`` removes the
/// staging directory. As containers/image does, an existing `dir:` image at the path (recognised
/// by its `version` file) is replaced, and a non-empty directory that is not one is refused.
public struct DirectoryDestination: ImageDestination {
    /// The layout being written (the staging directory until ``commit()``; the image itself when
    /// opened with ``init(appendingTo:)``).
    public let layout: DirectoryLayout
    /// The destination directory.
    public let path: String
    private let staged: Bool

    /// Prepares a new image for `path`; nothing at `path` changes before ``commit()``.
    /// - Throws: ``OCIError`` when `path` is a non-empty directory without a skopeo `version` file.
    public init(path: String) throws {
        if FileSystem.isDirectory(path), !(try FileSystem.contents(of: path)).isEmpty {
            guard Self.isDirectoryImage(path) else {
                throw OCIError(code: .invalidImageName, reason: "\(path) is not empty and is not a dir: image; refusing to overwrite it")
            }
        }
        let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        let slash = trimmed.lastIndex(of: "/")
        let parent = slash.map { trimmed[..<$0].isEmpty ? "/" : String(trimmed[..<$0]) } ?? "."
        let base = slash.map { String(trimmed[trimmed.index(after: $0)...]) } ?? trimmed
        try FileSystem.makeDirectories(parent)
        let staging = "\(parent)/.\(base).custody-tmp-\(UInt64.random(in: 0...UInt64.max))"
        try FileSystem.makeDirectories(staging)
        self.path = trimmed
        layout = DirectoryLayout(path: staging)
        staged = true
        do {
            try StagedFile.write(Array(DirectoryLayout.versionFileContent.utf8), to: "\(staging)/version")
        } catch {
            FileSystem.removeTree(staging)
            throw error
        }
    }

    /// Opens an existing `dir:` image to add signatures in place, keeping everything else.
    public init(appendingTo path: String) throws {
        guard FileReader.exists("\(path)/manifest.json") else {
            throw OCIError(code: .notFound, reason: "\(path) is not a dir: image (no manifest.json)")
        }
        self.path = path
        layout = DirectoryLayout(path: path)
        staged = false
    }

    public var imageName: ImageName { .directory(path: path) }

    private static func isDirectoryImage(_ path: String) -> Bool {
        let versionPath = "\(path)/version"
        guard FileReader.exists(versionPath), let version = try? FileReader.readAll(path: versionPath, limit: 1024) else { return false }
        return String(decoding: version, as: UTF8.self).hasPrefix("Directory Transport Version: ")
    }

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

    /// Moves the staged image into place, replacing a previous `dir:` image at the path.
    public func commit() async throws {
        guard staged else { return }
        guard FileReader.exists(layout.manifestPath(instance: nil)) else {
            throw OCIError(code: .invalidManifest, reason: "no root manifest was written for \(path)")
        }
        var discarded: String?
        if FileSystem.isDirectory(path) {
            if !(try FileSystem.contents(of: path)).isEmpty {
                guard Self.isDirectoryImage(path) else {
                    throw OCIError(code: .invalidImageName, reason: "\(path) is not empty and is not a dir: image; refusing to overwrite it")
                }
                let old = layout.path + "-old"
                try FileSystem.rename(path, to: old)
                discarded = old
            } else {
                FileSystem.removeTree(path)
            }
        }
        do {
            try FileSystem.rename(layout.path, to: path)
        } catch {
            if let discarded { try? FileSystem.rename(discarded, to: path) }
            throw error
        }
        if let discarded { FileSystem.removeTree(discarded) }
    }

    /// Removes the staging directory.
    public func abort() async {
        if staged { FileSystem.removeTree(layout.path) }
    }
}
