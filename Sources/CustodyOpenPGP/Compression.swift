import CZlib

/// The compression algorithms of OpenPGP compressed data packets that Custody reads and writes.
enum CompressionAlgorithm: UInt8 {
    case uncompressed = 0
    /// Raw DEFLATE (RFC 1951), what GnuPG calls ZIP and uses by default.
    case zip = 1
    /// DEFLATE in a zlib wrapper (RFC 1950).
    case zlib = 2
    /// BZip2: not read (no maintained binding here).
    case bzip2 = 3
}

/// DEFLATE through the system zlib.
enum Deflate {
    /// Inflates `input`, raw (`zip`) or zlib-wrapped, refusing output over `limit` bytes.
    static func inflate(_ input: [UInt8], algorithm: CompressionAlgorithm, limit: Int) throws(OpenPGPError) -> [UInt8] {
        var stream = z_stream()
        let windowBits: Int32 = algorithm == .zip ? -15 : 15
        guard inflateInit2_(&stream, windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw OpenPGPError(.compression, "cannot initialise zlib")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var input = input
        var status: Int32 = Z_OK
        input.withUnsafeMutableBufferPointer { inBuffer in
            stream.next_in = inBuffer.baseAddress
            stream.avail_in = UInt32(inBuffer.count)
            repeat {
                chunk.withUnsafeMutableBufferPointer { outBuffer in
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = UInt32(outBuffer.count)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    output += outBuffer[0..<(outBuffer.count - Int(stream.avail_out))]
                }
            } while status == Z_OK && output.count <= limit && (stream.avail_in > 0 || stream.avail_out == 0)
        }
        guard output.count <= limit else {
            throw OpenPGPError(.tooLarge, "compressed data expands to more than \(limit) bytes")
        }
        switch status {
        case Z_STREAM_END:
            break
        case Z_OK, Z_BUF_ERROR:
            throw .malformed("compressed data is truncated")
        default:
            throw .malformed("compressed data is corrupt (zlib error \(status))")
        }
        guard stream.avail_in == 0 else {
            throw .malformed("data follows the end of the compressed stream")
        }
        return output
    }

    /// Compresses `input` as raw DEFLATE (OpenPGP ZIP).
    static func deflateRaw(_ input: [UInt8]) throws(OpenPGPError) -> [UInt8] {
        var stream = z_stream()
        guard deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw OpenPGPError(.compression, "cannot initialise zlib")
        }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 64)
        var input = input
        var status: Int32 = Z_OK
        let produced: Int = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = UInt32(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = UInt32(outBuffer.count)
                status = CZlib.deflate(&stream, Z_FINISH)
                return outBuffer.count - Int(stream.avail_out)
            }
        }
        guard status == Z_STREAM_END else { throw OpenPGPError(.compression, "zlib deflate failed (status \(status))") }
        return Array(output[0..<produced])
    }
}
