import CustodyTransparency
import CustodyJSON

/// A JSON object read strictly: unknown members refused, every error naming the member's path
/// and thrown as a ``LogClientError`` of the given code.
struct StrictFields {
    let object: JSONObject
    let prefix: String
    let code: LogClientError.Code

    init(_ value: JSONValue, at prefix: String, allowed: Set<String>, code: LogClientError.Code) throws(LogClientError) {
        guard case .object(let object) = value else {
            throw LogClientError(code, "\(prefix) must be a JSON object, not \(value.typeName)")
        }
        if let unknown = object.keys.first(where: { !allowed.contains($0) }) {
            throw LogClientError(code, "unknown member '\(unknown.prefix(64))' in \(prefix)")
        }
        self.object = object
        self.prefix = prefix
        self.code = code
    }

    func path(_ key: String) -> String { "\(prefix).\(key)" }

    func require(_ key: String) throws(LogClientError) -> JSONValue {
        guard let value = object[key] else { throw LogClientError(code, "missing \(path(key))") }
        return value
    }

    func fields(_ key: String, allowed: Set<String>) throws(LogClientError) -> StrictFields {
        try StrictFields(try require(key), at: path(key), allowed: allowed, code: code)
    }

    func string(_ key: String) throws(LogClientError) -> String {
        guard case .string(let text) = try require(key) else { throw LogClientError(code, "\(path(key)) must be a string") }
        return text
    }

    /// Padded standard base64 of at least one byte.
    func bytes(_ key: String) throws(LogClientError) -> [UInt8] {
        guard let bytes = StrictBase64.decode(try string(key)) else {
            throw LogClientError(code, "\(path(key)) is not padded standard base64")
        }
        guard !bytes.isEmpty else { throw LogClientError(code, "\(path(key)) is empty") }
        return bytes
    }

    /// A protobuf JSON uint64/int64: a decimal string (as protobuf writes it) or an integer
    /// number, without sign or leading zeros.
    func uint64(_ key: String) throws(LogClientError) -> UInt64 {
        let text: String
        switch try require(key) {
        case .string(let value): text = value
        case .number(let number): text = number.literal
        default: throw LogClientError(code, "\(path(key)) must be a decimal string")
        }
        guard let value = UInt64(text), String(value) == text else {
            throw LogClientError(code, "\(path(key)) is not a non-negative decimal integer without leading zeros")
        }
        return value
    }
}
