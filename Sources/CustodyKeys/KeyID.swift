import Crypto

/// The ID of a public key: the lowercase hex SHA-256 of its DER SubjectPublicKeyInfo.
///
/// This matches what `openssl pkey -pubin -outform DER | sha256sum` prints and does not depend
/// on how the key was stored (PEM type, PKCS#1 or SPKI, line breaks): the key is always
/// re-encoded as SubjectPublicKeyInfo first.
public struct KeyID: Sendable, Hashable, CustomStringConvertible {
    /// 64 lowercase hex digits.
    public let hex: String

    /// The ID of `publicKey`.
    public init(_ publicKey: PublicKey) {
        hex = SHA256.hash(data: publicKey.derRepresentation)
            .map { byte in
                let digits = Array("0123456789abcdef")
                return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
            }
            .joined()
    }

    public var description: String { hex }
}
