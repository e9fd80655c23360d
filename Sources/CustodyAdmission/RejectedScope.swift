import CustodyOCI
import CustodyPolicy
import CustodyVerify

/// Decisions that need no image: the policy scope of the image has a `reject` requirement, so it
/// is denied whatever the image holds.
///
/// Deciding these without the registry keeps admission fast and independent of registries the
/// policy does not trust anyway (policy-controller#1863 resolved digests even for such images),
/// and lets `custody audit replay` decide such records again without evidence.
public enum RejectedScope {
    /// The decision for `identity` when its scope rejects every image (made by the evaluator, with
    /// the scope and requirement in the record, over an image that is never read); nil when the
    /// scope has no `reject` requirement.
    public static func decision(for identity: ImageReference, evaluator: PolicyEvaluator) async -> PolicyDecision? {
        guard let policyIdentity = try? PolicyImageIdentity(.docker(identity)),
              evaluator.policy.requirements(for: policyIdentity).1.contains(where: { $0.kind == .reject })
        else { return nil }
        let name = ImageName.docker(identity)
        return await evaluator.evaluate(image: name, source: UnreadSource(imageName: name), stores: [])
    }

    /// An image source that is never read.
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
}
