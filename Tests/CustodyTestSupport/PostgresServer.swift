import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PostgreSQL 15 server for one test: `initdb` in a temporary directory, trust
/// authentication on 127.0.0.1 at a free port, stopped and deleted by ``stop()``. Shared by the
/// storage tests (CustodyLogTests) and the `custody log serve` crash tests (CustodyCLITests).
///
/// PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user
/// (created by Debian's `postgresql` package) through `runuser`.
public final class PostgresServer: Sendable {
    /// Where Debian's `postgresql-15` package puts the server binaries.
    public static let binaries = "/usr/lib/postgresql/15/bin"
    /// The database superuser `initdb` creates.
    public static let user = "custody"

    /// The directory holding the data directory, the socket directory and the server log.
    public let directory: String
    /// The TCP port on 127.0.0.1.
    public let port: Int

    /// A `postgres://` URL for database `name` (created by ``createDatabase(_:)``, or `postgres`).
    public func url(database name: String = "postgres") -> String {
        "postgres://\(Self.user)@127.0.0.1:\(port)/\(name)"
    }

    private init(directory: String, port: Int) {
        self.directory = directory
        self.port = port
    }

    /// Initialises and starts a server; the blocking commands run off Swift's cooperative pool.
    public static func start() async throws -> PostgresServer {
        try await offPool {
            let directory = "/tmp/custody-pg-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: "\(directory)/sockets", withIntermediateDirectories: true)
            do {
                if getuid() == 0 {
                    try check(spawn("/bin/chown", ["-R", "postgres:postgres", directory], log: "/dev/null"), "chown")
                }
                try check(
                    runAsServerUser("\(binaries)/initdb", [
                        "-D", "\(directory)/data", "-U", user, "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions",
                    ], log: "\(directory)/tools.log"),
                    "initdb")
                var lastFailure = ""
                for _ in 0..<5 {
                    let port = try freePort()
                    let result = try runAsServerUser("\(binaries)/pg_ctl", [
                        "-D", "\(directory)/data", "-l", "\(directory)/server.log", "-w", "-t", "60",
                        "-o", "-c listen_addresses=127.0.0.1 -p \(port) -k \(directory)/sockets -c fsync=on -c synchronous_commit=on",
                        "start",
                    ], log: "\(directory)/tools.log")
                    if result.status == 0 { return PostgresServer(directory: directory, port: port) }
                    lastFailure = result.description + "\n--- server.log ---\n"
                        + ((try? String(contentsOfFile: "\(directory)/server.log", encoding: .utf8)) ?? "")
                }
                throw TestSupportError("pg_ctl start failed:\n\(lastFailure)")
            } catch {
                try? FileManager.default.removeItem(atPath: directory)
                throw error
            }
        }
    }

    /// Creates an empty database.
    public func createDatabase(_ name: String) async throws {
        let port = self.port
        try await Self.offPool {
            try Self.check(
                Self.spawn("\(Self.binaries)/createdb", ["-h", "127.0.0.1", "-p", String(port), "-U", Self.user, name], log: "/dev/null"),
                "createdb")
        }
    }

    /// Stops the server (fast shutdown) and deletes its directory.
    public func stop() {
        _ = try? Self.runAsServerUser("\(Self.binaries)/pg_ctl", ["-D", "\(directory)/data", "-m", "fast", "-w", "stop"], log: "/dev/null")
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs a PostgreSQL tool (as the `postgres` user when we are root) with `posix_spawn` and
    /// `waitpid`, its output appended to `directory/tools.log`. Foundation's `Process` is not used:
    /// its `waitUntilExit` never returned for `pg_ctl start`, whose server outlives it.
    private static func runAsServerUser(_ executable: String, _ arguments: [String], log: String) throws -> ProcessResult {
        if getuid() == 0 {
            return try spawn("/usr/sbin/runuser", ["-u", "postgres", "--", executable] + arguments, log: log)
        }
        return try spawn(executable, arguments, log: log)
    }

    private static func spawn(_ executable: String, _ arguments: [String], log: String) throws -> ProcessResult {
        // The server pg_ctl starts outlives it: it must not inherit the test process's descriptors.
        let pid = try PosixSpawn.start(executable, arguments, stdout: log, stderr: log, append: true)
        var waitStatus: Int32 = 0
        while waitpid(pid, &waitStatus, 0) < 0 {
            guard errno == EINTR else { throw TestSupportError("waitpid failed for \(executable)") }
        }
        let exited = waitStatus & 0x7f == 0
        let code = exited ? (waitStatus >> 8) & 0xff : 128 + (waitStatus & 0x7f)
        let output = (try? Data(contentsOf: URL(fileURLWithPath: log))) ?? Data()
        return ProcessResult(status: code, stdout: output, stderr: Data())
    }

    private static func check(_ result: ProcessResult, _ what: String) throws {
        guard result.status == 0 else { throw TestSupportError("\(what) failed: \(result)") }
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago.
    private static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestSupportError("socket() failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress -> Bool in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else { throw TestSupportError("cannot bind a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Runs blocking work (child processes) on a dispatch thread instead of the cooperative pool.
    private static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }
}
