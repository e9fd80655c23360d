import Foundation

/// Starts child processes that inherit nothing but standard input, output and error.
///
/// Why not Foundation's `Process` for long-lived children: it notices a child's exit when a
/// descriptor it shares with that child closes. Any process started meanwhile without closing its
/// inherited descriptors (a daemon such as the PostgreSQL server started by `pg_ctl`, a load
/// generator) keeps that descriptor open, and `waitUntilExit()` then spins on a thread of the test
/// process until that other process exits. Children started here close every descriptor from 3 up
/// (`posix_spawn_file_actions_addclosefrom_np`, glibc 2.34+), so they cannot hold anyone's
/// descriptors, and start with no signal blocked and default dispositions (a Swift concurrency or
/// dispatch thread blocks most signals, and `posix_spawn` would pass that mask on).
public enum PosixSpawn {
    /// Starts `executable` with standard input from /dev/null and standard output and error
    /// written to the given files (appended or truncated); returns its process ID, to be reaped
    /// with `waitpid`.
    public static func start(_ executable: String, _ arguments: [String], stdout: String, stderr: String, append: Bool = false) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let mode = O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, mode, 0o666)
        if stderr == stdout {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, stderr, mode, 0o666)
        }
        guard let closeFrom = addCloseFrom else { throw TestSupportError("posix_spawn_file_actions_addclosefrom_np is missing (glibc < 2.34)") }
        guard closeFrom(&actions, 3) == 0 else { throw TestSupportError("posix_spawn_file_actions_addclosefrom_np failed") }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGTERM, SIGINT, SIGPIPE, SIGHUP, SIGCHLD] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard result == 0 else { throw TestSupportError("cannot start \(executable): error \(result)") }
        return pid
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np`, which the Glibc module does not import.
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()
}
