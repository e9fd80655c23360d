// The strict claim reader, `UntrustedSimpleSigningClaim(payload:)`, against containers/image's rules
// (reference containers-image.md sections 1.3 and 1.4; `signature/simple.go` strictUnmarshalJSON and
// `signature/simple_test.go` TestUnmarshalJSON). Every rule has accepted and rejected rows.

import CustodyFormats
import CustodyOCI
import Foundation
import Testing

private let digest = "sha256:20bf21ed457b390829cdbeec8795a7bea1626991fda603e0d01b4e7f60427e55"
private let identity = #"{"docker-reference":"testing/manifest"}"#
private let image = #"{"docker-manifest-digest":""# + digest + #""}"#
private let type = #""atomic container signature""#

/// A claim document from its parts (raw JSON text).
private func claim(
    critical: String = #"{"identity":"# + identity + #","image":"# + image + #","type":"# + type + "}",
    optional: String = #"{"creator":"atomic 5.23.1","timestamp":1795282160}"#
) -> String {
    #"{"critical":"# + critical + #","optional":"# + optional + "}"
}

private func critical(identity: String = identity, image: String = image, type: String = type, extra: String = "") -> String {
    #"{"identity":"# + identity + #","image":"# + image + #","type":"# + type + extra + "}"
}

/// A payload the reader must accept, with what it must read.
struct AcceptedClaim: Sendable, CustomTestStringConvertible {
    let why: String
    let json: String
    var creator: String? = "atomic 5.23.1"
    var timestamp: Int64? = 1_795_282_160
    var reference = "testing/manifest"
    var testDescription: String { why }
}

/// A payload the reader must refuse.
struct RejectedClaim: Sendable, CustomTestStringConvertible {
    let why: String
    let json: String
    var testDescription: String { why }
}

@Suite("UntrustedSimpleSigningClaim strict reader")
struct UntrustedSimpleSigningClaimTests {
    static let accepted: [AcceptedClaim] = [
        AcceptedClaim(why: "canonical bytes", json: claim()),
        AcceptedClaim(why: "white space everywhere, trailing newline",
            json: " \n{ \"optional\" : { \"timestamp\" : 1795282160 , \"creator\" : \"atomic 5.23.1\" } ,\n\t\"critical\" : " + critical() + " }\n"),
        AcceptedClaim(why: "keys in any order", json: #"{"optional":{"timestamp":1795282160,"creator":"atomic 5.23.1"},"critical":{"type":"# + type + #","image":"# + image + #","identity":"# + identity + "}}"),
        AcceptedClaim(why: "empty optional", json: claim(optional: "{}"), creator: nil, timestamp: nil),
        AcceptedClaim(why: "creator only", json: claim(optional: #"{"creator":"x"}"#), creator: "x", timestamp: nil),
        AcceptedClaim(why: "timestamp only", json: claim(optional: #"{"timestamp":5}"#), creator: nil, timestamp: 5),
        AcceptedClaim(why: "timestamp 1.0", json: claim(optional: #"{"timestamp":1.0}"#), creator: nil, timestamp: 1),
        AcceptedClaim(why: "timestamp 1e3", json: claim(optional: #"{"timestamp":1e3}"#), creator: nil, timestamp: 1000),
        AcceptedClaim(why: "timestamp 1E+3", json: claim(optional: #"{"timestamp":1E+3}"#), creator: nil, timestamp: 1000),
        AcceptedClaim(why: "timestamp 150e-1", json: claim(optional: #"{"timestamp":150e-1}"#), creator: nil, timestamp: 15),
        AcceptedClaim(why: "negative timestamp", json: claim(optional: #"{"timestamp":-7}"#), creator: nil, timestamp: -7),
        AcceptedClaim(why: "timestamp 0 and -0", json: claim(optional: #"{"timestamp":-0}"#), creator: nil, timestamp: 0),
        AcceptedClaim(why: "unknown optional members of every type are ignored",
            json: claim(optional: #"{"creator":"atomic 5.23.1","timestamp":1795282160,"unexpected":1,"obj":{"a":[1,{"b":null}]},"n":null,"t":true,"s":"x"}"#)),
        AcceptedClaim(why: "empty creator", json: claim(optional: #"{"creator":""}"#), creator: "", timestamp: nil),
        AcceptedClaim(why: "escaped characters in strings",
            json: claim(critical: critical(identity: #"{"docker-reference":"testing\/manifest"}"#), optional: #"{"creator":"a\u003cb\u2028"}"#),
            creator: "a<b\u{2028}", timestamp: nil),
        AcceptedClaim(why: "reference not checked here (c/image: reference#@!)",
            json: claim(critical: critical(identity: #"{"docker-reference":"reference#@!"}"#)), reference: "reference#@!"),
        AcceptedClaim(why: "invalid reference is read; the verifier refuses it later",
            json: claim(critical: critical(identity: #"{"docker-reference":"UPPERCASEISINVALID"}"#)), reference: "UPPERCASEISINVALID"),
    ]

    @Test("accepted claims are read with their fields", arguments: accepted)
    func accepts(_ row: AcceptedClaim) throws {
        let read = try UntrustedSimpleSigningClaim(payload: Array(row.json.utf8))
        #expect(read.untrustedDockerReference == row.reference)
        #expect(read.untrustedManifestDigest.description == digest)
        #expect(read.untrustedCreator == row.creator)
        #expect(read.untrustedTimestamp == row.timestamp)
    }

    static let rejected: [RejectedClaim] = [
        // Structure: exactly critical and optional, exactly type/image/identity, one member each.
        RejectedClaim(why: "critical missing", json: #"{"optional":{}}"#),
        RejectedClaim(why: "optional missing", json: #"{"critical":"# + critical() + "}"),
        RejectedClaim(why: "unknown top-level key", json: #"{"critical":"# + critical() + #","optional":{},"unexpected":1}"#),
        RejectedClaim(why: "keys are case-sensitive (Critical)", json: #"{"Critical":"# + critical() + #","optional":{}}"#),
        RejectedClaim(why: "type missing", json: claim(critical: #"{"identity":"# + identity + #","image":"# + image + "}")),
        RejectedClaim(why: "image missing", json: claim(critical: #"{"identity":"# + identity + #","type":"# + type + "}")),
        RejectedClaim(why: "identity missing", json: claim(critical: #"{"image":"# + image + #","type":"# + type + "}")),
        RejectedClaim(why: "unknown critical key", json: claim(critical: critical(extra: #","unexpected":1"#))),
        RejectedClaim(why: "unknown critical key with null value", json: claim(critical: critical(extra: #","unexpected":null"#))),
        RejectedClaim(why: "docker-manifest-digest missing", json: claim(critical: critical(image: "{}"))),
        RejectedClaim(why: "unknown image key", json: claim(critical: critical(image: #"{"docker-manifest-digest":""# + digest + #"","unexpected":1}"#))),
        RejectedClaim(why: "docker-reference missing", json: claim(critical: critical(identity: "{}"))),
        RejectedClaim(why: "unknown identity key", json: claim(critical: critical(identity: #"{"docker-reference":"a","unexpected":1}"#))),
        // Duplicates, at every level, optional included.
        RejectedClaim(why: "duplicate critical", json: #"{"critical":"# + critical() + #","critical":"# + critical() + #","optional":{}}"#),
        RejectedClaim(why: "duplicate optional", json: #"{"critical":"# + critical() + #","optional":{},"optional":{}}"#),
        RejectedClaim(why: "duplicate type", json: claim(critical: critical(extra: #","type":"# + type))),
        RejectedClaim(why: "duplicate docker-reference", json: claim(critical: critical(identity: #"{"docker-reference":"a","docker-reference":"a"}"#))),
        RejectedClaim(why: "duplicate creator in optional", json: claim(optional: #"{"creator":"a","creator":"a"}"#)),
        RejectedClaim(why: "duplicate unknown key in optional", json: claim(optional: #"{"a":1,"a":1}"#)),
        // Types.
        RejectedClaim(why: "critical not an object", json: claim(critical: "1")),
        RejectedClaim(why: "critical null", json: claim(critical: "null")),
        RejectedClaim(why: "optional not an object", json: claim(optional: "1")),
        RejectedClaim(why: "optional an array", json: claim(optional: "[]")),
        RejectedClaim(why: "optional null", json: claim(optional: "null")),
        RejectedClaim(why: "type a number", json: claim(critical: critical(type: "1"))),
        RejectedClaim(why: "type null", json: claim(critical: critical(type: "null"))),
        RejectedClaim(why: "image a number", json: claim(critical: critical(image: "1"))),
        RejectedClaim(why: "identity a string", json: claim(critical: critical(identity: #""testing/manifest""#))),
        RejectedClaim(why: "digest a number", json: claim(critical: critical(image: #"{"docker-manifest-digest":1}"#))),
        RejectedClaim(why: "docker-reference a number", json: claim(critical: critical(identity: #"{"docker-reference":1}"#))),
        RejectedClaim(why: "docker-reference null", json: claim(critical: critical(identity: #"{"docker-reference":null}"#))),
        RejectedClaim(why: "creator a number", json: claim(optional: #"{"creator":1}"#)),
        RejectedClaim(why: "creator an object", json: claim(optional: #"{"creator":{}}"#)),
        RejectedClaim(why: "timestamp a string", json: claim(optional: #"{"timestamp":"unexpected"}"#)),
        RejectedClaim(why: "timestamp a boolean", json: claim(optional: #"{"timestamp":true}"#)),
        RejectedClaim(why: "timestamp an array", json: claim(optional: #"{"timestamp":[1]}"#)),
        // Integer timestamps only.
        RejectedClaim(why: "timestamp 1.5", json: claim(optional: #"{"timestamp":1.5}"#)),
        RejectedClaim(why: "timestamp 0.5 (c/image test)", json: claim(optional: #"{"timestamp":0.5}"#)),
        RejectedClaim(why: "timestamp 1e-1", json: claim(optional: #"{"timestamp":1e-1}"#)),
        RejectedClaim(why: "timestamp 1e300, beyond int64", json: claim(optional: #"{"timestamp":1e300}"#)),
        RejectedClaim(why: "timestamp -1e19, beyond int64", json: claim(optional: #"{"timestamp":-1e19}"#)),
        // Type value.
        RejectedClaim(why: "wrong type value", json: claim(critical: critical(type: #""unexpected""#))),
        RejectedClaim(why: "type with different case", json: claim(critical: critical(type: #""Atomic container signature""#))),
        RejectedClaim(why: "type with trailing space", json: claim(critical: critical(type: #""atomic container signature ""#))),
        RejectedClaim(why: "empty type", json: claim(critical: critical(type: #""""#))),
        // Digests must parse as go-digest does: known algorithm, lowercase hex of the right length.
        RejectedClaim(why: "uppercase hex digest", json: claim(critical: critical(image: #"{"docker-manifest-digest":""# + digest.uppercased().replacingOccurrences(of: "SHA256", with: "sha256") + #""}"#))),
        RejectedClaim(why: "digest sha256:../.. (c/image test)", json: claim(critical: critical(image: #"{"docker-manifest-digest":"sha256:../.."}"#))),
        RejectedClaim(why: "short digest", json: claim(critical: critical(image: #"{"docker-manifest-digest":"sha256:abcd"}"#))),
        RejectedClaim(why: "digest without algorithm", json: claim(critical: critical(image: #"{"docker-manifest-digest":"20bf21ed457b390829cdbeec8795a7bea1626991fda603e0d01b4e7f60427e55"}"#))),
        RejectedClaim(why: "unknown digest algorithm", json: claim(critical: critical(image: #"{"docker-manifest-digest":"md5:d41d8cd98f00b204e9800998ecf8427e"}"#))),
        RejectedClaim(why: "empty digest", json: claim(critical: critical(image: #"{"docker-manifest-digest":""}"#))),
        // Not one JSON object.
        RejectedClaim(why: "trailing data after the object", json: claim() + "{}"),
        RejectedClaim(why: "trailing garbage", json: claim() + "x"),
        RejectedClaim(why: "top-level array", json: "[" + claim() + "]"),
        RejectedClaim(why: "top-level number", json: "1"),
        RejectedClaim(why: "null", json: "null"),
        RejectedClaim(why: "empty", json: ""),
        RejectedClaim(why: "not JSON (c/image invalid-blob.signature)", json: "This is not JSON\n"),
        RejectedClaim(why: "truncated", json: String(claim().dropLast())),
        RejectedClaim(why: "byte order mark", json: "\u{FEFF}" + claim()),
    ]

    @Test("rejected claims throw .invalidClaim", arguments: rejected)
    func rejects(_ row: RejectedClaim) {
        #expect(throws: SimpleSigningError(.invalidClaim, "")) { try UntrustedSimpleSigningClaim(payload: Array(row.json.utf8)) }
    }

    /// containers/image decodes `null` into a Go string or float64 without an error, so it reads
    /// `"creator": null` as "" and `"timestamp": null` as 0. Custody refuses both (stricter).
    @Test("null creator or timestamp is refused (containers/image reads them as \"\" and 0)", arguments: [
        #"{"creator":null}"#, #"{"timestamp":null}"#,
    ])
    func nullOptionalMembers(optional: String) {
        #expect(throws: SimpleSigningError(.invalidClaim, "")) { try UntrustedSimpleSigningClaim(payload: Array(claim(optional: optional).utf8)) }
    }

    @Test("invalid UTF-8 is refused")
    func invalidUTF8() {
        let bytes = Array(#"{"critical":{"identity":{"docker-reference":""#.utf8) + [0xFF] + Array((#""},"image":"# + image + #","type":"# + type + #"},"optional":{}}"#).utf8)
        #expect(throws: SimpleSigningError(.invalidClaim, "")) { try UntrustedSimpleSigningClaim(payload: bytes) }
    }

    @Test("payloads over maxPayloadBytes are refused; a large unknown optional member under it is fine")
    func sizeLimit() throws {
        let big = String(repeating: "x", count: UntrustedSimpleSigningClaim.maxPayloadBytes)
        #expect(throws: SimpleSigningError(.invalidClaim, "")) {
            try UntrustedSimpleSigningClaim(payload: Array(claim(optional: #"{"pad":""# + big + #""}"#).utf8))
        }
        let fits = String(repeating: "x", count: 100_000)
        #expect(try UntrustedSimpleSigningClaim(payload: Array(claim(optional: #"{"pad":""# + fits + #""}"#).utf8)).untrustedCreator == nil)
    }

    @Test("the error names the problem")
    func errorReasons() {
        do {
            _ = try UntrustedSimpleSigningClaim(payload: Array(claim(critical: critical(type: #""unexpected""#)).utf8))
            Issue.record("accepted")
        } catch {
            #expect(error.code == .invalidClaim)
            #expect(error.reason.contains("unexpected"))
        }
        do {
            _ = try UntrustedSimpleSigningClaim(payload: Array(claim(optional: #"{"timestamp":1.5}"#).utf8))
            Issue.record("accepted")
        } catch {
            #expect(error.reason.contains("timestamp"))
        }
    }
}
