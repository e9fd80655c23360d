import CustodyFormats
import CustodyOCI
import CustodyOpenPGP
import CustodyStores
import Foundation

/// Makes simple signatures: a ``SimpleSigningClaim`` signed as an OpenPGP message, byte for byte
/// what `skopeo standalone-sign` and `skopeo copy --sign-by` produce for the same key and time.
public struct SimpleSigner: Sendable {
    /// The signing key.
    public let key: OpenPGPSecretKey
    /// The `optional.creator` value written into every claim.
    public let creator: String

    /// Makes a signer.
    public init(key: OpenPGPSecretKey, creator: String) {
        self.key = key
        self.creator = creator
    }

    /// Signs one manifest digest for one identity.
    /// - Parameters:
    ///   - identity: written verbatim into the claim (callers normalise it first when they want the
    ///     fully expanded form containers/image writes on copy).
    ///   - date: the signing time (`optional.timestamp` and the OpenPGP creation time).
    public func sign(manifestDigest: Digest, identity: String, at date: Date = Date()) throws -> [UInt8] {
        let claim = SimpleSigningClaim(
            dockerReference: identity, manifestDigest: manifestDigest, creator: creator,
            timestamp: Int64(date.timeIntervalSince1970.rounded(.down)))
        return try key.signMessage(try claim.encoded(), at: date)
    }

    /// What ``signImage(_:identity:store:at:)`` wrote for one manifest.
    public struct Written: Sendable {
        /// The signed manifest digest.
        public let manifestDigest: Digest
        /// The platform, for a manifest inside an index.
        public let platform: Platform?
        /// Where the signature was stored.
        public let location: String
    }

    /// Signs an image and stores the signatures: for an index, the index and every platform
    /// manifest, all with the same identity (as `skopeo copy --all --sign-by`).
    /// - Parameters:
    ///   - identity: the identity written into every claim.
    ///   - storeReference: the reference the store files the signatures under (a lookaside lays
    ///     them out by repository): the image's own reference, which differs from `identity` when
    ///     signing a registry image for another name. Defaults to `identity`.
    /// - Returns: one entry per signature written, root first.
    public func signImage(
        _ source: any ImageSource, identity: ImageReference, store: any SignatureStore, storeReference: ImageReference? = nil, at date: Date = Date()
    ) async throws -> [Written] {
        // Each platform manifest is read and checked against the index before it is signed.
        let targets = try await ImageTree.load(from: source).signableManifests.map { ($0.manifest.digest, $0.platform) }
        var written: [Written] = []
        for (digest, platform) in targets {
            let blob = try sign(manifestDigest: digest, identity: identity.description, at: date)
            let location = try await store.append(blob, for: digest, reference: storeReference ?? identity)
            written.append(Written(manifestDigest: digest, platform: platform, location: location))
        }
        return written
    }
}
