import Foundation

/// ASCII armor (RFC 9580 section 6): base64 between `-----BEGIN PGP …-----` lines, with an
/// optional CRC-24 checksum line.
public enum Armor {
    /// The kind of armored block.
    public enum Kind: String, Sendable {
        case message = "PGP MESSAGE"
        case publicKey = "PGP PUBLIC KEY BLOCK"
        case privateKey = "PGP PRIVATE KEY BLOCK"
        case signature = "PGP SIGNATURE"
        case signedMessage = "PGP SIGNED MESSAGE"
    }

    /// Whether `bytes` start (after white space) with an armor header line.
    public static func isArmored(_ bytes: [UInt8]) -> Bool {
        let start = bytes.firstIndex { !(($0 == 0x20) || ($0 == 0x09) || ($0 == 0x0A) || ($0 == 0x0D)) } ?? bytes.count
        return bytes[start...].starts(with: Array("-----BEGIN PGP ".utf8))
    }

    /// Decodes every armored block in `bytes` (a keyring file may hold several).
    /// - Throws: ``OpenPGPError`` when a block is malformed or its checksum does not match.
    public static func decode(_ bytes: [UInt8]) throws(OpenPGPError) -> [(kind: Kind, data: [UInt8])] {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .malformed("armor is not valid UTF-8 text") }
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " \t\r")) }
        var blocks: [(Kind, [UInt8])] = []
        var index = 0
        while index < lines.count {
            let line = lines[index]
            index += 1
            guard line.hasPrefix("-----BEGIN "), line.hasSuffix("-----") else { continue }
            let name = String(line.dropFirst(11).dropLast(5))
            guard let kind = Kind(rawValue: name) else { throw .malformed("unknown armor block \"\(name.prefix(40))\"") }
            if kind == .signedMessage {
                throw OpenPGPError(.cleartextSignature, "a cleartext signature (-----BEGIN PGP SIGNED MESSAGE-----) is not a signed message")
            }
            // Header lines ("Version: …", "Comment: …") end at the first empty line.
            while index < lines.count, lines[index].contains(":"), !lines[index].hasPrefix("-----") { index += 1 }
            if index < lines.count, lines[index].isEmpty { index += 1 }
            var body = ""
            var checksum: String?
            var closed = false
            while index < lines.count {
                let current = lines[index]
                index += 1
                if current == "-----END \(name)-----" { closed = true; break }
                if current.hasPrefix("=") && current.count == 5 { checksum = String(current.dropFirst()); continue }
                body += current
            }
            guard closed else { throw .malformed("armor block \"\(name)\" has no END line") }
            guard let data = Data(base64Encoded: body) else { throw .malformed("armor body is not valid base64") }
            let decoded = [UInt8](data)
            if let checksum {
                guard let expected = Data(base64Encoded: checksum), expected.count == 3 else { throw .malformed("armor checksum is not valid base64") }
                guard [UInt8](expected) == crc24(decoded) else { throw .malformed("armor checksum does not match") }
            }
            blocks.append((kind, decoded))
        }
        guard !blocks.isEmpty else { throw .malformed("no armored block found") }
        return blocks
    }

    /// Encodes `data` as one armored block with a CRC-24 checksum, lines of 64 characters.
    public static func encode(_ data: [UInt8], kind: Kind) -> String {
        let base64 = Data(data).base64EncodedString()
        var text = "-----BEGIN \(kind.rawValue)-----\n\n"
        var start = base64.startIndex
        while start < base64.endIndex {
            let end = base64.index(start, offsetBy: 64, limitedBy: base64.endIndex) ?? base64.endIndex
            text += base64[start..<end] + "\n"
            start = end
        }
        text += "=" + Data(crc24(data)).base64EncodedString() + "\n"
        text += "-----END \(kind.rawValue)-----\n"
        return text
    }

    /// The CRC-24 of RFC 9580 section 6.1.
    static func crc24(_ data: [UInt8]) -> [UInt8] {
        var crc: UInt32 = 0xB704CE
        for byte in data {
            crc ^= UInt32(byte) << 16
            for _ in 0..<8 {
                crc <<= 1
                if crc & 0x100_0000 != 0 { crc ^= 0x186_4CFB }
            }
        }
        crc &= 0xFF_FFFF
        return [UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)]
    }
}
