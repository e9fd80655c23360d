// Runs CanonicalJSONEncoder against the RFC 8785 reference test data of
// cyberphone/json-canonicalization (Vectors/json-canonicalization, Apache-2.0; SOURCE.md there
// names the commit): testdata/input/*.json must serialize to exactly testdata/output/*.json, and
// the first 1,000 lines of the ES6 number test file must format as ECMAScript does.

import CustodyJSON
import Foundation
import Testing

/// One input/output pair of testdata/.
struct CanonicalizationPair: Sendable, CustomTestStringConvertible {
    let name: String
    let input: [UInt8]
    let output: [UInt8]
    var testDescription: String { name }
}

/// One line of es6testfile: the bits of a double and its ECMAScript string.
struct ES6NumberLine: Sendable, CustomTestStringConvertible {
    let line: Int
    let hex: String
    let expected: String
    var value: Double { Double(bitPattern: UInt64(hex, radix: 16)!) }
    var testDescription: String { "line \(line): \(hex) → \(expected)" }
}

enum CanonicalizationVectors {
    static let directory = "json-canonicalization"
    /// The six files of testdata/input (and testdata/output).
    static let names = ["arrays", "french", "structures", "unicode", "values", "weird"]

    static func pairs() -> [CanonicalizationPair] {
        names.compactMap { name in
            guard let input = try? VectorResources.bytes("\(name).json", in: "\(directory)/input"),
                  let output = try? VectorResources.bytes("\(name).json", in: "\(directory)/output")
            else { return nil }
            return CanonicalizationPair(name: name, input: input, output: output)
        }
    }

    /// Parses es6testfile lines `hex-ieee,expected\n`.
    static func es6Lines(_ bytes: [UInt8]) -> [ES6NumberLine] {
        String(decoding: bytes, as: UTF8.self)
            .split(separator: "\n")
            .enumerated()
            .map { index, line in
                let fields = line.split(separator: ",", maxSplits: 1)
                return ES6NumberLine(line: index + 1, hex: String(fields[0]), expected: fields.count > 1 ? String(fields[1]) : "")
            }
    }

    /// The committed 1,000-line prefix of es6testfile100m.txt.
    static func es6Sample() -> [ES6NumberLine] {
        (try? VectorResources.bytes("es6testfile1k.txt", in: directory)).map(es6Lines) ?? []
    }
}

@Suite("RFC 8785 test data (cyberphone/json-canonicalization)")
struct CanonicalizationVectorTests {
    @Test("all six input/output pairs are present")
    func pairCount() {
        #expect(CanonicalizationVectors.pairs().count == 6)
    }

    @Test("parse(input) then serialize gives the output bytes exactly", arguments: CanonicalizationVectors.pairs())
    func canonicalize(_ pair: CanonicalizationPair) throws {
        let value = try JSONParser().parse(pair.input)
        let actual = try CanonicalJSONEncoder.serialize(value)
        #expect(
            actual == pair.output,
            "\nexpected \(String(decoding: pair.output, as: UTF8.self))\nactual   \(String(decoding: actual, as: UTF8.self))"
        )
    }

    @Test("the output files are already canonical (serializing them is the identity)", arguments: CanonicalizationVectors.pairs())
    func outputIsFixedPoint(_ pair: CanonicalizationPair) throws {
        #expect(try CanonicalJSONEncoder.serialize(JSONParser().parse(pair.output)) == pair.output)
    }

    @Test("the same value through the Encodable path (JSONValue) gives the same bytes", arguments: CanonicalizationVectors.pairs())
    func encodableJSONValue(_ pair: CanonicalizationPair) throws {
        let value = try StrictJSONDecoder().decode(JSONValue.self, from: pair.input)
        #expect(try CanonicalJSONEncoder().encode(value) == pair.output)
    }

    @Test("es6testfile: the committed sample is the upstream 1,000-line prefix")
    func es6SampleShape() {
        let lines = CanonicalizationVectors.es6Sample()
        #expect(lines.count == 1000)
        // Sample lines quoted in testdata/README.md that fall inside the first 1,000 lines.
        let byHex = Dictionary(lines.map { ($0.hex, $0.expected) }, uniquingKeysWith: { first, _ in first })
        #expect(byHex["444b1ae4d6e2ef50"] == "1e+21")
        #expect(byHex["3eb0c6f7a0b5ed8d"] == "0.000001")
        #expect(byHex["3eb0c6f7a0b5ed8c"] == "9.999999999999997e-7")
        #expect(byHex["8000000000000000"] == "0")
        #expect(byHex["0"] == "0")
    }

    @Test("es6testfile: each double encodes as ECMAScript's Number::toString", arguments: CanonicalizationVectors.es6Sample())
    func es6Number(_ line: ES6NumberLine) throws {
        let bytes = try CanonicalJSONEncoder().encode(line.value)
        #expect(String(decoding: bytes, as: UTF8.self) == line.expected)
    }

    /// Set `CUSTODY_ES6_TESTFILE` to a (decompressed) es6testfile100m.txt, or any prefix of it made
    /// by testdata/numgen.js, to check many more lines than the committed sample.
    @Test(
        "es6testfile: optional long run from CUSTODY_ES6_TESTFILE",
        .enabled(if: ProcessInfo.processInfo.environment["CUSTODY_ES6_TESTFILE"] != nil)
    )
    func es6LongRun() throws {
        let path = try #require(ProcessInfo.processInfo.environment["CUSTODY_ES6_TESTFILE"])
        let lines = CanonicalizationVectors.es6Lines([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
        var failures = 0
        for line in lines {
            let actual = String(decoding: try CanonicalJSONEncoder().encode(line.value), as: UTF8.self)
            if actual != line.expected {
                failures += 1
                if failures <= 20 { Issue.record("\(line.testDescription), got \(actual)") }
            }
        }
        #expect(failures == 0, "\(failures) of \(lines.count) lines differ")
    }
}
