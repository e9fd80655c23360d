/// A Docker image reference such as `docker.io/library/busybox:latest` or `quay.io/org/app@sha256:…`.
///
/// Parsing and normalisation follow containers/image's copy of the Docker distribution reference
/// package exactly (`docker/reference`), so that Custody and skopeo agree on every identity:
/// ``parseNormalized(_:)`` adds the default domain `docker.io` and the `library/` namespace for
/// one-component names, folds `index.docker.io` into `docker.io`, and requires a lowercase
/// repository; ``familiarString`` gives back the short form users type.
public struct ImageReference: Hashable, Sendable, CustomStringConvertible {
    /// The registry host, with its port; empty only for references made by ``parse(_:)`` without one.
    public let domain: String
    /// The repository path inside the registry (`library/busybox`).
    public let path: String
    /// The tag, if any.
    public let tag: String?
    /// The digest, if any.
    public let digest: Digest?

    /// The longest repository name (domain and path) accepted: 255 characters.
    public static let nameTotalLengthMax = 255
    /// The registry assumed when a reference names none.
    public static let defaultDomain = "docker.io"
    /// The legacy name of the default registry, folded into ``defaultDomain``.
    public static let legacyDefaultDomain = "index.docker.io"
    /// The namespace of one-component names on the default registry.
    public static let officialRepositoryNamespace = "library"
    /// The tag assumed when a reference has neither tag nor digest.
    public static let defaultTag = "latest"

    init(domain: String, path: String, tag: String?, digest: Digest?) {
        self.domain = domain
        self.path = path
        self.tag = tag
        self.digest = digest
    }

    /// `domain/path`, or `path` when there is no domain.
    public var name: String { domain.isEmpty ? path : domain + "/" + path }

    /// The full form: `name[:tag][@digest]`.
    public var description: String {
        var text = name
        if let tag { text += ":" + tag }
        if let digest { text += "@" + digest.description }
        return text
    }

    /// Whether the reference has neither tag nor digest.
    public var isNameOnly: Bool { tag == nil && digest == nil }

    /// The name as users write it: `busybox` for `docker.io/library/busybox`.
    public var familiarName: String { familiar.name }

    /// The reference as users write it: `busybox:latest` for `docker.io/library/busybox:latest`.
    public var familiarString: String { familiar.description }

    private var familiar: ImageReference {
        guard domain == ImageReference.defaultDomain else { return self }
        var familiarPath = path
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        if components.count == 2, components[0] == ImageReference.officialRepositoryNamespace {
            familiarPath = String(components[1])
        }
        return ImageReference(domain: "", path: familiarPath, tag: tag, digest: digest)
    }

    /// Parses a reference without normalising it (upstream `Parse`): `busybox` stays `busybox`,
    /// and a first component is taken as the domain whenever the grammar allows it.
    public static func parse(_ s: String) throws(ReferenceError) -> ImageReference {
        guard let parts = ReferenceGrammar.matchReference(Substring(s)) else {
            if s.isEmpty { throw .nameEmpty }
            if ReferenceGrammar.matchReference(Substring(s.lowercased())) != nil { throw .nameContainsUppercase }
            throw .invalidFormat
        }
        guard parts.name.utf8.count <= nameTotalLengthMax else { throw .nameTooLong }
        guard let (domain, path) = ReferenceGrammar.splitName(parts.name) else { throw .invalidFormat }
        var digest: Digest?
        if let text = parts.digest {
            do { digest = try Digest(parsing: String(text)) } catch { throw ReferenceError(error) }
        }
        return ImageReference(domain: String(domain), path: String(path), tag: parts.tag.map(String.init), digest: digest)
    }

    /// Parses and normalises a reference as users type it (upstream `ParseNormalizedNamed`).
    public static func parseNormalized(_ s: String) throws(ReferenceError) -> ImageReference {
        if ReferenceGrammar.isIdentifier(Substring(s)) { throw .hexIdentifierAsName }
        let (domain, remainder) = splitDockerDomain(s)
        let remoteName = remainder.firstIndex(of: ":").map { remainder[..<$0] } ?? Substring(remainder)
        if remoteName.lowercased() != remoteName { throw .nameContainsUppercase }
        return try parse(domain + "/" + remainder)
    }

    /// Parses a reference that must already be in normalised form (upstream `ParseNamed`).
    public static func parseCanonical(_ s: String) throws(ReferenceError) -> ImageReference {
        let reference = try parseNormalized(s)
        guard reference.description == s else { throw .nameNotCanonical }
        return reference
    }

    /// Parses a reference as the `docker://` transport does (upstream `ParseDockerRef`):
    /// normalised, `:latest` added to a name-only reference, and the tag dropped when a digest is present.
    public static func parseDockerReference(_ s: String) throws(ReferenceError) -> ImageReference {
        let reference = try parseNormalized(s)
        if reference.tag != nil, let digest = reference.digest {
            return ImageReference(domain: reference.domain, path: reference.path, tag: nil, digest: digest)
        }
        return reference.isNameOnly ? try reference.withTag(defaultTag) : reference
    }

    /// Parses either a bare digest (or 64-hex identifier) or a normalised reference (upstream `ParseAnyReference`).
    public static func parseAny(_ s: String) throws(ReferenceError) -> AnyImageReference {
        if ReferenceGrammar.isIdentifier(Substring(s)) {
            do { return .digestOnly(try Digest(parsing: "sha256:" + s)) } catch { throw ReferenceError(error) }
        }
        if let digest = try? Digest(parsing: s) { return .digestOnly(digest) }
        // Upstream also reads `sha384:<96 hex>` as a digest. Custody does not support SHA-384, and
        // falling through would turn the digest into the name `docker.io/library/sha384`: refuse instead.
        if s.hasPrefix("sha384:"), s.utf8.count == 7 + 96, Digest.isHex(String(s.dropFirst(7)), lowercaseOnly: true) {
            throw .digestUnsupported
        }
        return .named(try parseNormalized(s))
    }

    /// Makes a name-only reference from `domain/path` (upstream `WithName`).
    public static func withName(_ name: String) throws(ReferenceError) -> ImageReference {
        guard name.utf8.count <= nameTotalLengthMax else { throw .nameTooLong }
        guard let (domain, path) = ReferenceGrammar.splitName(Substring(name)) else { throw .invalidFormat }
        return ImageReference(domain: String(domain), path: String(path), tag: nil, digest: nil)
    }

    /// This reference with `tag` (upstream `WithTag`; a digest is kept).
    public func withTag(_ tag: String) throws(ReferenceError) -> ImageReference {
        guard ReferenceGrammar.isTag(Substring(tag)) else { throw .tagInvalidFormat }
        return ImageReference(domain: domain, path: path, tag: tag, digest: digest)
    }

    /// This reference with `digest` (upstream `WithDigest`; a tag is kept).
    public func withDigest(_ digest: Digest) -> ImageReference {
        ImageReference(domain: domain, path: path, tag: tag, digest: digest)
    }

    /// The repository alone, without tag or digest (upstream `TrimNamed`).
    public var repository: ImageReference { ImageReference(domain: domain, path: path, tag: nil, digest: nil) }

    /// Whether `s` is a whole name: optional domain, then a path.
    public static func isValidName(_ s: String) -> Bool { ReferenceGrammar.splitName(Substring(s)) != nil }

    /// Whether `s` is a whole domain: host components and an optional port.
    public static func isValidDomain(_ s: String) -> Bool { ReferenceGrammar.isDomain(Substring(s)) }

    /// Splits off the registry the way Docker does: the first component is a registry when it
    /// contains `.` or `:` or is `localhost`; otherwise the registry is `docker.io`.
    private static func splitDockerDomain(_ name: String) -> (String, String) {
        var domain: String, remainder: String
        if let slash = name.firstIndex(of: "/"),
            name[..<slash].contains(where: { $0 == "." || $0 == ":" }) || name[..<slash] == "localhost"
        {
            domain = String(name[..<slash])
            remainder = String(name[name.index(after: slash)...])
        } else {
            domain = defaultDomain
            remainder = name
        }
        if domain == legacyDefaultDomain { domain = defaultDomain }
        if domain == defaultDomain && !remainder.contains("/") {
            remainder = officialRepositoryNamespace + "/" + remainder
        }
        return (domain, remainder)
    }
}

/// The result of ``ImageReference/parseAny(_:)``: a bare digest or a named reference.
public enum AnyImageReference: Hashable, Sendable, CustomStringConvertible {
    /// A bare digest (or 64-hex identifier, read as SHA-256).
    case digestOnly(Digest)
    /// A named reference.
    case named(ImageReference)

    public var description: String {
        switch self {
        case .digestOnly(let digest): digest.description
        case .named(let reference): reference.description
        }
    }
}
