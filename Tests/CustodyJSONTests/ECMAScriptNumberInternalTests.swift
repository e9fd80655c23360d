// Tests the internal ECMAScriptNumber formatter directly against RFC 8785 Appendix B
// (Vectors/rfc8785/appendix-b-numbers.json) and hand-picked layout boundaries of ECMA-262
// Number::toString. This is the only file that uses @testable import.

@testable import CustodyJSON
import Foundation
import Testing

/// One row of RFC 8785 Appendix B: the bits of a double and the string JCS must write.
struct AppendixBRow: Decodable, Sendable, CustomTestStringConvertible {
    let ieee: String
    /// `nil` for NaN and Infinity, which a JCS implementation must refuse.
    let expected: String?
    let comment: String

    var value: Double { Double(bitPattern: UInt64(ieee, radix: 16)!) }
    var testDescription: String { "\(ieee) → \(expected ?? "error")\(comment.isEmpty ? "" : " (\(comment))")" }

    static func all() -> [AppendixBRow] {
        guard let bytes = try? VectorResources.bytes("appendix-b-numbers.json", in: "rfc8785") else { return [] }
        return (try? JSONDecoder().decode([AppendixBRow].self, from: Data(bytes))) ?? []
    }
}

/// A double and its ECMAScript string.
struct NumberLayoutCase: Sendable, CustomTestStringConvertible {
    let value: Double
    let expected: String
    var testDescription: String { "\(value.debugDescription) → \(expected)" }
    init(_ value: Double, _ expected: String) {
        self.value = value
        self.expected = expected
    }
}

@Suite("ECMAScriptNumber (internal)")
struct ECMAScriptNumberInternalTests {
    @Test("Appendix B has 24 finite rows and 2 non-finite rows")
    func appendixBCount() {
        let rows = AppendixBRow.all()
        #expect(rows.count == 26)
        #expect(rows.filter { $0.expected == nil }.count == 2)
    }

    @Test("RFC 8785 Appendix B: finite values", arguments: AppendixBRow.all().filter { $0.expected != nil })
    func appendixB(_ row: AppendixBRow) throws {
        let expected = try #require(row.expected)
        #expect(ECMAScriptNumber.format(row.value) == expected)
        // The public path: JSONNumber(Double) and the canonical encoder agree with the formatter.
        #expect(JSONNumber(row.value)?.literal == expected)
        #expect(try CanonicalJSONEncoder().encode(row.value) == Array(expected.utf8))
    }

    @Test("RFC 8785 Appendix B: NaN and Infinity are refused", arguments: AppendixBRow.all().filter { $0.expected == nil })
    func appendixBNonFinite(_ row: AppendixBRow) {
        #expect(!row.value.isFinite)
        #expect(JSONNumber(row.value) == nil)
        #expect(throws: JSONError(code: .unencodable)) { try CanonicalJSONEncoder().encode(row.value) }
        #expect(throws: JSONError(code: .unencodable)) { try CanonicalJSONEncoder().encode(-row.value) }
    }

    static let layoutCases: [NumberLayoutCase] = [
        // Integers up to 21 digits are written out in full.
        .init(1, "1"), .init(-1, "-1"), .init(100, "100"), .init(1e20, "100000000000000000000"),
        .init(1.2345678901234568e20, "123456789012345680000"),
        // n = 22 switches to exponent form.
        .init(1e21, "1e+21"), .init(1.5e21, "1.5e+21"), .init(1e300, "1e+300"),
        // Fractions with 0 < n ≤ 21.
        .init(1.5, "1.5"), .init(-0.5, "-0.5"), .init(123.456, "123.456"), .init(0.1, "0.1"),
        .init(0.30000000000000004, "0.30000000000000004"),
        // −6 < n ≤ 0: leading zeros, down to 1e-6.
        .init(0.001, "0.001"), .init(0.000001, "0.000001"), .init(0.0000015, "0.0000015"),
        // n ≤ −6: exponent form with a signed exponent.
        .init(1e-7, "1e-7"), .init(1.5e-7, "1.5e-7"), .init(-1e-7, "-1e-7"), .init(1.2345e-10, "1.2345e-10"),
        // Values where Swift's description switches to exponent form but ECMAScript does not.
        .init(9007199254740992, "9007199254740992"), .init(1e16, "10000000000000000"), .init(2e17, "200000000000000000"),
        // Zero and negative zero.
        .init(0, "0"), .init(-0.0, "0"),
        // Subnormals and extremes.
        .init(.leastNonzeroMagnitude, "5e-324"), .init(.leastNormalMagnitude, "2.2250738585072014e-308"),
        .init(.greatestFiniteMagnitude, "1.7976931348623157e+308"),
    ]

    @Test("ECMA-262 Number::toString layout boundaries", arguments: layoutCases)
    func layout(_ item: NumberLayoutCase) {
        #expect(ECMAScriptNumber.format(item.value) == item.expected)
    }

    @Test("the output always reads back as the same double (shortest round trip)", arguments: layoutCases)
    func roundTrips(_ item: NumberLayoutCase) {
        let text = ECMAScriptNumber.format(item.value)
        #expect(Double(text) == item.value || (item.value == 0 && Double(text) == 0))
    }
}
