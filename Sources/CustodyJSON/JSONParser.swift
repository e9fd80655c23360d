/// A strict RFC 8259 JSON reader.
///
/// Unlike Foundation's `JSONSerialization`, it rejects what security documents must not
/// contain: duplicate object keys, invalid UTF-8, unpaired surrogate escapes, a byte order mark,
/// anything after the top-level value, documents over ``JSONLimits/maxDocumentBytes`` and nesting
/// deeper than ``JSONLimits/maxDepth``. Every error names the path of the value and the byte offset.
public struct JSONParser: Sendable {
    /// The limits this parser enforces.
    public var limits: JSONLimits

    /// Makes a parser with the given limits.
    public init(limits: JSONLimits = .default) { self.limits = limits }

    /// Parses one JSON document.
    /// - Throws: ``JSONError`` naming the path and offset of the first problem.
    public func parse(_ bytes: some Collection<UInt8>) throws(JSONError) -> JSONValue {
        guard bytes.count <= limits.maxDocumentBytes else {
            throw JSONError(code: .documentTooLarge, reason: "document is \(bytes.count) bytes, over the limit of \(limits.maxDocumentBytes)")
        }
        let array = Array(bytes)
        return try array.withUnsafeBufferPointer { (buffer) throws(JSONError) -> JSONValue in
            var reader = Reader(bytes: buffer, maxDepth: limits.maxDepth)
            return try reader.document()
        }
    }
}

private struct Reader {
    let bytes: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var position = 0
    var depth = 0

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    mutating func document() throws(JSONError) -> JSONValue {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            throw JSONError(code: .syntax, reason: "a byte order mark is not allowed", offset: 0)
        }
        try validateUTF8()
        skipWhitespace()
        let value = try readValue(path: "(root)")
        skipWhitespace()
        guard position == bytes.count else {
            throw JSONError(code: .trailingData, reason: "unexpected data after the JSON value", offset: position)
        }
        return value
    }

    private func validateUTF8() throws(JSONError) {
        // Validate once up front so that string decoding below can trust the bytes.
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: return
            case .error: throw JSONError(code: .invalidUTF8, reason: "the document is not valid UTF-8", offset: offset)
            }
        }
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private func fail(_ reason: String, path: String) -> JSONError {
        JSONError(code: .syntax, path: path, reason: reason, offset: position)
    }

    private mutating func readValue(path: String) throws(JSONError) -> JSONValue {
        guard position < bytes.count else { throw fail("unexpected end of document", path: path) }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try readObject(path: path)
        case UInt8(ascii: "["): return try readArray(path: path)
        case UInt8(ascii: "\""): return .string(try readString(path: path))
        case UInt8(ascii: "t"): try expectLiteral("true", path: path); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false", path: path); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null", path: path); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try readNumber(path: path))
        default: throw fail("unexpected character \(printable(bytes[position]))", path: path)
        }
    }

    private func printable(_ byte: UInt8) -> String {
        (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x" + String(byte, radix: 16)
    }

    private mutating func expectLiteral(_ word: StaticString, path: String) throws(JSONError) {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw fail("unexpected end of document", path: path) }
        for i in 0..<count where bytes[position + i] != word.utf8Start[i] {
            throw fail("invalid literal, expected \(word)", path: path)
        }
        position += count
    }

    private mutating func enter(path: String) throws(JSONError) {
        depth += 1
        if depth > maxDepth {
            throw JSONError(code: .tooDeep, path: path, reason: "nesting is deeper than \(maxDepth) levels", offset: position)
        }
    }

    private mutating func readObject(path: String) throws(JSONError) -> JSONValue {
        try enter(path: path)
        position += 1
        var object = JSONObject()
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                throw fail("expected a string key", path: path)
            }
            let keyOffset = position
            let key = try readString(path: path)
            let memberPath = JSONPath.appending(path, key: key)
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
                throw fail("expected ':' after key", path: memberPath)
            }
            position += 1
            skipWhitespace()
            let value = try readValue(path: memberPath)
            guard object.insert(key, value) else {
                throw JSONError(code: .duplicateKey, path: memberPath, reason: "duplicate key in object", offset: keyOffset)
            }
            skipWhitespace()
            guard position < bytes.count else { throw fail("unexpected end of document in object", path: path) }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "}") { position += 1; break }
            throw fail("expected ',' or '}' in object", path: path)
        }
        depth -= 1
        return .object(object)
    }

    private mutating func readArray(path: String) throws(JSONError) -> JSONValue {
        try enter(path: path)
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try readValue(path: JSONPath.appending(path, index: elements.count)))
            skipWhitespace()
            guard position < bytes.count else { throw fail("unexpected end of document in array", path: path) }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "]") { position += 1; break }
            throw fail("expected ',' or ']' in array", path: path)
        }
        depth -= 1
        return .array(elements)
    }

    private mutating func readString(path: String) throws(JSONError) -> String {
        position += 1  // opening quote
        var scalars = String.UnicodeScalarView()
        var runStart = position
        func flush(_ end: Int) {
            if end > runStart {
                // The whole document was validated as UTF-8 already.
                scalars.append(contentsOf: String(decoding: UnsafeBufferPointer(rebasing: bytes[runStart..<end]), as: UTF8.self).unicodeScalars)
            }
        }
        while true {
            guard position < bytes.count else { throw fail("unterminated string", path: path) }
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                flush(position)
                position += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                flush(position)
                position += 1
                scalars.append(try readEscape(path: path))
                runStart = position
            case 0x00..<0x20:
                throw fail("unescaped control character in string", path: path)
            default:
                position += 1
            }
        }
    }

    private mutating func readEscape(path: String) throws(JSONError) -> Unicode.Scalar {
        guard position < bytes.count else { throw fail("unterminated escape", path: path) }
        let byte = bytes[position]
        position += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let first = try readHex4(path: path)
            switch first {
            case 0xD800...0xDBFF:
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                    throw fail("unpaired surrogate escape \\u\(String(first, radix: 16))", path: path)
                }
                position += 2
                let second = try readHex4(path: path)
                guard (0xDC00...0xDFFF).contains(second) else {
                    throw fail("unpaired surrogate escape \\u\(String(first, radix: 16))", path: path)
                }
                let value = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                return Unicode.Scalar(value)!  // in 0x10000...0x10FFFF by construction
            case 0xDC00...0xDFFF:
                throw fail("unpaired surrogate escape \\u\(String(first, radix: 16))", path: path)
            default:
                return Unicode.Scalar(first)!  // not a surrogate, so a valid scalar
            }
        default:
            position -= 1
            throw fail("invalid escape \\\(printable(byte))", path: path)
        }
    }

    private mutating func readHex4(path: String) throws(JSONError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw fail("truncated \\u escape", path: path) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw fail("invalid hex digit in \\u escape", path: path)
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    private mutating func readNumber(path: String) throws(JSONError) -> JSONNumber {
        let start = position
        func isDigit(_ i: Int) -> Bool { i < bytes.count && bytes[i] >= UInt8(ascii: "0") && bytes[i] <= UInt8(ascii: "9") }
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard isDigit(position) else { throw fail("invalid number", path: path) }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if isDigit(position) { throw fail("leading zeros are not allowed in numbers", path: path) }
        } else {
            while isDigit(position) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard isDigit(position) else { throw fail("invalid number: digits must follow '.'", path: path) }
            while isDigit(position) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard isDigit(position) else { throw fail("invalid number: digits must follow the exponent", path: path) }
            while isDigit(position) { position += 1 }
        }
        let literal = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        return JSONNumber(uncheckedLiteral: literal)
    }
}
