#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The few file-system operations image transports need, with errors that name the path.
enum FileSystem {
    static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, mode) != 0 && errno != EEXIST {
                throw FileReader.systemError("cannot create directory", path: current)
            }
        }
    }

    static func rename(_ from: String, to: String) throws {
        guard Glibc.rename(from, to) == 0 else { throw FileReader.systemError("cannot rename to", path: to) }
    }

    static func remove(_ path: String) {
        unlink(path)
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// The names in a directory (without `.` and `..`).
    static func contents(of path: String) throws -> [String] {
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

    /// Creates a file that must not exist yet (`O_EXCL`); returns false if it exists.
    static func createExclusively(_ path: String, bytes: [UInt8]) throws -> Bool {
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

    func close() throws {
        guard fd >= 0 else { return }
        let result = fsync(fd) == 0 ? Glibc.close(fd) : -1
        fd = -1
        guard result == 0 else { throw FileReader.systemError("cannot write", path: path) }
    }

    deinit {
        if fd >= 0 { Glibc.close(fd) }
    }
}
