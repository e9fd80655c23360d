/// The `maxAge` of a Custody `freshness` requirement: a Go-style duration string of whole
/// numbers with the units `h`, `m` and `s`, such as `"720h"`, `"1h30m"` or `"90s"` (a subset of
/// Go's `time.ParseDuration`, so the value reads the same to Go and Kubernetes users).
///
/// Rejected, each with a message that says why: a bare number (`"3600"`, write `"3600s"`), a JSON
/// number, fractions (`"1.5h"`), signs, sub-second units (`ms`, `us`, `ns`), days (`d`), zero, and
/// anything over ``PolicyDocument/maxFreshnessAgeSeconds``.
enum FreshnessDuration {
    /// The duration in seconds, or a one-line reason why `text` is not accepted.
    static func seconds(_ text: String) -> Result<Int64, Failure> {
        let example = "a duration such as \"720h\", \"1h30m\" or \"3600s\""
        guard !text.isEmpty else { return .failure(Failure("maxAge is empty: expected \(example)")) }
        if text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            return .failure(Failure("maxAge \(PolicyPath.quoted(text)) has no unit: write \(PolicyPath.quoted(text + "s")) for seconds"))
        }
        var total: Int64 = 0
        var digits = ""
        var sawUnit = false
        var index = text.unicodeScalars.startIndex
        let scalars = text.unicodeScalars
        while index < scalars.endIndex {
            let scalar = scalars[index]
            if scalar >= "0" && scalar <= "9" {
                digits.unicodeScalars.append(scalar)
                guard digits.utf8.count <= 12 else {
                    return .failure(Failure("maxAge \(PolicyPath.quoted(text)) is longer than \(PolicyDocument.maxFreshnessAgeSeconds / 3600)h"))
                }
                index = scalars.index(after: index)
                continue
            }
            var unit = String.UnicodeScalarView()
            while index < scalars.endIndex, !(scalars[index] >= "0" && scalars[index] <= "9") {
                unit.append(scalars[index])
                index = scalars.index(after: index)
            }
            let unitText = String(unit)
            let multiplier: Int64
            switch unitText {
            case "h": multiplier = 3600
            case "m": multiplier = 60
            case "s": multiplier = 1
            case "ms", "us", "µs", "ns":
                return .failure(Failure("maxAge \(PolicyPath.quoted(text)) uses \(unitText): freshness is measured in whole seconds (h, m, s)"))
            default:
                return .failure(Failure("maxAge \(PolicyPath.quoted(text)) is not \(example) (whole numbers with the units h, m and s)"))
            }
            guard let amount = Int64(digits) else {
                return .failure(Failure("maxAge \(PolicyPath.quoted(text)) is not \(example) (a unit needs a whole number before it)"))
            }
            digits = ""
            sawUnit = true
            total += amount * multiplier
            guard total <= PolicyDocument.maxFreshnessAgeSeconds else {
                return .failure(Failure("maxAge \(PolicyPath.quoted(text)) is longer than \(PolicyDocument.maxFreshnessAgeSeconds / 3600)h"))
            }
        }
        guard digits.isEmpty, sawUnit else {
            return .failure(Failure("maxAge \(PolicyPath.quoted(text)) is not \(example) (every number needs a unit)"))
        }
        guard total > 0 else { return .failure(Failure("maxAge \(PolicyPath.quoted(text)) is zero: no signature could ever be fresh enough")) }
        return .success(total)
    }

    /// Why a duration is not accepted.
    struct Failure: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }
}
