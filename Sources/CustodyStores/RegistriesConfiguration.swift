import CustodyOCI
import CustodyRegistry

/// Where signatures of registry images live, as configured in a containers `registries.d`
/// directory, read exactly as containers/image reads it (`docker/registries_d.go`).
///
/// Every `*.yaml` file of the directory is read (other names are ignored), in byte order of
/// their names, and merged: at most one file may define `default-docker`, and each key of
/// `docker:` may appear in one file only. A file looks like this:
///
/// ```yaml
/// default-docker:
///   lookaside: https://sigs.example.com     # read; also written if no staging location is set
///   lookaside-staging: file:///srv/sigs     # written only
/// docker:
///   registry.example.com/ns/repo:
///     lookaside: file:///srv/repo-sigs
///     sigstore: http://old.example.com      # deprecated alias of lookaside
///     sigstore-staging: file:///srv/old     # deprecated alias of lookaside-staging
///   quay.io/org:
///     use-sigstore-attachments: true
/// ```
///
/// As in containers/image (which decodes with `gopkg.in/yaml.v3`): unknown keys are ignored
/// (a misspelt key therefore silently does nothing), keys are case-sensitive, only the first
/// YAML document of a file is read, duplicate keys within one mapping are an error, a key with
/// an empty or null value counts as unset, and `use-sigstore-attachments` also accepts YAML 1.1
/// booleans (`yes`, `on`, …). Unlike containers/image, `<<` merge keys are not expanded, and a
/// file larger than ``maxFileBytes`` is refused.
///
/// ## Scope lookup
///
/// For an image reference the candidate scopes are, in order (``scopes(for:)``): the full
/// reference (`docker.io/library/busybox:latest`, or `…@sha256:…`), its repository and each
/// parent namespace (`docker.io/library/busybox`, `docker.io/library`, `docker.io`), the
/// wildcard domains (`*.io`; for `registry.example.com`, `*.example.com` then `*.com`; a port is
/// dropped first), and finally `default-docker`. The first scope that yields a non-empty URL
/// wins; a scope that is configured but yields no URL (for example one that only sets
/// `use-sigstore-attachments`) passes on to the next, more general one. That is what the
/// containers/image code does, although its manual says only the most specific scope applies.
///
/// ## No built-in default
///
/// When nothing matches, ``lookaside(for:forWriting:)`` returns nil. containers/image then falls
/// back to `file:///var/lib/containers/sigstore` (root) or
/// `file://$HOME/.local/share/containers/sigstore`; Custody deliberately does not, so that it
/// never reads or writes signatures anywhere the user did not configure. Callers that want
/// containers/image's behaviour use ``builtinDefaultLookaside(home:isRoot:)``.
public struct RegistriesConfiguration: Sendable, Hashable {
    /// One configured scope: a `docker:` entry or `default-docker`.
    ///
    /// An empty string means "not set", as in containers/image.
    public struct Section: Sendable, Hashable {
        /// `lookaside`: the base URL read from, and written to when no staging URL is set.
        public var lookaside: String
        /// `lookaside-staging`: the base URL written to.
        public var lookasideStaging: String
        /// `sigstore`: the deprecated name of `lookaside`, used when `lookaside` is empty.
        public var sigstore: String
        /// `sigstore-staging`: the deprecated name of `lookaside-staging`, used when `lookaside-staging` is empty.
        public var sigstoreStaging: String
        /// `use-sigstore-attachments`: whether cosign-style signatures are read and written as
        /// registry attachments; nil when not set.
        public var useSigstoreAttachments: Bool?

        /// Makes a section.
        public init(
            lookaside: String = "", lookasideStaging: String = "", sigstore: String = "",
            sigstoreStaging: String = "", useSigstoreAttachments: Bool? = nil
        ) {
            self.lookaside = lookaside
            self.lookasideStaging = lookasideStaging
            self.sigstore = sigstore
            self.sigstoreStaging = sigstoreStaging
            self.useSigstoreAttachments = useSigstoreAttachments
        }

        /// The base URL this section gives, or nil: for writing `lookaside-staging`,
        /// `sigstore-staging`, `lookaside`, `sigstore`, the first non-empty; for reading
        /// `lookaside`, then `sigstore`.
        public func lookasideURL(forWriting: Bool) -> String? {
            let keys = forWriting ? [lookasideStaging, sigstoreStaging, lookaside, sigstore] : [lookaside, sigstore]
            return keys.first { !$0.isEmpty }
        }
    }

    /// Which part of the configuration a lookup used.
    public enum Scope: Sendable, Hashable, CustomStringConvertible {
        /// A key of the `docker:` map.
        case docker(String)
        /// The `default-docker` section.
        case defaultDocker

        public var description: String {
            switch self {
            case .docker(let key): "\"docker\" namespace \"\(key)\""
            case .defaultDocker: "\"default-docker\""
            }
        }
    }

    /// The result of a lookup: the base URL and where it was configured.
    public struct Lookaside: Sendable, Hashable {
        /// The lookaside base URL (`file:///…`, `http://…`, `https://…`), as written in the file.
        public let url: String
        /// The scope that gave it.
        public let scope: Scope
        /// The file that defined the scope, when the configuration was read from a directory.
        public let file: String?
    }

    /// The largest registries.d file read.
    public static let maxFileBytes = 1024 * 1024
    /// containers/image's system-wide registries.d directory.
    public static let systemDirectory = "/etc/containers/registries.d"
    /// containers/image's per-user registries.d directory, relative to the home directory.
    public static let userDirectory = ".config/containers/registries.d"

    /// The `default-docker` section, if any file defines one.
    public var defaultDocker: Section?
    /// The `docker:` sections of all files, by scope key.
    public var docker: [String: Section]
    /// The file each scope came from, when read from a directory.
    public var files: [Scope: String]

    /// Makes a configuration in memory.
    public init(defaultDocker: Section? = nil, docker: [String: Section] = [:]) {
        self.defaultDocker = defaultDocker
        self.docker = docker
        self.files = [:]
    }

    /// Reads and merges every `*.yaml` file in `directory`. A missing directory is an empty configuration.
    /// - Throws: ``StoreError`` with code `invalidConfiguration` when the directory or a file cannot
    ///   be read or parsed (naming the file), or when two files define the same scope (naming both).
    public init(directory: String) throws {
        self.init()
        guard let names = try LocalFiles.contents(of: directory) else { return }
        var trimmed = directory
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        let prefix = trimmed == "/" ? "/" : trimmed + "/"
        let yamlNames = names.filter { $0.hasSuffix(".yaml") }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        for name in yamlNames {
            let path = prefix + name
            let bytes: [UInt8]
            do {
                bytes = try FileReader.readAll(path: path, limit: Self.maxFileBytes)
            } catch let error as OCIError {
                // A file removed between listing and reading is skipped, as containers/image does.
                if error.code == .notFound { continue }
                throw StoreError(code: .invalidConfiguration, reason: "reading \(path): \(error.reason)")
            }
            let file = try RegistriesFile(bytes: bytes, path: path)
            try merge(file, from: path)
        }
    }

    private mutating func merge(_ file: RegistriesFile, from path: String) throws {
        if let section = file.defaultDocker {
            if let earlier = files[.defaultDocker] {
                throw StoreError(
                    code: .invalidConfiguration,
                    reason: "Error parsing signature storage configuration: \"default-docker\" defined both in \"\(earlier)\" and \"\(path)\""
                )
            }
            defaultDocker = section
            files[.defaultDocker] = path
        }
        for (key, section) in file.docker {
            if let earlier = files[.docker(key)] {
                throw StoreError(
                    code: .invalidConfiguration,
                    reason: "Error parsing signature storage configuration: \"docker\" namespace \"\(key)\" defined both in \"\(earlier)\" and \"\(path)\""
                )
            }
            docker[key] = section
            files[.docker(key)] = path
        }
    }

    /// The registries.d directory containers/image uses: `home/.config/containers/registries.d`
    /// if it exists, else ``systemDirectory``. (skopeo's `--registries.d` overrides both.)
    public static func defaultDirectory(home: String?) -> String {
        if let home, !home.isEmpty {
            let user = (home.hasSuffix("/") ? home : home + "/") + userDirectory
            // containers/image uses it when `stat` succeeds, whatever it is.
            if let kind = try? LocalFiles.kind(of: user), kind != .missing { return user }
        }
        return systemDirectory
    }

    /// containers/image's built-in lookaside when nothing is configured (since c/image 5.22):
    /// `file:///var/lib/containers/sigstore` for root, `file://<home>/.local/share/containers/sigstore` otherwise.
    /// Custody never uses it on its own; see the type's documentation.
    public static func builtinDefaultLookaside(home: String, isRoot: Bool) -> String {
        if isRoot { return "file:///var/lib/containers/sigstore" }
        return "file://" + (home.hasSuffix("/") ? String(home.dropLast()) : home) + "/.local/share/containers/sigstore"
    }

    /// The `docker:` keys looked up for `reference`, most specific first (containers/image
    /// `PolicyConfigurationIdentity` then `PolicyConfigurationNamespaces`); `default-docker` follows them.
    ///
    /// The first key is the full reference: `name:tag`, or `name@digest` when there is a digest
    /// (a reference with both is looked up by its digest, as the `docker://` transport drops the
    /// tag; a name-only reference has no full-reference key). Pass a normalised reference
    /// (``ImageReference/parseDockerReference(_:)``).
    public static func scopes(for reference: ImageReference) -> [String] {
        var scopes: [String] = []
        if let digest = reference.digest {
            scopes.append(reference.name + "@" + digest.description)
        } else if let tag = reference.tag {
            scopes.append(reference.name + ":" + tag)
        }
        var name = reference.name
        while true {
            scopes.append(name)
            guard let slash = name.lastIndex(of: "/") else { break }
            name = String(name[..<slash])
        }
        if let colon = name.firstIndex(of: ":") { name = String(name[..<colon]) }
        while let dot = name.firstIndex(of: ".") {
            name = String(name[name.index(after: dot)...])
            scopes.append("*." + name)
        }
        return scopes
    }

    /// The sections that apply to `reference`, most specific first, ending with `default-docker`.
    private func candidates(for reference: ImageReference) -> [(Scope, Section)] {
        var result: [(Scope, Section)] = []
        for key in Self.scopes(for: reference) {
            if let section = docker[key] { result.append((.docker(key), section)) }
        }
        if let defaultDocker { result.append((.defaultDocker, defaultDocker)) }
        return result
    }

    /// The lookaside base URL for `reference`: for reading, or for writing (staging first).
    /// - Returns: The URL and the scope that gave it, or nil when no scope configures one.
    public func lookaside(for reference: ImageReference, forWriting: Bool) -> Lookaside? {
        for (scope, section) in candidates(for: reference) {
            if let url = section.lookasideURL(forWriting: forWriting) {
                return Lookaside(url: url, scope: scope, file: files[scope])
            }
        }
        return nil
    }

    /// A ``LookasideStore`` on the lookaside configured for `reference`, or nil when none is.
    /// - Throws: ``StoreError`` with code `invalidLocation` when the configured URL is malformed.
    public func lookasideStore(
        for reference: ImageReference, forWriting: Bool, fetcher: any HTTPFetching = HTTPFetcher()
    ) throws -> LookasideStore? {
        guard let lookaside = lookaside(for: reference, forWriting: forWriting) else { return nil }
        return try LookasideStore(base: lookaside.url, fetcher: fetcher)
    }

    /// Whether sigstore (cosign-style) signatures are used for `reference`: the value of the first
    /// scope, in lookup order, that sets `use-sigstore-attachments`; false when none does.
    public func useSigstoreAttachments(for reference: ImageReference) -> Bool {
        for (_, section) in candidates(for: reference) {
            if let value = section.useSigstoreAttachments { return value }
        }
        return false
    }
}
