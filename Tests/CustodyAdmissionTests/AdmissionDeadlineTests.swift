// AdmissionDeadline: the Go durations the API server writes in `?timeout=`, and the time kept
// for verification under a timeout (the timeout less a margin of at least 250 ms, capped at
// Kubernetes' 30 s maximum).

import CustodyAdmission
import Testing

@Suite("AdmissionDeadline: ?timeout= and the verification budget")
struct AdmissionDeadlineTests {
    struct Parsed: Sendable, CustomTestStringConvertible {
        let text: String
        let duration: Duration
        var testDescription: String { text }
    }

    static let accepted: [Parsed] = [
        .init(text: "10s", duration: .seconds(10)),
        .init(text: "30s", duration: .seconds(30)),
        .init(text: "1m30s", duration: .seconds(90)),
        .init(text: "500ms", duration: .milliseconds(500)),
        .init(text: "2.5s", duration: .milliseconds(2500)),
        .init(text: "1h", duration: .seconds(3600)),
        .init(text: "1h2m3s", duration: .seconds(3723)),
        .init(text: "1s500ms", duration: .milliseconds(1500)),
        .init(text: "250000us", duration: .milliseconds(250)),
        .init(text: "250000µs", duration: .milliseconds(250)),
        .init(text: "1500000000ns", duration: .milliseconds(1500)),
        .init(text: "0.5m", duration: .seconds(30)),
        .init(text: "5.s", duration: .seconds(5)),
    ]

    @Test("Go durations are read", arguments: accepted)
    func parses(_ case_: Parsed) {
        #expect(AdmissionDeadline.parseGoDuration(case_.text) == case_.duration)
    }

    @Test("anything else is nil", arguments: ["", "10", "s", "-1s", "10x", "0s", "0ms", "1.5.5s", "10S", " 10s", "10s ", "1e3s", "+5s", "5 s", "ms", "1h-1m", "∞s"])
    func rejects(_ text: String) {
        #expect(AdmissionDeadline.parseGoDuration(text) == nil)
    }

    @Test("a text over 64 bytes is refused even when it is a valid duration")
    func longText() {
        let text = String(repeating: "0", count: 61) + "10s"
        #expect(text.utf8.count == 64)
        #expect(AdmissionDeadline.parseGoDuration(text) == .seconds(10))
        #expect(AdmissionDeadline.parseGoDuration("0" + text) == nil)
    }

    @Test("the budget is less than every Kubernetes timeout (1 to 30 s), keeping at least 250 ms", arguments: [1, 2, 3, 5, 10, 15, 29, 30])
    func budget(seconds: Int) {
        let timeout = Duration.seconds(seconds)
        let budget = AdmissionDeadline.budget(for: timeout)
        #expect(budget < timeout)
        #expect(timeout - budget >= .milliseconds(250))
        #expect(timeout - budget == AdmissionDeadline.margin(for: timeout))
        #expect(budget >= AdmissionDeadline.minimumBudget)
    }

    @Test("the margin: a tenth of the timeout, never under 250 ms")
    func margin() {
        #expect(AdmissionDeadline.margin(for: .seconds(1)) == .milliseconds(250))
        #expect(AdmissionDeadline.margin(for: .seconds(2)) == .milliseconds(250))
        #expect(AdmissionDeadline.margin(for: .seconds(10)) == .seconds(1))
        #expect(AdmissionDeadline.margin(for: .seconds(30)) == .seconds(3))
        #expect(AdmissionDeadline.budget(for: .seconds(1)) == .milliseconds(750))
        #expect(AdmissionDeadline.budget(for: .seconds(10)) == .seconds(9))
        #expect(AdmissionDeadline.budget(for: AdmissionDeadline.defaultTimeout) == .seconds(9))
    }

    @Test("timeouts over 30 s are capped at 30 s")
    func capped() {
        let capped = AdmissionDeadline.budget(for: AdmissionDeadline.maxTimeout)
        #expect(capped == .seconds(27))
        #expect(AdmissionDeadline.budget(for: .seconds(31)) == capped)
        #expect(AdmissionDeadline.budget(for: .seconds(3600)) == capped)
        #expect(AdmissionDeadline.budget(for: .seconds(29)) < capped)
    }

    @Test("a tiny timeout still gets the minimum budget")
    func tiny() {
        #expect(AdmissionDeadline.budget(for: .milliseconds(100)) == AdmissionDeadline.minimumBudget)
        #expect(AdmissionDeadline.budget(for: .milliseconds(300)) == .milliseconds(50))
        #expect(AdmissionDeadline.budget(for: .milliseconds(400)) == .milliseconds(150))
    }
}
