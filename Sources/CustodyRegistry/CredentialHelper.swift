import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A docker credential helper, `docker-credential-<name>`, asked for one registry's credentials
/// with the helpers' protocol: `docker-credential-<name> get`, the server on standard input,
/// `{"ServerURL": …, "Username": …, "Secret": …}` on standard output.
///
/// The helper runs with the lookup's environment, is given ``RegistryCredentialLookup/helperTimeout``
/// (then SIGTERM, then SIGKILL), and may print at most ``maxOutputBytes``. A non-zero exit whose
/// output says "credentials not found" means the helper has no credentials for the server; any
/// other failure is a `credentialHelper` error naming the helper. Errors quote at most the first
/// line of the helper's error output, never its standard output on success (the secret).
struct CredentialHelper: Sendable {
    /// The most bytes read from the helper's standard output and from its standard error.
    static let maxOutputBytes = 1 << 20

    /// The helper's short name (`pass`, `ecr-login`).
    let name: String
    /// The executable's absolute path.
    let executable: String

    /// The executable's file name.
    var program: String { "docker-credential-\(name)" }

    /// Letters, digits, `.`, `_`, `-` and `+`: never a path.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 128 && name.first != "." && name.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", ".", "_", "-", "+": true
            default: false
            }
        }
    }

    /// Finds `docker-credential-<name>` in the `:`-separated `searchPath`.
    /// - Parameter origin: where the helper was configured, for the error message.
    static func find(name: String, searchPath: String, origin: String) throws(RegistryError) -> CredentialHelper {
        let program = "docker-credential-\(name)"
        guard isValidName(name) else {
            throw RegistryError(code: .credentialHelper, reason: "credential helper name \"\(name)\" in \(origin) is not valid")
        }
        for directory in searchPath.split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = directory.hasSuffix("/") ? "\(directory)\(program)" : "\(directory)/\(program)"
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
               FileManager.default.isExecutableFile(atPath: candidate) {
                return CredentialHelper(name: name, executable: candidate)
            }
        }
        throw RegistryError(
            code: .credentialHelper,
            reason: "credential helper \(program) (configured in \(origin)) is not installed: not found in the search path \(searchPath)")
    }

    /// Asks the helper for `server`'s credentials; nil when it has none.
    func get(server: String, environment: [String: String], timeout: Duration) async throws(RegistryError) -> RegistryCredentials? {
        let outcome: HelperOutcome
        do {
            outcome = try await Self.run(executable: executable, input: Array(server.utf8), environment: environment, timeout: timeout)
        } catch let error as RegistryError {
            throw error
        } catch {
            throw RegistryError(code: .credentialHelper, reason: "cannot run credential helper \(program) (\(executable)): \(error)")
        }
        if outcome.timedOut {
            throw RegistryError(code: .credentialHelper, reason: "credential helper \(program) did not answer within \(timeout)")
        }
        if outcome.overflowed {
            throw RegistryError(
                code: .credentialHelper, reason: "credential helper \(program) printed more than \(Self.maxOutputBytes) bytes")
        }
        guard outcome.status == 0 else {
            let message = String(decoding: outcome.stdout + outcome.stderr, as: UTF8.self)
            if message.lowercased().contains("credentials not found") { return nil }
            let firstLine = message.split(whereSeparator: \.isNewline).first.map { String($0.prefix(200)) } ?? ""
            let how = outcome.signaled ? "was killed by signal \(outcome.status)" : "exited with status \(outcome.status)"
            throw RegistryError(
                code: .credentialHelper,
                reason: "credential helper \(program) \(how) asked for \(server)" + (firstLine.isEmpty ? "" : ": \(firstLine)"))
        }

        let answer = try? JSONSerialization.jsonObject(with: Data(outcome.stdout), options: [])
        guard let object = answer as? [String: Any] else {
            throw RegistryError(
                code: .credentialHelper, reason: "credential helper \(program) answered \(server) with something other than a JSON object")
        }
        guard let username = (object["Username"] ?? "") as? String, let secret = (object["Secret"] ?? "") as? String else {
            throw RegistryError(
                code: .credentialHelper, reason: "credential helper \(program): \"Username\" and \"Secret\" must be strings")
        }
        let origin = "credential helper \(program)"
        if username == "<token>" {
            guard !secret.isEmpty else { return nil }
            return RegistryCredentials(username: "", password: "", identityToken: secret, origin: origin)
        }
        guard !username.isEmpty || !secret.isEmpty else { return nil }
        return RegistryCredentials(username: username, password: secret, origin: origin)
    }

    // MARK: - Running the helper

    struct HelperOutcome: Sendable {
        var status: Int32
        var signaled: Bool
        var stdout: [UInt8]
        var stderr: [UInt8]
        var timedOut: Bool
        var overflowed: Bool
    }

    /// Runs `executable get` on a thread of its own (the wait blocks), so that no task of the
    /// cooperative pool waits for the child.
    static func run(executable: String, input: [UInt8], environment: [String: String], timeout: Duration) async throws -> HelperOutcome {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result {
                    try runBlocking(executable: executable, input: input, environment: environment, timeout: timeout)
                })
            }
            thread.start()
        }
    }

    /// Starts `process` with no signal blocked. A child inherits the signal mask of the thread
    /// that starts it, and threads of the concurrency pool and of libdispatch block nearly all
    /// signals: a helper started from one would ignore SIGTERM (and SIGINT, SIGPIPE).
    private static func start(_ process: Process) throws {
        var unblocked = sigset_t()
        var previous = sigset_t()
        sigemptyset(&unblocked)
        pthread_sigmask(SIG_SETMASK, &unblocked, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try process.run()
    }

    private static func runBlocking(
        executable: String, input: [UInt8], environment: [String: String], timeout: Duration
    ) throws -> HelperOutcome {
        // The input is written into the pipe and its write end closed before the child starts:
        // the child sees end of input after it, and a child that exits without reading can never
        // make this process write to a closed pipe (SIGPIPE).
        let stdinPipe = Pipe()
        let stdoutPipe = Pipe()
        let stderrPipe = Pipe()
        try stdinPipe.fileHandleForWriting.write(contentsOf: input)
        try stdinPipe.fileHandleForWriting.close()

        let exited = DispatchSemaphore(value: 0)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["get"]
        process.environment = environment
        process.standardInput = stdinPipe.fileHandleForReading
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        process.terminationHandler = { _ in exited.signal() }
        try start(process)
        try? stdinPipe.fileHandleForReading.close()

        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var outputs: [[UInt8]] = [[], []]
        var descriptors = [stdoutPipe.fileHandleForReading.fileDescriptor, stderrPipe.fileHandleForReading.fileDescriptor]
        var open = [true, true]
        var timedOut = false
        var overflowed = false
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { buffer.deallocate() }

        // Read both pipes until both reach end of file, the deadline passes, or too much arrives.
        reading: while open.contains(true) {
            let remaining = deadline - clock.now
            guard remaining > .zero else {
                timedOut = true
                break
            }
            var polled = (0..<2).map { index in
                pollfd(fd: open[index] ? descriptors[index] : -1, events: Int16(POLLIN), revents: 0)
            }
            let milliseconds = Int32(min(1000, max(1, remaining.nanosecondsClamped / 1_000_000)))
            let ready = poll(&polled, nfds_t(polled.count), milliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                throw RegistryError(code: .credentialHelper, reason: "waiting for \(executable): poll failed (errno \(errno))")
            }
            for index in 0..<2 where open[index] && polled[index].revents != 0 {
                let count = read(descriptors[index], buffer.baseAddress, buffer.count)
                if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
                guard count > 0 else {
                    open[index] = false
                    continue
                }
                guard outputs[index].count + count <= maxOutputBytes else {
                    overflowed = true
                    break reading
                }
                outputs[index].append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            }
        }
        descriptors = []
        try? stdoutPipe.fileHandleForReading.close()
        try? stderrPipe.fileHandleForReading.close()

        // The child may have closed its output and still run: give it what is left of the budget.
        if !timedOut && !overflowed {
            let remaining = deadline - clock.now
            if remaining <= .zero || exited.wait(timeout: .now() + .nanoseconds(Int(remaining.nanosecondsClamped))) == .timedOut {
                timedOut = true
            }
        }
        if timedOut || overflowed {
            if process.isRunning { process.terminate() }
            if exited.wait(timeout: .now() + .seconds(2)) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                exited.wait()
            }
        }
        return HelperOutcome(
            status: process.terminationStatus,
            signaled: process.terminationReason == .uncaughtSignal,
            stdout: outputs[0],
            stderr: outputs[1],
            timedOut: timedOut,
            overflowed: overflowed
        )
    }
}

extension Duration {
    /// The duration in nanoseconds, clamped to `Int64` (negative durations give 0).
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        guard seconds < Int64.max / 1_000_000_000 - 1 else { return Int64.max }
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
