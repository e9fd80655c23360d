import CustodyPolicy
import Foundation
import Testing

@Suite("DecisionTime: RFC 3339 UTC with milliseconds, stable through parsing")
struct DecisionTimeTests {
    @Test("every millisecond of a second formats, parses and formats again to the same text")
    func roundTrip() throws {
        // Regression: ".009" parsed to a binary fraction just below and was written back ".008",
        // so an audit record re-encoded was not the record stored.
        for millisecond in 0..<1000 {
            let digits = String(millisecond)
            let text = "2026-11-22T03:47:40." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
            let date = try #require(DecisionTime.parse(text))
            #expect(DecisionTime.format(date) == text)
        }
    }

    @Test("times are rounded to the nearest millisecond and written in UTC")
    func rounding() {
        #expect(DecisionTime.format(Date(timeIntervalSince1970: 0.0004)) == "1970-01-01T00:00:00.000Z")
        #expect(DecisionTime.format(Date(timeIntervalSince1970: 0.0006)) == "1970-01-01T00:00:00.001Z")
        #expect(DecisionTime.format(Date(timeIntervalSince1970: 59.9996)) == "1970-01-01T00:01:00.000Z")
        #expect(DecisionTime.format(Date(timeIntervalSince1970: 1_795_000_000.25)) == "2026-11-18T11:06:40.250Z")
    }
}
