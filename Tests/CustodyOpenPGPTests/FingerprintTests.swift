// `Fingerprint(hex:)`, the parser for fingerprints named in policies and on command lines, and the
// forms fingerprints and key IDs are shown in (40 / 16 uppercase hex digits, as GnuPG and
// containers/image print them).

import CustodyOpenPGP
import Testing

@Suite("Fingerprint")
struct FingerprintTests {
    @Test("40 hex digits in either case, with GnuPG's spaces, parse to the same fingerprint", arguments: [
        "08CD26E446E2E95249B7A405E932F44B23E8DD43",
        "08cd26e446e2e95249b7a405e932f44b23e8dd43",
        "08CD 26E4 46E2 E952 49B7  A405 E932 F44B 23E8 DD43",
        "08Cd26e446E2e95249b7A405e932F44b23E8dD43",
    ])
    func parses(text: String) throws {
        let value = try #require(Fingerprint(hex: text))
        #expect(value.description == "08CD26E446E2E95249B7A405E932F44B23E8DD43")
        #expect(value.bytes.count == 20)
        #expect(value.keyID.description == "E932F44B23E8DD43")
        #expect(value.keyID.bytes == Array(value.bytes.suffix(8)))
    }

    @Test("anything but 40 hex digits (spaces aside) is refused", arguments: [
        "", "08CD26E446E2E95249B7A405E932F44B23E8DD4", "08CD26E446E2E95249B7A405E932F44B23E8DD430",
        "G8CD26E446E2E95249B7A405E932F44B23E8DD43", "0xCD26E446E2E95249B7A405E932F44B23E8DD43",
        "E932F44B23E8DD43", "08CD26E446E2E95249B7A405E932F44B23E8DD4\u{0}",
        // Sign characters are not hex digits, even where Swift's integer parser would take them.
        "+8CD26E446E2E95249B7A405E932F44B23E8DD43", "08CD26E446E2E95249B7A405E932F44B23E8DD+3",
        String(repeating: "+0", count: 20), String(repeating: "-0", count: 20),
        "08CD26E446E2E95249B7A405E932F44B23E8DD\t3",
    ])
    func refuses(text: String) {
        #expect(Fingerprint(hex: text) == nil)
    }

    @Test("fingerprints compare by value")
    func equality() {
        #expect(Fingerprint(hex: "08CD26E446E2E95249B7A405E932F44B23E8DD43") == Fingerprint(hex: "08cd26e446e2e95249b7a405e932f44b23e8dd43"))
        #expect(Fingerprint(hex: "08CD26E446E2E95249B7A405E932F44B23E8DD43") != Fingerprint(hex: "B9F4CDB9FD8C475BFA340AC38D54A947EE396F36"))
        let set: Set = [fingerprint("08CD26E446E2E95249B7A405E932F44B23E8DD43"), fingerprint("08cd26e446e2e95249b7a405e932f44b23e8dd43")]
        #expect(set.count == 1)
    }
}
