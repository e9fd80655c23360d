import CustodyTestSupport
import Dispatch
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// `custody log serve` as a separate process killed in the middle of a load: with SIGKILL every
/// acknowledged entry must survive and the next checkpoint must be consistent with the last one
/// seen; with SIGTERM the server must also exit 0. The load comes from another process,
/// `Scripts/log-load.py` (Python 3 and `cryptography`), which also does the checking, with its own
/// RFC 9162 code (see the script's documentation). No timing is asserted: the waits only bound
/// how long a broken server may hang the test.
@Suite("custody log serve under SIGKILL and SIGTERM", .serialized)
struct LogCrashTests {
    /// python3 with `cryptography` is found; under CI the tests run regardless (and fail without it).
    static let loadToolAvailable: Bool = {
        if PeerTool.isCI { return true }
        guard PeerTool.path("python3") != nil else { return false }
        return (try? runProcess("python3", ["-c", "import cryptography"]).status) == 0
    }()
    static let postgresAvailable = PeerTool.availableOrCI("\(PostgresServer.binaries)/postgres")

    @Test("SIGKILL during a load loses no acknowledged entry (SQLite)", .enabled(if: loadToolAvailable))
    func sigkillWithSQLite() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try await stopDuringLoad(storage: "sqlite:\(directory.file("log.sqlite"))", signal: SIGKILL, in: directory)
    }

    @Test("SIGKILL during a load loses no acknowledged entry (PostgreSQL)", .enabled(if: loadToolAvailable && postgresAvailable))
    func sigkillWithPostgres() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let postgres = try await PostgresServer.start()
        defer { postgres.stop() }
        try await postgres.createDatabase("log")
        try await stopDuringLoad(storage: postgres.url(database: "log"), signal: SIGKILL, in: directory)
    }

    @Test("SIGTERM during a load stores every acknowledged entry and exits 0 (SQLite)", .enabled(if: loadToolAvailable))
    func sigtermWithSQLite() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try await stopDuringLoad(storage: "sqlite:\(directory.file("log.sqlite"))", signal: SIGTERM, in: directory)
    }

    @Test("SIGTERM during a load stores every acknowledged entry and exits 0 (PostgreSQL)",
          .enabled(if: loadToolAvailable && postgresAvailable))
    func sigtermWithPostgres() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let postgres = try await PostgresServer.start()
        defer { postgres.stop() }
        try await postgres.createDatabase("log")
        try await stopDuringLoad(storage: postgres.url(database: "log"), signal: SIGTERM, in: directory)
    }

    // MARK: Scenarios

    /// Load, remember the checkpoint, send `signal` to the server while the load goes on, restart
    /// it on the same storage, and check it against everything acknowledged and that checkpoint.
    /// SIGKILL must kill it (nothing is flushed on the way out); SIGTERM must let it finish its
    /// batch in flight and exit 0.
    private func stopDuringLoad(storage: String, signal: Int32, in directory: TemporaryDirectory) async throws {
        let keys = try LogKeys(in: directory)
        let acks = directory.file("acks")
        let first = try await LogServeProcess.start(storage: storage, keys: keys, log: directory.file("serve-1.log"))
        defer { first.killIfRunning() }
        let load = try LoadGenerator(url: first.url, signerKey: keys.signer, acks: acks, log: directory.file("load.log"))
        defer { load.process.killIfRunning() }

        try await waitForAcknowledgements(in: acks, atLeast: 20, loadingFor: .seconds(2), load: load)
        try directory.write(try await fetch(first.url + "/checkpoint"), to: "old-checkpoint")
        // Let the load go on past the checkpoint, so that the signal lands between batches or inside one.
        try await waitForAcknowledgements(in: acks, atLeast: try lineCount(acks) + 10, loadingFor: .milliseconds(300), load: load)

        first.process.send(signal)
        let status = await first.process.exitStatus()
        let expected: Int32 = signal == SIGKILL ? 128 + SIGKILL : 0
        #expect(status == expected, "custody log serve exited \(status) on signal \(signal):\n\(first.process.errorText)")
        load.process.send(SIGTERM)
        let loadStatus = await load.process.exitStatus()
        #expect(loadStatus == 0, "log-load.py failed (\(loadStatus)):\n\(load.process.errorText)")
        #expect(load.process.errorText.contains(" acknowledged"), "\(load.process.errorText)")

        let verified = try await checkRestarted(
            storage: storage, keys: keys, verifierKey: first.verifierKey, acks: acks, in: directory, run: 2)
        // Entries were acknowledged after the old checkpoint, so the proof spans two different trees.
        #expect(verified.old < verified.size, "\(verified)")
    }

    /// Restarts the server on `storage`, runs `log-load.py verify` against it, and stops it with
    /// SIGTERM; returns the tree sizes the script checked (the restarted log's, the old checkpoint's).
    private func checkRestarted(
        storage: String, keys: LogKeys, verifierKey: String, acks: String, in directory: TemporaryDirectory, run: Int
    ) async throws -> (size: Int, old: Int) {
        let acknowledged = try lineCount(acks)
        #expect(acknowledged >= 20)
        let server = try await LogServeProcess.start(storage: storage, keys: keys, log: directory.file("serve-\(run).log"))
        defer { server.killIfRunning() }
        #expect(server.verifierKey == verifierKey)
        let verify = try await offPool {
            try runProcess("python3", [LoadGenerator.script, "verify", server.url, verifierKey, acks, directory.file("old-checkpoint")])
        }
        #expect(verify.status == 0 && verify.stdoutText.hasPrefix("OK "), "\(verify)\n--- server ---\n\(server.process.errorText)")

        server.process.send(SIGTERM)
        let status = await server.process.exitStatus()
        #expect(status == 0, "custody log serve exited \(status) on SIGTERM:\n\(server.process.errorText)")
        // "OK size=N old=M acknowledged=A proof=P"
        var fields: [String: Int] = [:]
        for field in verify.stdoutText.split(whereSeparator: \.isWhitespace) {
            let parts = field.split(separator: "=")
            if parts.count == 2, let value = Int(parts[1]) { fields[String(parts[0])] = value }
        }
        #expect(fields["acknowledged"] == acknowledged, "\(verify.stdoutText)")
        return (fields["size"] ?? 0, fields["old"] ?? 0)
    }

    // MARK: Helpers

    /// Waits until `acks` has at least `count` lines and the load has run for `duration`; throws
    /// when the load generator exits first or nothing comes within a minute.
    private func waitForAcknowledgements(in acks: String, atLeast count: Int, loadingFor duration: Duration, load: LoadGenerator) async throws {
        let clock = ContinuousClock()
        let start = clock.now
        while true {
            let seen = try lineCount(acks)
            if seen >= count && clock.now - start >= duration { return }
            guard load.process.isRunning else {
                throw TestSupportError("log-load.py exited after \(seen) acknowledgements:\n\(load.process.errorText)\(load.process.outputText)")
            }
            guard clock.now - start < .seconds(180) else {
                throw TestSupportError("only \(seen) of \(count) entries acknowledged in three minutes:\n\(load.process.errorText)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The complete lines of `path` (0 when it does not exist yet).
    private func lineCount(_ path: String) throws -> Int {
        guard let data = FileManager.default.contents(atPath: path) else { return 0 }
        return data.reduce(0) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
    }

    private func fetch(_ url: String) async throws -> [UInt8] {
        let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
        guard let http = response as? HTTPURLResponse, http.statusCode == 200 else {
            throw TestSupportError("GET \(url): \(response)")
        }
        return Array(data)
    }
}

/// A log signing key (Ed25519) and an entry signing key (ECDSA P-256), PEM files made by `custody key generate`.
private struct LogKeys {
    let log: String
    let signer: String

    init(in directory: TemporaryDirectory) throws {
        for (type, name) in [("ed25519", "log"), ("ecdsa-p256", "signer")] {
            let result = try CustodyExecutable.run(["key", "generate", "--type", type, "--format", "pem", "-o", directory.file(name)])
            guard result.status == 0 else { throw TestSupportError("custody key generate --type \(type): \(result)") }
        }
        log = directory.file("log.key")
        signer = directory.file("signer.key")
    }
}

/// A running `custody log serve` on 127.0.0.1 (a free port), with a 20 ms batch interval.
private struct LogServeProcess {
    static let logName = "crash.log.custody.test"
    let process: ChildProcess
    let url: String
    let verifierKey: String

    static func start(storage: String, keys: LogKeys, log: String) async throws -> LogServeProcess {
        let process = try ChildProcess(
            try CustodyExecutable.path(),
            ["log", "serve", "--storage", storage, "--key", keys.log, "--name", logName, "--listen", "127.0.0.1:0", "--batch-interval", "20"],
            errorLog: log)
        do {
            let listening = try await process.waitForLine(startingWith: "custody log \(logName) listening on 127.0.0.1:")
            let key = try await process.waitForLine(startingWith: "verifier key: ")
            guard let port = Int(listening.split(separator: ":").last ?? "") else {
                throw TestSupportError("no port in \(listening.debugDescription)")
            }
            return LogServeProcess(process: process, url: "http://127.0.0.1:\(port)", verifierKey: String(key.dropFirst("verifier key: ".count)))
        } catch {
            process.killIfRunning()
            throw error
        }
    }

    func killIfRunning() { process.killIfRunning() }
}

/// `Scripts/log-load.py load` posting entries from four threads until SIGTERM.
private struct LoadGenerator {
    static var script: String { Fixtures.repositoryRoot + "/Scripts/log-load.py" }
    let process: ChildProcess

    init(url: String, signerKey: String, acks: String, log: String) throws {
        guard let python = PeerTool.path("python3") else { throw TestSupportError("python3 is not installed") }
        process = try ChildProcess(python, [Self.script, "load", url, signerKey, acks, "4"], errorLog: log)
    }
}

/// A child process started with `posix_spawn`, its standard output and error in files, its exit
/// collected with `waitpid`; ``killIfRunning()`` SIGKILLs it so that a failing test leaves nothing
/// behind. Foundation's `Process` is not used: it notices an exit when a descriptor it shares with
/// the child closes, and a sibling started meanwhile (the load generator) inherited that descriptor,
/// so a killed server looked alive for as long as the load generator ran. Here the child gets no
/// descriptor beyond 0, 1 and 2.
private final class ChildProcess: @unchecked Sendable {
    let pid: pid_t
    let outputLog: String
    let errorLog: String
    private let lock = NSLock()
    private var status: Int32?

    init(_ executable: String, _ arguments: [String], errorLog: String) throws {
        self.errorLog = errorLog
        outputLog = errorLog + ".stdout"
        pid = try PosixSpawn.start(executable, arguments, stdout: outputLog, stderr: errorLog)
    }

    deinit { killIfRunning() }


    /// The exit status (128 + the signal for a killed process), nil while the process runs.
    private func poll(blocking: Bool = false) -> Int32? {
        lock.withLock {
            if status == nil {
                var waitStatus: Int32 = 0
                var reaped: pid_t
                repeat {
                    reaped = waitpid(pid, &waitStatus, blocking ? 0 : WNOHANG)
                } while reaped < 0 && errno == EINTR
                if reaped == pid {
                    status = waitStatus & 0x7f == 0 ? (waitStatus >> 8) & 0xff : 128 + (waitStatus & 0x7f)
                } else if reaped < 0 {
                    status = -1  // not our child any more: nothing to wait for
                }
            }
            return status
        }
    }

    var isRunning: Bool { poll() == nil }
    var outputText: String { (try? String(contentsOfFile: outputLog, encoding: .utf8)) ?? "" }
    var errorText: String { (try? String(contentsOfFile: errorLog, encoding: .utf8)) ?? "" }

    /// The first complete output line starting with `prefix`; throws when the process exits
    /// first or after 60 seconds.
    func waitForLine(startingWith prefix: String) async throws -> String {
        let clock = ContinuousClock()
        let start = clock.now
        while true {
            let exited = !isRunning
            let text = outputText
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            if let line = lines.first(where: { $0.hasPrefix(prefix) }) { return String(line) }
            guard !exited, clock.now - start < .seconds(180) else {
                throw TestSupportError("no line starting with \(prefix.debugDescription); output:\n\(text)\nerrors:\n\(errorText)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func send(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// Waits for the exit: the status, or 128 + the signal that killed the process.
    func exitStatus() async -> Int32 {
        while true {
            if let status = poll() { return status }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    func killIfRunning() {
        if isRunning {
            kill(pid, SIGKILL)
            _ = poll(blocking: true)
        }
        try? FileManager.default.removeItem(atPath: outputLog)
    }
}

/// Runs blocking work (a child process run to completion) on a dispatch thread instead of the cooperative pool.
private func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}
