/// Why ``SecretBox`` refused to seal or open.
public enum SecretBoxError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The key is not ``SecretBox/keyByteCount`` bytes long.
    case invalidKeyLength(Int)
    /// The nonce is not ``SecretBox/nonceByteCount`` bytes long.
    case invalidNonceLength(Int)
    /// The box is shorter than the ``SecretBox/tagByteCount``-byte tag.
    case truncated(Int)
    /// The message exceeds ``SecretBox/maxMessageBytes``.
    case tooLarge(Int)
    /// The tag does not match: wrong key, wrong nonce, or altered box.
    case authenticationFailed

    public var description: String {
        switch self {
        case .invalidKeyLength(let count): "secretbox: key is \(count) bytes, expected \(SecretBox.keyByteCount)"
        case .invalidNonceLength(let count): "secretbox: nonce is \(count) bytes, expected \(SecretBox.nonceByteCount)"
        case .truncated(let count): "secretbox: box is \(count) bytes, shorter than the \(SecretBox.tagByteCount)-byte tag"
        case .tooLarge(let count): "secretbox: \(count) bytes exceeds the limit of \(SecretBox.maxMessageBytes)"
        case .authenticationFailed: "secretbox: message authentication failed (wrong key or corrupted data)"
        }
    }
}
