import CustodyKeys
import CustodyLog
import CustodyLogServer
import CustodyTestSupport
import CustodyTransparency

/// A LogServer on 127.0.0.1 (a free port) over a real SQLite file, for the length of one test
/// (the pattern of CustodyLogServerTests' harness).
struct TestLog {
    let port: Int
    let logKey: NoteVerifierKey
    let signingKey: PrivateKey
    let directory: TemporaryDirectory
    let serverTask: Task<Void, any Error>
    let storage: SQLiteLogStorage

    static let logName = "log.custody.test"

    var url: String { "http://127.0.0.1:\(port)" }

    static func start() async throws -> TestLog {
        let directory = try TemporaryDirectory()
        let storage = try await SQLiteLogStorage(path: directory.file("log.sqlite"))
        let privateKey = try PrivateKey.generate(.ed25519)
        let signingKey = FileSigner(privateKey)
        let server = try await LogServer(
            configuration: LogServerConfiguration(host: "127.0.0.1", port: 0),
            storage: storage, logName: logName, signingKey: signingKey,
            sequencer: LogSequencer.Configuration(batchInterval: .milliseconds(20)))
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let task = Task {
            try await server.run(handlingSignals: false) { port in continuation.yield(port) }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestSupportError("the server did not start") }
        let logKey = try NoteVerifierKey(name: logName, publicKey: signingKey.publicKey)
        return TestLog(port: port, logKey: logKey, signingKey: privateKey, directory: directory, serverTask: task, storage: storage)
    }

    /// Runs `body` with a started log and stops the log afterwards, also when `body` throws.
    static func with(_ body: (TestLog) async throws -> Void) async throws {
        let log = try await start()
        do {
            try await body(log)
        } catch {
            await log.stop()
            throw error
        }
        await log.stop()
    }

    func stop() async {
        serverTask.cancel()
        _ = try? await serverTask.value
        try? await storage.close()
        directory.remove()
    }
}
