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

    private static func openssl(_ arguments: [String]) throws {
        let result = try runProcess("openssl", arguments)
        guard result.status == 0 else { throw TestSupportError("openssl \(arguments.joined(separator: " ")): \(result)") }
    }
}
