/// An error from reading or writing images: bad input, missing files, integrity failures.
///
/// Equality compares ``code`` only, so tests can write
/// `#expect(throws: OCIError(code: .digestMismatch))`. ``description`` is one line that says
/// what failed and where.
public struct OCIError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable kind of failure.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A blob's bytes do not hash to the digest that names them.
        public static let digestMismatch = Code(rawValue: "digestMismatch")
        /// A blob has more or fewer bytes than its descriptor says.
        public static let sizeMismatch = Code(rawValue: "sizeMismatch")
        /// A blob, manifest or layout file is absent.
        public static let notFound = Code(rawValue: "notFound")
        /// A manifest, index or layout file is malformed.
        public static let invalidManifest = Code(rawValue: "invalidManifest")
        /// A manifest uses a media type Custody does not read (for example Docker schema 1).
        public static let unsupportedMediaType = Code(rawValue: "unsupportedMediaType")
        /// An image name (`oci:…`, `dir:…`) is malformed or names an unknown transport.
        public static let invalidImageName = Code(rawValue: "invalidImageName")
        /// The image reference inside an image name is ambiguous or matches nothing.
        public static let imageNotFound = Code(rawValue: "imageNotFound")
        /// No manifest of an index matches the requested platform.
        public static let platformNotFound = Code(rawValue: "platformNotFound")
        /// Input is larger than a named limit.
        public static let tooLarge = Code(rawValue: "tooLarge")
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

    public static func == (lhs: OCIError, rhs: OCIError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
