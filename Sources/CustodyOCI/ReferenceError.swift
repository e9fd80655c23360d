/// Why a string is not an acceptable image reference. The descriptions are containers/image's texts.
public enum ReferenceError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The string does not match the reference grammar.
    case invalidFormat
    /// The repository has uppercase letters.
    case nameContainsUppercase
    /// The string is empty.
    case nameEmpty
    /// The repository name is longer than ``ImageReference/nameTotalLengthMax``.
    case nameTooLong
    /// ``ImageReference/parseCanonical(_:)`` was given a familiar (non-canonical) form.
    case nameNotCanonical
    /// The tag does not match the tag grammar.
    case tagInvalidFormat
    /// The digest is malformed or not lowercase hex.
    case digestInvalidFormat
    /// The digest's hex has the wrong length for its algorithm.
    case digestInvalidLength
    /// The digest uses an algorithm Custody does not support.
    case digestUnsupported
    /// A 64-hex string was given where a repository name was expected.
    case hexIdentifierAsName
    /// The reference has no repository name.
    case noName

    public var description: String {
        switch self {
        case .invalidFormat: "invalid reference format"
        case .nameContainsUppercase: "invalid reference format: repository name must be lowercase"
        case .nameEmpty: "invalid reference format: repository name must have at least one component"
        case .nameTooLong: "invalid reference format: repository name must not be more than \(ImageReference.nameTotalLengthMax) characters"
        case .nameNotCanonical: "invalid reference format: repository name must be canonical"
        case .tagInvalidFormat: "invalid tag format"
        case .digestInvalidFormat: "invalid checksum digest format"
        case .digestInvalidLength: "invalid checksum digest length"
        case .digestUnsupported: "unsupported digest algorithm"
        case .hexIdentifierAsName: "invalid repository name, cannot specify 64-byte hexadecimal strings"
        case .noName: "reference has no name"
        }
    }

    init(_ error: DigestError) {
        switch error {
        case .invalidFormat: self = .digestInvalidFormat
        case .invalidLength: self = .digestInvalidLength
        case .unsupportedAlgorithm: self = .digestUnsupported
        }
    }
}
