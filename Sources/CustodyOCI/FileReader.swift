#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads files in large chunks with plain system calls, for hashing at disk speed.
public enum FileReader {
    /// The chunk size used for streaming: large enough that system-call overhead vanishes next to hashing.
    public static let chunkSize = 1 << 20

    /// Calls `body` with consecutive chunks of the file at `path`.
    /// - Throws: ``OCIError`` with code `notFound` or `io`, or whatever `body` throws.
    public static func forEachChunk(path: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw systemError("cannot open", path: path) }
        defer { close(fd) }
        #if os(Linux)
        _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
        #endif
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer.baseAddress, chunkSize)
            if n < 0 {
                if errno == EINTR { continue }
                throw systemError("cannot read", path: path)
            }
            if n == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
    }

    /// Reads a whole file, refusing files larger than `limit` bytes.
    /// - Throws: ``OCIError`` with code `notFound`, `io` or `tooLarge`.
    public static func readAll(path: String, limit: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try forEachChunk(path: path) { chunk in
            guard bytes.count + chunk.count <= limit else {
                throw OCIError(code: .tooLarge, reason: "\(path): larger than the limit of \(limit) bytes")
            }
            bytes.append(contentsOf: chunk)
        }
        return bytes
    }

    /// Whether a file or directory exists at `path`.
    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    static func systemError(_ what: String, path: String) -> OCIError {
        let code = errno
        let message = String(cString: strerror(code))
        return OCIError(code: code == ENOENT ? .notFound : .io, reason: "\(what) \(path): \(message)")
    }
}

extension Digest {
    /// The digest of the file at `path`, read in large chunks.
    /// - Throws: ``OCIError`` when the file cannot be read.
    public static func compute(fileAt path: String, algorithm: Algorithm = .sha256) throws -> Digest {
        var computer = DigestComputer(algorithm: algorithm)
        try FileReader.forEachChunk(path: path) { computer.update($0) }
        return computer.finalize()
    }
}
