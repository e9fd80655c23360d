import AsyncHTTPClient
import CustodyJSON
import CustodyOCI
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// A client for one registry host speaking the OCI Distribution API (v1.1) and the Docker
/// Registry HTTP API V2 it grew from.
///
/// Everything read is checked: manifests against the digest they were asked by and against
/// `Docker-Content-Digest`, blobs against their descriptor while they stream, and every body
/// against a named size limit. Requests are authorized by the registry's authenticator (bearer
/// tokens or basic credentials from ``RegistryOptions/credentials``), follow at most
/// ``maxRedirects`` redirects, and are retried with backoff after a 429, 502, 503, 504 or a
/// connection failure. Clients with the same TLS settings share connections; a client needs no
/// shutdown. `Docs/registry.md` describes the rules.
///
/// Errors are ``RegistryError``s whose reason names the registry, repository or URL.
public final class RegistryClient: Sendable {
    /// The registry host as in image references (`registry.example.com`, `127.0.0.1:5000`, `docker.io`).
    public let registry: String
    /// The host requests go to: ``registry``, except `docker.io`, which is served by `registry-1.docker.io`.
    public let endpointHost: String
    /// Whether this registry may be reached over unverified TLS or plain HTTP
    /// (``RegistryOptions/tlsVerify`` is false, or the host is in ``RegistryOptions/insecureHosts``).
    public let allowsInsecure: Bool

    let options: RegistryOptions
    let httpClient: HTTPClient
    let authenticator: RegistryAuthenticator
    let counter: RequestCounter
    /// `https` or `http` once known; nil for an insecure registry not yet contacted.
    let resolvedScheme: Mutex<String?>

    // MARK: Limits

    /// The most redirects followed for one request.
    public static let maxRedirects = 5
    /// The longest connecting to a registry may take.
    public static let connectTimeout: Duration = .seconds(10)
    /// The first pause before a retry; it doubles with every further retry.
    public static let initialRetryDelay: Duration = .milliseconds(200)
    /// The longest pause before a retry, also when `Retry-After` asks for more.
    public static let maxRetryDelay: Duration = .seconds(5)
    /// The most bytes of an error body read (to report the registry's error codes).
    public static let maxErrorBodyBytes = 64 * 1024
    /// The largest tag list page accepted.
    public static let maxTagListPageBytes = 4 * 1024 * 1024
    /// The largest referrers response (one page) accepted.
    public static let maxReferrersBytes = 4 * 1024 * 1024
    /// The most tags read from one repository.
    public static let maxTags = 100_000
    /// The most referrers read for one subject.
    public static let maxReferrers = 10_000
    /// The most pages followed for one tag or referrers list.
    public static let maxPages = 10_000

    /// The `Accept` value of manifest requests: exactly the four manifest types Custody reads.
    public static let manifestAccept = [
        MediaType.ociManifest, MediaType.ociIndex, MediaType.dockerManifest, MediaType.dockerManifestList,
    ].map(\.rawValue).joined(separator: ", ")

    static let userAgent = "custody"

    /// The host `docker.io` references resolve to, as containers/image resolves it.
    public static func endpointHost(for registry: String) -> String {
        registry == ImageReference.defaultDomain ? "registry-1.docker.io" : registry
    }

    /// Makes a client; no request is made until the first call.
    /// - Throws: ``RegistryError`` when `registry` is not a host name with an optional port
    ///   (`.invalidURL`), or a CA file of ``RegistryOptions/certificateAuthorityFiles`` cannot be
    ///   read (`.io`).
    public init(registry: String, options: RegistryOptions = RegistryOptions()) throws {
        guard Self.isValidRegistry(registry) else {
            throw RegistryError(code: .invalidURL, reason: "\(RegistryNames.printable(registry)) is not a registry host (host name or address with an optional port)")
        }
        self.registry = registry
        self.endpointHost = Self.endpointHost(for: registry)
        self.options = options
        let insecureNames = [registry, endpointHost, Self.bareHost(registry), Self.bareHost(endpointHost)]
        self.allowsInsecure = !options.tlsVerify || insecureNames.contains(where: options.insecureHosts.contains)

        let policy: RegistryTLSPolicy
        var authorities: [NIOSSLCertificate] = []
        if allowsInsecure {
            policy = .unverified
        } else {
            authorities = try RegistryHTTPClients.loadCertificateAuthorities(options.certificateAuthorityFiles)
            let der: [[UInt8]]
            do {
                der = try authorities.map { try $0.toDERBytes() }
            } catch {
                throw RegistryError(code: .io, reason: "cannot encode the CA certificates of \(options.certificateAuthorityFiles.joined(separator: ", ")): \(error)")
            }
            policy = .verified(extraCertificateAuthorities: der)
        }
        self.httpClient = RegistryHTTPClients.client(policy: policy, certificateAuthorities: authorities, readTimeout: options.requestTimeout)
        let counter = RequestCounter()
        self.counter = counter
        self.resolvedScheme = Mutex(allowsInsecure ? nil : "https")
        self.authenticator = RegistryAuthenticator(
            registry: registry, credentials: options.credentials, client: httpClient,
            requestTimeout: options.requestTimeout, onRequest: { counter.increment() }
        )
    }

    /// The number of HTTP requests this client has sent (every retry, redirect and token request counts).
    public var requestCount: Int { counter.value }

    // MARK: - Ping

    /// `GET /v2/`: checks the registry answers and learns its authentication challenge.
    /// - Throws: ``RegistryError``: `.tls` or `.network` when it cannot be reached, `.unauthorized`
    ///   when the challenge cannot be met, another code for any answer but 200.
    public func ping() async throws {
        let response = try await send(RegistryRequest(method: .GET, target: .path("/v2/"), scope: ""))
        guard response.status == 200 else { throw await response.error("pinging registry \(registry)") }
        await response.discard()
    }

    // MARK: - Manifests

    /// Fetches a manifest by tag or digest with `Accept` for the OCI and Docker schema 2 manifest
    /// and index media types; the response's `Content-Type` is the declared media type.
    ///
    /// When `reference` is a digest the bytes must hash to it; when the registry sends
    /// `Docker-Content-Digest`, the bytes must hash to that too.
    /// - Throws: ``RegistryError``: `.notFound` (404), `.digestMismatch`, `.tooLarge` (over
    ///   `Manifest.maxBytes`), `.invalidResponse` (not a manifest Custody reads), `.invalidRequest`.
    public func manifest(repository: String, reference: String) async throws -> Manifest {
        let ref = try checkedReference(repository: repository, reference: reference)
        let name = display(repository, ref)
        var request = RegistryRequest(method: .GET, target: .path("/v2/\(repository)/manifests/\(ref.text)"), scope: pullScope(repository))
        request.headers.add(name: "Accept", value: Self.manifestAccept)
        let response = try await send(request)
        guard response.status == 200 else { throw await response.error("fetching manifest \(name)") }
        let bytes = try await response.collect(limit: Manifest.maxBytes, describing: "manifest \(name)")
        if case .digest(let requested) = ref {
            let actual = Digest.compute(bytes, algorithm: requested.algorithm)
            guard actual == requested else {
                throw RegistryError(code: .digestMismatch, reason: "manifest \(name) from \(response.url) is corrupt: its content hashes to \(actual), expected \(requested)")
            }
        }
        try checkContentDigestHeader(response, bytes: bytes, what: "manifest \(name)")
        do {
            return try Manifest(bytes: bytes, declaredMediaType: Self.declaredManifestType(response.mediaType))
        } catch {
            throw RegistryError(code: .invalidResponse, reason: "manifest \(name) from \(response.url): \(error.reason)")
        }
    }

    /// `HEAD` a manifest: its descriptor (media type from `Content-Type`, digest from
    /// `Docker-Content-Digest`, size from `Content-Length`), or nil when the registry answers 404.
    /// - Throws: ``RegistryError``: `.invalidResponse` when a header is missing or malformed,
    ///   `.digestMismatch` when the registry names another digest than the one asked for.
    public func manifestDescriptor(repository: String, reference: String) async throws -> Descriptor? {
        let ref = try checkedReference(repository: repository, reference: reference)
        let name = display(repository, ref)
        var request = RegistryRequest(method: .HEAD, target: .path("/v2/\(repository)/manifests/\(ref.text)"), scope: pullScope(repository))
        request.headers.add(name: "Accept", value: Self.manifestAccept)
        let response = try await send(request)
        if response.status == 404 { return nil }
        guard response.status == 200 else { throw await response.error("checking manifest \(name)") }
        guard let type = response.mediaType else {
            throw RegistryError(code: .invalidResponse, reason: "\(response.what) (manifest \(name)) has no Content-Type")
        }
        guard let size = response.contentLength else {
            throw RegistryError(code: .invalidResponse, reason: "\(response.what) (manifest \(name)) has no valid Content-Length")
        }
        guard size <= Int64(Manifest.maxBytes) else {
            throw RegistryError(code: .tooLarge, reason: "\(response.what): manifest \(name) is \(size) bytes, over the limit of \(Manifest.maxBytes)")
        }
        let announced = try contentDigestHeader(response, what: "manifest \(name)")
        let digest: Digest
        switch (ref, announced) {
        case (.digest(let requested), let announced?):
            if announced.algorithm == requested.algorithm && announced != requested {
                throw RegistryError(code: .digestMismatch, reason: "\(response.what): the registry says manifest \(name) has digest \(announced), expected \(requested)")
            }
            digest = requested
        case (.digest(let requested), nil):
            digest = requested
        case (.tag, let announced?):
            digest = announced
        case (.tag, nil):
            throw RegistryError(code: .invalidResponse, reason: "\(response.what) (manifest \(name)) has no Docker-Content-Digest")
        }
        return Descriptor(mediaType: MediaType(rawValue: type), digest: digest, size: size)
    }

    /// Pushes manifest bytes under a tag or its digest, with the manifest's media type as
    /// `Content-Type`; returns the digest (the one in `reference` when it is a digest).
    /// - Throws: ``RegistryError``: `.digestMismatch` when `reference` is another digest than the
    ///   manifest's, or the registry reports another digest; the registry's refusal otherwise.
    @discardableResult
    public func putManifest(_ manifest: Manifest, repository: String, reference: String) async throws -> Digest {
        let ref = try checkedReference(repository: repository, reference: reference)
        let name = display(repository, ref)
        var digest = manifest.digest
        if case .digest(let requested) = ref {
            let actual = Digest.compute(manifest.bytes, algorithm: requested.algorithm)
            guard actual == requested else {
                throw RegistryError(code: .digestMismatch, reason: "cannot push manifest \(actual) to \(name): it does not have that digest")
            }
            digest = requested
        }
        var request = RegistryRequest(method: .PUT, target: .path("/v2/\(repository)/manifests/\(ref.text)"), scope: pushScope(repository))
        request.headers.add(name: "Content-Type", value: manifest.mediaType.rawValue)
        request.body = .bytes(manifest.bytes)
        let response = try await send(request)
        guard response.status == 201 else { throw await response.error("pushing manifest \(name)") }
        try checkContentDigestHeader(response, bytes: manifest.bytes, what: "manifest \(name)")
        await response.discard()
        return digest
    }

    // MARK: - Blobs

    /// Streams a blob into `body`, verified against `descriptor` (size and digest) while it streams.
    ///
    /// `body` sees bytes before the end of the blob is checked: when this throws, drop what it
    /// received.
    /// - Throws: ``RegistryError``: `.notFound`, `.sizeMismatch` (a `Content-Length` or a body of
    ///   another size than the descriptor's, refused as soon as it shows), `.digestMismatch`; or
    ///   what `body` throws.
    public func streamBlob(repository: String, descriptor: Descriptor, into body: (UnsafeRawBufferPointer) throws -> Void) async throws {
        try RegistryNames.checkRepository(repository, registry: registry)
        let name = "blob \(descriptor.digest) of \(registry)/\(repository)"
        let request = RegistryRequest(method: .GET, target: .path("/v2/\(repository)/blobs/\(descriptor.digest)"), scope: pullScope(repository))
        let response = try await send(request)
        guard response.status == 200 else { throw await response.error("fetching \(name)") }
        if let length = response.contentLength, length != descriptor.size {
            throw RegistryError(code: .sizeMismatch, reason: "\(response.what): \(name) is \(length) bytes, its descriptor states \(descriptor.size)")
        }
        if let announced = try contentDigestHeader(response, what: name),
           announced.algorithm == descriptor.digest.algorithm, announced != descriptor.digest
        {
            throw RegistryError(code: .digestMismatch, reason: "\(response.what): the registry says \(name) has digest \(announced)")
        }
        var verifier = BlobVerifier(expected: descriptor)
        try await response.forEachChunk { buffer in
            try buffer.withUnsafeReadableBytes { chunk in
                do {
                    try verifier.update(chunk)
                } catch {
                    throw Self.registryError(error, context: "\(response.what)")
                }
                try body(chunk)
            }
        }
        do {
            try verifier.finish()
        } catch {
            throw Self.registryError(error, context: "\(response.what)")
        }
    }

    /// A small blob in memory, verified; a descriptor over `limit` bytes is refused before any request.
    /// - Throws: ``RegistryError`` (`.tooLarge`), or as ``streamBlob(repository:descriptor:into:)``.
    public func blob(repository: String, descriptor: Descriptor, limit: Int) async throws -> [UInt8] {
        guard descriptor.size <= Int64(limit) else {
            throw RegistryError(code: .tooLarge, reason: "blob \(descriptor.digest) of \(registry)/\(repository) is \(descriptor.size) bytes, over the limit of \(limit)")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(descriptor.size))
        try await streamBlob(repository: repository, descriptor: descriptor) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Whether the repository already holds the blob (`HEAD /v2/<repo>/blobs/<digest>`: 200 or 404).
    public func blobExists(repository: String, digest: Digest) async throws -> Bool {
        try RegistryNames.checkRepository(repository, registry: registry)
        let request = RegistryRequest(method: .HEAD, target: .path("/v2/\(repository)/blobs/\(digest)"), scope: pullScope(repository))
        let response = try await send(request)
        switch response.status {
        case 200: return true
        case 404: return false
        default: throw await response.error("checking blob \(digest) of \(registry)/\(repository)")
        }
    }

    // MARK: - Helpers

    func pullScope(_ repository: String) -> String { "repository:\(repository):pull" }
    func pushScope(_ repository: String) -> String { "repository:\(repository):pull,push" }

    func checkedReference(repository: String, reference: String) throws -> RegistryNames.Reference {
        try RegistryNames.checkRepository(repository, registry: registry)
        return try RegistryNames.reference(reference, repository: repository, registry: registry)
    }

    /// `registry/repo:tag` or `registry/repo@digest`.
    func display(_ repository: String, _ reference: RegistryNames.Reference) -> String {
        switch reference {
        case .tag(let tag): "\(registry)/\(repository):\(tag)"
        case .digest(let digest): "\(registry)/\(repository)@\(digest)"
        }
    }

    /// The `Content-Type` to declare to `Manifest`: a manifest type (so that a document claiming
    /// another type is refused), else nil (a generic type such as `application/json`: the
    /// document's own `mediaType` or shape decides).
    static func declaredManifestType(_ contentType: String?) -> MediaType? {
        guard let contentType else { return nil }
        let type = MediaType(rawValue: contentType)
        return type.isSupportedManifest || type == .dockerSchema1 || type == .dockerSchema1Signed ? type : nil
    }

    /// `Docker-Content-Digest`, parsed; nil when absent or of an algorithm Custody does not know.
    /// - Throws: ``RegistryError`` (`.invalidResponse`) when it is not a digest at all.
    func contentDigestHeader(_ response: RegistryResponse, what: String) throws -> Digest? {
        guard let value = response.header("Docker-Content-Digest")?.trimmingSpaces() else { return nil }
        do {
            return try Digest(parsing: value)
        } catch .unsupportedAlgorithm {
            return nil
        } catch {
            throw RegistryError(code: .invalidResponse, reason: "\(response.what) (\(what)): Docker-Content-Digest \(RegistryNames.printable(value)) is not a digest: \(error)")
        }
    }

    /// Refuses `bytes` when the response's `Docker-Content-Digest` names another digest.
    func checkContentDigestHeader(_ response: RegistryResponse, bytes: [UInt8], what: String) throws {
        guard let announced = try contentDigestHeader(response, what: what) else { return }
        let actual = Digest.compute(bytes, algorithm: announced.algorithm)
        guard actual == announced else {
            throw RegistryError(code: .digestMismatch, reason: "\(response.what): the registry says \(what) has digest \(announced), but its content hashes to \(actual)")
        }
    }

    /// An integrity or file error from CustodyOCI as a ``RegistryError`` with the same meaning.
    static func registryError(_ error: any Error, context: String) -> any Error {
        guard let error = error as? OCIError else { return error }
        let code: RegistryError.Code
        switch error.code {
        case .digestMismatch: code = .digestMismatch
        case .sizeMismatch: code = .sizeMismatch
        case .tooLarge: code = .tooLarge
        default: code = .io
        }
        return RegistryError(code: code, reason: "\(context): \(error.reason)")
    }

    /// A host name or address (IPv4, or IPv6 in brackets) with an optional port.
    static func isValidRegistry(_ registry: String) -> Bool {
        if ImageReference.isValidDomain(registry) { return true }
        guard registry.hasPrefix("["), let close = registry.firstIndex(of: "]") else { return false }
        let address = registry[registry.index(after: registry.startIndex)..<close]
        let rest = registry[registry.index(after: close)...]
        let addressOK = !address.isEmpty && address.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
        let portOK = rest.isEmpty || (rest.hasPrefix(":") && rest.count > 1 && rest.dropFirst().allSatisfy(\.isASCII) && rest.dropFirst().allSatisfy(\.isNumber))
        return addressOK && portOK
    }

    /// `host` of `host:port` (and `[v6]` of `[v6]:port`).
    static func bareHost(_ registry: String) -> String {
        if registry.hasPrefix("["), let close = registry.firstIndex(of: "]") {
            return String(registry[...close])
        }
        return String(registry.prefix { $0 != ":" })
    }
}

extension StringProtocol {
    /// Without leading and trailing `character`s.
    func trimmingCharacters(in character: Character) -> String {
        guard let start = firstIndex(where: { $0 != character }), let end = lastIndex(where: { $0 != character }) else { return "" }
        return String(self[start...end])
    }
}
