extension JSONValue: Codable {
    /// Reads any JSON value. ``StrictJSONDecoder`` hands over its parsed value directly, keeping
    /// number literals and member order; other decoders go through this generic path.
    public init(from decoder: any Decoder) throws {
        if let keyed = try? decoder.container(keyedBy: AnyKey.self) {
            var object = JSONObject()
            for key in keyed.allKeys { object.insert(key.stringValue, try keyed.decode(JSONValue.self, forKey: key)) }
            self = .object(object)
        } else if var unkeyed = try? decoder.unkeyedContainer() {
            var elements: [JSONValue] = []
            while !unkeyed.isAtEnd { elements.append(try unkeyed.decode(JSONValue.self)) }
            self = .array(elements)
        } else {
            let single = try decoder.singleValueContainer()
            if single.decodeNil() {
                self = .null
            } else if let b = try? single.decode(Bool.self) {
                self = .bool(b)
            } else if let i = try? single.decode(Int64.self) {
                self = .number(JSONNumber(i))
            } else if let d = try? single.decode(Double.self), let n = JSONNumber(d) {
                self = .number(n)
            } else {
                self = .string(try single.decode(String.self))
            }
        }
    }

    /// Writes the value. ``CanonicalJSONEncoder`` takes it over unchanged.
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var c = encoder.singleValueContainer(); try c.encodeNil()
        case .bool(let b):
            var c = encoder.singleValueContainer(); try c.encode(b)
        case .number(let n):
            var c = encoder.singleValueContainer()
            if let i = n.int64 { try c.encode(i) } else if let d = n.double { try c.encode(d) } else {
                throw JSONError(code: .unencodable, reason: "number \(n) cannot be represented")
            }
        case .string(let s):
            var c = encoder.singleValueContainer(); try c.encode(s)
        case .array(let elements):
            var c = encoder.unkeyedContainer()
            for element in elements { try c.encode(element) }
        case .object(let object):
            var c = encoder.container(keyedBy: AnyKey.self)
            for (key, value) in object { try c.encode(value, forKey: AnyKey(stringValue: key)) }
        }
    }
}

/// A coding key that accepts any member name.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
}
