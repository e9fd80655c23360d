/// One signature found in a store: its bytes, or why they could not be read.
///
/// A store reports an unreadable file (a directory where a file should be, a file over the size
/// limit, a permission error) as ``unreadable(location:reason:)`` and still returns the other
/// signatures, so one bad file does not hide the good ones. containers/image instead aborts the
/// whole read on such a file; a caller that wants its behaviour treats any ``unreadable(location:reason:)``
/// as fatal.
public enum StoredSignature: Sendable, Hashable {
    /// The raw bytes of a signature (for simple signing, the binary OpenPGP message) and where
    /// they were read: a file path or a URL ending in `signature-N`.
    case blob([UInt8], location: String)
    /// A signature file that exists but could not be read, where it is, and why.
    case unreadable(location: String, reason: String)

    /// The file path or URL of the signature.
    public var location: String {
        switch self {
        case .blob(_, let location), .unreadable(let location, _): location
        }
    }

    /// The bytes, or nil for an unreadable signature.
    public var bytes: [UInt8]? {
        switch self {
        case .blob(let bytes, _): bytes
        case .unreadable: nil
        }
    }
}
