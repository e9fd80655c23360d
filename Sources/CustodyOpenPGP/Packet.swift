/// One OpenPGP packet: its tag and body (RFC 9580 section 4).
struct Packet: Sendable {
    /// Packet tags Custody reads or writes.
    enum Tag: Int, Sendable {
        case signature = 2
        case secretKey = 5
        case publicKey = 6
        case secretSubkey = 7
        case compressedData = 8
        case marker = 10
        case literalData = 11
        case trust = 12
        case userID = 13
        case publicSubkey = 14
        case userAttribute = 17
        case onePassSignature = 4
        case padding = 21
    }

    let tag: Int
    let body: [UInt8]

    var knownTag: Tag? { Tag(rawValue: tag) }

    /// Splits `bytes` into packets.
    /// - Throws: ``OpenPGPError`` when framing is malformed or a limit is exceeded.
    static func parseAll(_ bytes: [UInt8]) throws(OpenPGPError) -> [Packet] {
        var reader = ByteReader(bytes)
        var packets: [Packet] = []
        while !reader.isAtEnd {
            guard packets.count < OpenPGPLimits.maxPackets else {
                throw OpenPGPError(.tooLarge, "more than \(OpenPGPLimits.maxPackets) OpenPGP packets")
            }
            packets.append(try readPacket(&reader))
        }
        return packets
    }

    private static func readPacket(_ reader: inout ByteReader) throws(OpenPGPError) -> Packet {
        let ctb = try reader.byte("packet header")
        guard ctb & 0x80 != 0 else {
            throw .malformed("not an OpenPGP packet (first byte 0x\(String(ctb, radix: 16)))")
        }
        if ctb & 0x40 == 0 {
            // Old format: tag in bits 5-2, length type in bits 1-0.
            let tag = Int(ctb >> 2 & 0x0F)
            let length: Int
            switch ctb & 0x03 {
            case 0: length = Int(try reader.byte("packet length"))
            case 1: length = Int(try reader.uint16("packet length"))
            case 2: length = Int(try reader.uint32("packet length"))
            default:
                // Indeterminate: the packet runs to the end of the input.
                guard tag == Tag.literalData.rawValue || tag == Tag.compressedData.rawValue else {
                    throw .malformed("indeterminate length is not allowed for packet tag \(tag)")
                }
                length = reader.remaining
            }
            return Packet(tag: tag, body: try reader.bytes(length, "body of packet tag \(tag)"))
        }
        let tag = Int(ctb & 0x3F)
        var body: [UInt8] = []
        while true {
            let first = try reader.byte("packet length")
            switch first {
            case 0..<192:
                body += try reader.bytes(Int(first), "body of packet tag \(tag)")
                return Packet(tag: tag, body: body)
            case 192..<224:
                let second = try reader.byte("packet length")
                body += try reader.bytes((Int(first) - 192) << 8 + Int(second) + 192, "body of packet tag \(tag)")
                return Packet(tag: tag, body: body)
            case 255:
                body += try reader.bytes(Int(try reader.uint32("packet length")), "body of packet tag \(tag)")
                return Packet(tag: tag, body: body)
            default:
                // Partial body length: a chunk of 2^n bytes, more length headers follow.
                guard tag == Tag.literalData.rawValue || tag == Tag.compressedData.rawValue else {
                    throw .malformed("partial body lengths are not allowed for packet tag \(tag)")
                }
                body += try reader.bytes(1 << Int(first & 0x1F), "body of packet tag \(tag)")
                guard body.count <= OpenPGPLimits.maxDecompressedBytes else {
                    throw OpenPGPError(.tooLarge, "packet is larger than \(OpenPGPLimits.maxDecompressedBytes) bytes")
                }
            }
        }
    }

    /// Encodes the packet with an old-format header where the tag allows it (as GnuPG writes), else new format.
    func encoded() -> [UInt8] {
        if tag < 16 {
            switch body.count {
            case 0..<256: return [0x80 | UInt8(tag) << 2, UInt8(body.count)] + body
            case 256..<65536: return [0x80 | UInt8(tag) << 2 | 1, UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body
            default: return [0x80 | UInt8(tag) << 2 | 2] + Packet.bigEndian32(UInt32(body.count)) + body
            }
        }
        var header: [UInt8] = [0xC0 | UInt8(tag)]
        switch body.count {
        case 0..<192: header.append(UInt8(body.count))
        case 192..<8384:
            let value = body.count - 192
            header += [UInt8(value >> 8 + 192), UInt8(value & 0xFF)]
        default: header += [255] + Packet.bigEndian32(UInt32(body.count))
        }
        return header + body
    }

    static func bigEndian32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
}

/// Reads big-endian fields from bytes, failing with a reason instead of trapping.
struct ByteReader {
    private let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { offset >= bytes.count }
    var remaining: Int { bytes.count - offset }

    mutating func byte(_ what: String) throws(OpenPGPError) -> UInt8 {
        guard offset < bytes.count else { throw .malformed("truncated \(what)") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func bytes(_ count: Int, _ what: String) throws(OpenPGPError) -> [UInt8] {
        guard count >= 0, count <= remaining else { throw .malformed("truncated \(what) (needs \(count) bytes, \(remaining) left)") }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func uint16(_ what: String) throws(OpenPGPError) -> UInt16 {
        let b = try bytes(2, what)
        return UInt16(b[0]) << 8 | UInt16(b[1])
    }

    mutating func uint32(_ what: String) throws(OpenPGPError) -> UInt32 {
        let b = try bytes(4, what)
        return UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
    }

    /// A multiprecision integer: a two-byte bit count and the big-endian bytes.
    mutating func mpi(_ what: String) throws(OpenPGPError) -> [UInt8] {
        let bits = Int(try uint16("\(what) length"))
        return try bytes((bits + 7) / 8, what)
    }

    mutating func rest() -> [UInt8] {
        defer { offset = bytes.count }
        return Array(bytes[offset...])
    }
}

/// Multiprecision integers as OpenPGP writes them.
enum MPI {
    /// Encodes big-endian bytes as an MPI, without leading zero bytes.
    static func encode(_ value: [UInt8]) -> [UInt8] {
        let trimmed = Array(value.drop { $0 == 0 })
        guard let first = trimmed.first else { return [0, 0] }
        let bits = (trimmed.count - 1) * 8 + (8 - first.leadingZeroBitCount)
        return [UInt8(bits >> 8), UInt8(bits & 0xFF)] + trimmed
    }

    /// Left-pads (or refuses) a value to exactly `length` bytes.
    static func fixedWidth(_ value: [UInt8], _ length: Int, _ what: String) throws(OpenPGPError) -> [UInt8] {
        let trimmed = Array(value.drop { $0 == 0 })
        guard trimmed.count <= length else { throw .malformed("\(what) is longer than \(length) bytes") }
        return [UInt8](repeating: 0, count: length - trimmed.count) + trimmed
    }
}
