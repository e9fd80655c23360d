import CustodyOCI

/// An image source that is never read: it stands for an image the policy rules out whatever it
/// holds (its scope has a `reject` requirement), so that the evaluator denies it, with the
/// scope and requirement in the decision record, without a registry request.
struct UnreadSource: ImageSource {
    let imageName: ImageName

    struct NotRead: Error, CustomStringConvertible {
        var description: String { "not read: the policy rejects every image of this scope" }
    }

    func rootManifest() async throws -> Manifest { throw NotRead() }
    func manifest(for descriptor: Descriptor) async throws -> Manifest { throw NotRead() }
    func blob(_ descriptor: Descriptor, limit: Int) async throws -> [UInt8] { throw NotRead() }
    func streamBlob(_ descriptor: Descriptor, into body: (UnsafeRawBufferPointer) throws -> Void) async throws { throw NotRead() }
    func signatures(for manifestDigest: Digest, instance: Bool) async throws -> [[UInt8]] { throw NotRead() }
}
