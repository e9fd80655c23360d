/// Standard base64 (RFC 4648 §4) with padding, decoded strictly: only the canonical encoding of
/// some byte string is accepted (no whitespace, no missing or extra padding, zero unused bits).
/// The form of protobuf JSON `bytes` fields, checkpoints and signed notes; shared by the log
/// server and client.
public enum StrictBase64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xff, count: 256)
        for (value, symbol) in alphabet.enumerated() { table[Int(symbol)] = UInt8(value) }
        return table
    }()

    /// Padded standard base64 of `bytes`.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        var output: [UInt8] = []
        encode(bytes, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Appends the padded standard base64 of `bytes` to `output` (no `String` in between).
    public static func encode(_ bytes: some Collection<UInt8>, into output: inout [UInt8]) {
        let start = output.count
        output.append(contentsOf: repeatElement(UInt8(ascii: "="), count: (bytes.count + 2) / 3 * 4))
        func write(_ input: UnsafeBufferPointer<UInt8>) {
            output.withUnsafeMutableBufferPointer { out in
                alphabet.withUnsafeBufferPointer { table in
                    var from = 0, to = start
                    while from + 3 <= input.count {
                        let chunk = UInt32(input[from]) << 16 | UInt32(input[from + 1]) << 8 | UInt32(input[from + 2])
                        out[to] = table[Int(chunk >> 18 & 0x3f)]
                        out[to + 1] = table[Int(chunk >> 12 & 0x3f)]
                        out[to + 2] = table[Int(chunk >> 6 & 0x3f)]
                        out[to + 3] = table[Int(chunk & 0x3f)]
                        from += 3
                        to += 4
                    }
                    // One or two bytes left: two or three symbols, the padding already in place.
                    let left = input.count - from
                    guard left > 0 else { return }
                    let chunk = UInt32(input[from]) << 16 | (left == 2 ? UInt32(input[from + 1]) << 8 : 0)
                    out[to] = table[Int(chunk >> 18 & 0x3f)]
                    out[to + 1] = table[Int(chunk >> 12 & 0x3f)]
                    if left == 2 { out[to + 2] = table[Int(chunk >> 6 & 0x3f)] }
                }
            }
        }
        if bytes.withContiguousStorageIfAvailable({ write($0) }) == nil {
            Array(bytes).withUnsafeBufferPointer { write($0) }
        }
    }

    /// The bytes `text` encodes, or nil when it is not canonical padded standard base64.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let input = Array(text.utf8)
        guard input.count % 4 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(input.count / 4 * 3)
        var index = 0
        while index < input.count {
            let isLast = index + 4 == input.count
            // The group's four 6-bit values, accumulated in place (no array per group).
            var chunk: UInt32 = 0
            var padding = 0
            for offset in 0..<4 {
                let symbol = input[index + offset]
                chunk <<= 6
                if symbol == UInt8(ascii: "=") {
                    // Padding only in the last group, only in the last two places, and contiguous.
                    guard isLast, offset >= 2 else { return nil }
                    padding += 1
                    continue
                }
                guard padding == 0 else { return nil }
                let value = decodeTable[Int(symbol)]
                guard value != 0xff else { return nil }
                chunk |= UInt32(value)
            }
            output.append(UInt8(chunk >> 16 & 0xff))
            if padding < 2 { output.append(UInt8(chunk >> 8 & 0xff)) }
            if padding < 1 { output.append(UInt8(chunk & 0xff)) }
            // Canonical: the bits dropped by padding must be zero.
            if padding == 1, chunk & 0xff != 0 { return nil }
            if padding == 2, chunk & 0xffff != 0 { return nil }
            index += 4
        }
        return output
    }
}

/// Lowercase hexadecimal.
enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var output: [UInt8] = []
        for byte in bytes {
            output.append(digits[Int(byte >> 4)])
            output.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The bytes of `text`, which must be an even number of hex digits; `lowercaseOnly` refuses A-F.
    static func decode(_ text: some StringProtocol, lowercaseOnly: Bool = false) -> [UInt8]? {
        let input = Array(text.utf8)
        guard input.count % 2 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(input.count / 2)
        var index = 0
        while index < input.count {
            guard let high = value(input[index], lowercaseOnly), let low = value(input[index + 1], lowercaseOnly) else { return nil }
            output.append(high << 4 | low)
            index += 2
        }
        return output
    }

    private static func value(_ symbol: UInt8, _ lowercaseOnly: Bool) -> UInt8? {
        switch symbol {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): symbol - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): symbol - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F") where !lowercaseOnly: symbol - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Strict ASCII decimal: digits only, no sign, no leading zero (except "0" itself), fits UInt64.
enum StrictDecimal {
    static func parse(_ text: some StringProtocol) -> UInt64? {
        let digits = Array(text.utf8)
        guard !digits.isEmpty, digits.count <= 20 else { return nil }
        guard digits.count == 1 || digits[0] != UInt8(ascii: "0") else { return nil }
        var value: UInt64 = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
        }
        return value
    }
}
