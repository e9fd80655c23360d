// The message shapes `OpenPGPMessage.verify` accepts (one-pass + literal + signature, or signature +
// literal, optionally inside one ZIP/ZLIB/stored compressed packet) and every other shape, each with
// its own error: unsigned, detached, several signatures, nested or unsupported compression,
// decompression bombs, wrong order, stray packets, and one-pass packets that disagree.

@testable import CustodyOpenPGP
import Foundation
import Testing

@Suite("Signed message shapes")
struct MessageShapeInternalTests {
    private func verify(_ message: [UInt8], _ parts: SignedParts) throws -> VerifiedSignedMessage {
        try OpenPGPMessage.verify(message, keyring: parts.keyring(), now: Times.later)
    }

    @Test("accepted shapes: one-pass/literal/signature and signature/literal, bare or compressed (stored, ZIP, ZLIB)")
    func acceptedShapes() throws {
        let parts = try SignedParts(TestKey.make())
        for inner in [parts.standard, parts.signatureFirst] {
            #expect(try verify(inner, parts).payload == parts.payload)
            for algorithm: UInt8 in [0, 1, 2] {
                #expect(try verify(Msg.compressed(inner, algorithm: algorithm).encoded(), parts).payload == parts.payload)
            }
        }
    }

    @Test("literal data alone is .notSigned, bare or compressed")
    func literalOnly() throws {
        let parts = try SignedParts(TestKey.make())
        #expect(throws: pgp(.notSigned)) { try verify(parts.literal.encoded(), parts) }
        #expect(throws: pgp(.notSigned)) { try verify(Msg.compressed(parts.literal.encoded()).encoded(), parts) }
        // A one-pass packet promising a signature that never comes.
        #expect(throws: pgp(.notSigned)) { try verify(parts.onePass.encoded() + parts.literal.encoded(), parts) }
    }

    @Test("a signature without literal data is .detachedSignature")
    func signatureOnly() throws {
        let parts = try SignedParts(TestKey.make())
        #expect(throws: pgp(.detachedSignature)) { try verify(parts.signature.encoded(), parts) }
        #expect(throws: pgp(.detachedSignature)) { try verify(parts.onePass.encoded() + parts.signature.encoded(), parts) }
        #expect(throws: pgp(.detachedSignature)) { try verify(Msg.compressed(parts.signature.encoded()).encoded(), parts) }
    }

    @Test("two signatures, by the same or different keys, in any arrangement, are .signatureCount")
    func twoSignatures() throws {
        let a = try SignedParts(TestKey.make())
        let b = try SignedParts(TestKey.make(), payload: a.payload)
        let shapes: [[UInt8]] = [
            b.onePass.encoded() + a.onePass.encoded() + a.literal.encoded() + a.signature.encoded() + b.signature.encoded(),
            a.signature.encoded() + b.signature.encoded() + a.literal.encoded(),
            a.onePass.encoded() + a.literal.encoded() + a.signature.encoded() + a.signature.encoded(),
            a.onePass.encoded() + a.onePass.encoded() + a.literal.encoded() + a.signature.encoded(),
        ]
        for shape in shapes {
            #expect(throws: pgp(.signatureCount)) { try verify(shape, a) }
            #expect(throws: pgp(.signatureCount)) { try verify(Msg.compressed(shape).encoded(), a) }
        }
    }

    @Test("a compressed packet inside a compressed packet is malformed")
    func nestedCompression() throws {
        let parts = try SignedParts(TestKey.make())
        let nested = try Msg.compressed(Msg.compressed(parts.standard).encoded())
        #expect(throws: pgp(.malformed)) { try verify(nested.encoded(), parts) }
        let storedInZip = try Msg.compressed(Msg.compressed(parts.standard, algorithm: 0).encoded())
        #expect(throws: pgp(.malformed)) { try verify(storedInZip.encoded(), parts) }
    }

    @Test("BZip2 and unknown compression algorithms are .compression", arguments: [3, 4, 99, 110, 255] as [UInt8])
    func unsupportedCompression(algorithm: UInt8) throws {
        let parts = try SignedParts(TestKey.make())
        // For BZip2, a real BZip2 header; the content is never read.
        let body = [algorithm] + (algorithm == 3 ? Array("BZh91AY&SY".utf8) : []) + parts.standard
        #expect(throws: pgp(.compression)) { try verify(Packet(tag: 8, body: body).encoded(), parts) }
    }

    @Test("corrupt or truncated deflate data, and data after the end of the stream, are malformed")
    func corruptDeflate() throws {
        let parts = try SignedParts(TestKey.make())
        // Reserved block type.
        #expect(throws: pgp(.malformed)) { try verify(Packet(tag: 8, body: [1, 0xFF, 0xFF, 0xFF, 0xFF]).encoded(), parts) }
        // A ZLIB stream that stops inside its first block.
        #expect(throws: pgp(.malformed)) { try verify(Packet(tag: 8, body: [2, 0x78, 0x9C, 0x00]).encoded(), parts) }
        let zip = try Msg.compressed(parts.standard)
        #expect(throws: pgp(.malformed)) { try verify(Packet(tag: 8, body: zip.body + [0x00, 0x01]).encoded(), parts) }
        #expect(throws: pgp(.malformed)) { try verify(Packet(tag: 8, body: Array(zip.body.dropLast(3))).encoded(), parts) }
        // A ZLIB stream whose Adler-32 trailer does not match.
        var zlib = try Msg.compressed(parts.standard, algorithm: 2).body
        zlib[zlib.count - 1] ^= 0x01
        #expect(throws: pgp(.malformed)) { try verify(Packet(tag: 8, body: zlib).encoded(), parts) }
    }

    @Test("an empty compressed packet is malformed")
    func emptyCompressed() throws {
        let parts = try SignedParts(TestKey.make())
        #expect(throws: pgp(.malformed)) { try verify(Packet(tag: 8, body: []).encoded(), parts) }
    }

    @Test("a compressed packet beside other packets is malformed")
    func compressedNotAlone() throws {
        let parts = try SignedParts(TestKey.make())
        let compressed = try Msg.compressed(parts.standard).encoded()
        #expect(throws: pgp(.malformed)) { try verify(compressed + parts.literal.encoded(), parts) }
        #expect(throws: pgp(.malformed)) { try verify(parts.onePass.encoded() + compressed, parts) }
        #expect(throws: pgp(.malformed)) { try verify(compressed + compressed, parts) }
    }

    @Test("a ZIP bomb expanding past OpenPGPLimits.maxDecompressedBytes is .tooLarge", arguments: [1, 2] as [UInt8])
    func decompressionBomb(algorithm: UInt8) throws {
        let parts = try SignedParts(TestKey.make())
        let zeros = [UInt8](repeating: 0, count: 20 << 20)
        let bomb = try Msg.compressed(zeros, algorithm: algorithm).encoded()
        #expect(bomb.count < OpenPGPLimits.maxInputBytes)
        #expect(throws: pgp(.tooLarge)) { try verify(bomb, parts) }
        // A bomb hidden in the literal data of a real message is refused the same way.
        let literal = Msg.literal(zeros)
        let hidden = try Msg.compressed(parts.onePass.encoded() + literal.encoded() + parts.signature.encoded(), algorithm: algorithm)
        #expect(throws: pgp(.tooLarge)) { try verify(hidden.encoded(), parts) }
    }

    @Test("a payload well under the decompression limit (8 MiB) verifies")
    func largePayload() throws {
        let payload = [UInt8]((0..<(8 << 20)).map { UInt8(truncatingIfNeeded: $0 >> 12) })
        let parts = try SignedParts(TestKey.make(), payload: payload)
        #expect(try verify(Msg.compressed(parts.standard).encoded(), parts).payload == payload)
    }

    @Test("packets in the wrong order are malformed")
    func wrongOrder() throws {
        let p = try SignedParts(TestKey.make())
        let (o, l, s) = (p.onePass.encoded(), p.literal.encoded(), p.signature.encoded())
        for shape in [l + s, l + o + s, o + s + l, s + l + o, l + s + o] {
            #expect(throws: pgp(.malformed)) { try verify(shape, p) }
        }
    }

    @Test("two literal data packets are malformed")
    func twoLiterals() throws {
        let p = try SignedParts(TestKey.make())
        let shape = p.onePass.encoded() + p.literal.encoded() + p.literal.encoded() + p.signature.encoded()
        #expect(throws: pgp(.malformed)) { try verify(shape, p) }
    }

    @Test("a packet that has no place in a signed message is malformed", arguments: [1, 3, 5, 6, 9, 13, 14, 17, 18, 60])
    func strayPacket(tag: Int) throws {
        let p = try SignedParts(TestKey.make())
        let stray = Packet(tag: tag, body: [4, 0, 0, 0, 0]).encoded()
        #expect(throws: pgp(.malformed)) { try verify(stray + p.standard, p) }
        #expect(throws: pgp(.malformed)) { try verify(p.standard + stray, p) }
    }

    @Test("marker and padding packets are ignored, also inside compression")
    func markerAndPadding() throws {
        let p = try SignedParts(TestKey.make())
        let marker = Packet(tag: 10, body: Array("PGP".utf8)).encoded()
        let padding = Packet(tag: 21, body: [UInt8](repeating: 0xAB, count: 32)).encoded()
        for shape in [marker + p.standard, p.standard + padding, p.onePass.encoded() + padding + p.literal.encoded() + p.signature.encoded()] {
            #expect(try verify(shape, p).payload == p.payload)
            #expect(try verify(Msg.compressed(shape).encoded(), p).payload == p.payload)
        }
        #expect(try verify(marker + Msg.compressed(p.standard).encoded(), p).payload == p.payload)
    }

    @Test("a one-pass packet that disagrees with the signature is malformed")
    func onePassMismatch() throws {
        let p = try SignedParts(TestKey.make())
        let other = try TestKey.make()
        let rest = p.literal.encoded() + p.signature.encoded()
        let variants: [Packet] = [
            Msg.onePass(p.key, hash: HashAlgorithm.sha512.rawValue),
            Msg.onePass(p.key, algorithm: PublicKeyAlgorithm.rsa.rawValue),
            Msg.onePass(p.key, type: 0x01),
            Msg.onePass(other),
            Packet(tag: 4, body: Msg.onePass(p.key).body + [0]),
            Packet(tag: 4, body: Array(Msg.onePass(p.key).body.dropLast())),
        ]
        for onePass in variants {
            #expect(throws: pgp(.malformed)) { try verify(onePass.encoded() + rest, p) }
        }
        #expect(throws: pgp(.unsupported)) { try verify(Msg.onePass(p.key, version: 6).encoded() + rest, p) }
        // The "nested" flag of the single one-pass packet is not interpreted.
        #expect(try verify(Msg.onePass(p.key, last: 0).encoded() + rest, p).payload == p.payload)
    }

    @Test("changing one byte of the signed payload is .badSignature")
    func tamperedPayload() throws {
        let p = try SignedParts(TestKey.make())
        for index in [0, p.payload.count / 2, p.payload.count - 1] {
            var payload = p.payload
            payload[index] ^= 0x20
            let shape = p.onePass.encoded() + Msg.literal(payload).encoded() + p.signature.encoded()
            #expect(throws: pgp(.badSignature)) { try verify(shape, p) }
            #expect(throws: pgp(.badSignature)) { try verify(Msg.compressed(shape).encoded(), p) }
        }
        let longer = p.onePass.encoded() + Msg.literal(p.payload + [0x0A]).encoded() + p.signature.encoded()
        #expect(throws: pgp(.badSignature)) { try verify(longer, p) }
    }

    @Test("the literal packet's format, file name and date are not signed (v4 document signatures): changing them verifies")
    func literalMetadataUnsigned() throws {
        let p = try SignedParts(TestKey.make())
        let changed = Msg.literal(p.payload, format: UInt8(ascii: "t"), name: Array("other.json".utf8), date: 0)
        let message = try verify(p.onePass.encoded() + changed.encoded() + p.signature.encoded(), p)
        #expect(message.payload == p.payload)
        #expect(message.untrustedCreationTime == Times.date(Times.signature))
    }
}
