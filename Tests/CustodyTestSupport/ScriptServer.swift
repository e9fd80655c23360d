import Foundation

/// A Python 3 test server from `Scripts/` running as a child process on 127.0.0.1: it prints the
/// port it listens on as its first line, exits on SIGTERM (``stop()``), and also exits when its
/// standard input closes, so it cannot outlive a test process that crashes. Its standard error
/// goes to a temporary log that start-up failures quote.
public final class ScriptServer: @unchecked Sendable {
    /// The longest the server may take to print its port.
    public static let startTimeout: DispatchTimeInterval = .seconds(20)

    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let errorLog: String
    private var errorHandle: FileHandle?
    private var started = false
    /// The port the server listens on.
    public private(set) var port = 0

    /// Starts `Scripts/<script>` with `arguments`.
    /// - Parameter name: how failures name the server ("the lookaside test server").
    public init(script: String, arguments: [String] = [], name: String) throws {
        guard let python = PeerTool.path("python3") else { throw TestSupportError("python3 is not installed") }
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [Fixtures.repositoryRoot + "/Scripts/" + script] + arguments
        process.standardInput = input
        process.standardOutput = output
        errorLog = FileManager.default.temporaryDirectory.appendingPathComponent("custody-\(script)-\(UUID().uuidString).log").path
        guard FileManager.default.createFile(atPath: errorLog, contents: nil) else {
            throw TestSupportError("cannot create \(errorLog)")
        }
        let errorHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: errorLog))
        self.errorHandle = errorHandle
        process.standardError = errorHandle
        try process.run()
        started = true

        let reader = output.fileHandleForReading
        let line = LockedText()
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
            throw TestSupportError("\(name) did not start (printed \(line.get().debugDescription)):\n\(log)")
        }
        self.port = port
    }

    deinit { stop() }

    /// Stops the server and waits for it to exit. Safe to call more than once.
    public func stop() {
        if started {
            if process.isRunning { process.terminate() }
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
            started = false
        }
        try? errorHandle?.close()
        errorHandle = nil
        try? FileManager.default.removeItem(atPath: errorLog)
    }

    /// A one-line holder for the reader thread's result.
    private final class LockedText: @unchecked Sendable {
        private let lock = NSLock()
        private var value = ""
        func set(_ text: String) { lock.withLock { value = text } }
        func get() -> String { lock.withLock { value } }
    }
}
