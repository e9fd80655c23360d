import CustodyOCI

// CONTRACT FILE (temporary bodies): the helper implementing the registry client replaces every
// body below with the real implementation, keeping these public signatures (adding more is fine).

/// Settings for talking to registries: TLS, credentials, timeouts and retries.
public struct RegistryOptions: Sendable {
    /// When false, every host may be reached over unverified TLS or plain HTTP (skopeo's `--tls-verify=false`).
    public var tlsVerify: Bool
    /// Hosts (`host` or `host:port`) that may be reached over unverified TLS or plain HTTP even when
    /// ``tlsVerify`` is true (registries.conf `insecure = true`).
    public var insecureHosts: Set<String>
    /// Extra PEM files of CA certificates trusted for TLS, in addition to the system trust store.
    public var certificateAuthorityFiles: [String]
    /// Where credentials come from.
    public var credentials: CredentialSource
    /// The wall-clock budget of one HTTP request, body included.
    public var requestTimeout: Duration
    /// How many times a request is retried after a 429, a 5xx or a connection failure.
    public var maxRetries: Int

    public init(
        tlsVerify: Bool = true, insecureHosts: Set<String> = [], certificateAuthorityFiles: [String] = [],
        credentials: CredentialSource = .standard, requestTimeout: Duration = .seconds(60), maxRetries: Int = 3
    ) {
        self.tlsVerify = tlsVerify
        self.insecureHosts = insecureHosts
        self.certificateAuthorityFiles = certificateAuthorityFiles
        self.credentials = credentials
        self.requestTimeout = requestTimeout
        self.maxRetries = maxRetries
    }
}

/// Where a client finds credentials for a registry.
public enum CredentialSource: Sendable, Hashable {
    /// No credentials: anonymous access (anonymous bearer tokens are still fetched).
    case anonymous
    /// The places containers tools look: `$REGISTRY_AUTH_FILE`, `$XDG_RUNTIME_DIR/containers/auth.json`,
    /// `$HOME/.config/containers/auth.json`, `$HOME/.docker/config.json` (with `credHelpers`/`credsStore`).
    case standard
    /// One auth file only (`--authfile`), in containers auth.json or docker config.json form.
    case authFile(String)
    /// An explicit user name and password (`--creds USER:PASSWORD`).
    case basic(username: String, password: String)
}

/// A client for one registry host speaking the OCI Distribution API.
public final class RegistryClient: Sendable {
    /// The registry host as in image references (`registry.example.com`, `127.0.0.1:5000`, `docker.io`).
    public let registry: String

    /// Makes a client; no request is made until the first call.
    public init(registry: String, options: RegistryOptions = RegistryOptions()) throws {
        self.registry = registry
    }

    /// The number of HTTP requests this client has sent (every retry and token request counts).
    public var requestCount: Int { 0 }

    /// `GET /v2/`: checks the registry answers and learns its authentication challenge.
    public func ping() async throws { throw RegistryError(code: .network, reason: "unimplemented") }

    /// Fetches a manifest by tag or digest with Accept for the OCI and Docker schema 2 manifest and
    /// index media types. When `reference` is a digest the bytes must hash to it.
    public func manifest(repository: String, reference: String) async throws -> Manifest {
        throw RegistryError(code: .network, reason: "unimplemented")
    }

    /// `HEAD` a manifest: its descriptor (media type, digest, size), or nil when the registry says it is unknown.
    public func manifestDescriptor(repository: String, reference: String) async throws -> Descriptor? {
        throw RegistryError(code: .network, reason: "unimplemented")
    }

    /// Pushes manifest bytes under a tag or its digest; returns the digest.
    @discardableResult
    public func putManifest(_ manifest: Manifest, repository: String, reference: String) async throws -> Digest {
        throw RegistryError(code: .network, reason: "unimplemented")
    }

    /// Streams a blob, verified against `descriptor` (digest and size) while it streams.
    public func streamBlob(repository: String, descriptor: Descriptor, into body: (UnsafeRawBufferPointer) throws -> Void) async throws {
        throw RegistryError(code: .network, reason: "unimplemented")
    }

    /// A small blob in memory, verified; over `limit` bytes is an error.
    public func blob(repository: String, descriptor: Descriptor, limit: Int) async throws -> [UInt8] {
        throw RegistryError(code: .network, reason: "unimplemented")
    }

    /// Whether the repository already holds the blob (`HEAD /v2/<repo>/blobs/<digest>`).
    public func blobExists(repository: String, digest: Digest) async throws -> Bool {
        throw RegistryError(code: .network, reason: "unimplemented")
    }

    /// Uploads in-memory bytes as a blob (monolithic), after checking them against `descriptor`.
    public func uploadBlob(repository: String, descriptor: Descriptor, bytes: [UInt8]) async throws {
        throw RegistryError(code: .network, reason: "unimplemented")
    }

    /// Uploads a file as a blob: monolithic when `chunkSize` is nil, else in `PATCH` chunks.
    public func uploadBlob(repository: String, descriptor: Descriptor, fileAt path: String, chunkSize: Int? = nil) async throws {
        throw RegistryError(code: .network, reason: "unimplemented")
    }

    /// Cross-repository mount; returns false when the registry started an upload instead (nothing is left dangling).
    public func mountBlob(repository: String, digest: Digest, from sourceRepository: String) async throws -> Bool {
        throw RegistryError(code: .network, reason: "unimplemented")
    }

    /// Every tag of a repository, following `Link` pagination.
    public func tags(repository: String, pageSize: Int? = nil) async throws -> [String] {
        throw RegistryError(code: .network, reason: "unimplemented")
    }

    /// The manifests that name `subject`: the OCI 1.1 referrers API, or the `sha256-<hex>` tag
    /// schema when the registry does not have the API.
    public func referrers(repository: String, subject: Digest, artifactType: String? = nil) async throws -> [Descriptor] {
        throw RegistryError(code: .network, reason: "unimplemented")
    }
}
