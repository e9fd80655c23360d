#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// A request body read from a byte range of a file, one chunk at a time, so that uploading a
/// large blob never holds it in memory. Each iteration opens the file again, so a request body
/// made from it can be sent again on a retry.
///
/// The range must still be there when it is read: a file that became shorter is an error, never a
/// short body.
struct FileBodySequence: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    /// The size of each chunk read and sent.
    static let chunkSize = 1 << 20

    let path: String
    let offset: Int64
    let length: Int64

    func makeAsyncIterator() -> Iterator {
        Iterator(path: path, position: offset, remaining: length)
    }

    /// Reads the range with `pread`; closes the file at the end or when dropped.
    final class Iterator: AsyncIteratorProtocol {
        private let path: String
        private var position: Int64
        private var remaining: Int64
        private var descriptor: Int32 = -1
        private let allocator = ByteBufferAllocator()

        init(path: String, position: Int64, remaining: Int64) {
            self.path = path
            self.position = position
            self.remaining = remaining
        }

        deinit {
            if descriptor >= 0 { close(descriptor) }
        }

        func next() async throws -> ByteBuffer? {
            guard remaining > 0 else {
                closeFile()
                return nil
            }
            if descriptor < 0 {
                descriptor = open(path, O_RDONLY | O_CLOEXEC)
                guard descriptor >= 0 else {
                    throw RegistryError(code: .io, reason: "cannot open \(path) to upload it: \(String(cString: strerror(errno)))")
                }
            }
            let wanted = Int(Swift.min(Int64(FileBodySequence.chunkSize), remaining))
            var buffer = allocator.buffer(capacity: wanted)
            var failure: Int32 = 0
            let count = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: wanted) { pointer -> Int in
                while true {
                    let n = pread(descriptor, pointer.baseAddress, wanted, off_t(position))
                    if n < 0 && errno == EINTR { continue }
                    if n < 0 { failure = errno; return 0 }
                    return n
                }
            }
            if failure != 0 {
                closeFile()
                throw RegistryError(code: .io, reason: "cannot read \(path) to upload it: \(String(cString: strerror(failure)))")
            }
            guard count > 0 else {
                closeFile()
                throw RegistryError(code: .io, reason: "\(path) became shorter while it was uploaded (\(remaining) bytes missing at offset \(position))")
            }
            position += Int64(count)
            remaining -= Int64(count)
            return buffer
        }

        private func closeFile() {
            if descriptor >= 0 {
                close(descriptor)
                descriptor = -1
            }
        }
    }
}
