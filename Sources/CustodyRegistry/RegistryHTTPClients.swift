import AsyncHTTPClient
import NIOCore
import NIOSSL
import Synchronization

/// How a registry client checks the server's TLS certificate.
enum RegistryTLSPolicy: Hashable, Sendable {
    /// Full verification (chain and host name) against the system trust store plus extra CA
    /// certificates, given as DER so that equal certificate sets share a client.
    case verified(extraCertificateAuthorities: [[UInt8]])
    /// No verification: only for hosts the options mark insecure.
    case unverified
}

/// The `HTTPClient`s registry clients use: one per distinct TLS policy and request timeout,
/// created on first use and never shut down, so that every ``RegistryClient`` for the same
/// settings reuses the same connections and needs no shutdown.
///
/// Settings: redirects are not followed by AsyncHTTPClient (``RegistryClient`` follows them itself,
/// so that it counts every request, never resends a streamed body and controls which host sees
/// the `Authorization` header); no decompression; connect timeout ``RegistryClient/connectTimeout``;
/// a failed connection fails the request at once (``RegistryClient`` decides about retries).
enum RegistryHTTPClients {
    private struct Key: Hashable {
        var policy: RegistryTLSPolicy
        var readTimeout: Duration
    }

    private static let clients = Mutex<[Key: HTTPClient]>([:])

    /// The shared client for `policy` and `readTimeout`.
    static func client(policy: RegistryTLSPolicy, certificateAuthorities: [NIOSSLCertificate], readTimeout: Duration) -> HTTPClient {
        let key = Key(policy: policy, readTimeout: readTimeout)
        return clients.withLock { clients in
            if let client = clients[key] { return client }
            var tls = TLSConfiguration.makeClientConfiguration()
            switch policy {
            case .verified:
                tls.certificateVerification = .fullVerification
                tls.trustRoots = .default
                if !certificateAuthorities.isEmpty {
                    tls.additionalTrustRoots = [.certificates(certificateAuthorities)]
                }
            case .unverified:
                tls.certificateVerification = .none
            }
            var pool = HTTPClient.Configuration.ConnectionPool()
            pool.retryConnectionEstablishment = false
            let configuration = HTTPClient.Configuration(
                tlsConfiguration: tls,
                redirectConfiguration: .disallow,
                timeout: HTTPClient.Configuration.Timeout(
                    connect: TimeAmount(RegistryClient.connectTimeout),
                    read: TimeAmount(readTimeout)
                ),
                connectionPool: pool,
                decompression: .disabled
            )
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            clients[key] = client
            return client
        }
    }

    /// Loads the CA certificates of `paths` (PEM, one or more certificates each).
    /// - Throws: ``RegistryError`` (`.io`) naming the file that cannot be read or holds no certificate.
    static func loadCertificateAuthorities(_ paths: [String]) throws -> [NIOSSLCertificate] {
        var certificates: [NIOSSLCertificate] = []
        for path in paths {
            let loaded: [NIOSSLCertificate]
            do {
                loaded = try NIOSSLCertificate.fromPEMFile(path)
            } catch {
                throw RegistryError(code: .io, reason: "cannot load CA certificates from \(path): \(error)")
            }
            guard !loaded.isEmpty else {
                throw RegistryError(code: .io, reason: "\(path) holds no PEM certificate")
            }
            certificates.append(contentsOf: loaded)
        }
        return certificates
    }
}
