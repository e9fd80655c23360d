// Shared helpers for the CustodyStores tests: temporary directories, digests and references,
// and the Python lookaside server (Scripts/lookaside-test-server.py) run as a child process.

import CustodyOCI
import CustodyStores
import CustodyTestSupport
import Dispatch
import Foundation
import Testing

extension String {
    /// The UTF-8 bytes of the string.
    var utf8Bytes: [UInt8] { Array(utf8) }
}

/// A syntactically valid sha256 digest made of one repeated hex character.
func fakeDigest(_ character: Character = "a") throws -> Digest {
    try Digest(parsing: "sha256:" + String(repeating: character, count: 64))
}

/// A reference parsed as the `docker://` transport parses it.
func dockerReference(_ text: String) throws -> ImageReference {
    try ImageReference.parseDockerReference(text)
}



/// The StoreError thrown by `body`, or nil (recording an issue) when it throws something else or nothing.
func storeError(_ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async -> StoreError? {
    do {
        try await body()
        Issue.record("expected a StoreError, but nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as StoreError {
        return error
    } catch {
        Issue.record("expected a StoreError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// The bytes of every readable signature, in order.
func blobs(_ signatures: [StoredSignature]) -> [[UInt8]] {
    signatures.compactMap(\.bytes)
}

// MARK: - The lookaside test server

/// `Scripts/lookaside-test-server.py` running as a child process on 127.0.0.1.
///
/// The server prints its port once it listens; it exits on SIGTERM (``stop()``) and also when its
/// standard input closes, so it cannot outlive a test process that crashes.
final class LookasideTestServer: @unchecked Sendable {
    /// The longest the server may take to print its port.
    static let startTimeout: DispatchTimeInterval = .seconds(20)

    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let errorLog: String
    private var errorHandle: FileHandle?
    /// The port the server listens on.
    private(set) var port = 0

    /// `http://127.0.0.1:<port>`.
    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts the server on the files under `root` with the script's extra `arguments`.
    init(root: String, arguments: [String] = []) throws {
        guard let python = PeerTool.path("python3") else { throw TestSupportError("python3 is not installed") }
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [Fixtures.repositoryRoot + "/Scripts/lookaside-test-server.py", "--root", root] + arguments
        process.standardInput = input
        process.standardOutput = output
        errorLog = FileManager.default.temporaryDirectory
            .appendingPathComponent("custody-lookaside-server-\(UUID().uuidString).log").path
        guard FileManager.default.createFile(atPath: errorLog, contents: nil) else {
            throw TestSupportError("cannot create \(errorLog)")
        }
        let errorHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: errorLog))
        self.errorHandle = errorHandle
        process.standardError = errorHandle
        try process.run()

        let reader = output.fileHandleForReading
        let line = LockedLine()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            var bytes: [UInt8] = []
            while !bytes.contains(UInt8(ascii: "\n")) {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                bytes.append(contentsOf: chunk)
            }
            line.set(String(decoding: bytes, as: UTF8.self))
            done.signal()
        }
        guard done.wait(timeout: .now() + Self.startTimeout) == .success,
              let port = Int(line.get().trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            stop()
            let log = (try? String(contentsOfFile: errorLog, encoding: .utf8)) ?? ""
            throw TestSupportError("the lookaside test server did not start (printed \(line.get().debugDescription)):\n\(log)")
        }
        self.port = port
    }

    /// Stops the server and waits for it to exit.
    func stop() {
        if process.isRunning { process.terminate() }
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        try? errorHandle?.close()
        errorHandle = nil
        try? FileManager.default.removeItem(atPath: errorLog)
    }

    /// A one-line holder for the reader thread's result.
    private final class LockedLine: @unchecked Sendable {
        private let lock = NSLock()
        private var value = ""
        func set(_ text: String) { lock.withLock { value = text } }
        func get() -> String { lock.withLock { value } }
    }
}

/// Starts the lookaside server on `root`, runs `body`, and stops the server however `body` ends.
func withLookasideServer<T>(
    root: String, arguments: [String] = [], _ body: (LookasideTestServer) async throws -> T
) async throws -> T {
    let server = try LookasideTestServer(root: root, arguments: arguments)
    defer { server.stop() }
    return try await body(server)
}
