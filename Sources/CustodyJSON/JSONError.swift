import Foundation

/// An error from reading or writing a JSON document.
///
/// Every error names the place in the document where it happened: ``path`` is a JSONPath-like
/// string such as `critical.identity["docker-reference"]` or `layers[1].digest`, and
/// ``offset`` is the byte offset for syntax errors. Equality compares ``code`` only, so tests
/// can write `#expect(throws: JSONError(code: .duplicateKey))`.
public struct JSONError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as a stable machine-readable kind.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The document is larger than the reader's size limit.
        public static let documentTooLarge = Code(rawValue: "documentTooLarge")
        /// The document nests arrays and objects deeper than the reader's limit.
        public static let tooDeep = Code(rawValue: "tooDeep")
        /// The bytes are not valid UTF-8.
        public static let invalidUTF8 = Code(rawValue: "invalidUTF8")
        /// The bytes are not JSON (RFC 8259 grammar).
        public static let syntax = Code(rawValue: "syntax")
        /// Something other than whitespace follows the top-level value.
        public static let trailingData = Code(rawValue: "trailingData")
        /// An object has the same key twice.
        public static let duplicateKey = Code(rawValue: "duplicateKey")
        /// An object has a key that the format does not define.
        public static let unknownKey = Code(rawValue: "unknownKey")
        /// A key that the format requires is absent.
        public static let missingKey = Code(rawValue: "missingKey")
        /// A value has the wrong JSON type, or a number does not fit the expected type.
        public static let typeMismatch = Code(rawValue: "typeMismatch")
        /// A value has the right type but is not acceptable (a format-specific rule).
        public static let invalidValue = Code(rawValue: "invalidValue")
        /// A value cannot be written (for example a non-finite number).
        public static let unencodable = Code(rawValue: "unencodable")
    }

    /// The kind of failure.
    public var code: Code
    /// Where in the document: `(root)` for the top-level value.
    public var path: String
    /// A human-readable explanation.
    public var reason: String
    /// The byte offset into the document, for syntax errors.
    public var offset: Int?

    /// Makes an error; `path` defaults to the document root.
    public init(code: Code, path: String = "(root)", reason: String = "", offset: Int? = nil) {
        self.code = code
        self.path = path
        self.reason = reason
        self.offset = offset
    }

    public var description: String {
        var text = "JSON \(path): \(reason.isEmpty ? code.rawValue : reason)"
        if let offset { text += " (at byte \(offset))" }
        return text
    }

    public static func == (lhs: JSONError, rhs: JSONError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}

/// The coding key of an array element.
struct JSONIndexKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ index: Int) {
        self.stringValue = "Index \(index)"
        self.intValue = index
    }
    init?(stringValue: String) { return nil }
    init?(intValue: Int) { self.init(intValue) }
}

/// Builds the printable path of a value from its coding path.
enum JSONPath {
    static func render(_ components: [any CodingKey]) -> String {
        if components.isEmpty { return "(root)" }
        var out = ""
        for key in components {
            if let index = (key as? JSONIndexKey)?.intValue {
                out += "[\(index)]"
            } else if isIdentifier(key.stringValue) {
                out += out.isEmpty ? key.stringValue : "." + key.stringValue
            } else {
                out += "[\(quoted(key.stringValue))]"
            }
        }
        return out
    }

    static func appending(_ path: String, key: String) -> String {
        if isIdentifier(key) { return path == "(root)" ? key : path + "." + key }
        return (path == "(root)" ? "" : path) + "[\(quoted(key))]"
    }

    static func appending(_ path: String, index: Int) -> String {
        (path == "(root)" ? "" : path) + "[\(index)]"
    }

    private static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.utf8.first, !(first >= 0x30 && first <= 0x39) else { return false }
        return s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F }
    }

    private static func quoted(_ s: String) -> String {
        // Untrusted keys are printed escaped so that an error message stays one line.
        var out = "\""
        for scalar in s.unicodeScalars.prefix(128) {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        if s.unicodeScalars.count > 128 { out += "…" }
        return out + "\""
    }
}
