import CustodyJSON

/// The files of an OCI image layout (OCI image spec, "image-layout.md"): `oci-layout`,
/// `index.json` and `blobs/<algorithm>/<hex>`.
public struct OCILayout: Sendable {
    /// The layout's directory.
    public let path: String

    /// The `oci-layout` marker file's content that Custody reads and writes.
    public static let layoutFileContent = #"{"imageLayoutVersion":"1.0.0"}"#
    /// The largest `index.json` accepted.
    public static let maxIndexBytes = Manifest.maxBytes

    /// Makes a layout at `path`; nothing is read until asked.
    public init(path: String) { self.path = path }

    /// The file that holds a blob. Digests are validated hex, so the path cannot leave the layout.
    public func blobPath(_ digest: Digest) -> String {
        "\(path)/blobs/\(digest.algorithm.rawValue)/\(digest.encoded)"
    }

    var indexPath: String { "\(path)/index.json" }
    var markerPath: String { "\(path)/oci-layout" }

    private struct Marker: Decodable { var imageLayoutVersion: String }

    /// Reads and checks the `oci-layout` marker and `index.json`.
    /// - Throws: ``OCIError`` when the directory is not an OCI layout Custody can read.
    public func readIndex() throws -> ImageIndex {
        let markerBytes: [UInt8]
        do {
            markerBytes = try FileReader.readAll(path: markerPath, limit: 4096)
        } catch let error as OCIError where error.code == .notFound {
            throw OCIError(code: .notFound, reason: "\(path) is not an OCI image layout: \(error.reason)")
        }
        let marker: Marker
        do {
            // The image-layout spec lets the marker carry additional fields; duplicates and other
            // syntax errors are still refused.
            marker = try StrictJSONDecoder(unknownKeys: .ignore).decode(Marker.self, from: markerBytes)
        } catch {
            throw OCIError(code: .invalidManifest, reason: "\(markerPath): \(error)")
        }
        guard marker.imageLayoutVersion == "1.0.0" else {
            throw OCIError(code: .invalidManifest, reason: "\(markerPath): unsupported imageLayoutVersion \"\(marker.imageLayoutVersion.prefix(32))\"")
        }
        let indexBytes = try FileReader.readAll(path: indexPath, limit: OCILayout.maxIndexBytes)
        let index: Manifest
        do {
            index = try Manifest(bytes: indexBytes, declaredMediaType: .ociIndex)
        } catch {
            throw OCIError(code: error.code, reason: "\(indexPath): \(error.reason)")
        }
        guard case .index(let content) = index.content else {
            throw OCIError(code: .invalidManifest, reason: "\(indexPath) is not an image index")
        }
        return content
    }

    /// Finds the descriptor an `oci:` selector means, as containers/image does.
    public func descriptor(for selector: OCILayoutSelector, in index: ImageIndex) throws(OCIError) -> Descriptor {
        switch selector {
        case .onlyImage:
            guard index.manifests.count == 1 else {
                throw OCIError(
                    code: .imageNotFound,
                    reason: "\(path) holds \(index.manifests.count) images; name one as oci:\(path):REF"
                        + OCILayout.describeNames(index)
                )
            }
            return index.manifests[0]
        case .index(let position):
            guard position >= 0, position < index.manifests.count else {
                throw OCIError(code: .imageNotFound, reason: "index \(position) is too large, only \(index.manifests.count) entries available in \(indexPath)")
            }
            return index.manifests[position]
        case .name(let name):
            let matches = index.manifests.filter { $0.annotations?[Descriptor.refNameAnnotation] == name }
            if let match = matches.first(where: { $0.mediaType.isSupportedManifest }) { return match }
            if !matches.isEmpty {
                throw OCIError(code: .unsupportedMediaType, reason: "reference \"\(name)\" in \(indexPath) has unsupported media types \(matches.map(\.mediaType.rawValue))")
            }
            throw OCIError(code: .imageNotFound, reason: "no image named \"\(name)\" in \(indexPath)" + OCILayout.describeNames(index))
        }
    }

    private static func describeNames(_ index: ImageIndex) -> String {
        let names = index.manifests.compactMap { $0.annotations?[Descriptor.refNameAnnotation] }
        return names.isEmpty ? "" : " (names: \(names.prefix(20).joined(separator: ", ")))"
    }
}

/// Reads an image from an OCI image layout.
public struct OCILayoutSource: ImageSource {
    /// The layout.
    public let layout: OCILayout
    /// Which image of the layout.
    public let selector: OCILayoutSelector
    private let files: LocalBlobFiles

    /// Opens the image `selector` names in the layout at `path`.
    public init(path: String, selector: OCILayoutSelector) {
        let layout = OCILayout(path: path)
        self.layout = layout
        self.selector = selector
        self.files = LocalBlobFiles { layout.blobPath($0) }
    }

    public var imageName: ImageName { .ociLayout(path: layout.path, selector: selector) }

    public func rootManifest() async throws -> Manifest {
        let index = try layout.readIndex()
        let descriptor = try layout.descriptor(for: selector, in: index)
        return try files.manifest(at: layout.blobPath(descriptor.digest), for: descriptor)
    }

    public func manifest(for descriptor: Descriptor) async throws -> Manifest {
        try files.manifest(at: layout.blobPath(descriptor.digest), for: descriptor)
    }

    public func blob(_ descriptor: Descriptor, limit: Int) async throws -> [UInt8] {
        try files.blob(descriptor, limit: limit)
    }

    public func streamBlob(_ descriptor: Descriptor, into body: (UnsafeRawBufferPointer) throws -> Void) async throws {
        try files.streamBlob(descriptor, into: body)
    }

    /// OCI layouts carry no signatures (as in containers/image).
    public func signatures(for manifestDigest: Digest, instance: Bool) async throws -> [[UInt8]] { [] }
}
