/// Writes `Encodable` values as deterministic JSON.
///
/// The output follows the JSON Canonicalization Scheme ([RFC 8785](https://www.rfc-editor.org/rfc/rfc8785)):
/// object members sorted by the UTF-16 code units of their keys, no insignificant whitespace,
/// strings escaped minimally (only `"`, `\` and control characters, with the short forms
/// `\b \f \n \r \t`), and numbers in ECMAScript's shortest round-trip form. For the documents
/// containers/image writes (ASCII keys, integers) this is byte for byte what Go's
/// `json.Marshal` of a map produces, apart from Go's escaping of `<`, `>` and `&`.
///
/// `nil` optionals are left out, as Swift's synthesized `Encodable` does with `encodeIfPresent`.
///
/// The ``Style/goEncodingJSON`` style writes what Go's `encoding/json` writes for a map instead:
/// keys sorted by their UTF-8 bytes, `<`, `>`, `&`, U+2028 and U+2029 escaped as `\u003c`…,
/// and every 64-bit integer exactly. Formats defined by Go programs (simple-signing claims) use it.
public struct CanonicalJSONEncoder: Sendable {
    /// The byte-level conventions of the output.
    public enum Style: Sendable, Hashable {
        /// RFC 8785, the JSON Canonicalization Scheme.
        case rfc8785
        /// Go's `encoding/json` (Go 1.22 and later) marshalling sorted maps.
        case goEncodingJSON
    }

    /// The style of the output.
    public let style: Style

    /// Makes an encoder.
    public init(style: Style = .rfc8785) { self.style = style }

    /// Encodes `value` to canonical JSON bytes.
    /// - Throws: ``JSONError`` with code ``JSONError/Code/unencodable`` for values JSON cannot hold.
    public func encode(_ value: some Encodable) throws(JSONError) -> [UInt8] {
        try CanonicalJSONEncoder.serialize(try tree(value), style: style)
    }

    /// Encodes `value` to a ``JSONValue`` tree.
    public func tree(_ value: some Encodable) throws(JSONError) -> JSONValue {
        if let raw = value as? JSONValue { return raw }
        let root = EncodingNode()
        do {
            try value.encode(to: TreeEncoder(node: root, codingPath: []))
        } catch let error as JSONError {
            throw error
        } catch {
            throw JSONError(code: .unencodable, reason: String(describing: error))
        }
        return try root.value(path: "(root)")
    }

    /// Serializes a value tree canonically.
    public static func serialize(_ value: JSONValue, style: Style = .rfc8785) throws(JSONError) -> [UInt8] {
        var out: [UInt8] = []
        var path: [PathStep] = []
        try write(value, to: &out, path: &path, style: style)
        return out
    }

    /// One step from the root to the value being written; rendered only for an error.
    private enum PathStep {
        case index(Int)
        case key(String)

        static func render(_ steps: [PathStep]) -> String {
            steps.reduce("(root)") { path, step in
                switch step {
                case .index(let index): JSONPath.appending(path, index: index)
                case .key(let key): JSONPath.appending(path, key: key)
                }
            }
        }
    }

    private static func write(_ value: JSONValue, to out: inout [UInt8], path: inout [PathStep], style: Style) throws(JSONError) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): out.append(contentsOf: try canonicalNumber(n, path: path, style: style).utf8)
        case .string(let s): writeString(s, to: &out, style: style)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                path.append(.index(i))
                try write(element, to: &out, path: &path, style: style)
                path.removeLast()
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            for (i, member) in sortedMembers(object, style: style).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(member.key, to: &out, style: style)
                out.append(UInt8(ascii: ":"))
                path.append(.key(member.key))
                try write(member.value, to: &out, path: &path, style: style)
                path.removeLast()
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// The members in canonical order: by UTF-16 code units (RFC 8785) or by UTF-8 bytes (Go).
    /// For ASCII keys, the usual case, both orders are the byte order, which `String` compares fast.
    private static func sortedMembers(_ object: JSONObject, style: Style) -> [(key: String, value: JSONValue)] {
        let members = object.members
        if members.allSatisfy({ $0.key.utf8.allSatisfy { $0 < 0x80 } }) {
            return members.sorted { $0.key < $1.key }
        }
        return members.sorted {
            style == .rfc8785 ? $0.key.utf16.lexicographicallyPrecedes($1.key.utf16) : $0.key.utf8.lexicographicallyPrecedes($1.key.utf8)
        }
    }

    /// Integers keep their literal; other numbers are rewritten in ECMAScript form (RFC 8785 §3.2.2.3).
    private static func canonicalNumber(_ n: JSONNumber, path: [PathStep], style: Style) throws(JSONError) -> String {
        if n.isIntegerLiteral, let i = n.int64, style == .goEncodingJSON || i.magnitude < (1 << 53) { return String(i) }
        guard let d = n.double else {
            throw JSONError(code: .unencodable, path: PathStep.render(path), reason: "number \(n.literal.prefix(64)) is outside the range of an IEEE 754 double")
        }
        return ECMAScriptNumber.format(d)
    }

    private static let hex = Array("0123456789abcdef".utf8)

    /// Whether a UTF-8 byte must be escaped in a JSON string: a control character, `"` or `\`.
    @inline(__always)
    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    private static func writeString(_ s: String, to out: inout [UInt8], style: Style) {
        out.append(UInt8(ascii: "\""))
        if style == .goEncodingJSON {
            for scalar in s.unicodeScalars {
                switch scalar {
                case "<", ">", "&", "\u{2028}", "\u{2029}":
                    let value = Int(scalar.value)
                    out.append(contentsOf: "\\u".utf8)
                    out.append(contentsOf: [hex[value >> 12 & 0xF], hex[value >> 8 & 0xF], hex[value >> 4 & 0xF], hex[value & 0xF]])
                default:
                    writeEscapedUTF8(String(scalar).utf8, to: &out)
                }
            }
        } else {
            appendEscaped(s, to: &out)
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends the RFC 8785 escaped form of `s`, without quotes (shared with ``JSONByteWriter``).
    static func appendEscaped(_ s: String, to out: inout [UInt8]) {
        // Most strings (names, base64) need no escape: copied in one step, from the string's
        // contiguous storage when it has one (native strings do).
        let copied = s.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard !bytes.contains(where: Self.needsEscape) else { return false }
            out.append(contentsOf: bytes)
            return true
        }
        if copied != true {
            if s.utf8.contains(where: Self.needsEscape) {
                writeEscapedUTF8(s.utf8, to: &out)
            } else {
                out.append(contentsOf: s.utf8)
            }
        }
    }

    private static func writeEscapedUTF8(_ bytes: some Sequence<UInt8>, to out: inout [UInt8]) {
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "\\"))
            case 0x08: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "b"))
            case 0x0C: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "f"))
            case 0x0A: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
            case 0x00..<0x20:
                out.append(contentsOf: "\\u00".utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
    }
}

/// A node of the tree that ``CanonicalJSONEncoder`` builds; containers fill it in place.
private final class EncodingNode {
    enum Content {
        case empty
        case value(JSONValue)
        case array([EncodingNode])
        case object([(String, EncodingNode)])
    }
    var content: Content = .empty

    func value(path: String) throws(JSONError) -> JSONValue {
        switch content {
        case .empty:
            throw JSONError(code: .unencodable, path: path, reason: "nothing was encoded for this value")
        case .value(let v):
            return v
        case .array(let nodes):
            var elements: [JSONValue] = []
            for (i, node) in nodes.enumerated() { elements.append(try node.value(path: JSONPath.appending(path, index: i))) }
            return .array(elements)
        case .object(let members):
            var object = JSONObject()
            for (key, node) in members {
                guard object.insert(key, try node.value(path: JSONPath.appending(path, key: key))) else {
                    throw JSONError(code: .duplicateKey, path: JSONPath.appending(path, key: key), reason: "key encoded twice")
                }
            }
            return .object(object)
        }
    }
}

private struct TreeEncoder: Encoder {
    let node: EncodingNode
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = node.content {} else { node.content = .object([]) }
        return KeyedEncodingContainer(KeyedEncoder<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = node.content {} else { node.content = .array([]) }
        return UnkeyedEncoder(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleEncoder(node: node, codingPath: codingPath) }
}

/// Stores one encoded value into a node: primitives directly, anything else through `encode(to:)`.
private func store(_ value: some Encodable, into node: EncodingNode, codingPath: [any CodingKey]) throws {
    func unencodable(_ reason: String) -> JSONError {
        JSONError(code: .unencodable, path: JSONPath.render(codingPath), reason: reason)
    }
    if let v = value as? JSONValue {
        node.content = .value(v)
    } else if let v = value as? String {
        node.content = .value(.string(v))
    } else if let v = value as? Bool {
        node.content = .value(.bool(v))
    } else if let v = value as? any BinaryInteger {
        guard let i = Int64(exactly: v) else { throw unencodable("integer \(v) is too large") }
        node.content = .value(.number(JSONNumber(i)))
    } else if let v = value as? any BinaryFloatingPoint {
        guard let n = JSONNumber(Double(v)) else { throw unencodable("\(v) is not a JSON number") }
        node.content = .value(.number(n))
    } else {
        try value.encode(to: TreeEncoder(node: node, codingPath: codingPath))
    }
}

private struct KeyedEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: EncodingNode
    let codingPath: [any CodingKey]

    private func child(for key: Key) -> EncodingNode { child(named: key.stringValue) }

    private func child(named name: String) -> EncodingNode {
        let child = EncodingNode()
        if case .object(var members) = node.content {
            members.append((name, child))
            node.content = .object(members)
        }
        return child
    }

    mutating func encodeNil(forKey key: Key) throws { child(for: key).content = .value(.null) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try store(value, into: child(for: key), codingPath: codingPath + [key])
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        TreeEncoder(node: child(for: key), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        TreeEncoder(node: child(for: key), codingPath: codingPath + [key]).unkeyedContainer()
    }
    mutating func superEncoder() -> any Encoder { TreeEncoder(node: child(named: "super"), codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { TreeEncoder(node: child(for: key), codingPath: codingPath + [key]) }
}

private struct UnkeyedEncoder: UnkeyedEncodingContainer {
    let node: EncodingNode
    let codingPath: [any CodingKey]
    var count: Int {
        if case .array(let nodes) = node.content { return nodes.count }
        return 0
    }

    private func append() -> EncodingNode {
        let child = EncodingNode()
        if case .array(var nodes) = node.content {
            nodes.append(child)
            node.content = .array(nodes)
        }
        return child
    }

    mutating func encodeNil() throws { append().content = .value(.null) }
    private var elementPath: [any CodingKey] { codingPath + [JSONIndexKey(count)] }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let path = elementPath
        try store(value, into: append(), codingPath: path)
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let path = elementPath
        return TreeEncoder(node: append(), codingPath: path).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = elementPath
        return TreeEncoder(node: append(), codingPath: path).unkeyedContainer()
    }
    mutating func superEncoder() -> any Encoder {
        let path = elementPath
        return TreeEncoder(node: append(), codingPath: path)
    }
}

private struct SingleEncoder: SingleValueEncodingContainer {
    let node: EncodingNode
    let codingPath: [any CodingKey]
    mutating func encodeNil() throws { node.content = .value(.null) }
    mutating func encode<T: Encodable>(_ value: T) throws { try store(value, into: node, codingPath: codingPath) }
}
