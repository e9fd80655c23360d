/// Whether a signature's claimed identity is acceptable for an image under an ``IdentityRule``.
public enum IdentityMatch: Sendable, Hashable, CustomStringConvertible {
    /// The identity is accepted.
    case matched
    /// The identity is not accepted; the reason is one line that starts with containers/image's
    /// `Signature for identity "X" is not accepted` and says which rule failed and why.
    case notMatched(reason: String)

    /// Whether the identity is accepted.
    public var isMatch: Bool {
        if case .matched = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .matched: "matched"
        case .notMatched(let reason): reason
        }
    }
}
