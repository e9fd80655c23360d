import CustodyFormats
import CustodyOCI
import CustodyOpenPGP
import Foundation

/// A simple signature that passed every check. Only ``SimpleSigningVerifier`` makes these.
public struct VerifiedSimpleSignature: Sendable {
    /// The primary fingerprint of the key that signed.
    public let signer: Fingerprint
    /// The key that made the signature (the primary key or a signing subkey).
    public let signingKey: Fingerprint
    /// The identity the signature vouches for, as written in the claim.
    public let dockerReference: String
    /// The manifest digest the signature vouches for (equal to the image's).
    public let manifestDigest: Digest
    /// `optional.creator`: the signer's own statement, unverified.
    public let untrustedCreator: String?
    /// `optional.timestamp`: the signer's clock, not a proof of time.
    public let untrustedTimestamp: Int64?
}

/// Why one signature was not accepted. Every rejection names its check.
public struct SignatureRejection: Sendable, Hashable, CustomStringConvertible {
    /// Which check failed.
    public enum Check: String, Sendable, Hashable {
        /// The stored blob: not a signature format Custody recognises, or not a simple signature.
        case format
        /// The OpenPGP layer: malformed, not signed, bad signature, expired, revoked, weak hash…
        case openPGP
        /// The signer is not among the expected keys.
        case signer
        /// The claim JSON.
        case claim
        /// The claim's manifest digest.
        case digest
        /// The claim's identity.
        case identity
        /// A cosign signature's cryptographic layer: the signature annotation is missing or not
        /// base64, or no trusted key verifies the payload with its algorithm.
        case cryptographic
        /// No verifier is configured for the signature's format (a cosign signature but no cosign
        /// key, or a simple signature but no OpenPGP key).
        case verifier
    }

    /// Which check failed.
    public let check: Check
    /// The machine-readable kind (an `OpenPGPError` or `SimpleSigningError` code).
    public let code: String
    /// One line for people.
    public let reason: String

    public var description: String { reason }
}

/// The verdict on one signature.
public enum SimpleSignatureVerdict: Sendable {
    /// Every check passed.
    case accepted(VerifiedSimpleSignature)
    /// A check failed.
    case rejected(SignatureRejection)
}

/// What identity a signature must vouch for.
public enum IdentityRequirement: Sendable, Hashable {
    /// The claim's reference, normalised, must equal this reference exactly
    /// (containers/image `standalone-verify` and `matchExact`).
    case exact(ImageReference)
}

/// Verifies simple signatures in the order containers/image does (`signature/simple.go`
/// `verifyAndExtractSignature`): the OpenPGP signature first, then the signer, and only then
/// the JSON claim, its manifest digest and its identity. Nothing of the claim is read before the
/// signature is known to be by a trusted key.
public struct SimpleSigningVerifier: Sendable {
    /// The keys whose signatures are considered.
    public let keyring: OpenPGPKeyring
    /// The fingerprints accepted as signers (a primary key's, or a signing subkey's own); nil
    /// accepts every key of the keyring.
    public let acceptedSigners: Set<Fingerprint>?
    /// The time expirations are checked at.
    public let now: Date

    /// Makes a verifier.
    public init(keyring: OpenPGPKeyring, acceptedSigners: Set<Fingerprint>? = nil, now: Date = Date()) {
        self.keyring = keyring
        self.acceptedSigners = acceptedSigners
        self.now = now
    }

    /// Checks one signature blob against an image's manifest digest and the required identity.
    public func verify(_ signature: [UInt8], manifestDigest: Digest, identity: IdentityRequirement) -> SimpleSignatureVerdict {
        let message: VerifiedSignedMessage
        do {
            message = try OpenPGPMessage.verify(signature, keyring: keyring, now: now)
        } catch {
            return .rejected(SignatureRejection(check: .openPGP, code: error.code.rawValue, reason: error.reason))
        }
        if let acceptedSigners, !acceptedSigners.contains(message.signerFingerprint), !acceptedSigners.contains(message.signingKeyFingerprint) {
            return .rejected(SignatureRejection(
                check: .signer, code: SimpleSigningError.Code.signerMismatch.rawValue,
                reason: "signed by key \(message.signerFingerprint), which is not trusted here (expected \(acceptedSigners.map(\.description).sorted().joined(separator: ", ")))"))
        }
        let claim: UntrustedSimpleSigningClaim
        do {
            claim = try UntrustedSimpleSigningClaim(payload: message.payload)
        } catch {
            return .rejected(SignatureRejection(check: .claim, code: error.code.rawValue, reason: error.reason))
        }
        // containers/image compares with the SHA-256 digest of the manifest bytes.
        guard claim.untrustedManifestDigest == manifestDigest else {
            return .rejected(SignatureRejection(
                check: .digest, code: SimpleSigningError.Code.digestMismatch.rawValue,
                reason: "signature is for manifest digest \(claim.untrustedManifestDigest), not \(manifestDigest)"))
        }
        switch identity {
        case .exact(let expected):
            let signed = try? ImageReference.parseNormalized(claim.untrustedDockerReference)
            guard let signed, signed.description == expected.description else {
                return .rejected(SignatureRejection(
                    check: .identity, code: SimpleSigningError.Code.identityMismatch.rawValue,
                    reason: "signature identity \"\(claim.untrustedDockerReference.prefix(256))\" does not match \"\(expected)\""))
            }
        }
        return .accepted(VerifiedSimpleSignature(
            signer: message.signerFingerprint, signingKey: message.signingKeyFingerprint,
            dockerReference: claim.untrustedDockerReference, manifestDigest: claim.untrustedManifestDigest,
            untrustedCreator: claim.untrustedCreator, untrustedTimestamp: claim.untrustedTimestamp))
    }
}
