import Crypto
import CustodyKeys
import _CryptoExtras

/// Signature checks over a digest the client computed (Rekor's hashedrekord signs a prehashed
/// artifact: the server never sees the artifact, only its digest).
///
/// `PublicKey.isValidSignature(_:for:algorithm:)` hashes its message, so the digest is handed to
/// swift-crypto directly here as its own digest type.
enum PrehashedSignature {
    /// True when `signature` is a valid `scheme` signature of `digest` by `key`. Never throws;
    /// a malformed signature, a key of the wrong type or a digest of the wrong length is false.
    static func isValid(_ signature: [UInt8], digest: [UInt8], key: PublicKey, scheme: RekorKeyDetails.Scheme) -> Bool {
        switch (key, scheme) {
        case (.ecdsaP256(let key), .ecdsaSHA256):
            guard let parsed = try? P256.Signing.ECDSASignature(derRepresentation: signature),
                let digest: SHA256Digest = loadDigest(digest)
            else { return false }
            return key.isValidSignature(parsed, for: digest)
        case (.ecdsaP384(let key), .ecdsaSHA384):
            guard let parsed = try? P384.Signing.ECDSASignature(derRepresentation: signature),
                let digest: SHA384Digest = loadDigest(digest)
            else { return false }
            return key.isValidSignature(parsed, for: digest)
        case (.ecdsaP521(let key), .ecdsaSHA512):
            guard let parsed = try? P521.Signing.ECDSASignature(derRepresentation: signature),
                let digest: SHA512Digest = loadDigest(digest)
            else { return false }
            return key.isValidSignature(parsed, for: digest)
        case (.ed25519, .ed25519ph):
            return Ed25519ph.isValidSignature(signature, digest: digest, publicKey: key)
        case (.rsa(let key), .rsaPKCS1SHA256):
            guard let digest: SHA256Digest = loadDigest(digest) else { return false }
            return key.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature), for: digest, padding: .insecurePKCS1v1_5)
        default:
            return false
        }
    }

    /// swift-crypto's digest value holding exactly `bytes`.
    ///
    /// swift-crypto does not offer a public initializer from bytes, and its RSA code picks the
    /// DigestInfo by the digest's type, so the bytes are loaded into the real type; the result is
    /// read back and compared, so a different layout in a later swift-crypto fails closed (nil)
    /// instead of checking the wrong bytes.
    private static func loadDigest<D: Digest>(_ bytes: [UInt8]) -> D? {
        guard bytes.count == D.byteCount, MemoryLayout<D>.size == D.byteCount, _isPOD(D.self) else { return nil }
        let storage = UnsafeMutableRawPointer.allocate(byteCount: D.byteCount, alignment: MemoryLayout<D>.alignment)
        defer { storage.deallocate() }
        bytes.withUnsafeBytes { storage.copyMemory(from: $0.baseAddress!, byteCount: D.byteCount) }
        let digest = storage.load(as: D.self)
        guard Array(digest) == bytes else { return nil }
        return digest
    }
}
