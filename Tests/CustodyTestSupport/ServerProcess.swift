import Foundation

/// A server started as a child process (through ``PosixSpawn``, so it inherits no descriptor of
/// the test process), with its standard output and error in files, ready once a line of its
/// output says so.
///
/// Every wait here blocks the calling thread (polling with `usleep` and `waitpid`); async tests
/// call it off the cooperative pool. Waiting in the child's own time keeps the tests correct when
/// the test process is slow: a deadline is only ever judged after one last look at the output.
public final class ServerProcess: @unchecked Sendable {
    /// The child's process ID.
    public let pid: pid_t
    /// Where its standard output and standard error go.
    public let outputPath: String
    public let errorPath: String
    private let lock = NSLock()
    private var exitStatus: Int32?

    private init(pid: pid_t, outputPath: String, errorPath: String) {
        self.pid = pid
        self.outputPath = outputPath
        self.errorPath = errorPath
    }

    /// Starts `executable ARGUMENTS` and waits until a line of its standard output satisfies
    /// `ready`, returning the process and that line.
    /// - Throws: ``TestSupportError`` with the output when the child exits first or no such line
    ///   appears within `timeout`.
    public static func start(
        _ executable: String, _ arguments: [String], in directory: String, timeout: Duration = .seconds(120),
        ready: (String) -> Bool
    ) throws -> (ServerProcess, String) {
        let name = UUID().uuidString.prefix(8)
        let outputPath = "\(directory)/server-\(name).stdout"
        let errorPath = "\(directory)/server-\(name).stderr"
        let pid = try PosixSpawn.start(executable, arguments, stdout: outputPath, stderr: errorPath)
        let server = ServerProcess(pid: pid, outputPath: outputPath, errorPath: errorPath)
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            let expired = clock.now >= deadline
            if let line = server.output.split(separator: "\n").map(String.init).first(where: ready) { return (server, line) }
            if !server.isRunning || expired { break }
            usleep(20_000)
        }
        let log = server.log
        server.stop()
        throw TestSupportError("\(executable) \(arguments.joined(separator: " ")) did not become ready:\n\(log)")
    }

    deinit { stop() }

    /// Standard output so far.
    public var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    /// Standard output and standard error so far, labelled.
    public var log: String {
        let errors = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        return "--- stdout ---\n\(output)--- stderr ---\n\(errors)"
    }

    /// Whether the child has not exited yet (reaps it when it has).
    public var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return reap(blocking: false) == nil
    }

    /// Sends SIGTERM, waits up to `limit` for the exit, then sends SIGKILL. Returns the exit
    /// status (negative: the signal that ended it) and whether it exited within the limit.
    @discardableResult
    public func terminate(within limit: Duration = .seconds(20)) -> (status: Int32, inTime: Bool) {
        lock.lock()
        defer { lock.unlock() }
        if let exitStatus { return (exitStatus, true) }
        kill(pid, SIGTERM)
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while clock.now < deadline {
            if let status = reap(blocking: false) { return (status, true) }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        return (reap(blocking: true) ?? -SIGKILL, false)
    }

    /// Stops the child (SIGTERM, then SIGKILL after 20 s); safe to call more than once.
    public func stop() { terminate() }

    /// The exit status once the child has exited; nil while it runs. Call with `lock` held.
    private func reap(blocking: Bool) -> Int32? {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        let result = waitpid(pid, &status, blocking ? 0 : WNOHANG)
        if result < 0 {
            exitStatus = -1   // not our child any more (already reaped): treat as exited
            return -1
        }
        guard result == pid else { return nil }
        let code = status & 0x7f == 0 ? (status >> 8) & 0xff : -(status & 0x7f)
        exitStatus = code
        return code
    }
}
