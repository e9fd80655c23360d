import CustodyOCI

/// A blob as commands report it.
struct BlobEntry: Encodable {
    let digest: Digest
    let size: Int64
    let mediaType: MediaType

    init(_ descriptor: Descriptor) {
        digest = descriptor.digest
        size = descriptor.size
        mediaType = descriptor.mediaType
    }
}

/// A platform manifest of an index as commands report it; `config` and `layers` only when the
/// command read the manifest.
struct PlatformEntry: Encodable {
    let platform: String
    let digest: Digest
    let size: Int64
    let mediaType: MediaType
    var config: BlobEntry?
    var layers: [BlobEntry]?

    /// An entry for a descriptor of an index; a missing platform is reported as `unknown`.
    init(_ descriptor: Descriptor) {
        platform = descriptor.platform?.description ?? "unknown"
        digest = descriptor.digest
        size = descriptor.size
        mediaType = descriptor.mediaType
    }
}
