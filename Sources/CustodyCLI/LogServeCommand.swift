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

    @Option(name: .long, help: "sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DB.") var storage: String
    @Option(name: .long, help: "The checkpoint signing key (PEM or cosign encrypted; Ed25519 recommended).") var key: String
    @Option(name: .customLong("passphrase-file"), help: "The key's passphrase, for a cosign encrypted key.") var passphraseFile: String?
    @Option(name: .long, help: "The log's name: the checkpoint origin and note key name, e.g. log.example.com.") var name: String
    @Option(name: .long, help: "HOST:PORT to listen on (port 0 picks a free port).") var listen: String = "127.0.0.1:3000"
    @Option(name: .customLong("batch-interval"), help: "The longest an entry waits for its batch, in milliseconds (1-10000).")
    var batchInterval: Int = 250

    func validate() throws {
        guard (1...10_000).contains(batchInterval) else { throw ValidationError("--batch-interval must be 1 to 10000 milliseconds") }
        _ = try listenAddress()
        guard storage.hasPrefix("sqlite:") || storage.hasPrefix("postgres://") || storage.hasPrefix("postgresql://") else {
            throw ValidationError("--storage must be sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DB")
        }
    }

    private func listenAddress() throws -> (host: String, port: Int) {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65_535).contains(port),
            colon != listen.startIndex
        else {
            throw ValidationError("--listen must be HOST:PORT, e.g. 127.0.0.1:3000")
        }
        return (String(listen[..<colon]), port)
    }

    func run() async throws {
        let signer = try InputFiles.signer(key, passphraseFile: passphraseFile)
        let address = try listenAddress()
        let store: any LogStorage
        if storage.hasPrefix("sqlite:") {
            store = try await SQLiteLogStorage(path: String(storage.dropFirst("sqlite:".count)))
        } else {
            store = try await PostgresLogStorage(url: storage)
        }
        let server = try await LogServer(
            configuration: LogServerConfiguration(host: address.host, port: address.port), storage: store, logName: name, signingKey: signer,
            sequencer: LogSequencer.Configuration(batchInterval: .milliseconds(batchInterval)))
        let verifierKey = try NoteSigner(name: name, signer: signer).verifierKey
        try await server.run(handlingSignals: true) { port in
            Console.current.line("custody log \(name) listening on \(address.host):\(port)")
            Console.current.line("verifier key: \(verifierKey)")
        }
        try await store.close()
    }
}
