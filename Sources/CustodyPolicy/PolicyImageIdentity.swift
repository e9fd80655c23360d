import CustodyOCI

/// How the policy sees an image: its transport, its identity within the transport, and the more
/// general namespaces to try when no scope names the identity (containers/image's
/// `PolicyConfigurationIdentity` and `PolicyConfigurationNamespaces`).
///
/// - `docker`: the identity is the fully expanded reference with its tag or its digest
///   (`docker.io/library/busybox:latest`, `quay.io/org/app@sha256:…`). The namespaces are the
///   repository and each parent path (`docker.io/library/busybox`, `docker.io/library`,
///   `docker.io`), then, with any `:port` removed from the host, the host's parent domains as
///   wildcards (`*.example.com`, `*.com` for `a.example.com`). So `*.example.com` never matches
///   `example.com` itself, and a host with a port never matches a scope without it.
/// - `oci` and `dir`: the identity is the layout's or directory's absolute path with every
///   symbolic link resolved (when the last component does not exist, its parent must; the `oci:`
///   `:reference` part is not included). The namespaces are the parent directories, nearest first,
///   without `/`.
public struct PolicyImageIdentity: Sendable, Hashable, CustomStringConvertible {
    /// The transport name, as in the policy's `transports` (`docker`, `oci`, `dir`).
    public var transport: String
    /// The most specific scope that can name this image.
    public var identity: String
    /// The more general scopes, most specific first.
    public var namespaces: [String]
    /// The image's own Docker reference, which identity rules compare signatures with; nil for
    /// `oci:` and `dir:` images, which have none.
    public var dockerReference: ImageReference?

    /// Makes an identity from its parts (for transports Custody does not open itself).
    public init(transport: String, identity: String, namespaces: [String], dockerReference: ImageReference? = nil) {
        self.transport = transport
        self.identity = identity
        self.namespaces = namespaces
        self.dockerReference = dockerReference
    }

    /// The identity of an image name.
    /// - Throws: ``PolicyError`` with code ``PolicyError/Code/invalidImage`` for a Docker
    ///   reference without a tag or digest or with both, or a path that cannot be resolved.
    public init(_ name: ImageName) throws(PolicyError) {
        switch name {
        case .docker(let reference): self = try .docker(reference)
        case .ociLayout(let path, _): self = try .localPath(transport: "oci", path: path)
        case .directory(let path): self = try .localPath(transport: "dir", path: path)
        }
    }

    /// The identity of an image in a registry.
    /// - Throws: ``PolicyError`` (``PolicyError/Code/invalidImage``) when `reference` has neither
    ///   a tag nor a digest, or both (the docker transport refuses that).
    public static func docker(_ reference: ImageReference) throws(PolicyError) -> PolicyImageIdentity {
        let identity: String
        switch (reference.tag, reference.digest) {
        case (let tag?, nil): identity = reference.name + ":" + tag
        case (nil, let digest?): identity = reference.name + "@" + digest.description
        case (nil, nil):
            throw PolicyError(code: .invalidImage, reason: "docker reference \(PolicyPath.quoted(reference.description)) has neither a tag nor a digest")
        case (_?, _?):
            throw PolicyError(code: .invalidImage, reason: "docker reference \(PolicyPath.quoted(reference.description)) has both a tag and a digest")
        }
        return PolicyImageIdentity(transport: "docker", identity: identity, namespaces: dockerNamespaces(of: reference.name), dockerReference: reference)
    }

    /// The identity of a local image (`oci`, `dir`, and likewise `oci-archive` or `sif`): the
    /// fully resolved path and its parent directories.
    /// - Throws: ``PolicyError`` (``PolicyError/Code/invalidImage``) when the path, or its parent
    ///   when the path does not exist, cannot be resolved.
    public static func localPath(transport: String, path: String) throws(PolicyError) -> PolicyImageIdentity {
        switch FilePathRules.fullyResolved(path) {
        case .success(let resolved):
            return PolicyImageIdentity(transport: transport, identity: resolved, namespaces: FilePathRules.parents(of: resolved))
        case .failure(let failure):
            throw PolicyError(code: .invalidImage, reason: "cannot resolve the \(transport): path \(PolicyPath.quoted(path)): \(failure.message)")
        }
    }

    /// The namespaces of a fully expanded repository name (`host[:port]/path`).
    static func dockerNamespaces(of name: String) -> [String] {
        var result: [String] = []
        var current = Substring(name)
        while true {
            result.append(String(current))
            guard let slash = current.lastIndex(of: "/") else { break }
            current = current[..<slash]
        }
        // `current` is now the host, maybe with a port: wildcards are built from the bare host.
        var host = current
        if let colon = host.firstIndex(of: ":") { host = host[..<colon] }
        while let dot = host.firstIndex(of: ".") {
            host = host[host.index(after: dot)...]
            result.append("*." + host)
        }
        return result
    }

    /// `transport:identity`.
    public var description: String { "\(transport):\(identity)" }
}
