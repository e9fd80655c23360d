import Foundation

/// A CA and a server certificate for 127.0.0.1 (IP subject alternative name) signed by it, made
/// with openssl in a test's directory: for servers that tests reach over verified TLS (the
/// registry, the admission webhook).
public struct TestCertificates: Sendable {
    /// The CA certificate (PEM) a client trusts.
    public let caCertificate: String
    /// The server certificate (PEM), for 127.0.0.1.
    public let serverCertificate: String
    /// The server's private key (PEM, unencrypted).
    public let serverKey: String

    /// Makes the CA and the server certificate (EC P-256, valid for two days) in `directory`.
    /// - Throws: ``TestSupportError`` when openssl fails.
    public init(in directory: TemporaryDirectory) throws {
        try self.init(inFolder: directory.path)
    }

    /// Makes them in the folder at `path` (created when missing).
    public init(inFolder path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        caCertificate = path + "/ca.pem"
        serverCertificate = path + "/server.pem"
        serverKey = path + "/server.key"
        let caKey = path + "/ca.key"
        let request = path + "/server.csr"
        let extensions = path + "/server.ext"
        try Data("subjectAltName=IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n".utf8)
            .write(to: URL(fileURLWithPath: extensions))
        try Self.openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", caKey, "-out", caCertificate, "-days", "2", "-subj", "/CN=Custody Test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
        try Self.openssl([
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", serverKey, "-out", request, "-subj", "/CN=127.0.0.1",
        ])
        try Self.openssl([
            "x509", "-req", "-in", request, "-CA", caCertificate, "-CAkey", caKey, "-CAcreateserial",
            "-out", serverCertificate, "-days", "2", "-extfile", extensions,
        ])
    }

    /// A self-signed certificate for the private key in the PEM file at `keyFile`, shaped like a
    /// Sigstore keyless certificate: the given email and URI subject alternative names, and the
    /// OIDC issuer in extension 1.3.6.1.4.1.57264.1.8 (a UTF8String), or in the older 1.1 (the
    /// raw string) when `legacyIssuer`. Made by openssl; returns the DER bytes.
    ///
    /// - Throws: ``TestSupportError`` when openssl fails.
    public static func signerCertificate(
        keyFile: String, in folder: String, emails: [String] = [], uris: [String] = [],
        issuer: String? = nil, legacyIssuer: Bool = false, digest: String = "sha256"
    ) throws -> [UInt8] {
        let output = folder + "/signer-\(UUID().uuidString).der"
        let names = emails.map { "email:" + $0 } + uris.map { "URI:" + $0 }
        var arguments = ["req", "-new", "-x509", "-key", keyFile, "-\(digest)", "-days", "1", "-subj", "/O=custody-test", "-outform", "DER", "-out", output]
        if !names.isEmpty { arguments += ["-addext", "subjectAltName=critical," + names.joined(separator: ",")] }
        if let issuer {
            arguments += ["-addext", legacyIssuer ? "1.3.6.1.4.1.57264.1.1=DER:" + issuer.utf8.map { String(format: "%02X", $0) }.joined(separator: ":") : "1.3.6.1.4.1.57264.1.8=ASN1:UTF8String:\(issuer)"]
        }
        try openssl(arguments)
        return Array(try Data(contentsOf: URL(fileURLWithPath: output)))
    }

    private static func openssl(_ arguments: [String]) throws {
        let result = try runProcess("openssl", arguments)
        guard result.status == 0 else { throw TestSupportError("openssl \(arguments.joined(separator: " ")): \(result)") }
    }
}
