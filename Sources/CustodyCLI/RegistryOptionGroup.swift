import ArgumentParser
import CustodyRegistry
import CustodyStores
import Foundation

/// The registry flags of commands that read or write `docker://` images, named as skopeo names them.
struct RegistryOptionGroup: ParsableArguments {
    @Option(name: .customLong("tls-verify"), help: "Require HTTPS with verified certificates for registries (false also allows plain HTTP).")
    var tlsVerify: Bool = true

    @Option(name: .customLong("authfile"), help: "The credentials file (containers auth.json or docker config.json); default: where podman and docker look.")
    var authFile: String?

    @Option(name: .customLong("creds"), help: "USER:PASSWORD for the registry.")
    var credentials: String?

    @Option(name: .customLong("cert-dir"), help: "A directory of *.crt CA certificates trusted for registry TLS, in addition to the system's.")
    var certificateDirectory: String?

    @Option(name: .customLong("insecure-registry"), help: "A registry host[:port] that may use plain HTTP or unverified TLS (repeatable).")
    var insecureRegistries: [String] = []

    func validate() throws {
        if authFile != nil && credentials != nil { throw ValidationError("--authfile and --creds are mutually exclusive") }
        if let credentials, !credentials.contains(":") { throw ValidationError("--creds must be USER:PASSWORD") }
    }

    /// The client settings these flags describe, with `tlsVerify` and `credentials` overridable per side of a copy.
    func registryOptions(tlsVerify override: Bool? = nil, credentials overrideCredentials: String? = nil) throws -> RegistryOptions {
        var options = RegistryOptions()
        options.tlsVerify = override ?? tlsVerify
        options.insecureHosts = Set(insecureRegistries)
        if let creds = overrideCredentials ?? credentials {
            let separator = creds.firstIndex(of: ":") ?? creds.endIndex
            options.credentials = .basic(username: String(creds[..<separator]), password: String(creds[creds.index(after: separator)...]))
        } else if let authFile {
            options.credentials = .authFile(authFile)
        }
        if let certificateDirectory {
            let names = try FileManager.default.contentsOfDirectory(atPath: certificateDirectory)
            options.certificateAuthorityFiles = names.filter { $0.hasSuffix(".crt") }.sorted().map { "\(certificateDirectory)/\($0)" }
        }
        return options
    }
}

/// The registry flags and signature-store flags together: everything needed to open an image of any transport.
extension RegistryOptionGroup {
    /// A transport with these registry settings and the given signature store flags.
    func transport(store: SignatureStoreOptions, tlsVerify: Bool? = nil, credentials: String? = nil) throws -> ImageTransport {
        ImageTransport(
            options: try registryOptions(tlsVerify: tlsVerify, credentials: credentials),
            registries: try store.registriesConfiguration(), lookaside: try store.explicitLookaside())
    }
}
