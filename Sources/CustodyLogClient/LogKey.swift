import CustodyKeys
import CustodyTransparency

/// The key a log signs its checkpoints with, as a verifier is given it: a C2SP note verifier key
/// (`name+hash+base64`, what `custody log serve` prints and `/api/v2/log/verifierKey` serves), or
/// a PEM public key (what `/api/v2/log/publicKey` serves).
///
/// A PEM key does not carry the log's name, which note signatures and the `logId` are bound to;
/// it is then taken from the checkpoint's origin line (the signature is still checked with this
/// key, so a checkpoint of another log does not verify unless that log uses the same key).
public enum LogKey: Sendable, Hashable {
    /// A note verifier key: name, key ID and key.
    case verifierKey(NoteVerifierKey)
    /// A public key without a name.
    case publicKey(PublicKeyValue)

    /// A `PublicKey` made `Hashable` by its DER form.
    public struct PublicKeyValue: Sendable, Hashable {
        /// The key.
        public let key: PublicKey
        /// Wraps a key.
        public init(_ key: PublicKey) { self.key = key }
        public static func == (lhs: Self, rhs: Self) -> Bool { lhs.key.derRepresentation == rhs.key.derRepresentation }
        public func hash(into hasher: inout Hasher) { hasher.combine(key.derRepresentation) }
    }

    /// The longest log key text accepted.
    public static let maxBytes = 64 * 1024

    /// Reads a log key: a PEM public key (text containing `-----BEGIN`), or a verifier-key string
    /// (surrounding white space ignored).
    ///
    /// - Throws: ``LogClientError/Code/invalidLogKey`` naming the problem.
    public init(parsing text: String) throws(LogClientError) {
        guard text.utf8.count <= Self.maxBytes else {
            throw LogClientError(.invalidLogKey, "the log key is over \(Self.maxBytes) bytes")
        }
        if text.contains("-----BEGIN") {
            do {
                self = .publicKey(PublicKeyValue(try PublicKey(pemEncoded: text)))
            } catch {
                throw LogClientError(.invalidLogKey, "the log key is not a usable PEM public key: \(error)")
            }
            return
        }
        let trimmed = text.trimmingWhiteSpace
        do {
            self = .verifierKey(try NoteVerifierKey(parsing: trimmed))
        } catch {
            throw LogClientError(
                .invalidLogKey, "the log key is neither a PEM public key nor a note verifier key (name+hash+base64): \(error)")
        }
    }

    /// The note verifier key for a checkpoint of `origin`: the verifier key itself, or the
    /// public key under the name `origin` with its default note signature type.
    ///
    /// - Throws: ``LogClientError/Code/invalidLogKey`` when the public key cannot sign notes or
    ///   the origin is not a valid key name.
    public func noteKey(origin: String) throws(LogClientError) -> NoteVerifierKey {
        switch self {
        case .verifierKey(let key):
            return key
        case .publicKey(let value):
            do {
                return try NoteVerifierKey(name: origin, publicKey: value.key)
            } catch {
                throw LogClientError(.invalidLogKey, "the log key cannot verify checkpoints of '\(origin.prefix(64))': \(error)")
            }
        }
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs, carriage returns and newlines.
    var trimmingWhiteSpace: String {
        let blank: Set<Character> = [" ", "\t", "\r", "\n", "\r\n"]
        var slice = Substring(self)
        while let first = slice.first, blank.contains(first) { slice.removeFirst() }
        while let last = slice.last, blank.contains(last) { slice.removeLast() }
        return String(slice)
    }
}
