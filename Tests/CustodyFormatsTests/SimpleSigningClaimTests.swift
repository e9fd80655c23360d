// The simple-signing claim writer: `SimpleSigningClaim.encoded()` must give exactly the bytes
// containers/image's `untrustedSignature.MarshalJSON` (Go `json.Marshal` of maps) gives for the same
// values (reference: containers-image.md section 1.3; containers/image `signature/simple_test.go`).

import CustodyFormats
import CustodyOCI
import Foundation
import Testing

/// One claim and the exact bytes containers/image writes for it.
struct ClaimEncoding: Sendable, CustomTestStringConvertible {
    let why: String
    let reference: String
    let digest: String
    let creator: String
    let timestamp: Int64
    let expected: String
    var testDescription: String { why }
}

@Suite("SimpleSigningClaim writer")
struct SimpleSigningClaimTests {
    static let busyboxDigest = "sha256:f20c43161d73848408ef247f0ec7111b19fe58ffebc0cbcaa0d2c8bda4967268"
    static let aDigest = "sha256:" + String(repeating: "a", count: 64)

    /// `{"critical":{…},"optional":{"creator":CREATOR,"timestamp":TIMESTAMP}}` with the given raw JSON fragments.
    static func goJSON(reference: String, digest: String, creatorJSON: String, timestampJSON: String) -> String {
        #"{"critical":{"identity":{"docker-reference":"# + reference + #"},"image":{"docker-manifest-digest":""# + digest
            + #""},"type":"atomic container signature"},"optional":{"creator":"# + creatorJSON + #","timestamp":"# + timestampJSON + "}}"
    }

    static let encodings: [ClaimEncoding] = [
        // The bytes skopeo 1.9.3 produced (reference section 1.3, [tested]).
        ClaimEncoding(
            why: "skopeo 1.9.3 example", reference: "docker.io/library/busybox:latest", digest: busyboxDigest,
            creator: "atomic 5.23.1", timestamp: 1_795_282_160,
            expected: #"{"critical":{"identity":{"docker-reference":"docker.io/library/busybox:latest"},"image":{"docker-manifest-digest":"sha256:f20c43161d73848408ef247f0ec7111b19fe58ffebc0cbcaa0d2c8bda4967268"},"type":"atomic container signature"},"optional":{"creator":"atomic 5.23.1","timestamp":1795282160}}"#),
        // containers/image signature/simple_test.go TestMarshalJSON.
        ClaimEncoding(
            why: "c/image TestMarshalJSON", reference: "reference#@!", digest: aDigest, creator: "CREATOR", timestamp: 1_484_683_104,
            expected: goJSON(reference: #""reference#@!""#, digest: aDigest, creatorJSON: #""CREATOR""#, timestampJSON: "1484683104")),
        // The fixtures' creator ("atomic " with an empty version) and timestamp.
        ClaimEncoding(
            why: "c/image fixture values", reference: "testing/manifest",
            digest: "sha256:20bf21ed457b390829cdbeec8795a7bea1626991fda603e0d01b4e7f60427e55", creator: "atomic ", timestamp: 1_458_239_713,
            expected: #"{"critical":{"identity":{"docker-reference":"testing/manifest"},"image":{"docker-manifest-digest":"sha256:20bf21ed457b390829cdbeec8795a7bea1626991fda603e0d01b4e7f60427e55"},"type":"atomic container signature"},"optional":{"creator":"atomic ","timestamp":1458239713}}"#),
        ClaimEncoding(
            why: "sha512 digest, zero and negative timestamps", reference: "quay.io/org/app@sha256:" + String(repeating: "0", count: 64),
            digest: "sha512:" + String(repeating: "b", count: 128), creator: "", timestamp: 0,
            expected: goJSON(reference: #""quay.io/org/app@sha256:"# + String(repeating: "0", count: 64) + #"""#,
                digest: "sha512:" + String(repeating: "b", count: 128), creatorJSON: #""""#, timestampJSON: "0")),
        ClaimEncoding(
            why: "negative timestamp", reference: "a", digest: aDigest, creator: "c", timestamp: -1,
            expected: goJSON(reference: #""a""#, digest: aDigest, creatorJSON: #""c""#, timestampJSON: "-1")),
    ]

    @Test("encoded() gives containers/image's bytes", arguments: encodings)
    func exactBytes(_ row: ClaimEncoding) throws {
        let claim = SimpleSigningClaim(
            dockerReference: row.reference, manifestDigest: try Digest(parsing: row.digest), creator: row.creator, timestamp: row.timestamp)
        let actual = String(decoding: try claim.encoded(), as: UTF8.self)
        #expect(actual == row.expected)
    }

    /// Go's `encoding/json` escapes `"`, `\`, control characters (`\n`, `\r`, `\t`, else `\u00XX`),
    /// and also `<`, `>`, `&`, U+2028 and U+2029 (HTML-safe escaping, on by default in
    /// `json.Marshal`); other non-ASCII characters are written as UTF-8.
    @Test("strings are escaped as Go's json.Marshal escapes them", arguments: [
        ("plain", "atomic 5.23.1", #""atomic 5.23.1""#),
        ("quote and backslash", #"a"b\c"#, #""a\"b\\c""#),
        ("newline, return, tab", "a\nb\rc\td", #""a\nb\rc\td""#),
        ("other control character", "a\u{01}b\u{1F}", #""a\u0001b\u001f""#),
        ("non-ASCII", "Zoë ✓", "\"Zoë ✓\""),
        ("HTML characters", "a<b>&c", #""a\u003cb\u003e\u0026c""#),
        ("line and paragraph separators", "a\u{2028}b\u{2029}", #""a\u2028b\u2029""#),
    ])
    func goEscaping(why: String, creator: String, expectedJSON: String) throws {
        let claim = SimpleSigningClaim(dockerReference: "a", manifestDigest: try Digest(parsing: Self.aDigest), creator: creator, timestamp: 1)
        let expected = Self.goJSON(reference: #""a""#, digest: Self.aDigest, creatorJSON: expectedJSON, timestampJSON: "1")
        let actual = String(decoding: try claim.encoded(), as: UTF8.self)
        #expect(actual == expected)
    }

    /// Go writes an int64 timestamp with all its digits.
    @Test("timestamps are written exactly, also beyond 2^53", arguments: [
        Int64(1) << 53, (Int64(1) << 53) + 1, Int64.max, Int64.min,
    ])
    func largeTimestamps(timestamp: Int64) throws {
        let claim = SimpleSigningClaim(dockerReference: "a", manifestDigest: try Digest(parsing: Self.aDigest), creator: "c", timestamp: timestamp)
        let expected = Self.goJSON(reference: #""a""#, digest: Self.aDigest, creatorJSON: #""c""#, timestampJSON: String(timestamp))
        let actual = String(decoding: try claim.encoded(), as: UTF8.self)
        #expect(actual == expected)
    }

    @Test("what the writer writes, the strict reader reads back unchanged", arguments: encodings)
    func roundTrip(_ row: ClaimEncoding) throws {
        let claim = SimpleSigningClaim(
            dockerReference: row.reference, manifestDigest: try Digest(parsing: row.digest), creator: row.creator, timestamp: row.timestamp)
        let read = try UntrustedSimpleSigningClaim(payload: claim.encoded())
        #expect(read.untrustedDockerReference == row.reference)
        #expect(read.untrustedManifestDigest == claim.manifestDigest)
        #expect(read.untrustedCreator == row.creator)
        #expect(read.untrustedTimestamp == row.timestamp)
    }

    @Test("the type constant is containers/image's signatureType")
    func typeConstant() {
        #expect(SimpleSigningClaim.type == "atomic container signature")
    }
}
