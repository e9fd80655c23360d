/// Formats doubles as ECMAScript's `Number.prototype.toString` does, which RFC 8785 requires.
enum ECMAScriptNumber {
    /// The shortest round-trip decimal form of a finite double, in ECMAScript layout
    /// (ECMA-262 "Number::toString", radix 10).
    static func format(_ value: Double) -> String {
        precondition(value.isFinite, "JSON numbers are finite")  // callers check first
        if value == 0 { return "0" }
        if value < 0 { return "-" + format(-value) }
        let (digits, n) = shortestDigits(value)
        let k = digits.count
        if k <= n && n <= 21 {
            return digits + String(repeating: "0", count: n - k)
        }
        if 0 < n && n <= 21 {
            let split = digits.index(digits.startIndex, offsetBy: n)
            return String(digits[..<split]) + "." + String(digits[split...])
        }
        if -6 < n && n <= 0 {
            return "0." + String(repeating: "0", count: -n) + digits
        }
        let exponent = n - 1
        let sign = exponent < 0 ? "-" : "+"
        let mantissa = k == 1 ? digits : String(digits.prefix(1)) + "." + String(digits.dropFirst())
        return mantissa + "e" + sign + String(abs(exponent))
    }

    /// Splits a positive double into its shortest decimal digits and the position `n` of the
    /// decimal point, so that `value == 0.digits × 10^n`. Swift's `description` already prints
    /// the shortest digits that round-trip; only the layout differs.
    private static func shortestDigits(_ value: Double) -> (String, Int) {
        let text = value.description  // e.g. "1.5", "1e-07", "1.2345e+21", "100000.0"
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let integerPart = parts[0]
        let fractionPart = parts.count > 1 ? parts[1] : ""
        var digits = Array(integerPart + fractionPart)
        var point = integerPart.count + exponent
        while digits.first == "0" {
            digits.removeFirst()
            point -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        return (String(digits), point)
    }
}
