/// An error from reading, writing or using keys: malformed PEM or DER, unsupported or weak keys,
/// and keys used with an algorithm they cannot serve.
///
/// Equality compares ``code`` only, so tests can write
/// `#expect(throws: KeyError(code: .invalidPEM))`. ``description`` is one line that says what
/// failed.
public struct KeyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable kind of failure.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// PEM text is malformed: no block, several blocks, bad armour lines, invalid base64,
        /// headers, or data outside the block.
        public static let invalidPEM = Code(rawValue: "invalidPEM")
        /// A PEM block has a type this reader does not accept here (for example `CERTIFICATE`).
        public static let unsupportedPEMType = Code(rawValue: "unsupportedPEMType")
        /// Input is larger than a named limit.
        public static let tooLarge = Code(rawValue: "tooLarge")
        /// The DER inside a PEM block (or given directly) is not a valid key of its stated form.
        public static let invalidKey = Code(rawValue: "invalidKey")
        /// The key uses an algorithm or curve Custody does not support (for example Ed448, secp256k1).
        public static let unsupportedAlgorithm = Code(rawValue: "unsupportedAlgorithm")
        /// An RSA key is smaller than ``PublicKey/minRSABits`` or larger than ``PublicKey/maxRSABits``.
        public static let unacceptableKeySize = Code(rawValue: "unacceptableKeySize")
        /// A signing algorithm was requested that the key cannot serve (for example Ed25519 with an RSA key).
        public static let algorithmMismatch = Code(rawValue: "algorithmMismatch")
        /// Bytes are not a readable X.509 certificate (``UntrustedCertificate``).
        public static let invalidCertificate = Code(rawValue: "invalidCertificate")
        /// The underlying cryptographic operation failed.
        public static let signingFailed = Code(rawValue: "signingFailed")
    }

    /// The kind of failure.
    public var code: Code
    /// What failed, in one line.
    public var reason: String

    /// Makes an error.
    public init(code: Code, reason: String = "") {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason.isEmpty ? code.rawValue : reason }

    public static func == (lhs: KeyError, rhs: KeyError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
