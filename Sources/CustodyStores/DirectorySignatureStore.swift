import CustodyOCI

/// The signatures kept inside a skopeo `dir:` image (containers/image `directory/`).
///
/// The signatures of the root manifest (`manifest.json`) are `signature-1`, `signature-2`, …;
/// those of an instance of an index are `<hex>.signature-N`, next to `<hex>.manifest.json`. The
/// store tells them apart by hashing `manifest.json`: a digest equal to the digest of its exact
/// bytes is the root, any other digest an instance. The image reference is not used.
///
/// Reading stops at the first missing file; more than ``DirectoryLayout/maxSignatures`` is an
/// error, and a file that exists but cannot be read (a directory, a file over
/// ``DirectoryLayout/maxSignatureBytes``) becomes ``StoredSignature/unreadable(location:reason:)``.
/// Appending writes the first free number exclusively (``DirectoryDestination/appendSignature(_:for:instance:)``).
public struct DirectorySignatureStore: SignatureStore {
    /// The file layout of the image.
    public let layout: DirectoryLayout

    /// Opens the signatures of the `dir:` image at `path`.
    public init(path: String) {
        layout = DirectoryLayout(path: path)
    }

    /// The image directory.
    public var path: String { layout.path }

    public var description: String { "dir:\(layout.path)" }

    public func signatures(for manifestDigest: Digest, reference: ImageReference?) async throws -> [StoredSignature] {
        let instance = try isInstance(manifestDigest)
        var result: [StoredSignature] = []
        for number in 1... {
            let path = layout.signaturePath(instance: instance ? manifestDigest : nil, number: number)
            let bytes: [UInt8]
            do {
                bytes = try FileReader.readAll(path: path, limit: DirectoryLayout.maxSignatureBytes)
            } catch let error as OCIError {
                if error.code == .notFound { break }
                try Self.checkCount(number, path)
                result.append(.unreadable(location: path, reason: error.reason))
                continue
            }
            try Self.checkCount(number, path)
            result.append(.blob(bytes, location: path))
        }
        return result
    }

    public func append(_ signature: [UInt8], for manifestDigest: Digest, reference: ImageReference?) async throws -> String {
        let instance = try isInstance(manifestDigest)
        if instance {
            let manifestPath = layout.manifestPath(instance: manifestDigest)
            guard FileReader.exists(manifestPath) else {
                throw StoreError(
                    code: .notFound,
                    reason: "\(layout.path) has no manifest \(manifestDigest): it is neither manifest.json nor \(manifestPath)"
                )
            }
        }
        do {
            let destination = try DirectoryDestination(appendingTo: layout.path)
            let number = try await destination.appendSignature(signature, for: manifestDigest, instance: instance)
            return layout.signaturePath(instance: instance ? manifestDigest : nil, number: number)
        } catch let error as OCIError {
            let code: StoreError.Code = switch error.code {
            case .tooLarge: .tooLarge
            case .notFound: .notFound
            default: .io
            }
            throw StoreError(code: code, reason: error.reason)
        }
    }

    /// Whether `manifestDigest` names an instance rather than the root `manifest.json`.
    private func isInstance(_ manifestDigest: Digest) throws -> Bool {
        let rootPath = layout.manifestPath(instance: nil)
        do {
            return try Digest.compute(fileAt: rootPath, algorithm: manifestDigest.algorithm) != manifestDigest
        } catch let error as OCIError {
            let code: StoreError.Code = error.code == .notFound ? .notFound : .unreadable
            throw StoreError(code: code, reason: "\(layout.path) is not a readable dir: image: \(error.reason)")
        }
    }

    private static func checkCount(_ number: Int, _ path: String) throws {
        guard number <= DirectoryLayout.maxSignatures else {
            throw StoreError(
                code: .tooManySignatures,
                reason: "\(path) exists: more than \(DirectoryLayout.maxSignatures) signatures"
            )
        }
    }
}
