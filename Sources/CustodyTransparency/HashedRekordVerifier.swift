import CustodyKeys

/// What checks a hashedrekord signature: a public key, or an X.509 certificate whose key does
/// (Rekor v2's `Verifier`: `publicKey` or `x509Certificate`, each `{"rawBytes": <b64 DER>}`).
///
/// As in Rekor v2, a certificate only stands for its key in a log entry: the log does not check
/// who issued it or when it is valid. A verifier reading the entry decides that against its own
/// trust root; a monitor reads the identities the certificate names.
public enum HashedRekordVerifier: Sendable, Hashable {
    /// A DER SubjectPublicKeyInfo, exactly as the signer sent it.
    case publicKey([UInt8])
    /// A DER X.509 certificate, exactly as the signer sent it.
    case certificate([UInt8])

    /// The member name in requests and entries: `publicKey` or `x509Certificate`.
    public var member: String {
        switch self {
        case .publicKey: "publicKey"
        case .certificate: "x509Certificate"
        }
    }

    /// The DER bytes.
    public var bytes: [UInt8] {
        switch self {
        case .publicKey(let bytes), .certificate(let bytes): bytes
        }
    }

    /// The key that checks the signature: the key itself, or the certificate's subject key.
    ///
    /// - Throws: `KeyError` for a key or certificate that cannot be read.
    public func publicKey() throws -> PublicKey { try signer().key }

    /// The signing key and, for a certificate verifier, the certificate it came from (read once).
    ///
    /// - Throws: `KeyError` for a key or certificate that cannot be read.
    public func signer() throws -> (key: PublicKey, certificate: UntrustedCertificate?) {
        switch self {
        case .publicKey(let bytes):
            return (try PublicKey(derEncoded: bytes), nil)
        case .certificate(let bytes):
            let certificate = try UntrustedCertificate(derEncoded: bytes)
            return (certificate.publicKey, certificate)
        }
    }
}
