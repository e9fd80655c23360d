import CustodyFormats
import CustodyKeys
import CustodyOCI

/// Makes cosign signatures with a key: cosign's payload for a manifest digest, signed over its
/// exact bytes, as the layer a `.sig` attachment holds (or a framed `sigstore-json` blob).
///
/// The signature scheme is the key's natural one, the one `CosignVerifier` checks and cosign
/// uses by default:
/// - ECDSA P-256 → SHA-256, ASN.1 DER; the widest-compatible choice (cosign, containers/image);
/// - ECDSA P-384 → SHA-384, ASN.1 DER, as `cosign sign` does (containers/image hashes with
///   SHA-256 for every key, so it does not verify these);
/// - ECDSA P-521 → SHA-512, ASN.1 DER, as `cosign sign` does (the same caveat applies);
/// - RSA → PKCS #1 v1.5 with SHA-256, as cosign and containers/image;
/// - Ed25519 → **pure Ed25519** over the payload. This is what containers/image signs and
///   verifies, and what `cosign verify --key` loads for a PEM public key
///   (`pkg/signature/keys.go` `VerifierForKeyRef`); but `cosign sign` itself signs with Ed25519ph
///   for Ed25519 keys (`pkg/cosign/keys.go` `GetDefaultLoadOptions`), and Custody does not verify
///   Ed25519ph. Use ECDSA P-256 where cosign must sign too.
///
/// A signer set up for any other scheme (RSA-PSS, or a scheme that does not fit its key) is
/// refused, since neither cosign nor containers/image would verify its signatures by default.
public struct CosignSigner: Sendable {
    /// Where the key is (a file, a token, a command).
    public let signer: any Signer

    /// Makes a cosign signer.
    public init(signer: any Signer) {
        self.signer = signer
    }

    /// Signs one manifest digest.
    ///
    /// - Parameters:
    ///   - manifestDigest: the digest of the exact manifest bytes.
    ///   - dockerReference: the identity written into the payload; cosign writes the repository
    ///     without tag (`registry.example/app`).
    ///   - annotations: `optional` of the payload (`cosign sign -a key=value`); nil writes
    ///     `"optional":null`, as cosign does without annotations.
    /// - Returns: the payload (``CosignPayload``, byte for byte cosign's), media type
    ///   ``MediaType/cosignSimpleSigning`` and the `dev.cosignproject.cosign/signature` annotation
    ///   (standard base64).
    /// - Throws: `KeyError` (code `algorithmMismatch`) when the signer's scheme is not the key's
    ///   natural one, (code `signingFailed`) when the signer returns a signature its own public key
    ///   does not verify; `JSONError` when the reference cannot be encoded; whatever the signer throws.
    public func sign(manifestDigest: Digest, dockerReference: String, annotations: [String: String]? = nil) async throws -> SigstoreSignature {
        let publicKey = signer.publicKey
        let scheme = publicKey.algorithm.defaultSigningAlgorithm
        guard signer.algorithm == scheme else {
            throw KeyError(
                code: .algorithmMismatch,
                reason: "cosign signatures with a \(publicKey.algorithm) key use \(scheme), but the signer uses \(signer.algorithm)")
        }
        let payload = try CosignPayload(dockerReference: dockerReference, manifestDigest: manifestDigest, annotations: annotations).encoded()
        let signature = try await signer.sign(payload)
        // A remote signer (token, command) could return anything: check before publishing it.
        guard publicKey.isValidSignature(signature, for: payload, algorithm: scheme) else {
            throw KeyError(code: .signingFailed, reason: "the signer returned a signature that key \(publicKey.keyID) does not verify")
        }
        return SigstoreSignature(
            mimeType: MediaType.cosignSimpleSigning.rawValue, payload: payload,
            annotations: [CosignAnnotation.signature: CosignAnnotation.encodeSignature(signature)])
    }
}
