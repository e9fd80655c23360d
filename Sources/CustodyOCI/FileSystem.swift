#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The few file-system operations image transports and signature stores need, with errors
/// (``OCIError``) that name the path. Shared within the package.
package enum FileSystem {
    /// What is at a path.
    package enum Kind: Equatable, Sendable {
        case missing
        case directory
        case other
    }

    /// What is at `path`, following symbolic links.
    package static func kind(of path: String) throws -> Kind {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return .missing }
            throw FileReader.systemError("cannot examine", path: path)
        }
        return (info.st_mode & S_IFMT) == S_IFDIR ? .directory : .other
    }

    /// Creates `path` and its missing parents with `mode` (as Go's `os.MkdirAll`; the umask applies).
    package static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, mode) != 0 && errno != EEXIST {
                throw FileReader.systemError("cannot create directory", path: current)
            }
        }
        guard try kind(of: path) == .directory else {
            throw OCIError(code: .io, reason: "cannot create directory \(path): a file of that name exists")
        }
    }

    /// Writes `bytes` under the first name of `candidates` that does not exist yet, never replacing
    /// a file, and returns that name; nil when `candidates` runs out.
    ///
    /// The bytes go to a temporary file in `directory` first, which is then hard-linked to each
    /// candidate name in turn (`link(2)` fails when the name exists). So a name appears only with
    /// its complete content, and two writers never take the same name. On a file system without
    /// hard links, each candidate is created with `O_EXCL` instead.
    package static func writeToFirstFreeName(_ bytes: [UInt8], in directory: String, candidates: some Sequence<String>) throws -> String? {
        let temporary = "\(directory)/.custody-tmp-\(UInt64.random(in: 0...UInt64.max))"
        guard try createExclusively(temporary, bytes: bytes) else {
            throw OCIError(code: .io, reason: "cannot create \(temporary): it already exists")
        }
        defer { unlink(temporary) }
        for name in candidates {
            if link(temporary, name) == 0 { return name }
            switch errno {
            case EEXIST:
                continue
            case EPERM, EOPNOTSUPP, EXDEV, EMLINK:
                if try createExclusively(name, bytes: bytes) { return name }
            default:
                throw FileReader.systemError("cannot create", path: name)
            }
        }
        return nil
    }

    static func rename(_ from: String, to: String) throws {
        guard Glibc.rename(from, to) == 0 else { throw FileReader.systemError("cannot rename to", path: to) }
    }

    static func remove(_ path: String) {
        unlink(path)
    }

    /// Removes a directory and everything in it, without following symbolic links; errors are ignored
    /// (used only for Custody's own staging and discarded directories).
    package static func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for name in (try? contents(of: path)) ?? [] { removeTree("\(path)/\(name)") }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// The names in a directory (without `.` and `..`).
    package static func contents(of path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw FileReader.systemError("cannot list", path: path) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Creates a file that must not exist yet (`O_EXCL`), writes and syncs it; returns false if it exists.
    package static func createExclusively(_ path: String, bytes: [UInt8]) throws -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 {
            if errno == EEXIST { return false }
            throw FileReader.systemError("cannot create", path: path)
        }
        let sink = FileSink(descriptor: fd, path: path)
        do {
            try sink.write(bytes)
            try sink.close()
        } catch {
            try? sink.close()
            remove(path)
            throw error
        }
        return true
    }
}

/// A file open for writing.
final class FileSink {
    private var fd: Int32
    let path: String

    init(creating path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileReader.systemError("cannot create", path: path) }
        self.fd = fd
        self.path = path
    }

    init(descriptor: Int32, path: String) {
        self.fd = descriptor
        self.path = path
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    func write(_ chunk: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < chunk.count {
            let n = Glibc.write(fd, chunk.baseAddress! + offset, chunk.count - offset)  // count > 0, so baseAddress exists
            if n < 0 {
                if errno == EINTR { continue }
                throw FileReader.systemError("cannot write", path: path)
            }
            offset += n
        }
    }

    /// Closes the file, after `fsync` when `sync` is true.
    func close(sync: Bool = true) throws {
        guard fd >= 0 else { return }
        let result = (!sync || fsync(fd) == 0) ? Glibc.close(fd) : -1
        fd = -1
        guard result == 0 else { throw FileReader.systemError("cannot write", path: path) }
    }

    deinit {
        if fd >= 0 { Glibc.close(fd) }
    }
}
