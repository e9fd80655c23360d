import CustodyOCI
import CustodyRegistry
import Synchronization

/// Opens images of every transport Custody knows (`docker://`, `oci:`, `dir:`) with one set of
/// registry settings and one registries.d configuration.
///
/// One ``RegistryClient`` is kept per registry host, so tokens and connections are reused across
/// the source and the destination of a copy and across the manifests of an index.
public final class ImageTransport: Sendable {
    /// The registry settings (TLS, credentials, retries).
    public let options: RegistryOptions
    /// Where lookaside stores and `use-sigstore-attachments` come from for `docker://` images.
    public let registries: RegistriesConfiguration
    /// An explicit lookaside store that overrides registries.d for every `docker://` image.
    public let lookasideOverride: (any SignatureStore)?
    private let clients = Mutex<[String: RegistryClient]>([:])

    /// Makes a transport.
    public init(options: RegistryOptions = RegistryOptions(), registries: RegistriesConfiguration = RegistriesConfiguration(), lookaside: (any SignatureStore)? = nil) {
        self.options = options
        self.registries = registries
        self.lookasideOverride = lookaside
    }

    /// The client for a registry host, made on first use.
    public func client(for registry: String) throws -> RegistryClient {
        if let existing = clients.withLock({ $0[registry] }) { return existing }
        let made = try RegistryClient(registry: registry, options: options)
        return clients.withLock { clients in
            if let existing = clients[registry] { return existing }
            clients[registry] = made
            return made
        }
    }

    /// The HTTP requests sent to registries so far, by every client of this transport (retries,
    /// redirects and token requests count).
    public var registryRequestCount: Int {
        clients.withLock { $0.values.reduce(0) { $0 + $1.requestCount } }
    }

    /// The lookaside store for a registry image: the explicit one, else registries.d's.
    public func lookaside(for reference: ImageReference, forWriting: Bool) throws -> (any SignatureStore)? {
        if let lookasideOverride { return lookasideOverride }
        return try registries.lookasideStore(for: reference, forWriting: forWriting)
    }

    /// Opens an image for reading.
    /// - Parameters:
    ///   - lookasideSignatures: for `docker://`, whether ``ImageSource/signatures(for:instance:)``
    ///     includes the lookaside's simple signatures (true for copying; a verifier reads the
    ///     lookaside as a store of its own so that each unreadable file is reported).
    ///   - attachments: for `docker://`, whether attached cosign signatures are read.
    public func openSource(_ name: ImageName, lookasideSignatures: Bool = true, attachments: Bool = true) throws -> any ImageSource {
        guard case .docker(let reference) = name else { return try name.openLocalSource() }
        return DockerImageSource(
            reference: reference, client: try client(for: reference.domain),
            lookaside: lookasideSignatures ? try lookaside(for: reference, forWriting: false) : nil,
            readsAttachments: attachments)
    }

    /// Opens an image for writing. For `oci:` the layout's reference name is the name's, when it has one.
    public func openDestination(_ name: ImageName) throws -> any ImageDestination {
        switch name {
        case .directory(let path):
            return try DirectoryDestination(path: path)
        case .ociLayout(let path, let selector):
            switch selector {
            case .onlyImage: return try OCILayoutDestination(path: path, referenceName: nil)
            case .name(let name): return try OCILayoutDestination(path: path, referenceName: name)
            case .index:
                throw OCIError(code: .invalidImageName, reason: "\(name): an index position (@N) cannot be written; name the image instead")
            }
        case .docker(let reference):
            return DockerImageDestination(
                reference: reference, client: try client(for: reference.domain), lookaside: try lookaside(for: reference, forWriting: true))
        }
    }
}
