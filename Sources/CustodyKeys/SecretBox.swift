/// NaCl `crypto_secretbox` (XSalsa20-Poly1305), in the layout of Go's
/// `golang.org/x/crypto/nacl/secretbox` and libsodium's `crypto_secretbox_easy`:
/// a box is the 16-byte Poly1305 tag followed by the ciphertext.
///
/// The first 32 bytes of the XSalsa20 key stream for (key, nonce) are the Poly1305 one-time key;
/// the message is encrypted with the key stream from byte 32 on; the tag covers the ciphertext.
/// Opening checks the tag in constant time before anything is decrypted.
///
/// A nonce must never be reused with the same key; callers draw 24 random bytes per box.
public enum SecretBox {
    /// Key length in bytes.
    public static let keyByteCount = 32
    /// Nonce length in bytes.
    public static let nonceByteCount = 24
    /// Length of the Poly1305 tag that prefixes every box, in bytes.
    public static let tagByteCount = 16
    /// The largest message sealed or opened (16 MiB): far above any key file, bounding memory.
    public static let maxMessageBytes = 16 * 1024 * 1024

    /// Seals `message`: returns tag || ciphertext (`message.count + 16` bytes).
    public static func seal(_ message: [UInt8], nonce: [UInt8], key: [UInt8]) throws(SecretBoxError) -> [UInt8] {
        try check(nonce: nonce, key: key)
        guard message.count <= maxMessageBytes else { throw .tooLarge(message.count) }
        let stream = XSalsa20.keyStream(count: Poly1305.keyByteCount, key: key, nonce: nonce)
        let ciphertext = XSalsa20.xor(message, key: key, nonce: nonce, offset: Poly1305.keyByteCount)
        return Poly1305.authenticate(ciphertext, key: stream) + ciphertext
    }

    /// Opens a box made by ``seal(_:nonce:key:)`` (or NaCl, libsodium, Go, PyNaCl).
    ///
    /// - Throws: ``SecretBoxError/authenticationFailed`` when the tag does not verify.
    public static func open(_ box: [UInt8], nonce: [UInt8], key: [UInt8]) throws(SecretBoxError) -> [UInt8] {
        try check(nonce: nonce, key: key)
        guard box.count >= tagByteCount else { throw .truncated(box.count) }
        guard box.count - tagByteCount <= maxMessageBytes else { throw .tooLarge(box.count - tagByteCount) }
        let tag = Array(box[0..<tagByteCount])
        let ciphertext = Array(box[tagByteCount...])
        let stream = XSalsa20.keyStream(count: Poly1305.keyByteCount, key: key, nonce: nonce)
        guard Poly1305.verify(tag, message: ciphertext, key: stream) else { throw .authenticationFailed }
        return XSalsa20.xor(ciphertext, key: key, nonce: nonce, offset: Poly1305.keyByteCount)
    }

    private static func check(nonce: [UInt8], key: [UInt8]) throws(SecretBoxError) {
        guard key.count == keyByteCount else { throw .invalidKeyLength(key.count) }
        guard nonce.count == nonceByteCount else { throw .invalidNonceLength(nonce.count) }
    }
}
