/// An error from reading, verifying or making OpenPGP data.
///
/// ``code`` says what kind of failure it is; ``reason`` is one line for people. Equality compares
/// the code only.
public struct OpenPGPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable kind of failure.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The bytes are not well-formed OpenPGP (truncated, bad lengths, bad armor).
        public static let malformed = Code(rawValue: "malformed")
        /// Well-formed, but uses a version, algorithm or feature Custody does not accept.
        public static let unsupported = Code(rawValue: "unsupported")
        /// The message has no signature.
        public static let notSigned = Code(rawValue: "notSigned")
        /// A signature without the data it signs.
        public static let detachedSignature = Code(rawValue: "detachedSignature")
        /// A cleartext-signed document (not a signed message).
        public static let cleartextSignature = Code(rawValue: "cleartextSignature")
        /// The message has more or fewer than one signature.
        public static let signatureCount = Code(rawValue: "signatureCount")
        /// The signing key is not among the trusted keys.
        public static let untrustedKey = Code(rawValue: "untrustedKey")
        /// The signature does not verify with the signing key.
        public static let badSignature = Code(rawValue: "badSignature")
        /// The signature's expiration time has passed.
        public static let signatureExpired = Code(rawValue: "signatureExpired")
        /// The signing key had expired.
        public static let keyExpired = Code(rawValue: "keyExpired")
        /// The signing key is revoked.
        public static let keyRevoked = Code(rawValue: "keyRevoked")
        /// The signing key may not make signatures (key flags), or a subkey is not validly bound.
        public static let keyNotUsable = Code(rawValue: "keyNotUsable")
        /// The signature uses a hash algorithm that is no longer safe (SHA-1, MD5, RIPEMD-160).
        public static let weakHash = Code(rawValue: "weakHash")
        /// A compressed packet uses an algorithm Custody does not read, or does not decompress.
        public static let compression = Code(rawValue: "compression")
        /// A secret key needs a passphrase, or the passphrase is wrong.
        public static let passphrase = Code(rawValue: "passphrase")
        /// Input is larger than a named limit.
        public static let tooLarge = Code(rawValue: "tooLarge")
        /// A key operation failed (generation, signing).
        public static let keyOperation = Code(rawValue: "keyOperation")
    }

    /// The kind of failure.
    public var code: Code
    /// One line for people.
    public var reason: String

    /// Makes an error.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }

    public static func == (lhs: OpenPGPError, rhs: OpenPGPError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    static func malformed(_ reason: String) -> OpenPGPError { OpenPGPError(.malformed, "malformed OpenPGP data: \(reason)") }
}

/// Named limits on OpenPGP input.
public enum OpenPGPLimits {
    /// The largest message, key or keyring read: 4 MiB (containers/image's signature limit).
    public static let maxInputBytes = 4 * 1024 * 1024
    /// The largest decompressed content of a compressed packet: 16 MiB.
    public static let maxDecompressedBytes = 16 * 1024 * 1024
    /// The most packets read from one input.
    public static let maxPackets = 4096
    /// The most subpackets in one signature.
    public static let maxSubpackets = 256
    /// The largest RSA modulus accepted, in bits.
    public static let maxRSABits = 4096
    /// The smallest RSA modulus accepted, in bits.
    public static let minRSABits = 2048
    /// The most S2K iterations (bytes hashed) accepted when unlocking a secret key.
    public static let maxS2KBytes = 65_011_712
}
