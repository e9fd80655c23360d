import CustodyFormats
import CustodyOCI
import CustodyStores

/// The signatures found for each manifest of an image and what became of each.
public struct ImageVerificationReport: Sendable {
    /// One manifest of the image and the evidence about it.
    public struct Target: Sendable {
        /// The manifest digest signatures must name.
        public let manifestDigest: Digest
        /// The platform, for a manifest inside an index.
        public let platform: Platform?
        /// Whether this manifest must be signed for the image to be accepted. Platform manifests and
        /// single-platform images must; an index's own signature is reported but not required, since
        /// a signature on an index does not cover its instances (as in containers/image).
        public let isRequired: Bool
        /// Signatures that passed every check, with where they were found.
        public let accepted: [(location: String, signature: VerifiedSimpleSignature)]
        /// Signatures that were read and rejected, with the reason.
        public let rejected: [(location: String, rejection: SignatureRejection)]
        /// Signatures that could not be read at all.
        public let unreadable: [(location: String, reason: String)]

        /// Whether at least one signature was accepted.
        public var isSatisfied: Bool { !accepted.isEmpty }
    }

    /// The manifests checked: the root first, then each platform manifest of an index.
    public let targets: [Target]

    /// Whether every required manifest has an accepted signature.
    public var isAccepted: Bool { targets.filter(\.isRequired).allSatisfy(\.isSatisfied) }
}

/// Checks every signature stored for an image, manifest by manifest.
public struct ImageSignatureVerifier: Sendable {
    /// The per-signature checks.
    public let verifier: SimpleSigningVerifier

    /// Makes an image verifier.
    public init(verifier: SimpleSigningVerifier) { self.verifier = verifier }

    /// Reads the image's manifests (each checked against the descriptor that named it), gathers
    /// their signatures from `store`, and checks each. One unreadable or garbage signature does not
    /// stop the others from being evaluated.
    /// - Throws: when the image or the store cannot be read at all ("could not evaluate").
    public func verify(_ source: any ImageSource, identity: ImageReference, store: any SignatureStore) async throws -> ImageVerificationReport {
        let tree = try await ImageTree.load(from: source)
        var isIndex = false
        if case .index = tree.root.manifest.content { isIndex = true }
        var targets: [ImageVerificationReport.Target] = []
        for (position, entry) in tree.signableManifests.enumerated() {
            // An index's own signature is reported but not required; every platform manifest's is.
            let required = !(isIndex && position == 0)
            targets.append(try await check(entry.manifest.digest, platform: entry.platform, required: required, identity: identity, store: store))
        }
        return ImageVerificationReport(targets: targets)
    }

    private func check(_ digest: Digest, platform: Platform?, required: Bool, identity: ImageReference, store: any SignatureStore) async throws -> ImageVerificationReport.Target {
        var accepted: [(String, VerifiedSimpleSignature)] = []
        var rejected: [(String, SignatureRejection)] = []
        var unreadable: [(String, String)] = []
        for stored in try await store.signatures(for: digest, reference: identity) {
            switch stored {
            case .blob(let bytes, let location):
                // Stored blobs use containers/image's framing: raw OpenPGP, or 0x00 + format + "\n".
                let blob: SignatureBlob
                do {
                    blob = try SignatureBlob(bytes: bytes)
                } catch {
                    rejected.append((location, SignatureRejection(check: .format, code: error.code.rawValue, reason: "malformed signature blob: \(error.reason)")))
                    continue
                }
                guard case .simpleSigning(let message) = blob else {
                    rejected.append((location, SignatureRejection(
                        check: .format, code: SimpleSigningError.Code.invalidClaim.rawValue,
                        reason: "a sigstore (cosign) signature, not an OpenPGP simple signature")))
                    continue
                }
                switch verifier.verify(message, manifestDigest: digest, identity: .exact(identity)) {
                case .accepted(let signature): accepted.append((location, signature))
                case .rejected(let rejection): rejected.append((location, rejection))
                }
            case .unreadable(let location, let reason):
                unreadable.append((location, reason))
            }
        }
        return ImageVerificationReport.Target(
            manifestDigest: digest, platform: platform, isRequired: required, accepted: accepted, rejected: rejected, unreadable: unreadable)
    }
}
