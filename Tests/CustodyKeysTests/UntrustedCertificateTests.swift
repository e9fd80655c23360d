import CustodyKeys
import CustodyTestSupport
import Crypto
import Foundation
import Testing

/// Certificates read as signing keys with the identities they name: a real Fulcio certificate
/// (upstream vector), certificates made by openssl (the peer), and bad input.
@Suite struct UntrustedCertificateTests {
    /// sigstore-python's `test/assets/c.txt.crt` (see Vectors/fulcio/SOURCE.md).
    @Test func readsARealFulcioCertificate() throws {
        let pem = String(decoding: try SecretBoxTestSupport.vector("c.txt.crt", in: "fulcio"), as: UTF8.self)
        let certificate = try UntrustedCertificate(pemEncoded: pem)
        #expect(certificate.uris == ["https://github.com/sigstore/sigstore-python/.github/workflows/ci.yml@refs/pull/288/merge"])
        #expect(certificate.emailAddresses.isEmpty)
        #expect(certificate.identities == certificate.uris)
        #expect(certificate.oidcIssuer == "https://token.actions.githubusercontent.com")
        #expect(certificate.publicKey.algorithm == .ecdsaP384)
        #expect(certificate.notValidAfter.timeIntervalSince(certificate.notValidBefore) == 600)
        #expect(certificate.names("https://github.com/sigstore/sigstore-python/.github/workflows/ci.yml@refs/pull/288/merge"))
        #expect(!certificate.names("https://github.com/sigstore/sigstore-python/.github/workflows/ci.yml"))
        // PEM and DER give the same certificate; DER bytes are kept exactly.
        let der = try PEMDocument(pemEncoded: pem).derBytes
        let fromDER = try UntrustedCertificate(derEncoded: der)
        #expect(fromDER == certificate && fromDER.derBytes == der)
    }

    @Test(.enabled(if: PeerTool.availableOrCI("openssl")), arguments: [false, true])
    func readsOpenSSLCertificates(legacyIssuer: Bool) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let key = try PrivateKey.generate(.ecdsaP256)
        let keyFile = try directory.write(key.pemRepresentation, to: "signer.key")
        let der = try TestCertificates.signerCertificate(
            keyFile: keyFile, in: directory.path, emails: ["ci@example.com", "second@example.com"],
            uris: ["https://ci.example.com/workflows/release@refs/tags/v1"], issuer: "https://accounts.example.com",
            legacyIssuer: legacyIssuer)
        let certificate = try UntrustedCertificate(derEncoded: der)
        #expect(certificate.emailAddresses == ["ci@example.com", "second@example.com"])
        #expect(certificate.uris == ["https://ci.example.com/workflows/release@refs/tags/v1"])
        #expect(certificate.identities.count == 3)
        #expect(certificate.oidcIssuer == "https://accounts.example.com")
        #expect(certificate.publicKey.derRepresentation == key.publicKey.derRepresentation)

        // No subject alternative names and no issuer: an empty identity list, not an error.
        let bare = try UntrustedCertificate(derEncoded: try TestCertificates.signerCertificate(keyFile: keyFile, in: directory.path))
        #expect(bare.identities.isEmpty && bare.oidcIssuer == nil)
    }

    @Test func badInputIsRefusedClearly() throws {
        let pem = String(decoding: try SecretBoxTestSupport.vector("c.txt.crt", in: "fulcio"), as: UTF8.self)
        let der = try PEMDocument(pemEncoded: pem).derBytes
        let cases: [(String, [UInt8], KeyError.Code)] = [
            ("empty", [], .invalidCertificate),
            ("garbage", Array("not a certificate".utf8), .invalidCertificate),
            ("trailing byte", der + [0], .invalidCertificate),
            ("truncated", Array(der.dropLast()), .invalidCertificate),
            ("oversized", [UInt8](repeating: 0x30, count: UntrustedCertificate.maxBytes + 1), .tooLarge),
            ("a key, not a certificate", try PrivateKey.generate(.ecdsaP256).publicKey.derRepresentation, .invalidCertificate),
        ]
        for (name, bytes, code) in cases {
            #expect(throws: KeyError(code: code), "\(name)") { try UntrustedCertificate(derEncoded: bytes) }
        }
        // Every single-byte corruption is an error or a certificate, never a crash.
        for offset in stride(from: 0, to: der.count, by: 7) {
            var corrupted = der
            corrupted[offset] ^= 0x55
            _ = try? UntrustedCertificate(derEncoded: corrupted)
        }
        let publicKeyPEM = try PrivateKey.generate(.ecdsaP256).publicKey.pemRepresentation
        #expect(throws: KeyError(code: .unsupportedPEMType)) { try UntrustedCertificate(pemEncoded: publicKeyPEM) }
    }
}
