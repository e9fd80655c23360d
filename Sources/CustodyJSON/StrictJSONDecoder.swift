/// Marks a `CodingKey` type whose object may carry members that the type does not read.
///
/// By default ``StrictJSONDecoder`` rejects every object member that no decoding step asked
/// for. A format that must ignore unknown members (the `optional` section of a simple-signing
/// claim, OCI manifests) makes its coding keys conform to this protocol.
public protocol UnknownJSONKeysIgnored: CodingKey {}

/// Decodes `Decodable` values from JSON with the checks that security documents need.
///
/// On top of ``JSONParser``'s rejections (duplicate keys, trailing data, invalid UTF-8, size and
/// depth limits) it rejects, with the path of the offending field:
/// - an object member that no decoding step read (unless ``unknownKeys`` is `.ignore` or the
///   object's coding keys adopt ``UnknownJSONKeysIgnored``);
/// - a missing required member, `null` where a value is required, and wrong JSON types;
/// - a number that does not fit the requested type exactly (`1.5` or `1e3` for an `Int`).
///
/// A type can decode ``JSONValue`` members to keep part of a document uninterpreted.
///
/// - Warning: a key counts as read once any decoding step asked for it, including an attempt
///   that later failed. A type that tries one shape with `try?` and falls back to another should
///   decode a ``JSONValue`` and dispatch on it instead, so that the fallback's unknown keys are
///   still found.
public struct StrictJSONDecoder: Sendable {
    /// What to do with object members that no decoding step read.
    public enum UnknownKeyPolicy: Sendable, Hashable {
        /// Reject them: the default, for formats whose spec lists every member.
        case reject
        /// Ignore them everywhere, for formats that are extensible by spec (OCI manifests).
        case ignore
    }

    /// The parser limits.
    public var limits: JSONLimits
    /// The policy for unread members.
    public var unknownKeys: UnknownKeyPolicy

    /// Makes a decoder.
    public init(limits: JSONLimits = .default, unknownKeys: UnknownKeyPolicy = .reject) {
        self.limits = limits
        self.unknownKeys = unknownKeys
    }

    /// Parses `bytes` and decodes a `T` from them.
    /// - Throws: ``JSONError`` naming the path of the offending field.
    public func decode<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>) throws(JSONError) -> T {
        let value = try JSONParser(limits: limits).parse(bytes)
        return try decode(type, from: value)
    }

    /// Decodes a `T` from an already parsed value.
    /// - Throws: ``JSONError`` naming the path of the offending field.
    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws(JSONError) -> T {
        let tracker = ConsumptionTracker(policy: unknownKeys)
        let decoder = ValueDecoder(value: value, codingPath: [], tracker: tracker)
        let result: T
        do {
            result = try decoder.decodeValue(type)
        } catch let error as JSONError {
            throw error
        } catch let error as DecodingError {
            throw JSONError(decodingError: error)
        } catch {
            throw JSONError(code: .invalidValue, reason: String(describing: error))
        }
        try tracker.checkAllConsumed()
        return result
    }
}

extension JSONError {
    /// Converts a `DecodingError` thrown by a type's own `init(from:)`.
    init(decodingError: DecodingError) {
        switch decodingError {
        case .dataCorrupted(let context):
            self.init(code: .invalidValue, path: JSONPath.render(context.codingPath), reason: context.debugDescription)
        case .keyNotFound(let key, let context):
            self.init(code: .missingKey, path: JSONPath.render(context.codingPath + [key]), reason: "required key is missing")
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            self.init(code: .typeMismatch, path: JSONPath.render(context.codingPath), reason: context.debugDescription)
        @unknown default:
            self.init(code: .invalidValue, reason: String(describing: decodingError))
        }
    }
}

/// Where an object sits in the document: the exact keys and indices that lead to it.
private enum PathStep: Hashable {
    case key(ExactKey)
    case index(Int)
}

/// Records which members of which objects were read, to find unknown members afterwards.
private final class ConsumptionTracker {
    struct Entry {
        var object: JSONObject
        var path: String
        var consumed: Set<ExactKey> = []
        var ignoresUnknown = false
    }

    let policy: StrictJSONDecoder.UnknownKeyPolicy
    var entries: [[PathStep]: Entry] = [:]
    var order: [[PathStep]] = []

    init(policy: StrictJSONDecoder.UnknownKeyPolicy) { self.policy = policy }

    static func identity(_ codingPath: [any CodingKey]) -> [PathStep] {
        codingPath.map { key in
            if let index = (key as? JSONIndexKey)?.intValue { return .index(index) }
            return .key(ExactKey(key.stringValue))
        }
    }

    func register(_ object: JSONObject, at codingPath: [any CodingKey], ignoresUnknown: Bool) {
        let id = ConsumptionTracker.identity(codingPath)
        if entries[id] == nil {
            entries[id] = Entry(object: object, path: JSONPath.render(codingPath))
            order.append(id)
        }
        if ignoresUnknown { entries[id]?.ignoresUnknown = true }
    }

    func consume(_ key: String, at codingPath: [any CodingKey]) {
        entries[ConsumptionTracker.identity(codingPath)]?.consumed.insert(ExactKey(key))
    }

    func consumeAll(at codingPath: [any CodingKey]) {
        let id = ConsumptionTracker.identity(codingPath)
        guard let keys = entries[id]?.object.keys else { return }
        entries[id]?.consumed.formUnion(keys.map(ExactKey.init))
    }

    func checkAllConsumed() throws(JSONError) {
        guard policy == .reject else { return }
        for id in order {
            guard let entry = entries[id], !entry.ignoresUnknown else { continue }
            for key in entry.object.keys where !entry.consumed.contains(ExactKey(key)) {
                throw JSONError(code: .unknownKey, path: JSONPath.appending(entry.path, key: key), reason: "unknown key \"\(key)\"")
            }
        }
    }
}

/// Types for which JSON `null` is a value: `Optional` (null is `nil`) and ``JSONValue``.
protocol JSONNullAccepting {}
extension Optional: JSONNullAccepting {}
extension JSONValue: JSONNullAccepting {}

private struct ValueDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    let tracker: ConsumptionTracker
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    var path: String { JSONPath.render(codingPath) }

    func mismatch(_ expected: String) -> JSONError {
        JSONError(code: .typeMismatch, path: path, reason: "expected \(expected), found \(value.typeName)")
    }

    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        if let raw = value as? T { return raw }  // T is JSONValue: hand over the parsed value
        return try T(from: self)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let object) = value else { throw mismatch("object") }
        tracker.register(object, at: codingPath, ignoresUnknown: Key.self is any UnknownJSONKeysIgnored.Type)
        return KeyedDecodingContainer(KeyedContainer<Key>(object: object, decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else { throw mismatch("array") }
        return UnkeyedContainer(elements: elements, decoder: self)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleContainer(decoder: self) }

    func child(_ value: JSONValue, key: any CodingKey) -> ValueDecoder {
        ValueDecoder(value: value, codingPath: codingPath + [key], tracker: tracker)
    }

    // MARK: primitives

    func decodeBool() throws -> Bool {
        guard case .bool(let b) = value else { throw mismatch("boolean") }
        return b
    }

    func decodeString() throws -> String {
        guard case .string(let s) = value else { throw mismatch("string") }
        return s
    }

    func decodeDouble() throws -> Double {
        guard case .number(let n) = value else { throw mismatch("number") }
        guard let d = n.double else { throw JSONError(code: .typeMismatch, path: path, reason: "number \(n) is out of range") }
        return d
    }

    func decodeInteger<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        guard case .number(let n) = value else { throw mismatch("integer") }
        guard n.isIntegerLiteral else {
            throw JSONError(code: .typeMismatch, path: path, reason: "expected an integer, found \(n)")
        }
        guard let result = T(n.literal) else {
            throw JSONError(code: .typeMismatch, path: path, reason: "integer \(n) does not fit \(T.self)")
        }
        return result
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let object: JSONObject
    let decoder: ValueDecoder

    var codingPath: [any CodingKey] { decoder.codingPath }
    var allKeys: [Key] {
        decoder.tracker.consumeAll(at: decoder.codingPath)
        return object.keys.compactMap { Key(stringValue: $0) }
    }

    func contains(_ key: Key) -> Bool { object[key.stringValue] != nil }

    private func member(_ key: Key) throws -> ValueDecoder {
        decoder.tracker.consume(key.stringValue, at: decoder.codingPath)
        guard let value = object[key.stringValue] else {
            throw JSONError(code: .missingKey, path: JSONPath.render(codingPath + [key]), reason: "required key \"\(key.stringValue)\" is missing")
        }
        return decoder.child(value, key: key)
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        try member(key).value == .null
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let child = try member(key)
        if child.value == .null, !(type is any JSONNullAccepting.Type) {
            throw JSONError(code: .typeMismatch, path: child.path, reason: "null is not allowed here")
        }
        return try child.decodeValue(type)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard contains(key) else { return nil }
        let child = try member(key)
        if child.value == .null, !(type == JSONValue.self) { return nil }
        return try child.decodeValue(type)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try member(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try member(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        throw JSONError(code: .invalidValue, path: decoder.path, reason: "superclass decoding is not supported")
    }

    func superDecoder(forKey key: Key) throws -> any Decoder { try member(key) }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let elements: [JSONValue]
    let decoder: ValueDecoder
    var currentIndex = 0

    init(elements: [JSONValue], decoder: ValueDecoder) {
        self.elements = elements
        self.decoder = decoder
    }

    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private mutating func next() throws -> ValueDecoder {
        guard !isAtEnd else {
            throw JSONError(code: .invalidValue, path: decoder.path, reason: "array has only \(elements.count) elements")
        }
        defer { currentIndex += 1 }
        return decoder.child(elements[currentIndex], key: JSONIndexKey(currentIndex))
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { return false }
        if elements[currentIndex] == .null { currentIndex += 1; return true }
        return false
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let child = try next()
        if child.value == .null, !(type is any JSONNullAccepting.Type) {
            throw JSONError(code: .typeMismatch, path: child.path, reason: "null is not allowed here")
        }
        return try child.decodeValue(type)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }

    mutating func superDecoder() throws -> any Decoder { try next() }
}

private struct SingleContainer: SingleValueDecodingContainer {
    let decoder: ValueDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool { decoder.value == .null }
    func decode(_ type: Bool.Type) throws -> Bool { try decoder.decodeBool() }
    func decode(_ type: String.Type) throws -> String { try decoder.decodeString() }
    func decode(_ type: Double.Type) throws -> Double { try decoder.decodeDouble() }
    func decode(_ type: Float.Type) throws -> Float {
        let value = Float(try decoder.decodeDouble())
        guard value.isFinite else { throw JSONError(code: .typeMismatch, path: decoder.path, reason: "number does not fit Float") }
        return value
    }
    func decode(_ type: Int.Type) throws -> Int { try decoder.decodeInteger(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try decoder.decodeInteger(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try decoder.decodeInteger(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try decoder.decodeInteger(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decoder.decodeInteger(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try decoder.decodeInteger(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try decoder.decodeInteger(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try decoder.decodeInteger(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try decoder.decodeInteger(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decoder.decodeInteger(type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decodeValue(type) }
}
