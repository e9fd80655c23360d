import Foundation

/// The result of verifying a signed message: the payload and who signed it.
///
/// Only ``OpenPGPMessage/verify(_:keyring:now:)`` makes values of this type, after the signature
/// verified with a key of the keyring that was allowed to sign.
public struct VerifiedSignedMessage: Sendable {
    /// The signed bytes (the literal data).
    public let payload: [UInt8]
    /// The primary fingerprint of the key that signed (also when a signing subkey made the signature).
    public let signerFingerprint: Fingerprint
    /// The fingerprint of the key that made the signature (the primary key or a signing subkey).
    public let signingKeyFingerprint: Fingerprint
    /// When the signature says it was made (signer's clock; not a proof of time).
    public let untrustedCreationTime: Date
    /// The hash algorithm of the signature.
    public let hashAlgorithm: HashAlgorithm
}

/// OpenPGP signed messages (RFC 9580 section 10.3) as simple signing uses them.
///
/// Accepted shapes: one-pass signature, literal data, signature; or the older signature, literal
/// data; each optionally inside one compressed data packet (ZIP or ZLIB); binary or ASCII-armored.
/// Exactly one signature is required. Refused, each with its own error: detached signatures,
/// cleartext signatures, unsigned literal data, several signatures, SHA-1/MD5 signatures,
/// unknown keys, revoked or expired keys, expired signatures.
public enum OpenPGPMessage {
    /// Verifies a signed message against a keyring.
    /// - Parameters:
    ///   - bytes: the message, binary or ASCII-armored.
    ///   - keyring: the keys whose signatures are accepted.
    ///   - now: the time expirations are checked at.
    /// - Throws: ``OpenPGPError`` saying why the message is not accepted.
    public static func verify(_ bytes: [UInt8], keyring: OpenPGPKeyring, now: Date = Date()) throws(OpenPGPError) -> VerifiedSignedMessage {
        let parts = try parse(bytes)
        let signature = parts.signature
        let hashAlgorithm = try HashAlgorithm.accepted(signature.hashAlgorithm)
        guard let issuer = signature.issuerKeyID ?? parts.onePassKeyID else {
            throw .malformed("the signature names no issuer key")
        }
        let nowSeconds = UInt32(clamping: Int64(now.timeIntervalSince1970.rounded(.down)))
        guard let signer = try keyring.signingKey(for: issuer, at: nowSeconds) else {
            let named = signature.issuerFingerprint?.description ?? issuer.description
            throw OpenPGPError(.untrustedKey, "signed by key \(named), which is not trusted: it is not among the trusted keys")
        }
        var data = parts.literal
        if signature.type == SignatureType.textDocument.rawValue { data = canonicalizeLineEndings(data) }
        guard try signature.isValid(by: signer.key, over: data) else {
            throw OpenPGPError(.badSignature, "the signature does not verify with key \(signer.key.fingerprint): the signed data or the signature was altered")
        }
        guard let created = signature.creationTime else { throw .malformed("the signature has no creation time") }
        if created < signer.key.creationTime {
            throw OpenPGPError(.keyNotUsable, "the signature predates key \(signer.key.fingerprint)")
        }
        if let lifetime = signature.signatureExpiration, lifetime > 0 {
            let expiry = UInt64(created) + UInt64(lifetime)
            if UInt64(nowSeconds) >= expiry {
                throw OpenPGPError(.signatureExpired, "signature expired at \(Date(timeIntervalSince1970: TimeInterval(expiry)))")
            }
        }
        return VerifiedSignedMessage(
            payload: parts.literal, signerFingerprint: signer.primary, signingKeyFingerprint: signer.key.fingerprint,
            untrustedCreationTime: Date(timeIntervalSince1970: TimeInterval(created)), hashAlgorithm: hashAlgorithm
        )
    }

    /// The issuer a message's signature names, without verifying anything: for diagnostics only.
    public static func untrustedIssuer(_ bytes: [UInt8]) -> String? {
        guard let parts = try? parse(bytes) else { return nil }
        return parts.signature.issuerFingerprint?.description ?? (parts.signature.issuerKeyID ?? parts.onePassKeyID)?.description
    }

    struct Parts {
        let literal: [UInt8]
        let signature: SignaturePacket
        let onePassKeyID: KeyID?
    }

    /// Splits a message into its literal data and its one signature, refusing every other shape.
    static func parse(_ bytes: [UInt8]) throws(OpenPGPError) -> Parts {
        guard bytes.count <= OpenPGPLimits.maxInputBytes else {
            throw OpenPGPError(.tooLarge, "message is larger than \(OpenPGPLimits.maxInputBytes) bytes")
        }
        guard !bytes.isEmpty else { throw .malformed("the signature is empty") }
        var binary = bytes
        if Armor.isArmored(bytes) {
            let blocks = try Armor.decode(bytes)
            guard blocks.count == 1 else { throw .malformed("expected one armored message, found \(blocks.count) blocks") }
            switch blocks[0].kind {
            case .message: binary = blocks[0].data
            case .signature: throw OpenPGPError(.detachedSignature, "a detached signature holds no signed data")
            default: throw .malformed("expected an armored message, found \(blocks[0].kind.rawValue)")
            }
        }
        var packets = try Packet.parseAll(binary).filter { $0.knownTag != .marker && $0.knownTag != .padding }
        if packets.contains(where: { $0.knownTag == .compressedData }) {
            guard packets.count == 1 else { throw .malformed("a compressed packet must be the only packet of the message") }
            packets = try Packet.parseAll(try decompress(packets[0].body)).filter { $0.knownTag != .marker && $0.knownTag != .padding }
            if packets.contains(where: { $0.knownTag == .compressedData }) {
                throw .malformed("nested compressed packets are not accepted")
            }
        }
        let tags = packets.map(\.tag)
        let signatureCount = tags.filter { $0 == Packet.Tag.signature.rawValue }.count
        let literalCount = tags.filter { $0 == Packet.Tag.literalData.rawValue }.count
        let onePassCount = tags.filter { $0 == Packet.Tag.onePassSignature.rawValue }.count
        if let other = packets.first(where: { ![.signature, .literalData, .onePassSignature].contains($0.knownTag) }) {
            throw .malformed("unexpected packet tag \(other.tag) in a signed message")
        }
        if literalCount == 0 {
            if signatureCount > 0 { throw OpenPGPError(.detachedSignature, "a detached signature holds no signed data") }
            throw .malformed("no signed message found")
        }
        guard literalCount == 1 else { throw .malformed("the message has \(literalCount) literal data packets") }
        if signatureCount == 0 { throw OpenPGPError(.notSigned, "the message is not signed (it holds only literal data)") }
        guard signatureCount == 1, onePassCount <= 1 else {
            throw OpenPGPError(.signatureCount, "the message has \(max(signatureCount, onePassCount)) signatures; exactly one is required")
        }
        let onePass: [UInt8]?
        let literalPacket: Packet, signaturePacket: Packet
        switch tags {
        case [Packet.Tag.onePassSignature.rawValue, Packet.Tag.literalData.rawValue, Packet.Tag.signature.rawValue]:
            (onePass, literalPacket, signaturePacket) = (packets[0].body, packets[1], packets[2])
        case [Packet.Tag.signature.rawValue, Packet.Tag.literalData.rawValue]:
            (onePass, literalPacket, signaturePacket) = (nil, packets[1], packets[0])
        default:
            throw .malformed("packets are not in the order of a signed message")
        }
        let signature = try SignaturePacket.parse(signaturePacket.body)
        guard signature.type == SignatureType.binaryDocument.rawValue || signature.type == SignatureType.textDocument.rawValue else {
            throw OpenPGPError(.unsupported, "signature type 0x\(String(signature.type, radix: 16)) is not a document signature")
        }
        var onePassKeyID: KeyID?
        if let onePass {
            var reader = ByteReader(onePass)
            let version = try reader.byte("one-pass signature version")
            guard version == 3 else { throw OpenPGPError(.unsupported, "unsupported one-pass signature version \(version)") }
            let type = try reader.byte("one-pass signature type")
            let hash = try reader.byte("one-pass hash algorithm")
            let algorithm = try reader.byte("one-pass public-key algorithm")
            onePassKeyID = KeyID(bytes: try reader.bytes(8, "one-pass key ID"))
            _ = try reader.byte("one-pass nested flag")
            guard reader.isAtEnd, type == signature.type, hash == signature.hashAlgorithm, algorithm == signature.publicKeyAlgorithm,
                signature.issuerKeyID == nil || signature.issuerKeyID == onePassKeyID
            else {
                throw .malformed("the one-pass signature packet does not match the signature")
            }
        }
        return Parts(literal: try literalData(literalPacket.body), signature: signature, onePassKeyID: onePassKeyID)
    }

    private static func literalData(_ body: [UInt8]) throws(OpenPGPError) -> [UInt8] {
        var reader = ByteReader(body)
        _ = try reader.byte("literal data format")
        let nameLength = Int(try reader.byte("literal data file name length"))
        _ = try reader.bytes(nameLength, "literal data file name")
        _ = try reader.uint32("literal data date")
        return reader.rest()
    }

    private static func decompress(_ body: [UInt8]) throws(OpenPGPError) -> [UInt8] {
        guard let first = body.first else { throw .malformed("empty compressed packet") }
        let content = Array(body.dropFirst())
        switch CompressionAlgorithm(rawValue: first) {
        case .uncompressed: return content
        case .zip, .zlib:
            return try Deflate.inflate(content, algorithm: CompressionAlgorithm(rawValue: first) ?? .zip, limit: OpenPGPLimits.maxDecompressedBytes)
        case .bzip2:
            throw OpenPGPError(.compression, "BZip2 compression is not supported (only ZIP and ZLIB)")
        case nil:
            throw OpenPGPError(.compression, "unknown compression algorithm \(first)")
        }
    }

    /// Text-mode signatures hash the text with CR LF line endings.
    private static func canonicalizeLineEndings(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count)
        var previous: UInt8 = 0
        for byte in data {
            if byte == 0x0A && previous != 0x0D { out.append(0x0D) }
            out.append(byte)
            previous = byte
        }
        return out
    }
}
