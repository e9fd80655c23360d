// Packet framing (RFC 9580 section 4.2) as `OpenPGPMessage.verify` reads it: old and new header
// formats with every length width, indeterminate lengths, partial body lengths (allowed on literal
// and compressed data only), truncation at every byte, and the packet-count and input-size limits.

@testable import CustodyOpenPGP
import Foundation
import Testing

/// How a literal data packet's header is written.
enum LiteralFraming: String, CaseIterable, Sendable {
    case oldOneByte, oldTwoBytes, oldFourBytes, newOneByte, newTwoBytes, newFiveBytes
    case partialChunksOf1, partialChunksOf16, partialChunksOf512
    case oldIndeterminate

    func encode(_ packet: Packet) -> [UInt8] {
        let tag = packet.tag, body = packet.body
        switch self {
        case .oldOneByte: return Msg.oldFormat(tag: tag, body: body, lengthBytes: 1)
        case .oldTwoBytes: return Msg.oldFormat(tag: tag, body: body, lengthBytes: 2)
        case .oldFourBytes: return Msg.oldFormat(tag: tag, body: body, lengthBytes: 4)
        case .newOneByte: return Msg.newFormat(tag: tag, body: body, lengthBytes: 1)
        case .newTwoBytes: return Msg.newFormat(tag: tag, body: body, lengthBytes: 2)
        case .newFiveBytes: return Msg.newFormat(tag: tag, body: body, lengthBytes: 5)
        case .partialChunksOf1: return Msg.partial(tag: tag, body: body, exponent: 0)
        case .partialChunksOf16: return Msg.partial(tag: tag, body: body, exponent: 4)
        case .partialChunksOf512: return Msg.partial(tag: tag, body: body, exponent: 9)
        case .oldIndeterminate: return Msg.oldFormat(tag: tag, body: body, lengthBytes: nil)
        }
    }

    /// The payload size that fits the framing (a one-byte length holds at most 255 or 191).
    var payloadSize: Int {
        switch self {
        case .oldOneByte: 200
        case .newOneByte: 150
        case .newTwoBytes: 5000
        case .partialChunksOf1: 40
        default: 3000
        }
    }
}

@Suite("Packet framing")
struct PacketFramingInternalTests {
    @Test("literal data in every header format and length width verifies", arguments: LiteralFraming.allCases)
    func literalFramings(_ framing: LiteralFraming) throws {
        let payload = (0..<framing.payloadSize).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let parts = try SignedParts(TestKey.make(), payload: payload)
        let literal = framing.encode(parts.literal)
        // An indeterminate length runs to the end of the input, so that literal must come last.
        let message = framing == .oldIndeterminate
            ? parts.signature.encoded() + literal
            : parts.onePass.encoded() + literal + parts.signature.encoded()
        let keyring = try parts.keyring()
        #expect(try OpenPGPMessage.verify(message, keyring: keyring, now: Times.later).payload == payload)
        // The same inside a compressed packet.
        let compressed = try Msg.compressed(message).encoded()
        #expect(try OpenPGPMessage.verify(compressed, keyring: keyring, now: Times.later).payload == payload)
    }

    @Test("a compressed packet with partial body lengths or an indeterminate length verifies")
    func compressedFramings() throws {
        let parts = try SignedParts(TestKey.make(), payload: Array(repeating: 0x41, count: 2000) + Array("tail".utf8))
        let compressed = try Msg.compressed(parts.standard)
        for encoded in [
            Msg.partial(tag: 8, body: compressed.body, exponent: 4), Msg.oldFormat(tag: 8, body: compressed.body, lengthBytes: nil),
            Msg.newFormat(tag: 8, body: compressed.body, lengthBytes: 5),
        ] {
            #expect(try OpenPGPMessage.verify(encoded, keyring: parts.keyring(), now: Times.later).payload == parts.payload)
        }
    }

    @Test("signature and one-pass packets in every definite-length format verify", arguments: [
        (false, 1), (false, 2), (false, 4), (true, 1), (true, 2), (true, 5),
    ])
    func signatureFramings(newFormat: Bool, width: Int) throws {
        // A new-format two-byte length only holds 192...8383 bytes: use an RSA signature (≈400
        // bytes) there; an old-format one-byte length holds at most 255: use Ed25519 there.
        let parts = try SignedParts(TestKey.make(newFormat && width == 2 ? .rsa3072 : .ed25519))
        func encode(_ packet: Packet) -> [UInt8] {
            let fits = newFormat ? (width != 2 || (192..<8384).contains(packet.body.count)) && (width != 1 || packet.body.count < 192) : (width != 1 || packet.body.count < 256)
            guard fits else { return packet.encoded() }
            return newFormat ? Msg.newFormat(tag: packet.tag, body: packet.body, lengthBytes: width) : Msg.oldFormat(tag: packet.tag, body: packet.body, lengthBytes: width)
        }
        let message = encode(parts.onePass) + parts.literal.encoded() + encode(parts.signature)
        #expect(try OpenPGPMessage.verify(message, keyring: parts.keyring(), now: Times.later).payload == parts.payload)
        let first = encode(parts.signature)
        #expect(first != parts.signature.encoded() || (!newFormat && width == 1))
    }

    @Test("partial body lengths on a signature or one-pass packet are malformed")
    func partialOnSignature() throws {
        let parts = try SignedParts(TestKey.make())
        let keyring = try parts.keyring()
        let partialSignature = parts.onePass.encoded() + parts.literal.encoded() + Msg.partial(tag: 2, body: parts.signature.body, exponent: 5)
        #expect(throws: pgp(.malformed)) { try OpenPGPMessage.verify(partialSignature, keyring: keyring, now: Times.later) }
        let partialOnePass = Msg.partial(tag: 4, body: parts.onePass.body, exponent: 2) + parts.literal.encoded() + parts.signature.encoded()
        #expect(throws: pgp(.malformed)) { try OpenPGPMessage.verify(partialOnePass, keyring: keyring, now: Times.later) }
        let partialFirst = Msg.partial(tag: 2, body: parts.signature.body, exponent: 5) + parts.literal.encoded()
        #expect(throws: pgp(.malformed)) { try OpenPGPMessage.verify(partialFirst, keyring: keyring, now: Times.later) }
    }

    @Test("an indeterminate length on a signature packet is malformed")
    func indeterminateSignature() throws {
        let parts = try SignedParts(TestKey.make())
        let message = parts.onePass.encoded() + parts.literal.encoded() + Msg.oldFormat(tag: 2, body: parts.signature.body, lengthBytes: nil)
        #expect(throws: pgp(.malformed)) { try OpenPGPMessage.verify(message, keyring: parts.keyring(), now: Times.later) }
    }

    @Test("partial chunks that run past the input, or that are never finished, are malformed")
    func brokenPartials() throws {
        let parts = try SignedParts(TestKey.make(), payload: Array(repeating: 7, count: 100))
        let keyring = try parts.keyring()
        // A 2^20-byte chunk announced, 100 bytes present.
        let overlong = parts.signature.encoded() + [0xCB, 0xE0 | 20] + parts.literal.body
        #expect(throws: pgp(.malformed)) { try OpenPGPMessage.verify(overlong, keyring: keyring, now: Times.later) }
        // Partial chunks only, the input ends where the next length should be.
        let body = parts.literal.body
        let unfinished = parts.signature.encoded() + [0xCB, 0xE0 | 4] + Array(body.prefix(16))
        #expect(throws: pgp(.malformed)) { try OpenPGPMessage.verify(unfinished, keyring: keyring, now: Times.later) }
    }

    @Test("every truncation of an uncompressed signed message is refused: malformed, or unsigned at a packet boundary")
    func everyPrefixOfStandardMessage() throws {
        let parts = try SignedParts(TestKey.make())
        let keyring = try parts.keyring()
        let message = parts.standard
        let afterLiteral = parts.onePass.encoded().count + parts.literal.encoded().count
        for length in 0..<message.count {
            let expected: OpenPGPError.Code = length == afterLiteral ? .notSigned : .malformed
            #expect(throws: pgp(expected), "prefix of \(length) bytes") {
                try OpenPGPMessage.verify(Array(message.prefix(length)), keyring: keyring, now: Times.later)
            }
        }
    }

    @Test("every truncation of a signature-first message is refused: malformed, or detached at a packet boundary")
    func everyPrefixOfSignatureFirstMessage() throws {
        let parts = try SignedParts(TestKey.make())
        let keyring = try parts.keyring()
        let message = parts.signatureFirst
        let afterSignature = parts.signature.encoded().count
        for length in 0..<message.count {
            let expected: OpenPGPError.Code = length == afterSignature ? .detachedSignature : .malformed
            #expect(throws: pgp(expected), "prefix of \(length) bytes") {
                try OpenPGPMessage.verify(Array(message.prefix(length)), keyring: keyring, now: Times.later)
            }
        }
    }

    @Test("a first byte that is not a packet header, or a reserved tag, is malformed", arguments: [
        [0x00], [0x7F, 0x01, 0x02], [0x41, 0x42], [0x80, 0x00], [0xC0, 0x00], [0x8C, 0x00],
    ] as [[UInt8]])
    func notAPacket(bytes: [UInt8]) {
        #expect(throws: pgp(.malformed)) { try OpenPGPMessage.verify(bytes, keyring: OpenPGPKeyring()) }
    }

    @Test("a literal packet too short for its own header fields is malformed", arguments: [
        [], [0x62], [0x62, 0x05, 0x61], [0x62, 0x00, 0x00, 0x00],
    ] as [[UInt8]])
    func shortLiteral(body: [UInt8]) throws {
        let parts = try SignedParts(TestKey.make())
        let message = parts.signature.encoded() + Packet(tag: 11, body: body).encoded()
        #expect(throws: pgp(.malformed)) { try OpenPGPMessage.verify(message, keyring: parts.keyring(), now: Times.later) }
    }

    @Test("more packets than OpenPGPLimits.maxPackets is .tooLarge")
    func tooManyPackets() throws {
        let parts = try SignedParts(TestKey.make())
        let marker = Packet(tag: Packet.Tag.marker.rawValue, body: Array("PGP".utf8)).encoded()
        let fewer = Array([[UInt8]](repeating: marker, count: 100).joined()) + parts.standard
        #expect(try OpenPGPMessage.verify(fewer, keyring: parts.keyring(), now: Times.later).payload == parts.payload)
        let many = Array([[UInt8]](repeating: marker, count: OpenPGPLimits.maxPackets).joined()) + parts.standard
        #expect(throws: pgp(.tooLarge)) { try OpenPGPMessage.verify(many, keyring: parts.keyring(), now: Times.later) }
    }

    @Test("input over OpenPGPLimits.maxInputBytes is .tooLarge before anything is parsed")
    func inputTooLarge() throws {
        let parts = try SignedParts(TestKey.make())
        let padding = Packet(tag: Packet.Tag.padding.rawValue, body: Array(repeating: 0, count: OpenPGPLimits.maxInputBytes)).encoded()
        #expect(throws: pgp(.tooLarge)) { try OpenPGPMessage.verify(parts.standard + padding, keyring: parts.keyring(), now: Times.later) }
        let garbage = [UInt8](repeating: 0x41, count: OpenPGPLimits.maxInputBytes + 1)
        #expect(throws: pgp(.tooLarge)) { try OpenPGPMessage.verify(garbage, keyring: OpenPGPKeyring()) }
        #expect(throws: pgp(.tooLarge)) { try OpenPGPKeyring(bytes: garbage) }
    }
}
