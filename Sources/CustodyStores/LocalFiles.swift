#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The few file-system operations the stores need beyond CustodyOCI's `FileReader`, with errors
/// that name the path.
enum LocalFiles {
    /// What is at a path.
    enum Kind: Equatable {
        case missing
        case directory
        case other
    }

    /// What is at `path`, following symbolic links.
    /// - Throws: ``StoreError`` when the path cannot be examined for another reason than absence.
    static func kind(of path: String) throws -> Kind {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return .missing }
            throw systemError("cannot examine", path: path, code: .unreadable)
        }
        return (info.st_mode & S_IFMT) == S_IFDIR ? .directory : .other
    }

    /// The names in a directory (without `.` and `..`); nil when the directory does not exist.
    static func contents(of path: String) throws -> [String]? {
        guard let directory = opendir(path) else {
            if errno == ENOENT { return nil }
            throw systemError("cannot list", path: path, code: .invalidConfiguration)
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) {
                    String(cString: $0)
                }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Creates `path` and its missing parents with `mode` (as Go's `os.MkdirAll`; the umask applies).
    static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, mode) != 0 && errno != EEXIST {
                throw systemError("cannot create directory", path: current, code: .io)
            }
        }
        guard try kind(of: path) == .directory else {
            throw StoreError(code: .io, reason: "cannot create directory \(path): a file of that name exists")
        }
    }

    /// Writes `bytes` under the first name `candidates` yields that does not exist yet, never
    /// replacing a file, and returns that name; nil when `candidates` runs out.
    ///
    /// The bytes go to a temporary file in `directory` first, which is then hard-linked to each
    /// candidate name in turn (`link(2)` fails when the name exists). So a name appears only with
    /// its complete content, and two writers never take the same name. On a file system without
    /// hard links, each candidate is created with `O_EXCL` instead.
    static func writeToFirstFreeName(
        _ bytes: [UInt8], in directory: String, candidates: some Sequence<String>
    ) throws -> String? {
        let temporary = "\(directory)/.custody-tmp-\(UInt64.random(in: 0...UInt64.max))"
        try createExclusively(temporary, bytes: bytes)
        defer { unlink(temporary) }
        for name in candidates {
            if link(temporary, name) == 0 { return name }
            switch errno {
            case EEXIST:
                continue
            case EPERM, EOPNOTSUPP, EXDEV, EMLINK:
                if try createExclusivelyIfAbsent(name, bytes: bytes) { return name }
            default:
                throw systemError("cannot create", path: name, code: .io)
            }
        }
        return nil
    }

    /// Creates a file that must not exist, writes `bytes`, and syncs it; mode 0644 (the umask applies).
    private static func createExclusively(_ path: String, bytes: [UInt8]) throws {
        guard try createExclusivelyIfAbsent(path, bytes: bytes) else {
            throw StoreError(code: .io, reason: "cannot create \(path): it already exists")
        }
    }

    /// As ``createExclusively(_:bytes:)``, but returns false when the file exists.
    private static func createExclusivelyIfAbsent(_ path: String, bytes: [UInt8]) throws -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            if errno == EEXIST { return false }
            throw systemError("cannot create", path: path, code: .io)
        }
        do {
            try bytes.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count, let base = buffer.baseAddress {
                    let n = write(fd, base + offset, buffer.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw systemError("cannot write", path: path, code: .io)
                    }
                    offset += n
                }
            }
            guard fsync(fd) == 0 else { throw systemError("cannot write", path: path, code: .io) }
        } catch {
            close(fd)
            unlink(path)
            throw error
        }
        guard close(fd) == 0 else {
            let error = systemError("cannot write", path: path, code: .io)
            unlink(path)
            throw error
        }
        return true
    }

    /// An error for the current `errno`.
    static func systemError(_ what: String, path: String, code: StoreError.Code) -> StoreError {
        let number = errno
        return StoreError(code: code, reason: "\(what) \(path): \(String(cString: strerror(number)))")
    }
}
