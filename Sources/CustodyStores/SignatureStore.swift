import CustodyOCI

/// A place where signatures of manifests are kept: a lookaside (``LookasideStore``) or the
/// signature files of a skopeo `dir:` image (``DirectorySignatureStore``).
///
/// Signatures are stored as opaque blobs (for simple signing, the raw OpenPGP bytes, as
/// containers/image stores them) and are bound to a manifest digest, not to a tag.
public protocol SignatureStore: Sendable {
    /// A short human-readable name of the store, for messages (`lookaside file:///srv/sigs`).
    var description: String { get }

    /// Every signature stored for `manifestDigest`, in order (`signature-1`, `signature-2`, …,
    /// up to the first missing one).
    ///
    /// A single file that cannot be read is returned as ``StoredSignature/unreadable(location:reason:)``
    /// and the others are still returned.
    /// - Parameters:
    ///   - manifestDigest: The digest of the exact manifest bytes (for an index, of one instance).
    ///   - reference: The image reference; required by stores laid out by repository (lookaside).
    /// - Throws: ``StoreError`` only when the store as a whole cannot be read.
    func signatures(for manifestDigest: Digest, reference: ImageReference?) async throws -> [StoredSignature]

    /// Adds a signature for `manifestDigest` after the existing ones, never overwriting one.
    /// - Returns: The file path or URL written.
    /// - Throws: ``StoreError`` when the store cannot be written.
    func append(_ signature: [UInt8], for manifestDigest: Digest, reference: ImageReference?) async throws -> String
}
