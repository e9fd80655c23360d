import CustodyKeys
import CustodyOCI
import CustodyVerify
import Logging
import NIOCore
import NIOSSL
import Synchronization

/// The webhook's certificate chain and key, read again when their files change, so that a
/// rotated certificate (cert-manager, or a renewed Secret the kubelet swaps into the volume) is
/// served without a restart.
///
/// Each TLS handshake asks for the current pair (``override(for:promise:)``, NIOSSL's context
/// callback). That looks at both files' identities (`stat`) and reads them only when one changed.
/// A new pair is used only when it loads and the key belongs to the certificate (their public
/// keys are compared); until then, for example between the kubelet
/// writing the two files, the previous pair goes on being served and the failure is logged once.
final class TLSCertificateFiles: Sendable {
    struct Pair: Sendable {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
    }

    let certificatePath: String
    let keyPath: String
    private let logger: Logger
    private struct State {
        var pair: Pair
        var identities: [FileIdentity?]
        var reportedFailure: [FileIdentity?]?
    }
    private let state: Mutex<State>

    /// Reads the pair.
    /// - Throws: when either file cannot be read or parsed, or the key does not fit the certificate.
    init(certificatePath: String, keyPath: String, logger: Logger) throws {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.logger = logger
        let identities = [FileIdentity(path: certificatePath), FileIdentity(path: keyPath)]
        state = Mutex(State(pair: try Self.load(certificatePath: certificatePath, keyPath: keyPath), identities: identities, reportedFailure: nil))
    }

    /// The pair to serve now, reloaded first when a file changed.
    var current: Pair {
        let identities = [FileIdentity(path: certificatePath), FileIdentity(path: keyPath)]
        return state.withLock { state in
            guard identities != state.identities else { return state.pair }
            do {
                state.pair = try Self.load(certificatePath: certificatePath, keyPath: keyPath)
                state.identities = identities
                state.reportedFailure = nil
                logger.info("TLS certificate reloaded", metadata: ["certificate": "\(certificatePath)"])
            } catch {
                if state.reportedFailure != identities {
                    state.reportedFailure = identities
                    logger.error("the changed TLS certificate or key cannot be used; serving the previous one", metadata: ["error": "\(error)"])
                }
            }
            return state.pair
        }
    }

    /// NIOSSL's context callback: the current pair for this handshake.
    func override(for values: NIOSSLClientExtensionValues, promise: EventLoopPromise<NIOSSLContextConfigurationOverride>) {
        let pair = current
        var override = NIOSSLContextConfigurationOverride()
        override.certificateChain = pair.chain.map { .certificate($0) }
        override.privateKey = .privateKey(pair.key)
        promise.succeed(override)
    }

    /// A server TLS configuration (TLS 1.2 or later) that asks this object for the pair on every handshake.
    func serverConfiguration() -> TLSConfiguration {
        let pair = current
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: pair.chain.map { .certificate($0) }, privateKey: .privateKey(pair.key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.sslContextCallback = { [self] values, promise in override(for: values, promise: promise) }
        return configuration
    }

    static func load(certificatePath: String, keyPath: String) throws -> Pair {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        } catch {
            throw TLSFileError("cannot read the TLS certificate \(certificatePath): \(error)")
        }
        guard !chain.isEmpty else { throw TLSFileError("\(certificatePath) holds no certificate") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        } catch {
            throw TLSFileError("cannot read the TLS key \(keyPath): \(error)")
        }
        // The key must belong to the first certificate: their public keys are compared.
        let certificateKey: [UInt8]
        let ownKey: [UInt8]
        do {
            certificateKey = try chain[0].extractPublicKey().toSPKIBytes()
            let pem = String(decoding: try FileReader.readAll(path: keyPath, limit: 1 << 20), as: UTF8.self)
            ownKey = try PrivateKey(pemEncoded: pem).publicKey.derRepresentation
        } catch {
            throw TLSFileError("cannot compare the TLS key \(keyPath) with the certificate \(certificatePath): \(error)")
        }
        guard certificateKey == ownKey else {
            throw TLSFileError("the TLS key \(keyPath) does not belong to the certificate \(certificatePath)")
        }
        return Pair(chain: chain, key: key)
    }
}

struct TLSFileError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
