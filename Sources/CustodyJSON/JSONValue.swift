/// A parsed JSON value that keeps what a security decision may depend on.
///
/// Objects keep their members in document order (``JSONObject``), and numbers keep their
/// literal text (``JSONNumber``) so that no precision is lost before a format decides how to
/// read them.
public enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// A short name of the value's JSON type, for error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// A JSON number as it was written, with exact conversions.
public struct JSONNumber: Hashable, Sendable, CustomStringConvertible {
    /// The number's text, as it appeared in the document (RFC 8259 grammar).
    public let literal: String

    /// Wraps a literal that the parser has already checked against the grammar.
    init(uncheckedLiteral: String) { self.literal = uncheckedLiteral }

    /// An integer value.
    public init(_ value: Int64) { self.literal = String(value) }

    /// A floating-point value; `nil` when it is not finite (JSON has no NaN or infinity).
    public init?(_ value: Double) {
        guard value.isFinite else { return nil }
        self.literal = ECMAScriptNumber.format(value)
    }

    /// Whether the literal has no fraction and no exponent.
    public var isIntegerLiteral: Bool { !literal.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") } }

    /// The value as a signed 64-bit integer, when the literal is an integer in range.
    public var int64: Int64? { isIntegerLiteral ? Int64(literal) : nil }

    /// The value as an unsigned 64-bit integer, when the literal is a non-negative integer in range.
    public var uint64: UInt64? { isIntegerLiteral ? UInt64(literal) : nil }

    /// The value as the nearest double, when it is finite.
    public var double: Double? {
        guard let value = Double(literal), value.isFinite else { return nil }
        return value
    }

    public var description: String { literal }
}

/// A JSON object: its members in document order, with unique keys.
///
/// Keys are compared by their exact Unicode scalars, not by Swift's canonical equivalence:
/// `"\u00e9"` and `"e\u0301"` are two different keys, and `"\u212a"` (KELVIN SIGN) is not `"K"`,
/// as in Go's encoding/json and every other JSON implementation a signature may be checked with.
public struct JSONObject: Hashable, Sendable, Sequence {
    /// The members in document order.
    public private(set) var members: [(key: String, value: JSONValue)]
    /// Member positions by key, built only once an object has more than ``linearLimit`` members:
    /// most objects are small, and comparing a few keys costs less than hashing them into a
    /// table of their own.
    private var index: [ExactKey: Int]?

    /// The most members looked up by comparing keys one by one.
    static let linearLimit = 8

    /// An empty object.
    public init() {
        self.members = []
        self.index = nil
    }

    /// Builds an object from members; returns `nil` if a key repeats.
    public init?(members: [(key: String, value: JSONValue)]) {
        self.init()
        for member in members where !insert(member.key, member.value) { return nil }
    }

    /// Adds a member; returns `false` (and changes nothing) when the key is already present.
    @discardableResult
    public mutating func insert(_ key: String, _ value: JSONValue) -> Bool {
        if index != nil {
            // One hash lookup on the common path (a new key); a repeated key is put back.
            let exact = ExactKey(key)
            if let existing = index!.updateValue(members.count, forKey: exact) {
                index![exact] = existing
                return false
            }
        } else {
            if position(of: key) != nil { return false }
            if members.count == Self.linearLimit {
                var built: [ExactKey: Int] = [:]
                built.reserveCapacity(members.count * 2)
                for (position, member) in members.enumerated() { built[ExactKey(member.key)] = position }
                built[ExactKey(key)] = members.count
                index = built
            }
        }
        members.append((key, value))
        return true
    }

    /// The position of `key` among the first ``linearLimit`` members, compared byte for byte.
    private func position(of key: String) -> Int? {
        let length = key.utf8.count
        for (position, member) in members.enumerated() where member.key.utf8.count == length && member.key.utf8.elementsEqual(key.utf8) {
            return position
        }
        return nil
    }

    /// The value for `key`, if present.
    public subscript(key: String) -> JSONValue? {
        if let index { return index[ExactKey(key)].map { members[$0].value } }
        return position(of: key).map { members[$0].value }
    }

    /// The keys in document order.
    public var keys: [String] { members.map(\.key) }

    /// The number of members.
    public var count: Int { members.count }

    public func makeIterator() -> IndexingIterator<[(key: String, value: JSONValue)]> { members.makeIterator() }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.members.count == rhs.members.count
            && lhs.members.allSatisfy { member in rhs[member.key].map { $0 == member.value } ?? false }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(members.count)
        for key in keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            hasher.combine(ExactKey(key))
            hasher.combine(self[key])
        }
    }
}

/// A string compared and hashed by its exact UTF-8 bytes (no Unicode normalisation), without
/// copying them.
struct ExactKey: Hashable, Sendable {
    let string: String
    init(_ string: String) { self.string = string }

    static func == (lhs: ExactKey, rhs: ExactKey) -> Bool {
        lhs.string.utf8.elementsEqual(rhs.string.utf8)
    }

    func hash(into hasher: inout Hasher) {
        var copy = string   // a native string: withUTF8 reads it in place
        copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
