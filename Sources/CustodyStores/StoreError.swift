/// An error from a signature store or from its configuration: a malformed registries.d file, a
/// lookaside that cannot be read as a whole, a signature that cannot be written.
///
/// A single unreadable signature file is not an error: it is reported as
/// ``StoredSignature/unreadable(location:reason:)`` next to the readable ones.
///
/// Equality compares ``code`` only, so tests can write
/// `#expect(throws: StoreError(code: .unreadable))`. ``description`` is one line that says what
/// failed and where.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable kind of failure.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A registries.d directory or file is malformed, or two files define the same scope.
        public static let invalidConfiguration = Code(rawValue: "invalidConfiguration")
        /// A lookaside base URL is malformed or uses an unsupported scheme.
        public static let invalidLocation = Code(rawValue: "invalidLocation")
        /// The store needs the image reference (a lookaside is laid out by repository) and got none.
        public static let missingReference = Code(rawValue: "missingReference")
        /// The store as a whole cannot be read: an HTTP status other than 200 or 404, a network
        /// failure, a signature directory that is not a directory.
        public static let unreadable = Code(rawValue: "unreadable")
        /// The store holds more signatures than ``LookasideStore/maxSignatures`` allows.
        public static let tooManySignatures = Code(rawValue: "tooManySignatures")
        /// A signature is larger than the store's size limit.
        public static let tooLarge = Code(rawValue: "tooLarge")
        /// The store cannot be written (an `http(s)://` lookaside).
        public static let notWritable = Code(rawValue: "notWritable")
        /// The image or manifest the signatures belong to does not exist.
        public static let notFound = Code(rawValue: "notFound")
        /// A file-system operation failed.
        public static let io = Code(rawValue: "io")
    }

    /// The kind of failure.
    public var code: Code
    /// What failed and where, in one line.
    public var reason: String

    /// Makes an error.
    public init(code: Code, reason: String = "") {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason.isEmpty ? code.rawValue : reason }

    public static func == (lhs: StoreError, rhs: StoreError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
