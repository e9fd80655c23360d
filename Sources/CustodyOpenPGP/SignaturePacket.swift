/// Signature types Custody reads and writes (RFC 9580 section 5.2.1).
enum SignatureType: UInt8 {
    case binaryDocument = 0x00
    case textDocument = 0x01
    case genericCertification = 0x10
    case personaCertification = 0x11
    case casualCertification = 0x12
    case positiveCertification = 0x13
    case subkeyBinding = 0x18
    case primaryKeyBinding = 0x19
    case directKey = 0x1F
    case keyRevocation = 0x20
    case subkeyRevocation = 0x28
    case certificationRevocation = 0x30

    var isCertification: Bool { (0x10...0x13).contains(rawValue) }
}

/// A parsed v4 signature packet. Its fields are as claimed by the packet: nothing here is
/// verified until ``isValid(by:over:)`` returns true.
struct SignaturePacket: Sendable {
    let type: UInt8
    let publicKeyAlgorithm: UInt8
    let hashAlgorithm: UInt8
    /// The hashed subpacket area as it appears in the packet (covered by the signature).
    let hashedArea: [UInt8]
    let hashedSubpackets: [Subpacket]
    let unhashedSubpackets: [Subpacket]
    let hashPrefix: [UInt8]
    /// The signature values after the fixed fields, unparsed until the key's algorithm is known.
    let valueBytes: [UInt8]

    struct Subpacket: Sendable {
        let type: UInt8
        let isCritical: Bool
        let data: [UInt8]
    }

    enum SubpacketType: UInt8 {
        case creationTime = 2
        case signatureExpiration = 3
        case keyExpiration = 9
        case issuerKeyID = 16
        case keyFlags = 27
        case embeddedSignature = 32
        case issuerFingerprint = 33
    }

    /// Subpacket types whose meaning Custody knows, so that a critical one is not an error.
    private static let understood: Set<UInt8> = [2, 3, 9, 11, 16, 21, 22, 23, 25, 27, 29, 30, 32, 33, 34]

    static func parse(_ body: [UInt8]) throws(OpenPGPError) -> SignaturePacket {
        var reader = ByteReader(body)
        let version = try reader.byte("signature version")
        guard version == 4 else { throw OpenPGPError(.unsupported, "unsupported signature version \(version) (only v4 signatures are read)") }
        let type = try reader.byte("signature type")
        let publicKeyAlgorithm = try reader.byte("signature public-key algorithm")
        let hashAlgorithm = try reader.byte("signature hash algorithm")
        let hashedArea = try reader.bytes(Int(try reader.uint16("hashed subpacket length")), "hashed subpackets")
        let unhashedArea = try reader.bytes(Int(try reader.uint16("unhashed subpacket length")), "unhashed subpackets")
        let prefix = try reader.bytes(2, "signed hash prefix")
        return SignaturePacket(
            type: type, publicKeyAlgorithm: publicKeyAlgorithm, hashAlgorithm: hashAlgorithm, hashedArea: hashedArea,
            hashedSubpackets: try parseSubpackets(hashedArea), unhashedSubpackets: try parseSubpackets(unhashedArea),
            hashPrefix: prefix, valueBytes: reader.rest()
        )
    }

    private static func parseSubpackets(_ area: [UInt8]) throws(OpenPGPError) -> [Subpacket] {
        var reader = ByteReader(area)
        var subpackets: [Subpacket] = []
        while !reader.isAtEnd {
            guard subpackets.count < OpenPGPLimits.maxSubpackets else {
                throw OpenPGPError(.tooLarge, "more than \(OpenPGPLimits.maxSubpackets) signature subpackets")
            }
            let first = try reader.byte("subpacket length")
            let length: Int
            switch first {
            case 0..<192: length = Int(first)
            case 192..<255: length = (Int(first) - 192) << 8 + Int(try reader.byte("subpacket length")) + 192
            default: length = Int(try reader.uint32("subpacket length"))
            }
            guard length >= 1 else { throw .malformed("empty signature subpacket") }
            let typeByte = try reader.byte("subpacket type")
            subpackets.append(Subpacket(type: typeByte & 0x7F, isCritical: typeByte & 0x80 != 0, data: try reader.bytes(length - 1, "subpacket")))
        }
        return subpackets
    }

    // MARK: subpacket values (hashed area only, except issuer hints)

    private func hashed(_ type: SubpacketType) -> [UInt8]? {
        hashedSubpackets.last { $0.type == type.rawValue }?.data
    }

    private static func uint32(_ data: [UInt8]?) -> UInt32? {
        guard let data, data.count == 4 else { return nil }
        return UInt32(data[0]) << 24 | UInt32(data[1]) << 16 | UInt32(data[2]) << 8 | UInt32(data[3])
    }

    /// The creation time (required in the hashed area).
    var creationTime: UInt32? { SignaturePacket.uint32(hashed(.creationTime)) }
    /// Seconds after creation at which the signature expires; nil or 0 means never.
    var signatureExpiration: UInt32? { SignaturePacket.uint32(hashed(.signatureExpiration)) }
    /// Seconds after key creation at which the key expires; nil or 0 means never.
    var keyExpiration: UInt32? { SignaturePacket.uint32(hashed(.keyExpiration)) }
    /// Key flags (first octet), if stated.
    var keyFlags: UInt8? { hashed(.keyFlags)?.first }
    /// An embedded signature (the primary-key binding a signing subkey carries).
    var embeddedSignature: [UInt8]? {
        (hashedSubpackets + unhashedSubpackets).first { $0.type == SubpacketType.embeddedSignature.rawValue }?.data
    }

    /// Who claims to have made the signature: fingerprint (preferred) or key ID, from either area.
    var issuerFingerprint: Fingerprint? {
        let data = (hashedSubpackets + unhashedSubpackets).first { $0.type == SubpacketType.issuerFingerprint.rawValue }?.data
        guard let data, data.count == 21, data[0] == 4 else { return nil }
        return Fingerprint(bytes: Array(data[1...]))
    }

    var issuerKeyID: KeyID? {
        if let fingerprint = issuerFingerprint { return fingerprint.keyID }
        let data = (hashedSubpackets + unhashedSubpackets).first { $0.type == SubpacketType.issuerKeyID.rawValue }?.data
        guard let data, data.count == 8 else { return nil }
        return KeyID(bytes: data)
    }

    /// The first critical subpacket type Custody does not understand, which makes the signature invalid.
    var unknownCriticalSubpacket: UInt8? {
        hashedSubpackets.first { $0.isCritical && !SignaturePacket.understood.contains($0.type) }?.type
    }

    /// The v4 hash trailer (RFC 9580 section 5.2.4).
    var trailer: [UInt8] {
        let header: [UInt8] = [4, type, publicKeyAlgorithm, hashAlgorithm, UInt8(hashedArea.count >> 8), UInt8(hashedArea.count & 0xFF)]
        let length = UInt32(header.count + hashedArea.count)
        return header + hashedArea + [4, 0xFF] + Packet.bigEndian32(length)
    }

    /// Verifies the signature made by `key` over `data` (the bytes that precede the trailer).
    /// - Throws: ``OpenPGPError`` for an unaccepted hash, algorithm mismatch or unknown critical subpacket.
    /// - Returns: whether the cryptographic check passes.
    func isValid(by key: PublicKeyPacket, over data: [UInt8]) throws(OpenPGPError) -> Bool {
        let algorithm = try HashAlgorithm.accepted(hashAlgorithm)
        guard publicKeyAlgorithm == key.algorithm.rawValue
            || (key.algorithm == .rsa && publicKeyAlgorithm == PublicKeyAlgorithm.rsaSignOnly.rawValue)
        else {
            return false
        }
        if let critical = unknownCriticalSubpacket {
            throw OpenPGPError(.unsupported, "signature has an unknown critical subpacket (type \(critical))")
        }
        var hasher = SignatureHasher(algorithm)
        hasher.update(data)
        hasher.update(trailer)
        let hash = hasher.finalize()
        guard Array(hash.bytes.prefix(2)) == hashPrefix else { return false }
        var reader = ByteReader(valueBytes)
        guard let values = try? key.readSignatureValues(&reader), reader.isAtEnd else { return false }
        return key.isValidSignature(values, hash: hash)
    }
}
