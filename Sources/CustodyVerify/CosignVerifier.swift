import CustodyFormats
import CustodyKeys
import CustodyOCI

/// A cosign signature that passed every check. Only ``CosignVerifier`` makes these.
public struct VerifiedCosignSignature: Sendable, Hashable {
    /// The ID of the trusted key that verified the signature.
    public let keyID: KeyID
    /// The signature scheme that verified it (the key's natural scheme).
    public let algorithm: SigningAlgorithm
    /// The identity the payload names (`critical.identity.docker-reference`), as written: cosign
    /// writes the repository without a tag, containers/image the full reference.
    public let dockerReference: String
    /// The manifest digest the signature vouches for (equal to the image's).
    public let manifestDigest: Digest
    /// The members of the payload's `optional` (cosign's `-a key=value` annotations), unverified
    /// statements of the signer; values that are not strings are given as their JSON text.
    public let untrustedAnnotations: [String: String]
    /// `optional.creator` (containers/image writes it; cosign does not), unverified.
    public let untrustedCreator: String?
    /// `optional.timestamp`: the signer's clock, not a proof of time.
    public let untrustedTimestamp: Int64?
}

/// What identity a cosign payload must name.
public enum CosignIdentityRequirement: Sendable, Hashable {
    /// Any identity: cosign's own behaviour (`cosign verify` does not enforce
    /// `docker-reference`). The digest still must match.
    case any
    /// The payload's reference, normalised, must name the same repository as this reference; a
    /// tag or digest in either is ignored (containers/image `matchRepository`). cosign writes the
    /// repository without a tag, so this is the rule that fits cosign's signatures.
    case repository(ImageReference)
    /// The payload's reference, normalised, must equal this reference exactly (containers/image
    /// `matchExact`); fits containers/image's signatures, which name the tag.
    case exact(ImageReference)
}

/// The verdict on one cosign signature.
public enum CosignSignatureVerdict: Sendable {
    /// Every check passed.
    case accepted(VerifiedCosignSignature)
    /// A check failed.
    case rejected(SignatureRejection)
}

/// Verifies cosign signatures made with a key (not keyless), in the order containers/image does
/// (`signature/policy_eval_sigstore.go`, `signature/internal/sigstore_payload.go`): the media
/// type, the signature annotation, the signature over the exact payload bytes with each trusted
/// key, and only then the payload JSON (strictly), its manifest digest and its identity.
///
/// Each key is used with its natural scheme (``KeyAlgorithm/defaultSigningAlgorithm``), the one
/// cosign signs with by default:
/// - ECDSA P-256: SHA-256, ASN.1 DER signature;
/// - ECDSA P-384: SHA-384, ASN.1 DER signature (what `cosign sign` writes for a P-384 key; note
///   that containers/image hashes with SHA-256 for every key, so its P-384 signatures do not
///   verify here, and Custody's do not verify there);
/// - ECDSA P-521: SHA-512, ASN.1 DER signature (what `cosign sign` writes for a P-521 key; the
///   same caveat about containers/image applies);
/// - RSA: PKCS #1 v1.5 with SHA-256. RSA-PSS is not accepted: neither `cosign verify --key` nor
///   containers/image verifies PSS by default;
/// - Ed25519: pure Ed25519 over the payload, as containers/image verifies. `cosign sign` with an
///   Ed25519 key signs with Ed25519ph by default (`pkg/cosign/keys.go` `GetDefaultLoadOptions`);
///   such signatures are rejected.
///
/// A key of another type than the signature simply does not verify it; the rejection names every
/// key tried, with its ID and type.
public struct CosignVerifier: Sendable {
    /// The trusted keys. A signature is accepted when any of them verifies it.
    public let keys: [PublicKey]

    /// Makes a verifier trusting `keys`.
    public init(keys: [PublicKey]) {
        self.keys = keys
    }

    /// Checks one signature against an image's manifest digest and the required identity.
    public func verify(_ signature: SigstoreSignature, manifestDigest: Digest, identity: CosignIdentityRequirement) -> CosignSignatureVerdict {
        guard signature.untrustedMIMEType == MediaType.cosignSimpleSigning.rawValue else {
            return .rejected(SignatureRejection(
                check: .format, code: SimpleSigningError.Code.unexpectedMediaType.rawValue,
                reason: "not a cosign signature: media type \(signature.untrustedMIMEType.prefix(200)), expected \(MediaType.cosignSimpleSigning)"))
        }
        guard let encoded = signature.untrustedAnnotations[CosignAnnotation.signature] else {
            return .rejected(SignatureRejection(
                check: .cryptographic, code: SimpleSigningError.Code.missingSignatureAnnotation.rawValue,
                reason: "missing \(CosignAnnotation.signature) annotation"))
        }
        guard let signatureBytes = CosignAnnotation.decodeSignature(encoded) else {
            return .rejected(SignatureRejection(
                check: .cryptographic, code: SimpleSigningError.Code.invalidSignatureEncoding.rawValue,
                reason: "\(CosignAnnotation.signature) annotation is not standard base64"))
        }
        let payload = signature.untrustedPayload
        guard payload.count <= UntrustedSimpleSigningClaim.maxPayloadBytes else {
            return .rejected(SignatureRejection(
                check: .format, code: SimpleSigningError.Code.tooLarge.rawValue,
                reason: "cosign payload is \(payload.count) bytes, over the limit of \(UntrustedSimpleSigningClaim.maxPayloadBytes)"))
        }
        guard !keys.isEmpty else {
            return .rejected(SignatureRejection(
                check: .cryptographic, code: SimpleSigningError.Code.signatureMismatch.rawValue,
                reason: "no trusted public key to verify the cosign signature with"))
        }
        let verifying = keys.first { key in
            key.isValidSignature(signatureBytes, for: payload, algorithm: key.algorithm.defaultSigningAlgorithm)
        }
        guard let key = verifying else {
            let tried = keys.map { "\($0.keyID) (\(Self.describe($0)))" }
            let reason = keys.count == 1
                ? "signature does not verify with key \(tried[0])"
                : "signature does not verify with any trusted key: \(tried.joined(separator: ", "))"
            return .rejected(SignatureRejection(check: .cryptographic, code: SimpleSigningError.Code.signatureMismatch.rawValue, reason: reason))
        }

        let claim: UntrustedSimpleSigningClaim
        do {
            claim = try UntrustedSimpleSigningClaim(payload: payload, type: .cosign)
        } catch {
            return .rejected(SignatureRejection(check: .claim, code: error.code.rawValue, reason: error.reason))
        }
        guard claim.untrustedManifestDigest == manifestDigest else {
            return .rejected(SignatureRejection(
                check: .digest, code: SimpleSigningError.Code.digestMismatch.rawValue,
                reason: "signature is for manifest digest \(claim.untrustedManifestDigest), not \(manifestDigest)"))
        }
        if let mismatch = Self.identityMismatch(claim.untrustedDockerReference, identity) {
            return .rejected(SignatureRejection(check: .identity, code: SimpleSigningError.Code.identityMismatch.rawValue, reason: mismatch))
        }
        return .accepted(VerifiedCosignSignature(
            keyID: key.keyID, algorithm: key.algorithm.defaultSigningAlgorithm,
            dockerReference: claim.untrustedDockerReference, manifestDigest: claim.untrustedManifestDigest,
            untrustedAnnotations: claim.untrustedAnnotations, untrustedCreator: claim.untrustedCreator,
            untrustedTimestamp: claim.untrustedTimestamp))
    }

    /// Why `signed` does not satisfy `requirement`, or nil when it does.
    private static func identityMismatch(_ signed: String, _ requirement: CosignIdentityRequirement) -> String? {
        let shown = "\"\(signed.prefix(256))\""
        switch requirement {
        case .any:
            return nil
        case .repository(let expected):
            guard let reference = try? ImageReference.parseNormalized(signed) else {
                return "signature identity \(shown) is not a valid image reference"
            }
            return reference.name == expected.name ? nil : "signature identity \(shown) is not in repository \"\(expected.name)\""
        case .exact(let expected):
            guard let reference = try? ImageReference.parseNormalized(signed) else {
                return "signature identity \(shown) is not a valid image reference"
            }
            return reference.description == expected.description ? nil : "signature identity \(shown) does not match \"\(expected)\""
        }
    }

    /// `ecdsa-p256`, `ed25519`, `rsa-3072`…
    static func describe(_ key: PublicKey) -> String {
        if let bits = key.rsaModulusBits { return "rsa-\(bits)" }
        return key.algorithm.rawValue
    }
}
