import Foundation

/// An error raised by the test-support helpers, with a message meant for a test failure report.
public struct TestSupportError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The outcome of a finished child process.
public struct ProcessResult: Sendable, CustomStringConvertible {
    /// The exit status; for a process killed by a signal, 128 + the signal number (as a shell reports it).
    public let status: Int32
    public let stdout: Data
    public let stderr: Data

    public init(status: Int32, stdout: Data, stderr: Data) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }

    /// stdout decoded as UTF-8 (invalid sequences replaced).
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    /// stderr decoded as UTF-8 (invalid sequences replaced).
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }

    public var description: String {
        "status \(status)\n--- stdout ---\n\(stdoutText)\n--- stderr ---\n\(stderrText)"
    }
}

/// Runs `executable` with `arguments` to completion and captures its output.
///
/// - `executable`: an absolute or relative path (anything containing "/"), or a bare name looked
///   up in `PATH`.
/// - `environment`: variables ADDED to (or overriding) the inherited environment; nil inherits it
///   unchanged.
/// - `currentDirectory`: the child's working directory; nil inherits ours.
///
/// stdin is /dev/null. stdout and stderr go to temporary files rather than pipes, so a child that
/// writes a lot to both can never deadlock on a full pipe buffer. Throws only when the process
/// cannot be started; a non-zero exit status is reported in the result, not thrown.
public func runProcess(
    _ executable: String,
    _ arguments: [String],
    environment: [String: String]? = nil,
    currentDirectory: String? = nil
) throws -> ProcessResult {
    guard let resolved = PeerTool.path(executable) else {
        let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? ""
        throw TestSupportError("cannot run '\(executable)': not an executable file, and not found in PATH (\(searchPath))")
    }

    let fileManager = FileManager.default
    let captureDirectory = fileManager.temporaryDirectory
        .appendingPathComponent("custody-process-\(UUID().uuidString)", isDirectory: true)
    try fileManager.createDirectory(at: captureDirectory, withIntermediateDirectories: true)
    defer { try? fileManager.removeItem(at: captureDirectory) }

    let stdoutURL = captureDirectory.appendingPathComponent("stdout")
    let stderrURL = captureDirectory.appendingPathComponent("stderr")
    guard fileManager.createFile(atPath: stdoutURL.path, contents: nil),
          fileManager.createFile(atPath: stderrURL.path, contents: nil)
    else {
        throw TestSupportError("cannot create capture files in \(captureDirectory.path)")
    }
    let stdoutHandle = try FileHandle(forWritingTo: stdoutURL)
    defer { try? stdoutHandle.close() }
    let stderrHandle = try FileHandle(forWritingTo: stderrURL)
    defer { try? stderrHandle.close() }

    let process = Process()
    process.executableURL = URL(fileURLWithPath: resolved)
    process.arguments = arguments
    if let environment {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    }
    if let currentDirectory {
        process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory, isDirectory: true)
    }
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = stdoutHandle
    process.standardError = stderrHandle

    do {
        try process.run()
    } catch {
        throw TestSupportError("cannot start \(resolved): \(error)")
    }
    process.waitUntilExit()

    let status: Int32 = process.terminationReason == .uncaughtSignal
        ? 128 + process.terminationStatus
        : process.terminationStatus
    return ProcessResult(
        status: status,
        stdout: try Data(contentsOf: stdoutURL),
        stderr: try Data(contentsOf: stderrURL)
    )
}
