import CustodyOCI

/// Which scope strings each transport of containers/image accepts under `transports`, as its
/// `ValidatePolicyConfigurationScope` decides (containers/image at df7e80d2; scope `""` is always
/// accepted and never passed here).
///
/// A transport containers/image does not know (and the stubbed-out `ostree`) accepts every scope:
/// containers/image keeps such sections without validating them, so Custody does too.
enum TransportScopeRules {
    /// The transports containers/image registers, whose scopes it validates.
    static let knownTransports: Set<String> = [
        "atomic", "containers-storage", "dir", "docker", "docker-archive", "docker-daemon", "oci", "oci-archive", "sif", "tarball",
    ]

    /// Why `transport` rejects `scope`, or nil when it accepts it.
    static func problem(transport: String, scope: String) -> String? {
        switch transport {
        case "docker": return nil
        case "dir", "sif", "oci", "oci-archive": return pathProblem(scope)
        case "docker-archive", "tarball": return "the \(transport) transport supports only the default scope \"\""
        case "docker-daemon":
            return isGoDigest(scope) ? "docker-daemon cannot use an algo:digest value as a namespace" : nil
        case "atomic":
            return isAtomicScope(scope) ? nil : "not an atomic scope (host[:port][/namespace[/stream[:tag]]] or *.domain)"
        case "containers-storage": return storageProblem(scope)
        default: return nil
        }
    }

    /// Path transports: an absolute, clean path other than `/`.
    private static func pathProblem(_ scope: String) -> String? {
        guard scope.hasPrefix("/") else { return "must be an absolute path" }
        if scope == "/" { return "\"/\" is not allowed: use the transport's default scope \"\"" }
        let clean = FilePathRules.cleaned(scope)
        if clean != scope { return "not in canonical form, perhaps \(PolicyPath.quoted(clean))" }
        return nil
    }

    /// `^[^/]*(/[^:/]*(/[^:/]*(:[^:/]*)?)?)?$`: a host, then at most a namespace and a stream,
    /// where only the stream may carry a `:tag`.
    private static func isAtomicScope(_ scope: String) -> Bool {
        let parts = scope.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 3 else { return false }
        if parts.count >= 2 && parts[1].contains(":") { return false }
        if parts.count == 3 && parts[2].filter({ $0 == ":" }).count > 1 { return false }
        return true
    }

    /// `[driver@graphroot]` or `[graphroot]` (an absolute graph root), then optionally an image
    /// scope: a name, then `@digest`, `@image-id` or `@digest@image-id`.
    private static func storageProblem(_ scope: String) -> String? {
        let invalid = "not a containers-storage scope ([driver@/graph/root] or [/graph/root], then an optional image)"
        guard scope.hasPrefix("["), let close = scope.firstIndex(of: "]"), close > scope.index(after: scope.startIndex) else { return invalid }
        let store = scope[scope.index(after: scope.startIndex)..<close]
        let rest = scope[scope.index(after: close)...]
        if let at = store.firstIndex(of: "@") {
            let driver = store[..<at], root = store[store.index(after: at)...]
            guard !driver.isEmpty, !root.isEmpty else { return invalid }
            guard root.hasPrefix("/") else { return "the graph root must be an absolute path" }
        } else {
            guard store.hasPrefix("/") else { return "the graph root must be an absolute path" }
        }
        if rest.isEmpty { return nil }
        let fields = rest.split(separator: "@", maxSplits: 2, omittingEmptySubsequences: false)
        switch fields.count {
        case 2:
            if !isImageID(String(fields[1])) && !isGoDigest(String(fields[1])) {
                return "\(PolicyPath.quoted(String(fields[1]))) is neither a digest nor an image ID"
            }
        case 3:
            if !isGoDigest(String(fields[1])) { return "\(PolicyPath.quoted(String(fields[1]))) is not a digest" }
            if !isImageID(String(fields[2])) { return "\(PolicyPath.quoted(String(fields[2]))) is not an image ID" }
        default: break
        }
        return nil
    }

    /// A digest go-digest parses: `sha256`, `sha384` or `sha512`, then lowercase hex of its length.
    static func isGoDigest(_ text: String) -> Bool {
        guard let colon = text.firstIndex(of: ":") else { return false }
        let lengths = ["sha256": 64, "sha384": 96, "sha512": 128]
        guard let length = lengths[String(text[..<colon])] else { return false }
        let hex = text[text.index(after: colon)...]
        return hex.utf8.count == length && hex.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// A full image ID: 64 lowercase hex digits.
    private static func isImageID(_ text: String) -> Bool { isGoDigest("sha256:" + text) }

    /// Why a `docker` scope can never match an image, or nil when it can. containers/image
    /// accepts every `docker` scope, so these are lint warnings only: scopes are compared with the
    /// fully expanded names (`docker.io/library/busybox`), so a short name never matches.
    static func dockerScopeWarning(_ scope: String) -> String? {
        if scope.hasPrefix("*.") {
            let domain = scope.dropFirst(2)
            if domain.contains(":") { return "a *. wildcard matches host names without their port, so it can never contain a port" }
            guard ImageReference.isValidDomain(String(domain)), !domain.contains("*") else {
                return "a wildcard scope is *. followed by a domain (\"*.example.com\")"
            }
            return nil
        }
        let host = scope.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)[0]
        if host == Substring(ImageReference.legacyDefaultDomain) {
            return "images of index.docker.io are named docker.io/…: this scope can never match"
        }
        if !(host.contains(".") || host.contains(":") || host == "localhost") {
            return "scopes use the fully expanded name with the registry host (docker.io/library/busybox, not busybox): this scope can never match"
        }
        if host == Substring(ImageReference.defaultDomain), scope.split(separator: "/").count == 2,
            scope.contains(":") || scope.contains("@")
        {
            return "images of docker.io are named docker.io/library/NAME when they have one path component: this scope can never match"
        }
        if scope.contains("/") {
            // A repository, namespace or image: the name part must be a valid name and, when a tag or
            // digest is present, the whole must be a reference with exactly one of the two.
            guard let reference = try? ImageReference.parse(scope), reference.domain == String(host) else {
                return "not a valid image name, namespace or reference: this scope can never match"
            }
            if reference.tag != nil && reference.digest != nil {
                return "an image is named with a tag or with a digest, never both: this scope can never match"
            }
        } else if !ImageReference.isValidDomain(scope) {
            return "not a valid registry host[:port]: this scope can never match"
        }
        return nil
    }
}
