import ArgumentParser
import CustodyLog
import CustodyLogServer
import CustodyTransparency

/// `custody log serve`: runs a transparency log server until SIGTERM or SIGINT.
struct LogServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a transparency log: POST /api/v2/log/entries, /checkpoint, /tile/…",
        discussion: """
            Entries are hashedrekord v0.0.2 requests (Rekor v2's API); each is checked, appended \
            in batches, and answered once integrated with a TransparencyLogEntry a client puts in \
            a bundle. Checkpoints are C2SP signed notes named after --name and signed with --key \
            (an Ed25519 PEM key is what Sigstore clients expect). Storage is a SQLite file \
            (sqlite:PATH, the default kind) or PostgreSQL (postgres://USER:PASSWORD@HOST:PORT/DB). \
            SIGTERM or SIGINT stops the server after the batch in flight is integrated. See Docs/log.md.
            """
    )

    @Option(name: .long, help: "A JSON file with any of these settings (storage, key, passphraseFile, name, listen, batchIntervalMilliseconds); flags override it.")
    var config: String?
    @Option(name: .long, help: "sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DB.") var storage: String?
    @Option(name: .long, help: "The checkpoint signing key (PEM or cosign encrypted; Ed25519 recommended).") var key: String?
    @Option(name: .customLong("passphrase-file"), help: "The key's passphrase, for a cosign encrypted key.") var passphraseFile: String?
    @Option(name: .long, help: "The log's name: the checkpoint origin and note key name, e.g. log.example.com.") var name: String?
    @Option(name: .long, help: "HOST:PORT to listen on (port 0 picks a free port; default 127.0.0.1:3000).") var listen: String?
    @Option(name: .customLong("batch-interval"), help: "The longest an entry waits for its batch, in milliseconds (1-10000; default 250).")
    var batchInterval: Int?

    /// The settings in effect: flags, then the --config file, then the defaults.
    struct Settings {
        var storage: String
        var key: String
        var passphraseFile: String?
        var name: String
        var host: String
        var port: Int
        var batchInterval: Int
    }

    func validate() throws {
        _ = try settings()
    }

    func settings() throws -> Settings {
        let file = try config.map { try LogServeConfigFile(path: $0) }
        func required(_ flag: String?, _ member: String?, _ option: String) throws -> String {
            guard let value = flag ?? member else { throw ValidationError("--\(option) is required (as a flag or in --config)") }
            return value
        }
        let storage = try required(self.storage, file?.storage, "storage")
        guard storage.hasPrefix("sqlite:") || storage.hasPrefix("postgres://") || storage.hasPrefix("postgresql://") else {
            throw ValidationError("--storage must be sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DB")
        }
        let interval = batchInterval ?? file?.batchIntervalMilliseconds ?? 250
        guard (1...10_000).contains(interval) else { throw ValidationError("--batch-interval must be 1 to 10000 milliseconds") }
        let listen = self.listen ?? file?.listen ?? "127.0.0.1:3000"
        let address = try ListenAddress(listen)
        return Settings(
            storage: storage, key: try required(key, file?.key, "key"), passphraseFile: passphraseFile ?? file?.passphraseFile,
            name: try required(name, file?.name, "name"), host: address.host, port: address.port, batchInterval: interval)
    }

    func run() async throws {
        let settings = try settings()
        let signer = try InputFiles.signer(settings.key, passphraseFile: settings.passphraseFile)
        let store: any LogStorage
        if settings.storage.hasPrefix("sqlite:") {
            store = try await SQLiteLogStorage(path: String(settings.storage.dropFirst("sqlite:".count)))
        } else {
            store = try await PostgresLogStorage(url: settings.storage)
        }
        let server = try await LogServer(
            configuration: LogServerConfiguration(host: settings.host, port: settings.port), storage: store, logName: settings.name,
            signingKey: signer, sequencer: LogSequencer.Configuration(batchInterval: .milliseconds(settings.batchInterval)))
        let verifierKey = try NoteSigner(name: settings.name, signer: signer).verifierKey
        try await server.run(handlingSignals: true) { port in
            Console.current.line("custody log \(settings.name) listening on \(settings.host):\(port)")
            Console.current.line("verifier key: \(verifierKey)")
        }
        try await store.close()
    }
}
