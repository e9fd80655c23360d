// Shared helpers for the CustodyOCI tests: temporary directories, hand-written manifest JSON,
// builders for OCI image layouts and skopeo `dir:` directories, a seeded random generator, and
// access to the real umoci/skopeo fixtures (Scripts/make-fixtures.sh).

import CustodyOCI
import CustodyTestSupport
import Foundation
import Testing

// MARK: - Bytes and randomness

extension String {
    /// The UTF-8 bytes of the string.
    var utf8Bytes: [UInt8] { Array(utf8) }
}

/// A small deterministic generator (SplitMix64), so "random" tests are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// `count` pseudo-random bytes from `seed`.
func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
}

/// A syntactically valid sha256 digest string made of one repeated hex character.
func fakeDigestString(_ character: Character = "a") -> String {
    "sha256:" + String(repeating: character, count: 64)
}

// MARK: - Temporary directories


/// Runs `body` with a fresh temporary directory and removes it afterwards, whatever happens.
@discardableResult

/// Reads a whole file.
func readBytes(_ path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// Flips every bit of the byte at `offset` (default: the middle) of the file at `path`.
func flipByte(in path: String, at offset: Int? = nil) throws {
    var bytes = try readBytes(path)
    bytes[offset ?? bytes.count / 2] ^= 0xFF
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

// MARK: - Hand-written manifest JSON

/// Compact JSON text for manifests, indexes and descriptors, written by hand (not by a
/// JSONEncoder) so that tests control the exact bytes.
enum ManifestJSON {
    static let layerType: MediaType = "application/vnd.oci.image.layer.v1.tar"

    static func quoted(_ s: String) -> String { "\"\(s)\"" }

    static func platform(_ p: Platform) -> String {
        var members = ["\"architecture\":\(quoted(p.architecture))", "\"os\":\(quoted(p.os))"]
        if let variant = p.variant { members.append("\"variant\":\(quoted(variant))") }
        return "{" + members.joined(separator: ",") + "}"
    }

    static func descriptor(_ d: Descriptor) -> String {
        var members = [
            "\"mediaType\":\(quoted(d.mediaType.rawValue))",
            "\"digest\":\(quoted(d.digest.description))",
            "\"size\":\(d.size)",
        ]
        if let p = d.platform { members.append("\"platform\":\(Self.platform(p))") }
        if let annotations = d.annotations {
            let body = annotations.keys.sorted().map { "\(quoted($0)):\(quoted(annotations[$0]!))" }
            members.append("\"annotations\":{" + body.joined(separator: ",") + "}")
        }
        return "{" + members.joined(separator: ",") + "}"
    }

    /// An image manifest; `mediaType: nil` leaves the member out (as umoci does).
    static func image(config: Descriptor, layers: [Descriptor], mediaType: MediaType? = .ociManifest) -> String {
        var members = ["\"schemaVersion\":2"]
        if let mediaType { members.append("\"mediaType\":\(quoted(mediaType.rawValue))") }
        members.append("\"config\":\(descriptor(config))")
        members.append("\"layers\":[" + layers.map(descriptor).joined(separator: ",") + "]")
        return "{" + members.joined(separator: ",") + "}"
    }

    /// An index; `mediaType: nil` leaves the member out.
    static func index(_ manifests: [Descriptor], mediaType: MediaType? = .ociIndex) -> String {
        var members = ["\"schemaVersion\":2"]
        if let mediaType { members.append("\"mediaType\":\(quoted(mediaType.rawValue))") }
        members.append("\"manifests\":[" + manifests.map(descriptor).joined(separator: ",") + "]")
        return "{" + members.joined(separator: ",") + "}"
    }

    /// A config blob naming a platform.
    static func config(_ p: Platform) -> String { platform(p) }
}

extension Descriptor {
    /// This descriptor with an `org.opencontainers.image.ref.name` annotation.
    func named(_ name: String) -> Descriptor {
        var copy = self
        copy.annotations = [Descriptor.refNameAnnotation: name]
        return copy
    }

    /// This descriptor with a platform.
    func on(_ platform: Platform?) -> Descriptor {
        var copy = self
        copy.platform = platform
        return copy
    }
}

// MARK: - Layout builders

/// One built image: the manifest's descriptor and the blobs it references.
struct BuiltImage {
    let manifest: Descriptor
    let manifestBytes: [UInt8]
    let config: Descriptor
    let layers: [Descriptor]
}

/// Somewhere blobs and manifests can be stored: an OCI layout or a skopeo `dir:` directory.
protocol BlobStore {
    /// Stores a blob (config or layer) and returns its descriptor.
    func addBlob(_ bytes: [UInt8], mediaType: MediaType) throws -> Descriptor
    /// Stores a manifest that an index names and returns its descriptor.
    func addManifest(_ bytes: [UInt8], mediaType: MediaType) throws -> Descriptor
}

extension BlobStore {
    /// Stores a config for `platform`, the given layers, and an image manifest naming them.
    func addImage(platform: Platform = Platform(os: "linux", architecture: "amd64"), layers: [[UInt8]], mediaType: MediaType? = .ociManifest) throws -> BuiltImage {
        let config = try addBlob(ManifestJSON.config(platform).utf8Bytes, mediaType: .ociConfig)
        let layerDescriptors = try layers.map { try addBlob($0, mediaType: ManifestJSON.layerType) }
        let bytes = ManifestJSON.image(config: config, layers: layerDescriptors, mediaType: mediaType).utf8Bytes
        let descriptor = try addManifest(bytes, mediaType: mediaType ?? .ociManifest).on(platform)
        return BuiltImage(manifest: descriptor, manifestBytes: bytes, config: config, layers: layerDescriptors)
    }

    /// Stores an index of `manifests`.
    func addIndex(_ manifests: [Descriptor]) throws -> Descriptor {
        try addManifest(ManifestJSON.index(manifests).utf8Bytes, mediaType: .ociIndex)
    }
}

/// Builds an OCI image layout by hand: `oci-layout`, `index.json`, `blobs/sha256/<hex>`.
struct OCILayoutBuilder: BlobStore {
    let path: String

    /// Makes the layout directory under `directory` with the standard `oci-layout` marker,
    /// or with `marker` as its content, or without one when `marker` is nil.
    init(in directory: TemporaryDirectory, name: String = "layout", marker: String? = OCILayout.layoutFileContent) throws {
        path = directory.file(name)
        try FileManager.default.createDirectory(atPath: path + "/blobs/sha256", withIntermediateDirectories: true)
        if let marker { try Data(marker.utf8).write(to: URL(fileURLWithPath: path + "/oci-layout")) }
    }

    func blobPath(_ digest: Digest) -> String { "\(path)/blobs/sha256/\(digest.encoded)" }

    func addBlob(_ bytes: [UInt8], mediaType: MediaType) throws -> Descriptor {
        let descriptor = Descriptor(mediaType: mediaType, bytes: bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: blobPath(descriptor.digest)))
        return descriptor
    }

    func addManifest(_ bytes: [UInt8], mediaType: MediaType) throws -> Descriptor {
        try addBlob(bytes, mediaType: mediaType)
    }

    /// Writes `index.json` listing `entries`.
    func writeIndex(_ entries: [Descriptor]) throws {
        try writeIndex(raw: ManifestJSON.index(entries, mediaType: nil))
    }

    /// Writes `index.json` with exactly this text.
    func writeIndex(raw: String) throws {
        try Data(raw.utf8).write(to: URL(fileURLWithPath: path + "/index.json"))
    }

    func source(_ selector: OCILayoutSelector = .onlyImage) -> OCILayoutSource {
        OCILayoutSource(path: path, selector: selector)
    }
}

/// Builds a skopeo `dir:` directory by hand: `manifest.json`, `<hex>` blobs, `version`,
/// `<hex>.manifest.json` instances and `signature-N` files.
struct DirectoryBuilder: BlobStore {
    let path: String

    init(in directory: TemporaryDirectory, name: String = "dir") throws {
        path = directory.file(name)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Data(DirectoryLayout.versionFileContent.utf8).write(to: URL(fileURLWithPath: path + "/version"))
    }

    func addBlob(_ bytes: [UInt8], mediaType: MediaType) throws -> Descriptor {
        let descriptor = Descriptor(mediaType: mediaType, bytes: bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: "\(path)/\(descriptor.digest.encoded)"))
        return descriptor
    }

    func addManifest(_ bytes: [UInt8], mediaType: MediaType) throws -> Descriptor {
        let descriptor = Descriptor(mediaType: mediaType, bytes: bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: "\(path)/\(descriptor.digest.encoded).manifest.json"))
        return descriptor
    }

    /// Writes the top-level `manifest.json`.
    func writeTopManifest(_ bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path + "/manifest.json"))
    }

    /// Writes `signature-N`, or `<hex>.signature-N` for an instance.
    func writeSignature(_ bytes: [UInt8], number: Int, instance: Digest? = nil) throws {
        let name = instance.map { "\($0.encoded).signature-\(number)" } ?? "signature-\(number)"
        try Data(bytes).write(to: URL(fileURLWithPath: "\(path)/\(name)"))
    }

    var source: DirectorySource { DirectorySource(path: path) }
}

// MARK: - Errors

/// Runs `body` and returns the `OCIError` it throws (recording an issue if it throws nothing or
/// something else), so tests can check the code and the message.
func ociError(_ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async -> OCIError? {
    do {
        try await body()
        Issue.record("expected an OCIError, nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as OCIError {
        return error
    } catch {
        Issue.record("expected an OCIError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

// MARK: - Real fixtures (umoci + skopeo)

/// Access to the fixtures of Scripts/make-fixtures.sh. Expected values come from skopeo or the
/// fixture files, never hard-coded digests.
enum RealFixtures {
    /// The content of a marker file next to a fixture (`oci-tampered.TAMPERED`, …).
    static func marker(_ name: String) throws -> String {
        String(decoding: try readBytes(try Fixtures.path(name)), as: UTF8.self)
    }

    /// The manifest bytes skopeo reads for `reference` (`skopeo inspect --raw`).
    static func skopeoRaw(_ reference: String) throws -> [UInt8] {
        let result = try runProcess("skopeo", ["inspect", "--raw", reference])
        guard result.status == 0 else { throw TestSupportError("skopeo inspect --raw \(reference) failed: \(result)") }
        return Array(result.stdout)
    }

    /// The digest skopeo computes for the manifest in `file` (`skopeo manifest-digest`).
    static func skopeoManifestDigest(ofFile file: String) throws -> String {
        let result = try runProcess("skopeo", ["manifest-digest", file])
        guard result.status == 0 else { throw TestSupportError("skopeo manifest-digest \(file) failed: \(result)") }
        return result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
