import Crypto
import CustodyKeys
import CustodyLog
import CustodyLogServer
import CustodyRegistry
import CustodyTestSupport
import CustodyTransparency
import Foundation
import Testing
@testable import CustodyLogClient

/// A real log server (Hummingbird, SQLite) on 127.0.0.1 whose checkpoint key the test chooses, so
/// that two servers can sign with the same key: one honest log and one fork of it.
struct MonitorTestLog {
    static let name = "monitor.custody.test"
    let port: Int
    let directory: TemporaryDirectory
    let task: Task<Void, any Error>
    let storage: SQLiteLogStorage

    static func start(signingKey: PrivateKey) async throws -> MonitorTestLog {
        let directory = try TemporaryDirectory()
        let storage = try await SQLiteLogStorage(path: directory.file("log.sqlite"))
        let server = try await LogServer(
            configuration: LogServerConfiguration(host: "127.0.0.1", port: 0), storage: storage, logName: name,
            signingKey: FileSigner(signingKey), sequencer: LogSequencer.Configuration(batchInterval: .milliseconds(10)))
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let task = Task { try await server.run(handlingSignals: false) { continuation.yield($0) } }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestSupportError("the log server did not start") }
        return MonitorTestLog(port: port, directory: directory, task: task, storage: storage)
    }

    /// Runs `body` with a started log and stops it afterwards, also when `body` throws.
    static func with(signingKey: PrivateKey, _ body: (MonitorTestLog) async throws -> Void) async throws {
        let log = try await start(signingKey: signingKey)
        do {
            try await body(log)
        } catch {
            await log.stop()
            throw error
        }
        await log.stop()
    }

    var base: String { "http://127.0.0.1:\(port)" }

    func stop() async {
        task.cancel()
        _ = try? await task.value
        try? await storage.close()
        directory.remove()
    }

    /// Appends a hashedrekord entry for `artifact` signed by `key` (ECDSA P-256) over HTTP.
    func append(_ artifact: String, by key: PrivateKey) async throws {
        let bytes = Array(artifact.utf8)
        let signature = try key.sign(bytes, algorithm: .ecdsaP256SHA256)
        func b64(_ value: [UInt8]) -> String { Data(value).base64EncodedString() }
        let body = #"{"hashedRekordRequestV002":{"digest":"\#(b64(Array(SHA256.hash(data: bytes))))","signature":{"content":"\#(b64(signature))","verifier":{"publicKey":{"rawBytes":"\#(b64(key.publicKey.derRepresentation))"},"keyDetails":"PKIX_ECDSA_P256_SHA_256"}}}}"#
        var request = URLRequest(url: URL(string: base + "/api/v2/log/entries")!)
        request.httpMethod = "POST"
        request.httpBody = Data(body.utf8)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let (_, response) = try await URLSession.shared.data(for: request)
        guard (response as? HTTPURLResponse)?.statusCode == 201 else { throw TestSupportError("append of \(artifact) was refused: \(response)") }
    }

    /// A monitor of this server for `watched`, checking checkpoints with `logKey`'s public key.
    func monitor(logKey: PrivateKey, watching watched: [PrivateKey]) throws -> LogMonitor {
        let fetcher = HTTPFetcher()
        let base = self.base
        return LogMonitor(
            logKey: try NoteVerifierKey(name: Self.name, publicKey: logKey.publicKey), watchedKeys: watched.map(\.publicKey),
            fetch: { path in
                let response = try await fetcher.get(base + "/" + path, maxBytes: 1 << 20)
                return response.status == 404 ? nil : response.body
            })
    }
}

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@Suite("Log monitor")
struct LogMonitorTests {
    let logKey: PrivateKey
    let team: PrivateKey
    let other: PrivateKey

    init() throws {
        logKey = try PrivateKey.generate(.ed25519)
        team = try PrivateKey.generate(.ecdsaP256)
        other = try PrivateKey.generate(.ecdsaP256)
    }

    @Test("follows a growing log, reports only the watched key's entries, and keeps its state")
    func followsAndReports() async throws {
        try await MonitorTestLog.with(signingKey: logKey) { log in
            let monitor = try log.monitor(logKey: logKey, watching: [team])

            let empty = try await monitor.poll(from: nil)
            #expect(empty.state.size == 0 && empty.matches.isEmpty)

            try await log.append("release 1", by: team)
            try await log.append("someone else's", by: other)
            try await log.append("release 2", by: team)
            let first = try await monitor.poll(from: empty.state)
            #expect(first.newEntries == 3)
            #expect(first.matches.map(\.index) == [0, 2])
            #expect(first.matches.allSatisfy { $0.key == team.publicKey.derRepresentation && $0.kind == "hashedrekord" })

            // Across an entry-bundle boundary (256 entries), with the state read back from its file form.
            for number in 0..<260 { try await log.append("bulk \(number)", by: number == 257 ? team : other) }
            let restored = try LogMonitorState(json: first.state.json)
            #expect(restored == first.state)
            let second = try await monitor.poll(from: restored)
            #expect(second.newEntries == 260)
            #expect(second.matches.map(\.index) == [3 + 257])
            #expect(second.state.size == 263)

            let idle = try await monitor.poll(from: second.state)
            #expect(idle.newEntries == 0 && idle.state == second.state)
        }
    }

    @Test("a fork with the same size, a fork that grew, and a rollback are alarms")
    func forksAndRollbacks() async throws {
        try await MonitorTestLog.with(signingKey: logKey) { honest in
            try await MonitorTestLog.with(signingKey: logKey) { forked in
                try await MonitorTestLog.with(signingKey: logKey) { small in
                    for artifact in ["a", "b", "c", "d", "e"] { try await honest.append(artifact, by: team) }
                    let seen = try await honest.monitor(logKey: logKey, watching: [team]).poll(from: nil).state
                    #expect(seen.size == 5)

                    // The fork shares the first two entries, then shows other ones to this reader.
                    for artifact in ["a", "b", "x", "y", "z"] { try await forked.append(artifact, by: team) }
                    let forkMonitor = try forked.monitor(logKey: logKey, watching: [team])
                    await expectAlarm(.fork) { _ = try await forkMonitor.poll(from: seen) }

                    try await forked.append("more", by: team)
                    await expectAlarm(.fork) { _ = try await forkMonitor.poll(from: seen) }

                    for artifact in ["a", "b"] { try await small.append(artifact, by: team) }
                    await expectAlarm(.rollback) { _ = try await small.monitor(logKey: logKey, watching: [team]).poll(from: seen) }
                }
            }
        }
    }

    @Test("a checkpoint not signed by the log key is an error, not an alarm, and changes nothing")
    func wrongLogKey() async throws {
        try await MonitorTestLog.with(signingKey: logKey) { log in
            try await log.append("a", by: team)
            let impostor = try PrivateKey.generate(.ed25519)
            do {
                _ = try await log.monitor(logKey: impostor, watching: [team]).poll(from: nil)
                Issue.record("a checkpoint signed by another key was accepted")
            } catch is LogMonitor.Alarm {
                Issue.record("a checkpoint signed by another key raised an alarm instead of failing verification")
            } catch {
                #expect(error is TransparencyError)
            }
        }
    }

    @Test("state files are read strictly")
    func strictStateFile() throws {
        let state = LogMonitorState(origin: "o", size: 3, rootHash: MerkleTree(leaves: [[1], [2], [3]]).rootHash, checkpoint: "o\n3\n…\n")
        #expect(try LogMonitorState(json: state.json) == state)
        for bad in [
            #"{"version":"custody.log-monitor/v1","origin":"o","size":"3","rootHash":"00"}"#,
            #"{"version":"custody.log-monitor/v2","origin":"o","size":"3","rootHash":"\#(state.rootHash.hex)"}"#,
            #"{"version":"custody.log-monitor/v1","origin":"o","size":3,"rootHash":"\#(state.rootHash.hex)"}"#,
            #"{"version":"custody.log-monitor/v1","origin":"o","origin":"p","size":"3","rootHash":"\#(state.rootHash.hex)"}"#,
            #"{"version":"custody.log-monitor/v1","origin":"o","size":"3","rootHash":"\#(state.rootHash.hex)","extra":1}"#,
            #"{"version":"custody.log-monitor/v1","origin":"o","size":"3","rootHash":"\#(state.rootHash.hex)"} x"#,
            "",
        ] {
            #expect(throws: TransparencyError.self) { try LogMonitorState(json: Array(bad.utf8)) }
        }
    }

    func expectAlarm(_ kind: LogMonitor.Alarm.Kind, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void) async {
        do {
            try await body()
            Issue.record("expected a \(kind.rawValue) alarm, got none", sourceLocation: sourceLocation)
        } catch let alarm as LogMonitor.Alarm {
            #expect(alarm.kind == kind, "\(alarm)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected a \(kind.rawValue) alarm, got \(error)", sourceLocation: sourceLocation)
        }
    }
}
