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
    /// The log's sequencer, made here so that a test can append leaves that are not requests.
    let sequencer: LogSequencer

    static func start(signingKey: PrivateKey) async throws -> MonitorTestLog {
        let directory = try TemporaryDirectory()
        let storage = try await SQLiteLogStorage(path: directory.file("log.sqlite"))
        let signer = try NoteSigner(name: name, signer: FileSigner(signingKey))
        let sequencer = try await LogSequencer(
            storage: storage, origin: name, signer: signer, configuration: LogSequencer.Configuration(batchInterval: .milliseconds(10)))
        let server = LogServer(
            configuration: LogServerConfiguration(host: "127.0.0.1", port: 0), storage: storage, sequencer: sequencer, logKey: signer.verifierKey)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let task = Task { try await server.run(handlingSignals: false) { continuation.yield($0) } }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestSupportError("the log server did not start") }
        return MonitorTestLog(port: port, directory: directory, task: task, storage: storage, sequencer: sequencer)
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
        await sequencer.shutdown()
        try? await storage.close()
        directory.remove()
    }

    /// Appends a hashedrekord entry for `artifact` signed by `key` (ECDSA P-256) over HTTP; with
    /// `certificate` (DER, for `key`), the request's verifier is that certificate instead of the key.
    func append(_ artifact: String, by key: PrivateKey, certificate: [UInt8]? = nil) async throws {
        let bytes = Array(artifact.utf8)
        let signature = try key.sign(bytes, algorithm: .ecdsaP256SHA256)
        func b64(_ value: [UInt8]) -> String { Data(value).base64EncodedString() }
        let verifier = certificate.map { #""x509Certificate":{"rawBytes":"\#(b64($0))"}"# }
            ?? #""publicKey":{"rawBytes":"\#(b64(key.publicKey.derRepresentation))"}"#
        let body = #"{"hashedRekordRequestV002":{"digest":"\#(b64(Array(SHA256.hash(data: bytes))))","signature":{"content":"\#(b64(signature))","verifier":{\#(verifier),"keyDetails":"PKIX_ECDSA_P256_SHA_256"}}}}"#
        var request = URLRequest(url: URL(string: base + "/api/v2/log/entries")!)
        request.httpMethod = "POST"
        request.httpBody = Data(body.utf8)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let (data, response) = try await URLSession.shared.data(for: request)
        guard (response as? HTTPURLResponse)?.statusCode == 201 else {
            throw TestSupportError("append of \(artifact) was refused: \(response) \(String(decoding: data, as: UTF8.self))")
        }
    }

    /// Appends `leaf` as it is, through the sequencer (not the HTTP API, which only takes
    /// hashedrekord requests), and returns its index.
    @discardableResult
    func appendLeaf(_ leaf: [UInt8]) async throws -> UInt64 {
        try await sequencer.appendEntry(leaf).index
    }

    /// A monitor of this server for `watched`, checking checkpoints with `logKey`'s public key.
    func monitor(logKey: PrivateKey, watching watched: [PrivateKey], identities: [LogMonitor.IdentityWatch] = []) throws -> LogMonitor {
        let fetcher = HTTPFetcher()
        let base = self.base
        return LogMonitor(
            logKey: try NoteVerifierKey(name: Self.name, publicKey: logKey.publicKey), watchedKeys: watched.map(\.publicKey),
            watchedIdentities: identities,
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

    static let ciEmail = "ci@example.com"
    static let accounts = "https://accounts.example.com"
    static let workflow = "https://github.com/example/app/.github/workflows/release.yml@refs/tags/v1.2.3"
    static let workflowPattern = #"https://github\.com/example/app/\.github/workflows/release\.yml@refs/tags/.*"#

    @Test(
        "certificate entries: identities matched exactly or by whole-name pattern, with the issuer, and a watched key in a certificate",
        .enabled(if: PeerTool.availableOrCI("openssl")))
    func identityWatches() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let certificates = SignerCertificates(directory: directory)
        let ci = try PrivateKey.generate(.ecdsaP256), someone = try PrivateKey.generate(.ecdsaP256), release = try PrivateKey.generate(.ecdsaP256)
        let ciCertificate = try await certificates.make(for: ci, emails: [Self.ciEmail], issuer: Self.accounts)
        let someoneCertificate = try await certificates.make(for: someone, emails: ["someone@example.com"], issuer: Self.accounts)
        let teamCertificate = try await certificates.make(for: team, emails: ["nobody@example.com"], issuer: Self.accounts)
        let releaseCertificate = try await certificates.make(
            for: release, uris: [Self.workflow], issuer: "https://token.actions.githubusercontent.com")

        try await MonitorTestLog.with(signingKey: logKey) { log in
            try await log.append("a: the team's bare key", by: team)                                      // 0
            try await log.append("b: ci", by: ci, certificate: ciCertificate)                              // 1
            try await log.append("c: someone else", by: someone, certificate: someoneCertificate)          // 2
            try await log.append("d: the team's key in a certificate", by: team, certificate: teamCertificate)  // 3
            try await log.append("e: the release workflow", by: release, certificate: releaseCertificate)  // 4

            func matches(keys: [PrivateKey] = [], _ watches: [LogMonitor.IdentityWatch]) async throws -> [LogMonitor.Match] {
                let report = try await log.monitor(logKey: logKey, watching: keys, identities: watches).poll(from: nil)
                #expect(report.newEntries == 5 && report.unreadable.isEmpty, "\(report.unreadable)")
                return report.matches
            }

            // --identity: an exact name, with or without the issuer.
            let exact = try await matches([try .init(identity: Self.ciEmail)])
            #expect(exact.map(\.index) == [1])
            let match = try #require(exact.first)
            #expect(match.watched == Self.ciEmail)
            #expect(match.kind == "hashedrekord")
            #expect(match.key == ci.publicKey.derRepresentation)
            #expect(match.certificate?.derBytes == ciCertificate)
            #expect(match.certificate?.emailAddresses == [Self.ciEmail])
            #expect(match.certificate?.oidcIssuer == Self.accounts)
            #expect(match.digest == Data(SHA256.hash(data: Array("b: ci".utf8))).base64EncodedString())
            let withIssuer = try await matches([try .init(identity: Self.ciEmail, issuer: Self.accounts)])
            #expect(withIssuer.map(\.index) == [1])
            #expect(withIssuer.first?.watched == "\(Self.ciEmail) (issuer \(Self.accounts))")
            // Another issuer: nothing, although the name is there.
            #expect(try await matches([try .init(identity: Self.ciEmail, issuer: "https://accounts.example.org")]).isEmpty)
            // Exact means exact: no prefix, no case folding.
            #expect(try await matches([try .init(identity: "ci@example"), try .init(identity: "CI@example.com")]).isEmpty)

            // --identity-regexp: the whole name must match.
            let byPattern = try await matches([try .init(identity: Self.workflowPattern, mode: .regularExpression)])
            #expect(byPattern.map(\.index) == [4])
            #expect(byPattern.first?.watched == "/\(Self.workflowPattern)/")
            #expect(byPattern.first?.certificate?.uris == [Self.workflow])
            #expect(byPattern.first?.key == release.publicKey.derRepresentation)
            #expect(try await matches([try .init(identity: #"release\.yml"#, mode: .regularExpression)]).isEmpty)
            #expect(try await matches([try .init(identity: #"https://github\.com/example/app/"#, mode: .regularExpression)]).isEmpty)
            #expect(try await matches([try .init(identity: #".*@example\.com"#, mode: .regularExpression)]).map(\.index) == [1, 2, 3])
            // A pattern that matches, from another issuer: nothing.
            #expect(try await matches([try .init(identity: Self.workflowPattern, mode: .regularExpression, issuer: Self.accounts)]).isEmpty)
            #expect(
                try await matches([
                    try .init(identity: Self.workflowPattern, mode: .regularExpression, issuer: "https://token.actions.githubusercontent.com")
                ]).map(\.index) == [4])

            // A watched key matches as "key", bare or in a certificate that names nobody watched.
            let byKey = try await matches(keys: [team], [try .init(identity: "watched@example.com")])
            #expect(byKey.map(\.index) == [0, 3])
            #expect(byKey.map(\.watched) == ["key", "key"])
            #expect(byKey.allSatisfy { $0.key == team.publicKey.derRepresentation })
            #expect(byKey.first?.certificate == nil)
            #expect(byKey.last?.certificate?.derBytes == teamCertificate)
            #expect(byKey.last?.certificate?.emailAddresses == ["nobody@example.com"])
            // Keys and identities together: each entry once, in log order.
            let all = try await matches(
                keys: [team], [try .init(identity: Self.ciEmail), try .init(identity: Self.workflowPattern, mode: .regularExpression)])
            #expect(all.map(\.index) == [0, 1, 3, 4])
            #expect(all.map(\.watched) == ["key", Self.ciEmail, "key", "/\(Self.workflowPattern)/"])
        }
    }

    @Test("an issuer in the older Sigstore extension (1.3.6.1.4.1.57264.1.1) is matched too", .enabled(if: PeerTool.availableOrCI("openssl")))
    func legacyIssuer() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let signer = try PrivateKey.generate(.ecdsaP256)
        let certificate = try await SignerCertificates(directory: directory).make(
            for: signer, emails: [Self.ciEmail], issuer: Self.accounts, legacyIssuer: true)
        try await MonitorTestLog.with(signingKey: logKey) { log in
            try await log.append("legacy", by: signer, certificate: certificate)
            let found = try await log.monitor(logKey: logKey, watching: [], identities: [try .init(identity: Self.ciEmail, issuer: Self.accounts)])
                .poll(from: nil)
            #expect(found.matches.map(\.index) == [0])
            #expect(found.matches.first?.certificate?.oidcIssuer == Self.accounts)
            let other = try await log.monitor(logKey: logKey, watching: [], identities: [try .init(identity: Self.ciEmail, issuer: "https://other.example.com")])
                .poll(from: nil)
            #expect(other.matches.isEmpty)
        }
    }

    @Test("an identity pattern that is not a regular expression is refused when the watch is made")
    func invalidPattern() throws {
        let error = #expect(throws: TransparencyError.self) { try LogMonitor.IdentityWatch(identity: "(", mode: .regularExpression) }
        #expect(error?.code == .invalidEncoding)
        #expect(throws: TransparencyError.self) { try LogMonitor.IdentityWatch(identity: "[a-", mode: .regularExpression, issuer: Self.accounts) }
        // As an exact identity the same text is only a name.
        #expect(try LogMonitor.IdentityWatch(identity: "(").description == "(")
        #expect(try LogMonitor.IdentityWatch(identity: "a.*", mode: .regularExpression, issuer: "i").description == "/a.*/ (issuer i)")
    }

    @Test("new entries that are not readable hashedrekord v0.0.2 entries are listed as unreadable, by index")
    func unreadableEntries() async throws {
        try await MonitorTestLog.with(signingKey: logKey) { log in
            try await log.append("first", by: team)                                                          // 0
            #expect(try await log.appendLeaf(Array("not a JSON document".utf8)) == 1)
            #expect(try await log.appendLeaf(Array(#"{"apiVersion":"0.0.2","kind":"dsse","spec":{}}"#.utf8)) == 2)
            // A hashedrekord of another version, and one whose certificate is not a certificate.
            let request = try HashedRekordRequest(artifact: Array("x".utf8), privateKey: other)
            let body = String(decoding: request.expectedCanonicalizedBody, as: UTF8.self)
            #expect(try await log.appendLeaf(Array(body.replacingOccurrences(of: #""apiVersion":"0.0.2""#, with: #""apiVersion":"0.0.1""#).utf8)) == 3)
            let notACertificate = body.replacingOccurrences(
                of: #""publicKey":{"rawBytes":"\#(Data(other.publicKey.derRepresentation).base64EncodedString())"}"#,
                with: #""x509Certificate":{"rawBytes":"AAECAwQ="}"#)
            #expect(notACertificate != body)
            #expect(try await log.appendLeaf(Array(notACertificate.utf8)) == 4)
            try await log.append("second", by: team)                                                         // 5

            let monitor = try log.monitor(logKey: logKey, watching: [team])
            let report = try await monitor.poll(from: nil)
            #expect(report.newEntries == 6)
            #expect(report.unreadable == [1, 2, 3, 4])
            #expect(report.matches.map(\.index) == [0, 5])

            // A later poll lists only the new ones; an idle poll none.
            #expect(try await log.appendLeaf([0x00, 0xFF]) == 6)
            let next = try await monitor.poll(from: report.state)
            #expect(next.newEntries == 1 && next.unreadable == [6] && next.matches.isEmpty)
            let idle = try await monitor.poll(from: next.state)
            #expect(idle.newEntries == 0 && idle.unreadable.isEmpty)
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

/// Runs blocking work (a child process run to completion) on a thread of its own, off the
/// concurrency pool (`Process.waitUntilExit` spins a run loop).
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}

/// Self-signed certificates shaped like Sigstore keyless ones, made by openssl for test keys.
struct SignerCertificates {
    let directory: TemporaryDirectory

    /// A certificate (DER) for `key`, naming `emails` and `uris` and the OIDC `issuer`.
    func make(
        for key: PrivateKey, emails: [String] = [], uris: [String] = [], issuer: String? = nil, legacyIssuer: Bool = false,
        digest: String = "sha256"
    ) async throws -> [UInt8] {
        let keyFile = try directory.write(key.pemRepresentation, to: "key-\(UUID().uuidString).pem")
        let folder = directory.path
        return try await offPool {
            try TestCertificates.signerCertificate(
                keyFile: keyFile, in: folder, emails: emails, uris: uris, issuer: issuer, legacyIssuer: legacyIssuer, digest: digest)
        }
    }
}
