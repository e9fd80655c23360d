import CustodyOCI

/// An absolute `http` or `https` URL split into the parts the registry client needs: the scheme,
/// the authority (`host[:port]`) and the rest (path and query, never a fragment).
///
/// Only what registries send is handled: absolute URLs, and `Location`/`Link` values that are
/// absolute, scheme-relative (`//host/path`), absolute paths (`/v2/...`) or relative paths.
struct RegistryURL: Hashable, Sendable, CustomStringConvertible {
    /// `http` or `https`, lowercase.
    let scheme: String
    /// `host[:port]` as written, for the request line and messages.
    let authority: String
    /// The path (starting with `/`) and the query, if any.
    let pathAndQuery: String

    var description: String { "\(scheme)://\(authority)\(pathAndQuery)" }

    /// Scheme, lowercase host and port with the scheme's default port made explicit: two URLs
    /// with the same origin may share credentials.
    var origin: String {
        let lowered = authority.lowercased()
        let hasPort: Bool
        if lowered.hasPrefix("[") {
            hasPort = lowered.split(separator: "]", maxSplits: 1).last.map { $0.hasPrefix(":") } ?? false
        } else {
            hasPort = lowered.contains(":")
        }
        return "\(scheme)://\(lowered)\(hasPort ? "" : (scheme == "https" ? ":443" : ":80"))"
    }

    /// Whether the URL already has a query.
    var hasQuery: Bool { pathAndQuery.contains("?") }

    /// This URL with `name=value` appended to its query (`?` or `&`), the value percent-encoded.
    func appendingQuery(_ name: String, _ value: String) -> RegistryURL {
        let separator = hasQuery ? "&" : "?"
        return RegistryURL(
            scheme: scheme, authority: authority,
            pathAndQuery: pathAndQuery + separator + name + "=" + RegistryURL.percentEncoded(value)
        )
    }

    init(scheme: String, authority: String, pathAndQuery: String) {
        self.scheme = scheme
        self.authority = authority
        self.pathAndQuery = pathAndQuery.isEmpty ? "/" : pathAndQuery
    }

    /// Parses an absolute `http://` or `https://` URL; nil for anything else.
    init?(absolute text: String) {
        guard RegistryURL.isClean(text) else { return nil }
        let lowered = text.lowercased()
        let scheme: String
        if lowered.hasPrefix("https://") {
            scheme = "https"
        } else if lowered.hasPrefix("http://") {
            scheme = "http"
        } else {
            return nil
        }
        let rest = text.dropFirst(scheme.count + 3)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        var remainder = rest.dropFirst(authority.count)
        if let hash = remainder.firstIndex(of: "#") { remainder = remainder[..<hash] }
        if remainder.hasPrefix("?") { remainder = "/" + remainder }
        self.init(scheme: scheme, authority: String(authority), pathAndQuery: String(remainder))
    }

    /// Resolves a `Location` or `Link` target against this URL (RFC 3986 reference resolution,
    /// without dot-segment removal: registries send absolute paths or absolute URLs).
    func resolving(_ reference: String) -> RegistryURL? {
        guard RegistryURL.isClean(reference), !reference.isEmpty else { return nil }
        if reference.hasPrefix("//") {
            return RegistryURL(absolute: scheme + ":" + reference)
        }
        if let colon = reference.firstIndex(of: ":"),
           !reference[..<colon].contains("/"), !reference[..<colon].contains("?")
        {
            return RegistryURL(absolute: reference)
        }
        var target = reference
        if let hash = target.firstIndex(of: "#") { target = String(target[..<hash]) }
        if target.hasPrefix("/") {
            return RegistryURL(scheme: scheme, authority: authority, pathAndQuery: target)
        }
        let path = pathAndQuery.prefix { $0 != "?" }
        if target.hasPrefix("?") {
            return RegistryURL(scheme: scheme, authority: authority, pathAndQuery: path + target)
        }
        let directory = path.lastIndex(of: "/").map { path[...$0] } ?? "/"
        return RegistryURL(scheme: scheme, authority: authority, pathAndQuery: directory + target)
    }

    /// No white space, control characters or non-ASCII: what a header may carry into a URL.
    static func isClean(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F }
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters, for query values.
    static func percentEncoded(_ value: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in value.utf8 {
            let unreserved = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
            if unreserved {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Checks on the names that the client puts into URL paths, so that nothing a caller passes can
/// add a path segment, a query or a fragment.
enum RegistryNames {
    /// The longest repository name accepted (the reference grammar's limit for whole names).
    static let maxRepositoryLength = 255

    /// Whether `name` is a repository path of the distribution grammar:
    /// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*`.
    static func isRepository(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= maxRepositoryLength else { return false }
        return name.split(separator: "/", omittingEmptySubsequences: false).allSatisfy(isPathComponent)
    }

    private static func isLowerAlnum(_ c: UInt8) -> Bool { (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) }

    private static func isPathComponent(_ component: Substring) -> Bool {
        let bytes = Array(component.utf8)
        guard let first = bytes.first, let last = bytes.last, isLowerAlnum(first), isLowerAlnum(last) else { return false }
        var separator: [UInt8] = []
        for c in bytes {
            if isLowerAlnum(c) {
                if !separator.isEmpty {
                    let valid = separator == [UInt8(ascii: ".")] || separator == [UInt8(ascii: "_")]
                        || separator == [UInt8(ascii: "_"), UInt8(ascii: "_")]
                        || separator.allSatisfy { $0 == UInt8(ascii: "-") }
                    guard valid else { return false }
                }
                separator.removeAll(keepingCapacity: true)
            } else if c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "-") {
                separator.append(c)
            } else {
                return false
            }
        }
        return true
    }

    /// Whether `tag` matches `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`.
    static func isTag(_ tag: String) -> Bool {
        let bytes = Array(tag.utf8)
        func isWord(_ c: UInt8) -> Bool {
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == UInt8(ascii: "_")
        }
        guard let first = bytes.first, isWord(first), bytes.count <= 128 else { return false }
        return bytes.allSatisfy { isWord($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    /// Checks a repository name.
    /// - Throws: ``RegistryError`` (`.invalidRequest`) naming the registry and the name.
    static func checkRepository(_ name: String, registry: String) throws {
        guard isRepository(name) else {
            throw RegistryError(
                code: .invalidRequest,
                reason: "\(printable(name)) is not a valid repository name on \(registry) (lowercase letters, digits and separators, components joined by /)"
            )
        }
    }

    /// A manifest reference: a tag, or a digest Custody supports.
    enum Reference {
        case tag(String)
        case digest(Digest)

        var text: String {
            switch self {
            case .tag(let tag): tag
            case .digest(let digest): digest.description
            }
        }
    }

    /// Parses a manifest reference: a valid digest (anything with `:`) or a valid tag.
    /// - Throws: ``RegistryError`` (`.invalidRequest`) naming the repository.
    static func reference(_ text: String, repository: String, registry: String) throws -> Reference {
        if text.contains(":") {
            do {
                return .digest(try Digest(parsing: text))
            } catch {
                throw RegistryError(
                    code: .invalidRequest,
                    reason: "\(printable(text)) is not a valid digest for \(registry)/\(repository): \(error)"
                )
            }
        }
        guard isTag(text) else {
            throw RegistryError(
                code: .invalidRequest,
                reason: "\(printable(text)) is not a valid tag for \(registry)/\(repository) (letters, digits, _ . -, at most 128, not starting with . or -)"
            )
        }
        return .tag(text)
    }

    /// `text` quoted, with control characters escaped and cut to 200 characters, for messages.
    static func printable(_ text: String) -> String {
        let cut = text.count > 200 ? String(text.prefix(200)) + "…" : text
        return cut.debugDescription
    }
}
