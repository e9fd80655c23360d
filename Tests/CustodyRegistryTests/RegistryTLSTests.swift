// The registry client against docker-registry serving HTTPS with a certificate signed by a CA
// that each test makes with openssl.
import CustodyOCI
@testable import CustodyRegistry
import CustodyTestSupport
import Foundation
import Testing

@Suite(
    "RegistryClient over TLS",
    .enabled(if: PeerTool.availableOrCI("docker-registry", "openssl")),
    .timeLimit(.minutes(10))
)
struct RegistryTLSTests {
    @Test("a CA trusted through certificateAuthorityFiles works; without it the certificate is refused; tlsVerify false works")
    func customCertificateAuthority() async throws {
        let work = try TemporaryDirectory()
        defer { work.remove() }
        let certificates = try TestCertificates(in: work)
        let registry = try RegistryServer(tls: .init(certificate: certificates.serverCertificate, key: certificates.serverKey))
        defer { registry.stop() }
        #expect(registry.scheme == "https")

        // Trusted through the extra CA: a ping, an upload and a verified read, over HTTPS only.
        let trusted = try RegistryClient(registry: registry.host, options: RegistryOptions(
            certificateAuthorityFiles: [certificates.caCertificate], credentials: .anonymous, requestTimeout: .seconds(120)
        ))
        #expect(trusted.allowsInsecure == false)
        try await trusted.ping()
        #expect(trusted.requestCount == 1)
        let bytes = pseudoRandomBytes(100_000, seed: 9)
        let descriptor = Descriptor(mediaType: "application/octet-stream", bytes: bytes)
        try await trusted.uploadBlob(repository: "custody/tls", descriptor: descriptor, bytes: bytes)
        #expect(try await trusted.blob(repository: "custody/tls", descriptor: descriptor, limit: 1 << 20) == bytes)

        // The system trust store alone does not know the CA.
        let untrusted = try RegistryClient(registry: registry.host, options: RegistryOptions(credentials: .anonymous))
        let error = await #expect(throws: RegistryError.self) { try await untrusted.ping() }
        #expect(error?.code == .tls)
        #expect(error?.reason.contains("not trusted") == true, "\(String(describing: error))")
        #expect(error?.reason.contains(registry.host) == true)
        #expect(untrusted.requestCount == 1)

        // Without verification: HTTPS answers, so plain HTTP is never tried.
        let unverified = try RegistryClient(registry: registry.host, options: RegistryOptions(tlsVerify: false, credentials: .anonymous))
        try await unverified.ping()
        #expect(unverified.requestCount == 1)
        #expect(try await unverified.blob(repository: "custody/tls", descriptor: descriptor, limit: 1 << 20) == bytes)

        let listed = try RegistryClient(registry: registry.host, options: RegistryOptions(insecureHosts: [registry.host], credentials: .anonymous))
        try await listed.ping()
    }
}
