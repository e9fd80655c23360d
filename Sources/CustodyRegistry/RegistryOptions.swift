/// Settings for talking to registries: TLS, credentials, timeouts and retries.
///
/// TLS is verified against the system trust store plus ``certificateAuthorityFiles``. A registry
/// is reached without verification, or over plain HTTP, only when ``tlsVerify`` is false or its
/// host is in ``insecureHosts`` (see `Docs/registry.md`).
public struct RegistryOptions: Sendable {
    /// When false, every host may be reached over unverified TLS or plain HTTP (skopeo's `--tls-verify=false`).
    public var tlsVerify: Bool
    /// Hosts (`host` or `host:port`) that may be reached over unverified TLS or plain HTTP even when
    /// ``tlsVerify`` is true (registries.conf `insecure = true`). A bare `host` covers every port.
    public var insecureHosts: Set<String>
    /// Extra PEM files of CA certificates trusted for TLS, in addition to the system trust store.
    public var certificateAuthorityFiles: [String]
    /// Where credentials come from.
    public var credentials: CredentialSource
    /// The wall-clock budget of one HTTP request, body included.
    public var requestTimeout: Duration
    /// How many times a request is retried after a 429, a 502/503/504 or a connection failure.
    public var maxRetries: Int

    /// Makes options; the defaults verify TLS, use the standard credential files, allow 60 s per
    /// request and retry 3 times.
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
