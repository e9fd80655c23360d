import CustodyOCI

extension PolicyDocument {
    /// The largest policy accepted: 4 MiB, the limit containers/image applies to what it reads.
    public static let maxBytes = 4 * 1024 * 1024
    /// The longest `description` accepted, in UTF-8 bytes.
    public static let maxDescriptionBytes = 1024
    /// The longest role name accepted, in UTF-8 bytes.
    public static let maxRoleNameBytes = 128
    /// The longest `freshness` `maxAge` accepted: 87600h (ten years), in seconds.
    public static let maxFreshnessAgeSeconds: Int64 = 87_600 * 3600

    /// Parses a policy strictly: containers-policy.json(5) as containers/image reads it, plus
    /// Custody's extensions (see `Docs/policy.md`).
    ///
    /// Relative `keyPath`, `keyPaths`, `caPath`, `caRootsPath`, `caIntermediatesPath` and
    /// `rekorPublicKeyPath(s)` values are resolved against `baseDirectory` (containers/image
    /// resolves them against the process's current directory). No key, certificate or keyring file
    /// is read here: as in containers/image, they are read when the policy is evaluated, so a
    /// missing file fails the images whose scope uses it, not the whole policy.
    ///
    /// - Parameters:
    ///   - bytes: the policy file's bytes, at most ``maxBytes``.
    ///   - baseDirectory: the folder of the policy file; a relative folder is taken from the
    ///     current directory.
    /// - Throws: ``PolicyError`` for the first problem in the document; its reason starts with the
    ///   JSON path. ``lint(bytes:baseDirectory:)`` lists every problem.
    public init(bytes: [UInt8], baseDirectory: String) throws(PolicyError) {
        var parser = PolicyParser(baseDirectory: baseDirectory)
        let document = parser.parseDocument(bytes)
        if let first = parser.issues.first(where: { $0.severity == .error }) { throw first.error }
        guard let document else {
            // parseDocument returns nil only after reporting an error.
            throw PolicyError(code: .invalidJSON, reason: "\(PolicyPath.root): the policy could not be read", path: PolicyPath.root)
        }
        self = document
    }

    /// Reads and parses the policy file at `path`; relative key paths are resolved against the
    /// file's folder as written in `path` (symbolic links in it are not followed).
    /// - Throws: ``PolicyError`` with code ``PolicyError/Code/io`` or ``PolicyError/Code/tooLarge``
    ///   when the file cannot be read, or the parse error, prefixed `invalid policy in "<path>": `
    ///   as containers/image prefixes it.
    public init(contentsOfFile path: String) throws(PolicyError) {
        let bytes: [UInt8]
        do {
            bytes = try FileReader.readAll(path: path, limit: Self.maxBytes)
        } catch let error as OCIError {
            throw PolicyError(code: error.code == .tooLarge ? .tooLarge : .io, reason: "reading policy \(PolicyPath.quoted(path)): \(error.reason)")
        } catch {
            throw PolicyError(code: .io, reason: "reading policy \(PolicyPath.quoted(path)): \(error)")
        }
        let absolute = path.hasPrefix("/") ? path : FilePathRules.currentDirectory + "/" + path
        let folder = FilePathRules.cleaned(absolute + "/..")
        do {
            try self.init(bytes: bytes, baseDirectory: folder)
        } catch {
            throw PolicyError(code: error.code, reason: "invalid policy in \(PolicyPath.quoted(path)): \(error.reason)", path: error.path)
        }
    }

    /// Every problem of a policy at once, for `custody policy lint`: errors (the policy is
    /// invalid; the first one is what ``init(bytes:baseDirectory:)`` throws) and warnings (the
    /// policy is valid, but a scope can never match, a requirement never allows an image, or a
    /// threshold may be out of reach).
    ///
    /// Findings come in document order within each object. A document that is not JSON (a syntax
    /// error, a duplicate key, trailing data, over ``maxBytes``) gives exactly one error, because
    /// nothing after it can be read reliably.
    /// - Returns: the findings; empty for a clean policy.
    public static func lint(bytes: [UInt8], baseDirectory: String) -> [PolicyIssue] {
        var parser = PolicyParser(baseDirectory: baseDirectory)
        _ = parser.parseDocument(bytes)
        return parser.issues
    }
}
