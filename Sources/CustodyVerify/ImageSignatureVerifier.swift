import CustodyFormats
import CustodyKeys
import CustodyOCI
import CustodyOpenPGP
import CustodyStores

/// A signature that passed every check, in either format.
public enum AcceptedSignature: Sendable {
    /// A Red Hat simple signing (OpenPGP) signature.
    case simpleSigning(VerifiedSimpleSignature)
    /// A cosign signature made with a key.
    case cosign(VerifiedCosignSignature)

    /// Who signed: the OpenPGP primary key fingerprint, or the cosign key's ID (hex SHA-256 of its
    /// SubjectPublicKeyInfo).
    public var signer: String {
        switch self {
        case .simpleSigning(let signature): signature.signer.description
        case .cosign(let signature): signature.keyID.hex
        }
    }

    /// The identity the signature names, as written in it.
    public var dockerReference: String {
        switch self {
        case .simpleSigning(let signature): signature.dockerReference
        case .cosign(let signature): signature.dockerReference
        }
    }

    /// The manifest digest the signature vouches for.
    public var manifestDigest: Digest {
        switch self {
        case .simpleSigning(let signature): signature.manifestDigest
        case .cosign(let signature): signature.manifestDigest
        }
    }
}

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
        public let accepted: [(location: String, signature: AcceptedSignature)]
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

/// Checks every signature of an image, manifest by manifest, in both formats: simple signing
/// (OpenPGP) and cosign.
///
/// Signatures are gathered from the image itself (``ImageSource/signatures(for:instance:)``: the
/// `signature-N` files of a `dir:` image, the `.sig` attachment layers of a registry image) and
/// from signature stores (lookaside). Each blob is decoded with containers/image's framing
/// (``SignatureBlob``) and sent to the verifier of its format; a format with no verifier
/// configured is rejected, naming what is missing.
public struct ImageSignatureVerifier: Sendable {
    /// How a cosign signature's identity is compared with the identity asked for.
    public enum CosignIdentityRule: Sendable, Hashable {
        /// Not compared, as `cosign verify` does.
        case any
        /// The signature must name the same repository (tag or digest ignored): cosign writes the
        /// repository without a tag.
        case repository
        /// The signature must name exactly the identity asked for.
        case exact
    }

    /// The simple-signing checks, or nil when no OpenPGP key is trusted.
    public let simpleSigning: SimpleSigningVerifier?
    /// The cosign checks, or nil when no cosign key is trusted.
    public let cosign: CosignVerifier?
    /// How cosign identities are matched (simple signatures always need the exact identity).
    public let cosignIdentity: CosignIdentityRule

    /// Makes an image verifier.
    /// - Parameters:
    ///   - simpleSigning: the verifier for simple signatures, or nil to reject them.
    ///   - cosign: the verifier for cosign signatures, or nil to reject them.
    ///   - cosignIdentity: how cosign identities are matched; by default, by repository.
    public init(simpleSigning: SimpleSigningVerifier?, cosign: CosignVerifier?, cosignIdentity: CosignIdentityRule = .repository) {
        self.simpleSigning = simpleSigning
        self.cosign = cosign
        self.cosignIdentity = cosignIdentity
    }

    /// Reads the image's manifests (each checked against the descriptor that named it), gathers
    /// their signatures from the image and from each of `stores`, and checks each. One unreadable
    /// or garbage signature does not stop the others from being evaluated.
    ///
    /// Signatures found in the image are named `"<image name> signature-<n>"` (n from 1, in the
    /// order the image gives them); those in stores by the store's location.
    /// - Parameters:
    ///   - identity: the identity signatures must name: exactly for simple signatures, by
    ///     ``cosignIdentity`` for cosign signatures.
    ///   - stores: lookaside stores to read too. Do not pass a `dir:` image's own
    ///     `DirectorySignatureStore` here: its signatures are already read from the image.
    ///   - readsImageSignatures: whether the image's own signatures (``ImageSource/signatures(for:instance:)``)
    ///     are read; false when the caller passes a store over the same signatures that reports
    ///     each unreadable file on its own (a `dir:` image's `DirectorySignatureStore`).
    ///   - storeReference: the reference stores file signatures under (a lookaside lays them out
    ///     by repository): a registry image's own reference; defaults to `identity`.
    /// - Throws: when the image or a store cannot be read at all ("could not evaluate").
    public func verify(
        _ source: any ImageSource, identity: ImageReference, stores: [any SignatureStore], readsImageSignatures: Bool = true,
        storeReference: ImageReference? = nil
    ) async throws -> ImageVerificationReport {
        let evidence = try await ImageEvidence.gather(
            from: source, stores: stores, readsImageSignatures: readsImageSignatures, storeReference: storeReference ?? identity)
        // An index's own signature is reported but not required; every platform manifest's is.
        var targets = [check(evidence.root.signatures, digest: evidence.root.manifest.digest, platform: nil, required: !evidence.isIndex, identity: identity)]
        for instance in evidence.instances {
            targets.append(check(instance.signatures, digest: instance.manifest.digest, platform: instance.platform, required: true, identity: identity))
        }
        return ImageVerificationReport(targets: targets)
    }

    private func check(
        _ signatures: [StoredSignature], digest: Digest, platform: Platform?, required: Bool, identity: ImageReference
    ) -> ImageVerificationReport.Target {
        var accepted: [(location: String, signature: AcceptedSignature)] = []
        var rejected: [(location: String, rejection: SignatureRejection)] = []
        var unreadable: [(location: String, reason: String)] = []
        for stored in signatures {
            switch stored {
            case .blob(let bytes, let location):
                switch verify(bytes, digest: digest, identity: identity) {
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

    private enum Outcome {
        case accepted(AcceptedSignature)
        case rejected(SignatureRejection)
    }

    /// Decodes one stored blob (raw OpenPGP, or `0x00` + format + `"\n"`) and sends it to its verifier.
    private func verify(_ bytes: [UInt8], digest: Digest, identity: ImageReference) -> Outcome {
        let blob: SignatureBlob
        do {
            blob = try SignatureBlob(bytes: bytes)
        } catch {
            return .rejected(SignatureRejection(check: .format, code: error.code.rawValue, reason: "malformed signature blob: \(error.reason)"))
        }
        switch blob {
        case .simpleSigning(let message):
            guard let simpleSigning else {
                return .rejected(SignatureRejection(
                    check: .verifier, code: SimpleSigningError.Code.noVerifier.rawValue,
                    reason: "a simple signature, but no --gpg-key was given"))
            }
            switch simpleSigning.verify(message, manifestDigest: digest, identity: .exact(identity)) {
            case .accepted(let signature): return .accepted(.simpleSigning(signature))
            case .rejected(let rejection): return .rejected(rejection)
            }
        case .sigstore(let signature):
            guard let cosign else {
                return .rejected(SignatureRejection(
                    check: .verifier, code: SimpleSigningError.Code.noVerifier.rawValue,
                    reason: "a cosign signature, but no --key was given"))
            }
            let requirement: CosignIdentityRequirement
            switch cosignIdentity {
            case .any: requirement = .any
            case .repository: requirement = .repository(identity)
            case .exact: requirement = .exact(identity)
            }
            switch cosign.verify(signature, manifestDigest: digest, identity: requirement) {
            case .accepted(let verified): return .accepted(.cosign(verified))
            case .rejected(let rejection): return .rejected(rejection)
            }
        }
    }
}
