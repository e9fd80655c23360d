/// An error from reading a trust policy: a malformed `policy.json`, a requirement that breaks a
/// rule of containers-policy.json(5) or of Custody's extensions, or an image whose policy
/// identity cannot be worked out.
///
/// Equality compares ``code`` only, so tests can write
/// `#expect(throws: PolicyError(code: .unknownKey))`. ``reason`` is one line; for problems in a
/// document it starts with the JSON path of the offending value
/// (`$.transports.docker["quay.io/x"][0].keyPath: …`), which ``path`` also holds. Where
/// containers/image has a message for the same problem, the message after the path is
/// containers/image's (`Unknown key "x"`, `Default policy is missing`), so users can search for it.
public struct PolicyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable kind of failure.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The policy file could not be read.
        public static let io = Code(rawValue: "io")
        /// The policy is larger than ``PolicyDocument/maxBytes``.
        public static let tooLarge = Code(rawValue: "tooLarge")
        /// The bytes are not one JSON document (syntax, UTF-8, nesting depth).
        public static let invalidJSON = Code(rawValue: "invalidJSON")
        /// Something other than whitespace follows the JSON document.
        public static let trailingData = Code(rawValue: "trailingData")
        /// An object has the same key twice (`Duplicate key "type"`).
        public static let duplicateKey = Code(rawValue: "duplicateKey")
        /// The top-level `default` member is absent (`Default policy is missing`).
        public static let missingDefault = Code(rawValue: "missingDefault")
        /// A requirement list is empty (`List of verification policy requirements must not be empty`).
        public static let emptyRequirements = Code(rawValue: "emptyRequirements")
        /// An object has a member its type does not define (`Unknown key "x"`).
        public static let unknownKey = Code(rawValue: "unknownKey")
        /// A member that the type requires is absent (`Key "dockerReference" missing in a JSON object`).
        public static let missingKey = Code(rawValue: "missingKey")
        /// A value has the wrong JSON type.
        public static let typeMismatch = Code(rawValue: "typeMismatch")
        /// A scope that its transport cannot match (containers/image reports `Unknown key "<scope>"`).
        public static let invalidScope = Code(rawValue: "invalidScope")
        /// A requirement `type` that is not known (`Unknown policy requirement type "x"`).
        public static let unknownRequirementType = Code(rawValue: "unknownRequirementType")
        /// A `signedIdentity` `type` that is not known (`Unknown policy reference match type "x"`).
        public static let unknownIdentityType = Code(rawValue: "unknownIdentityType")
        /// `keyType` is absent or not one of the values containers/image knows.
        public static let invalidKeyType = Code(rawValue: "invalidKeyType")
        /// Not exactly one key source (`keyPath`, `keyPaths`, `keyData`, …) is given.
        public static let keySources = Code(rawValue: "keySources")
        /// A list that must have entries is empty (`"keyPaths" contains no entries`).
        public static let emptyList = Code(rawValue: "emptyList")
        /// A path is empty.
        public static let invalidPath = Code(rawValue: "invalidPath")
        /// Key or certificate data is not standard base64, or decodes to nothing.
        public static let invalidBase64 = Code(rawValue: "invalidBase64")
        /// The Rekor key options break their rules (at most one; required with `fulcio`; not with `pki`).
        public static let invalidRekor = Code(rawValue: "invalidRekor")
        /// The `fulcio` object breaks its rules.
        public static let invalidFulcio = Code(rawValue: "invalidFulcio")
        /// The `pki` object breaks its rules.
        public static let invalidPKI = Code(rawValue: "invalidPKI")
        /// A `dockerReference` or `dockerRepository` is not a valid reference, or lacks a tag or digest.
        public static let invalidReference = Code(rawValue: "invalidReference")
        /// A `remapIdentity` `prefix` or `signedPrefix` is not a host or a name starting with one.
        public static let invalidPrefix = Code(rawValue: "invalidPrefix")
        /// A text value (a `description`, a role name) is empty, too long or not one line.
        public static let invalidText = Code(rawValue: "invalidText")
        /// A Custody `threshold` is below 1, not an integer, or can never be met by its signers.
        public static let invalidThreshold = Code(rawValue: "invalidThreshold")
        /// A Custody `signers` object names no signer group, or a group breaks its rules.
        public static let invalidSigners = Code(rawValue: "invalidSigners")
        /// Two roles of a Custody `roles` requirement have the same name.
        public static let duplicateRoleName = Code(rawValue: "duplicateRoleName")
        /// A Custody `freshness` `maxAge` is not a duration Custody accepts.
        public static let invalidDuration = Code(rawValue: "invalidDuration")
        /// An image name has no policy identity (a path that cannot be resolved, a Docker
        /// reference with neither or both of tag and digest).
        public static let invalidImage = Code(rawValue: "invalidImage")
        /// A lint finding that does not make the policy invalid: a scope that can never match, a
        /// requirement that never allows an image, a threshold that may be out of reach.
        public static let questionable = Code(rawValue: "questionable")
    }

    /// The kind of failure.
    public var code: Code
    /// What is wrong and where, in one line.
    public var reason: String
    /// The JSON path of the offending value (`$` for the whole document), when the error is about
    /// a place in a policy document.
    public var path: String?

    /// Makes an error.
    public init(code: Code, reason: String = "", path: String? = nil) {
        self.code = code
        self.reason = reason
        self.path = path
    }

    public var description: String { reason.isEmpty ? code.rawValue : reason }

    public static func == (lhs: PolicyError, rhs: PolicyError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
