import Foundation

/// One PEM block (RFC 7468): a type label and the DER bytes it armours.
///
/// Parsing is strict. The text must hold exactly one block, optionally surrounded by whitespace;
/// the `BEGIN` and `END` labels must match; the body must be valid, padded base64 (line breaks
/// anywhere, no RFC 1421 headers such as `Proc-Type`); nothing but whitespace may follow the
/// `END` line. Input longer than ``maxBytes`` is refused before it is looked at.
public struct PEMDocument: Sendable, Hashable {
    /// The largest PEM text accepted: 64 KiB, far above an RSA 8192-bit private key (about 6.5 KiB).
    public static let maxBytes = 64 * 1024

    /// The label after `BEGIN`, for example `PUBLIC KEY`.
    public var type: String
    /// The decoded body.
    public var derBytes: [UInt8]

    /// Makes a document from a label and DER bytes.
    public init(type: String, derBytes: [UInt8]) {
        self.type = type
        self.derBytes = derBytes
    }

    /// Parses one PEM block.
    ///
    /// - Throws: ``KeyError`` with code ``KeyError/Code/tooLarge`` or ``KeyError/Code/invalidPEM``.
    public init(pemEncoded text: String) throws {
        guard text.utf8.count <= Self.maxBytes else {
            throw KeyError(code: .tooLarge, reason: "PEM input is \(text.utf8.count) bytes; the limit is \(Self.maxBytes)")
        }
        // "\r\n" is one Character in Swift, so it is a separator of its own.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        var index = 0
        while index < lines.count, Self.isBlank(lines[index]) { index += 1 }
        guard index < lines.count else {
            throw KeyError(code: .invalidPEM, reason: "no PEM block found")
        }
        let first = lines[index].trimmingCharacters(in: .whitespaces)
        guard let type = Self.label(first, marker: "BEGIN") else {
            throw KeyError(code: .invalidPEM, reason: "PEM input does not start with a -----BEGIN …----- line")
        }
        guard !type.isEmpty else {
            throw KeyError(code: .invalidPEM, reason: "PEM BEGIN line has an empty type")
        }
        index += 1
        var body = ""
        var foundEnd = false
        while index < lines.count {
            let line = lines[index].trimmingCharacters(in: .whitespaces)
            index += 1
            if line.hasPrefix("-----") {
                guard let endType = Self.label(line, marker: "END") else {
                    throw KeyError(code: .invalidPEM, reason: "PEM block \(type) has an unexpected armour line before its END line")
                }
                guard endType == type else {
                    throw KeyError(code: .invalidPEM, reason: "PEM block BEGIN \(type) ends with END \(endType)")
                }
                foundEnd = true
                break
            }
            if line.contains(":") {
                throw KeyError(code: .invalidPEM, reason: "PEM block \(type) has headers (encrypted PEM is not supported)")
            }
            body += line
        }
        guard foundEnd else {
            throw KeyError(code: .invalidPEM, reason: "PEM block \(type) has no END line")
        }
        let rest = lines[index...]
        if let extra = rest.first(where: { !Self.isBlank($0) }) {
            if extra.contains("-----BEGIN") {
                throw KeyError(code: .invalidPEM, reason: "PEM input holds more than one block")
            }
            throw KeyError(code: .invalidPEM, reason: "PEM input has data after the END \(type) line")
        }
        guard !body.isEmpty else {
            throw KeyError(code: .invalidPEM, reason: "PEM block \(type) is empty")
        }
        guard body.utf8.count % 4 == 0,
              body.utf8.allSatisfy(Self.isBase64Byte),
              let data = Data(base64Encoded: body)
        else {
            throw KeyError(code: .invalidPEM, reason: "PEM block \(type) is not valid base64")
        }
        self.type = type
        self.derBytes = Array(data)
    }

    /// The PEM text: `BEGIN` line, base64 body in 64-character lines, `END` line, final newline.
    public var pemEncoded: String {
        let encoded = Data(derBytes).base64EncodedString()
        var result = "-----BEGIN \(type)-----\n"
        var start = encoded.startIndex
        while start < encoded.endIndex {
            let end = encoded.index(start, offsetBy: 64, limitedBy: encoded.endIndex) ?? encoded.endIndex
            result += encoded[start..<end] + "\n"
            start = end
        }
        result += "-----END \(type)-----\n"
        return result
    }

    private static func isBlank(_ line: Substring) -> Bool {
        line.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" }
    }

    private static func isBase64Byte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="):
            true
        default:
            false
        }
    }

    /// The label of `-----<marker> <label>-----`, or nil.
    private static func label(_ line: String, marker: String) -> String? {
        let prefix = "-----\(marker) "
        let suffix = "-----"
        guard line.hasPrefix(prefix), line.hasSuffix(suffix), line.count >= prefix.count + suffix.count else {
            return nil
        }
        let label = line.dropFirst(prefix.count).dropLast(suffix.count)
        guard !label.hasPrefix(" "), !label.hasSuffix(" "), !label.hasSuffix("-") else { return nil }
        return String(label)
    }
}

/// The few DER facts the key readers need to pick a parser before handing the bytes to
/// swift-crypto: the outer structure and the algorithm identifiers of SPKI and PKCS#8.
enum KeyDER {
    /// One TLV element.
    struct Element {
        var tag: UInt8
        var content: ArraySlice<UInt8>
    }

    static let oidECPublicKey: [UInt8] = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]
    static let oidP256: [UInt8] = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]
    static let oidP384: [UInt8] = [0x2b, 0x81, 0x04, 0x00, 0x22]
    static let oidP521: [UInt8] = [0x2b, 0x81, 0x04, 0x00, 0x23]
    static let oidRSAEncryption: [UInt8] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]
    static let oidRSAPSS: [UInt8] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a]
    static let oidEd25519: [UInt8] = [0x2b, 0x65, 0x70]

    /// Ed25519 SubjectPublicKeyInfo = this prefix || 32-byte public key (RFC 8410).
    static let ed25519SPKIPrefix: [UInt8] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]
    /// Ed25519 PKCS#8 v1 PrivateKeyInfo = this prefix || 32-byte seed (RFC 8410).
    static let ed25519PKCS8Prefix: [UInt8] = [
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
    ]

    /// Reads one element from the front of `bytes`, returning it and the rest.
    static func read(_ bytes: ArraySlice<UInt8>) throws -> (Element, ArraySlice<UInt8>) {
        var index = bytes.startIndex
        guard index < bytes.endIndex else { throw malformed("truncated") }
        let tag = bytes[index]
        index += 1
        guard index < bytes.endIndex else { throw malformed("truncated length") }
        let first = bytes[index]
        index += 1
        var length = 0
        if first < 0x80 {
            length = Int(first)
        } else {
            let count = Int(first & 0x7f)
            guard count >= 1, count <= 3, bytes.endIndex - index >= count else { throw malformed("bad length") }
            for _ in 0..<count {
                length = length << 8 | Int(bytes[index])
                index += 1
            }
            guard length >= 0x80, length >> ((count - 1) * 8) != 0 else { throw malformed("non-minimal length") }
        }
        guard bytes.endIndex - index >= length else { throw malformed("truncated content") }
        return (Element(tag: tag, content: bytes[index..<(index + length)]), bytes[(index + length)...])
    }

    /// The children of a whole-input SEQUENCE; trailing bytes after it are refused.
    static func sequence(_ bytes: [UInt8]) throws -> [Element] {
        let (outer, rest) = try read(bytes[...])
        guard outer.tag == 0x30, rest.isEmpty else { throw malformed("not a single SEQUENCE") }
        return try children(outer.content)
    }

    static func children(_ content: ArraySlice<UInt8>) throws -> [Element] {
        var result: [Element] = []
        var rest = content
        while !rest.isEmpty {
            let (element, next) = try read(rest)
            result.append(element)
            rest = next
        }
        return result
    }

    /// The algorithm OID and, when present, the parameter OID of an AlgorithmIdentifier.
    static func algorithm(_ element: Element) throws -> (oid: [UInt8], parameter: [UInt8]?) {
        guard element.tag == 0x30 else { throw malformed("AlgorithmIdentifier is not a SEQUENCE") }
        let parts = try children(element.content)
        guard let oid = parts.first, oid.tag == 0x06 else { throw malformed("AlgorithmIdentifier has no OID") }
        let parameter = parts.dropFirst().first.flatMap { $0.tag == 0x06 ? Array($0.content) : nil }
        return (Array(oid.content), parameter)
    }

    /// The key algorithm a SubjectPublicKeyInfo or PKCS#8 AlgorithmIdentifier names.
    static func keyAlgorithm(_ element: Element) throws -> KeyAlgorithm {
        let (oid, parameter) = try algorithm(element)
        switch oid {
        case oidECPublicKey:
            switch parameter {
            case oidP256?: return .ecdsaP256
            case oidP384?: return .ecdsaP384
            case oidP521?: return .ecdsaP521
            case let other?:
                throw KeyError(
                    code: .unsupportedAlgorithm,
                    reason: "unsupported elliptic curve OID \(dotted(other)) (only P-256, P-384 and P-521 are supported)")
            case nil:
                throw KeyError(
                    code: .unsupportedAlgorithm,
                    reason: "EC key does not name its curve by OID (explicit curve parameters are not supported; only P-256, P-384 and P-521 are)")
            }
        case oidRSAEncryption, oidRSAPSS: return .rsa
        case oidEd25519: return .ed25519
        default:
            throw KeyError(code: .unsupportedAlgorithm, reason: "unsupported key algorithm OID \(dotted(oid))")
        }
    }

    /// The curve named in the `[0]` parameters of a SEC1 ECPrivateKey.
    static func sec1Curve(_ der: [UInt8]) throws -> KeyAlgorithm {
        let parts = try sequence(der)
        guard parts.count >= 2, parts[0].tag == 0x02, parts[1].tag == 0x04 else {
            throw malformed("not a SEC1 ECPrivateKey")
        }
        guard let parameters = parts.first(where: { $0.tag == 0xa0 }) else {
            throw KeyError(code: .unsupportedAlgorithm, reason: "SEC1 EC private key does not name its curve")
        }
        let (oid, rest) = try read(parameters.content)
        guard oid.tag == 0x06, rest.isEmpty else {
            throw KeyError(code: .unsupportedAlgorithm, reason: "SEC1 EC private key uses explicit curve parameters")
        }
        switch Array(oid.content) {
        case oidP256: return .ecdsaP256
        case oidP384: return .ecdsaP384
        case oidP521: return .ecdsaP521
        default:
            throw KeyError(
                code: .unsupportedAlgorithm,
                reason: "unsupported elliptic curve OID \(dotted(Array(oid.content))) (only P-256, P-384 and P-521 are supported)")
        }
    }

    static func dotted(_ oid: [UInt8]) -> String {
        guard let first = oid.first else { return "(empty)" }
        var parts = [String(min(Int(first) / 40, 2)), String(Int(first) - min(Int(first) / 40, 2) * 40)]
        var value = 0
        for byte in oid.dropFirst() {
            value = value << 7 | Int(byte & 0x7f)
            if byte & 0x80 == 0 {
                parts.append(String(value))
                value = 0
            }
            if value > 1 << 40 { return "(invalid)" }
        }
        return parts.joined(separator: ".")
    }

    static func malformed(_ what: String) -> KeyError {
        KeyError(code: .invalidKey, reason: "malformed key DER: \(what)")
    }
}
