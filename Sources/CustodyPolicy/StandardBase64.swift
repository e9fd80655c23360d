/// Standard base64 (RFC 4648 §4) as Go's `encoding/json` decodes a string into `[]byte`
/// (`base64.StdEncoding`): the padded alphabet, groups of four, `=` only to pad the last group,
/// and carriage returns and line feeds skipped. Foundation's decoder is laxer (it accepts `====`
/// and extra padding), so policy data is decoded here.
enum StandardBase64 {
    /// The decoded bytes, or nil when `text` is not standard base64.
    static func decode(_ text: String) -> [UInt8]? {
        var values: [UInt8] = []
        values.reserveCapacity(text.utf8.count)
        var padding = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") { continue }
            if byte == UInt8(ascii: "=") {
                padding += 1
                values.append(0)
                continue
            }
            guard padding == 0, let value = value(of: byte) else { return nil }
            values.append(value)
        }
        guard values.count % 4 == 0, padding <= 2 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count / 4 * 3)
        var index = 0
        while index < values.count {
            let a = values[index], b = values[index + 1], c = values[index + 2], d = values[index + 3]
            bytes.append(a << 2 | b >> 4)
            bytes.append(b << 4 | c >> 2)
            bytes.append(c << 6 | d)
            index += 4
        }
        bytes.removeLast(padding)
        return bytes
    }

    private static func value(of byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }
}
