/// The files of skopeo's `dir:` format (containers/image `directory/`): `manifest.json`, blobs
/// named by their hex, `version`, and `signature-N`; instances of an index as
/// `<hex>.manifest.json` and `<hex>.signature-N`.
public struct DirectoryLayout: Sendable {
    /// The directory.
    public let path: String

    /// The `version` file content skopeo writes.
    public static let versionFileContent = "Directory Transport Version: 1.1\n"
    /// The most signatures read for one manifest (as containers/image caps lookaside reads).
    public static let maxSignatures = 128
    /// The largest signature accepted (containers/image `iolimits.MaxSignatureBodySize`).
    public static let maxSignatureBytes = 4 * 1024 * 1024

    /// Makes a layout at `path`.
    public init(path: String) { self.path = path }

    /// The file that holds a blob.
    public func blobPath(_ digest: Digest) -> String { "\(path)/\(digest.encoded)" }

    /// The file that holds the top-level manifest, or an instance manifest.
    public func manifestPath(instance: Digest?) -> String {
        instance.map { "\(path)/\($0.encoded).manifest.json" } ?? "\(path)/manifest.json"
    }

    /// The file that holds signature `number` (from 1) of the top-level manifest or an instance.
    public func signaturePath(instance: Digest?, number: Int) -> String {
        instance.map { "\(path)/\($0.encoded).signature-\(number)" } ?? "\(path)/signature-\(number)"
    }
}

/// Reads an image from a skopeo `dir:` directory.
public struct DirectorySource: ImageSource {
    /// The directory layout.
    public let layout: DirectoryLayout
    private let files: LocalBlobFiles

    /// Opens the image in `path`.
    public init(path: String) {
        let layout = DirectoryLayout(path: path)
        self.layout = layout
        self.files = LocalBlobFiles { layout.blobPath($0) }
    }

    public var imageName: ImageName { .directory(path: layout.path) }

    public func rootManifest() async throws -> Manifest {
        let path = layout.manifestPath(instance: nil)
        let bytes: [UInt8]
        do {
            bytes = try FileReader.readAll(path: path, limit: Manifest.maxBytes)
        } catch let error as OCIError where error.code == .notFound {
            throw OCIError(code: .notFound, reason: "\(layout.path) is not a dir: image: \(error.reason)")
        }
        do {
            return try Manifest(bytes: bytes)
        } catch {
            throw OCIError(code: error.code, reason: "\(path): \(error.reason)")
        }
    }

    public func manifest(for descriptor: Descriptor) async throws -> Manifest {
        try files.manifest(at: layout.manifestPath(instance: descriptor.digest), for: descriptor)
    }

    public func blob(_ descriptor: Descriptor, limit: Int) async throws -> [UInt8] {
        try files.blob(descriptor, limit: limit)
    }

    public func streamBlob(_ descriptor: Descriptor, into body: (UnsafeRawBufferPointer) throws -> Void) async throws {
        try files.streamBlob(descriptor, into: body)
    }

    /// `signature-1`, `signature-2`, … until the first missing one.
    public func signatures(for manifestDigest: Digest, instance: Bool) async throws -> [[UInt8]] {
        var signatures: [[UInt8]] = []
        for number in 1... {
            let path = layout.signaturePath(instance: instance ? manifestDigest : nil, number: number)
            guard FileReader.exists(path) else { break }
            guard number <= DirectoryLayout.maxSignatures else {
                throw OCIError(code: .tooLarge, reason: "\(layout.path) has more than \(DirectoryLayout.maxSignatures) signatures")
            }
            signatures.append(try FileReader.readAll(path: path, limit: DirectoryLayout.maxSignatureBytes))
        }
        return signatures
    }
}
