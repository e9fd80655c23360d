import CustodyJSON
import Synchronization

/// Writes an image into an OCI image layout, creating the layout if needed.
///
/// ``commit()`` records the root manifest in `index.json`, under the
/// `org.opencontainers.image.ref.name` annotation when the name has one (replacing an entry of
/// the same name, as skopeo does) and appended otherwise. Other images of the layout are kept.
public struct OCILayoutDestination: ImageDestination {
    /// The layout.
    public let layout: OCILayout
    /// The name the root manifest gets in `index.json`, if any.
    public let referenceName: String?
    private let root = RootBox()
    /// Whether this destination created the layout (so that ``abort()`` removes it again), and
    /// whether it also created its directory.
    private let createdLayout: Bool
    private let createdDirectory: Bool

    /// Opens (and if needed creates) the layout at `path`.
    /// - Throws: ``OCIError`` when `path` holds something other than an OCI layout.
    public init(path: String, referenceName: String?) throws {
        self.layout = OCILayout(path: path)
        self.referenceName = referenceName
        if FileReader.exists(layout.markerPath) {
            _ = try layout.readIndex()  // refuse to write into a layout Custody cannot read
            createdLayout = false
            createdDirectory = false
        } else {
            createdLayout = true
            createdDirectory = !FileSystem.isDirectory(path)
            if FileSystem.isDirectory(path), !(try FileSystem.contents(of: path).isEmpty) {
                throw OCIError(code: .invalidImageName, reason: "\(path) is not empty and is not an OCI image layout")
            }
            try FileSystem.makeDirectories(path)
            try StagedFile.write(Array(OCILayout.layoutFileContent.utf8), to: layout.markerPath)
            let empty = try CanonicalJSONEncoder().encode(ImageIndexDocument(manifests: []))
            try StagedFile.write(empty, to: layout.indexPath)
        }
    }

    public var imageName: ImageName {
        .ociLayout(path: layout.path, selector: referenceName.map { .name($0) } ?? .onlyImage)
    }

    private func prepareBlobPath(_ digest: Digest) throws -> String {
        try FileSystem.makeDirectories("\(layout.path)/blobs/\(digest.algorithm.rawValue)")
        return layout.blobPath(digest)
    }

    public func putBlob(_ descriptor: Descriptor, from source: any ImageSource) async throws {
        let path = try prepareBlobPath(descriptor.digest)
        try await StagedFile.copy(descriptor, from: source, to: path)
    }

    public func putBlob(_ bytes: [UInt8], descriptor: Descriptor) async throws {
        try BlobVerifier.verify(bytes, against: descriptor)
        try StagedFile.write(bytes, to: try prepareBlobPath(descriptor.digest))
    }

    public func putManifest(_ manifest: Manifest, instance: Bool) async throws {
        try StagedFile.write(manifest.bytes, to: try prepareBlobPath(manifest.digest))
        if !instance { root.descriptor = manifest.descriptor }
    }

    /// OCI layouts hold no signatures, as in containers/image.
    public func appendSignature(_ signature: [UInt8], for manifestDigest: Digest, instance: Bool) async throws -> Int {
        throw OCIError(code: .unsupportedMediaType, reason: "an OCI image layout cannot hold signatures (\(layout.path)); copy to dir: or a registry, or pass --remove-signatures")
    }

    /// Removes the layout when this destination created it. In an existing layout, blobs already
    /// written stay (content-addressed, named by nothing): `index.json` is untouched.
    public func abort() async {
        guard createdLayout else { return }
        if createdDirectory {
            FileSystem.removeTree(layout.path)
        } else {
            for name in (try? FileSystem.contents(of: layout.path)) ?? [] { FileSystem.removeTree("\(layout.path)/\(name)") }
        }
    }

    public func commit() async throws {
        guard var descriptor = root.descriptor else {
            throw OCIError(code: .invalidManifest, reason: "no root manifest was written to \(layout.path)")
        }
        var manifests = try layout.readIndex().manifests
        if let referenceName {
            descriptor.annotations = [Descriptor.refNameAnnotation: referenceName]
            manifests.removeAll { $0.annotations?[Descriptor.refNameAnnotation] == referenceName }
        }
        manifests.append(descriptor)
        try StagedFile.write(try CanonicalJSONEncoder().encode(ImageIndexDocument(manifests: manifests)), to: layout.indexPath)
    }
}

/// The `index.json` document as Custody writes it.
struct ImageIndexDocument: Encodable {
    let schemaVersion = 2
    let mediaType = MediaType.ociIndex
    let manifests: [Descriptor]
}

/// The root descriptor remembered between ``OCILayoutDestination/putManifest(_:instance:)`` and commit.
final class RootBox: Sendable {
    private let value = Mutex<Descriptor?>(nil)
    var descriptor: Descriptor? {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}
