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
    /// Where the reader is, as keys and indexes; rendered (``path``) only for an error.
    var pathStack: [PathComponent] = []

    enum PathComponent {
        case key(String)
        case index(Int)
    }

    /// The current path as errors name it (`(root)`, `a.b[2]["x y"]`).
    var path: String {
        pathStack.reduce("(root)") { path, component in
            switch component {
            case .key(let key): JSONPath.appending(path, key: key)
            case .index(let index): JSONPath.appending(path, index: index)
            }
        }
    }

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
        let value = try readValue()
        skipWhitespace()
        guard position == bytes.count else {
            throw JSONError(code: .trailingData, reason: "unexpected data after the JSON value", offset: position)
        }
        return value
    }

    private func validateUTF8() throws(JSONError) {
        // Validate once up front so that string decoding below can trust the bytes. The
        // standard library's validation is fast; the scalar-by-scalar walk below runs only to
        // find the offset of the first invalid byte.
        if String(validating: bytes, as: UTF8.self) != nil { return }
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

    private func fail(_ reason: String) -> JSONError {
        JSONError(code: .syntax, path: path, reason: reason, offset: position)
    }

    private mutating func readValue() throws(JSONError) -> JSONValue {
        guard position < bytes.count else { throw fail("unexpected end of document") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try readObject()
        case UInt8(ascii: "["): return try readArray()
        case UInt8(ascii: "\""): return .string(try readString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try readNumber())
        default: throw fail("unexpected character \(printable(bytes[position]))")
        }
    }

    private func printable(_ byte: UInt8) -> String {
        (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x" + String(byte, radix: 16)
    }

    private mutating func expectLiteral(_ word: StaticString) throws(JSONError) {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw fail("unexpected end of document") }
        for i in 0..<count where bytes[position + i] != word.utf8Start[i] {
            throw fail("invalid literal, expected \(word)")
        }
        position += count
    }

    private mutating func enter() throws(JSONError) {
        depth += 1
        if depth > maxDepth {
            throw JSONError(code: .tooDeep, path: path, reason: "nesting is deeper than \(maxDepth) levels", offset: position)
        }
    }

    private mutating func readObject() throws(JSONError) -> JSONValue {
        try enter()
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
                throw fail("expected a string key")
            }
            let keyOffset = position
            let key = try readString()
            pathStack.append(.key(key))
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
                throw fail("expected ':' after key")
            }
            position += 1
            skipWhitespace()
            let value = try readValue()
            guard object.insert(key, value) else {
                throw JSONError(code: .duplicateKey, path: path, reason: "duplicate key in object", offset: keyOffset)
            }
            pathStack.removeLast()
            skipWhitespace()
            guard position < bytes.count else { throw fail("unexpected end of document in object") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "}") { position += 1; break }
            throw fail("expected ',' or '}' in object")
        }
        depth -= 1
        return .object(object)
    }

    private mutating func readArray() throws(JSONError) -> JSONValue {
        try enter()
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
            pathStack.append(.index(elements.count))
            elements.append(try readValue())
            pathStack.removeLast()
            skipWhitespace()
            guard position < bytes.count else { throw fail("unexpected end of document in array") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "]") { position += 1; break }
            throw fail("expected ',' or ']' in array")
        }
        depth -= 1
        return .array(elements)
    }

    private mutating func readString() throws(JSONError) -> String {
        position += 1  // opening quote
        // Fast path: no escape, so the string is the bytes between the quotes (the whole document
        // was validated as UTF-8 already).
        let start = position
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                position += 1
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<(position - 1)]), as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw fail("unescaped control character in string") }
            position += 1
        }
        var scalars = String.UnicodeScalarView()
        var runStart = start
        func flush(_ end: Int) {
            if end > runStart {
                // The whole document was validated as UTF-8 already.
                scalars.append(contentsOf: String(decoding: UnsafeBufferPointer(rebasing: bytes[runStart..<end]), as: UTF8.self).unicodeScalars)
            }
        }
        while true {
            guard position < bytes.count else { throw fail("unterminated string") }
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                flush(position)
                position += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                flush(position)
                position += 1
                scalars.append(try readEscape())
                runStart = position
            case 0x00..<0x20:
                throw fail("unescaped control character in string")
            default:
                position += 1
            }
        }
    }

    private mutating func readEscape() throws(JSONError) -> Unicode.Scalar {
        guard position < bytes.count else { throw fail("unterminated escape") }
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
            let first = try readHex4()
            switch first {
            case 0xD800...0xDBFF:
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                    throw fail("unpaired surrogate escape \\u\(String(first, radix: 16))")
                }
                position += 2
                let second = try readHex4()
                guard (0xDC00...0xDFFF).contains(second) else {
                    throw fail("unpaired surrogate escape \\u\(String(first, radix: 16))")
                }
                let value = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                return Unicode.Scalar(value)!  // in 0x10000...0x10FFFF by construction
            case 0xDC00...0xDFFF:
                throw fail("unpaired surrogate escape \\u\(String(first, radix: 16))")
            default:
                return Unicode.Scalar(first)!  // not a surrogate, so a valid scalar
            }
        default:
            position -= 1
            throw fail("invalid escape \\\(printable(byte))")
        }
    }

    private mutating func readHex4() throws(JSONError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw fail("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw fail("invalid hex digit in \\u escape")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    private mutating func readNumber() throws(JSONError) -> JSONNumber {
        let start = position
        func isDigit(_ i: Int) -> Bool { i < bytes.count && bytes[i] >= UInt8(ascii: "0") && bytes[i] <= UInt8(ascii: "9") }
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard isDigit(position) else { throw fail("invalid number") }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if isDigit(position) { throw fail("leading zeros are not allowed in numbers") }
        } else {
            while isDigit(position) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard isDigit(position) else { throw fail("invalid number: digits must follow '.'") }
            while isDigit(position) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard isDigit(position) else { throw fail("invalid number: digits must follow the exponent") }
            while isDigit(position) { position += 1 }
        }
        let literal = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        return JSONNumber(uncheckedLiteral: literal)
    }
}
