// Hand-written tests of CanonicalJSONEncoder (RFC 8785 JCS output).

import CustodyJSON
import Foundation
import Testing

private struct SimpleSigning: Encodable {
    struct Critical: Encodable {
        struct Identity: Encodable {
            let dockerReference: String
            enum CodingKeys: String, CodingKey { case dockerReference = "docker-reference" }
        }
        struct Image: Encodable {
            let dockerManifestDigest: String
            enum CodingKeys: String, CodingKey { case dockerManifestDigest = "docker-manifest-digest" }
        }
        // Declared out of canonical order on purpose.
        let type: String
        let image: Image
        let identity: Identity
    }
    struct Optional: Encodable {
        let timestamp: Int64
        let creator: String
        let comment: String?
    }
    let optional: Optional
    let critical: Critical
}

private struct WithOptionals: Encodable {
    let present: Int?
    let absent: Int?
    let explicitNull: Int?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(present, forKey: .present)
        try container.encodeIfPresent(absent, forKey: .absent)
        try container.encode(explicitNull, forKey: .explicitNull)  // a deliberate null
    }
    enum CodingKeys: String, CodingKey { case present, absent, explicitNull }
}

private struct Outer: Encodable {
    struct Inner: Encodable {
        let b: [Int]
        let a: Bool
    }
    let z: String
    let inner: Inner
    let list: [Inner]
}

private struct Unencodable: Encodable {
    let value: Double
}

private struct Twice: Encodable {
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(1, forKey: Key(stringValue: "k"))
        try container.encode(2, forKey: Key(stringValue: "k"))
    }
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

private func canonical(_ value: some Encodable) throws(JSONError) -> String {
    String(decoding: try CanonicalJSONEncoder().encode(value), as: UTF8.self)
}

private func canonical(json text: String) throws(JSONError) -> String {
    String(decoding: try CanonicalJSONEncoder.serialize(JSONParser().parse(Array(text.utf8))), as: UTF8.self)
}

@Suite("CanonicalJSONEncoder")
struct CanonicalJSONEncoderTests {
    @Test("a simple-signing-like claim gives the exact expected bytes")
    func simpleSigningClaim() throws {
        let digest = "sha256:" + String(repeating: "0123456789abcdef", count: 4)
        let claim = SimpleSigning(
            optional: .init(timestamp: 1_700_000_000, creator: "x", comment: nil),
            critical: .init(
                type: "atomic container signature",
                image: .init(dockerManifestDigest: digest),
                identity: .init(dockerReference: "docker.io/library/busybox:latest")
            )
        )
        let expected = #"{"critical":{"identity":{"docker-reference":"docker.io/library/busybox:latest"},"image":{"docker-manifest-digest":"\#(digest)"},"type":"atomic container signature"},"optional":{"creator":"x","timestamp":1700000000}}"#
        #expect(try canonical(claim) == expected)
    }

    @Test("object members are sorted by UTF-16 code units, not by scalar or UTF-8 order")
    func utf16Order() throws {
        // RFC 8785 §3.2.3: U+1F600 is D83D DE00 in UTF-16, so it sorts BEFORE U+FB33 (FB33),
        // although its scalar value and UTF-8 bytes are larger.
        #expect(try canonical(["\u{FB33}": 1, "\u{1F600}": 2]) == "{\"\u{1F600}\":2,\"\u{FB33}\":1}")
        #expect(try canonical(["b": 1, "a": 2, "A": 3, "": 4, "aa": 5, "10": 6, "1": 7])
                == #"{"":4,"1":7,"10":6,"A":3,"a":2,"aa":5,"b":1}"#)
        #expect(try canonical(["\u{E9}": 1, "f": 2, "\u{80}": 3]) == "{\"f\":2,\"\u{80}\":3,\"\u{E9}\":1}")
    }

    @Test("no insignificant whitespace anywhere")
    func noWhitespace() throws {
        #expect(try canonical(json: " { \"a\" : [ 1 , 2 , { } , [ ] ] ,\n\t\"b\" : null } ") == #"{"a":[1,2,{},[]],"b":null}"#)
        #expect(try canonical([[Int]]()) == "[]")
        #expect(try canonical([String: Int]()) == "{}")
    }

    @Test("strings use the short escapes, lowercase \\u00xx for other controls, and nothing else")
    func minimalEscapes() throws {
        #expect(try canonical("\u{8}\u{C}\n\r\t") == #""\b\f\n\r\t""#)
        #expect(try canonical("\u{0}\u{1}\u{1F}") == #""\u0000\u0001\u001f""#)
        #expect(try canonical("\u{1A}\u{0B}") == #""\u001a\u000b""#)
        #expect(try canonical("\"\\") == #""\"\\""#)
        #expect(try canonical("a/b</script>&'") == #""a/b</script>&'""#)
        #expect(try canonical("\u{7F}\u{80}\u{2028}\u{2029}") == "\"\u{7F}\u{80}\u{2028}\u{2029}\"")
        #expect(try CanonicalJSONEncoder().encode("é€😀") == [0x22, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80, 0x22])
        #expect(try canonical(json: #""\u0041\u00e9\/""#) == "\"A\u{E9}/\"")
    }

    @Test("keys are escaped like strings")
    func escapedKeys() throws {
        #expect(try canonical(["\n": 1, "\"": 2, "\u{1F}": 3]) == #"{"\n":1,"\u001f":3,"\"":2}"#)
    }

    @Test("nil optionals are left out; an explicit encodeNil writes null")
    func optionals() throws {
        #expect(try canonical(WithOptionals(present: 1, absent: nil, explicitNull: nil)) == #"{"explicitNull":null,"present":1}"#)
        #expect(try canonical([1, nil, 3] as [Int?]) == "[1,null,3]")
        #expect(try canonical(Int?.none) == "null")
    }

    @Test("nested Encodable structs and arrays are sorted at every level")
    func nestedStructs() throws {
        let value = Outer(z: "z", inner: .init(b: [3, 1], a: true), list: [.init(b: [], a: false)])
        #expect(try canonical(value) == #"{"inner":{"a":true,"b":[3,1]},"list":[{"a":false,"b":[]}],"z":"z"}"#)
    }

    @Test("numbers: integers as integers, doubles in ECMAScript form")
    func numbers() throws {
        #expect(try canonical([0, -1, 42, Int(Int32.max)]) == "[0,-1,42,2147483647]")
        #expect(try canonical([1.0, 1.5, -0.0, 1e21, 1e-7, 0.1]) == "[1,1.5,0,1e+21,1e-7,0.1]")
        #expect(try canonical(json: "[1.000,1E2,-0,0.5e1,1e-7,100e-2]") == "[1,100,0,5,1e-7,1]")
        #expect(try canonical(UInt8(255)) == "255")
    }

    @Test("integers at and beyond 2^53 are written as the IEEE double JCS reads them as")
    func largeIntegers() throws {
        #expect(try canonical(json: "9007199254740991") == "9007199254740991")
        #expect(try canonical(json: "-9007199254740991") == "-9007199254740991")
        #expect(try canonical(json: "9007199254740993") == "9007199254740992")
        #expect(try canonical(json: "123456789012345678901234567890") == "1.2345678901234568e+29")
        #expect(try canonical(Int64.max) == "9223372036854776000")
    }

    @Test("non-finite doubles and out-of-range integers are .unencodable")
    func unencodable() throws {
        #expect(throws: JSONError(code: .unencodable)) { try CanonicalJSONEncoder().encode(Double.nan) }
        #expect(throws: JSONError(code: .unencodable)) { try CanonicalJSONEncoder().encode(-Double.infinity) }
        #expect(throws: JSONError(code: .unencodable)) { try CanonicalJSONEncoder().encode(Float.infinity) }
        #expect(throws: JSONError(code: .unencodable)) { try CanonicalJSONEncoder().encode(UInt64.max) }
        do {
            _ = try CanonicalJSONEncoder().encode(["a": Unencodable(value: .infinity)])
            Issue.record("infinity was encoded")
        } catch {
            #expect(error.code == .unencodable)
            #expect(error.path == "a.value")
        }
    }

    @Test("an encoding error inside an array names the element's index")
    func unencodablePathInArray() {
        do {
            _ = try CanonicalJSONEncoder().encode(["a": [Unencodable(value: 1), Unencodable(value: .nan)]])
            Issue.record("NaN was encoded")
        } catch {
            #expect(error.code == .unencodable)
            #expect(error.path == "a[1].value")
        }
    }

    @Test("a parsed number too large for a double is refused, not written as its literal (RFC 8785 §3.2.2.3)",
          arguments: ["1e400", "-123123e100000", "[0.4e00669999999999999999999999999999999999999999999999999999999999999999999999]"])
    func parsedOverflowIsUnencodable(_ document: String) throws {
        let value = try JSONParser().parse(Array(document.utf8))
        do {
            let bytes = try CanonicalJSONEncoder.serialize(value)
            Issue.record("expected .unencodable, got \(String(decoding: bytes, as: UTF8.self))")
        } catch {
            #expect(error.code == .unencodable)
        }
    }

    @Test("Int64.min serializes without crashing")
    func int64Min() async {
        // A parsed literal and an encoded Int64.min both reach the integer branch of the number writer.
        await #expect(processExitsWith: .success) {
            let parsed = try? JSONParser().parse(Array("-9223372036854775808".utf8))
            let bytes = parsed.flatMap { try? CanonicalJSONEncoder.serialize($0) }
            guard bytes == Array("-9223372036854776000".utf8) else { exit(1) }
        }
        await #expect(processExitsWith: .success) {
            guard (try? CanonicalJSONEncoder().encode(Int64.min)) == Array("-9223372036854776000".utf8) else { exit(1) }
        }
    }

    @Test("a key encoded twice is refused")
    func keyTwice() {
        #expect(throws: JSONError(code: .duplicateKey)) { try CanonicalJSONEncoder().encode(Twice()) }
    }

    @Test("JSONValue round-trips: parse → serialize → parse gives an equal value and the same bytes")
    func jsonValueRoundTrip() throws {
        let text = #"{"b":[true,false,null,"s\n",{"y":1,"x":-2.5}],"a":{},"\u00e9":"\ud83d\ude00"}"#
        let value = try JSONParser().parse(Array(text.utf8))
        let bytes = try CanonicalJSONEncoder.serialize(value)
        #expect(String(decoding: bytes, as: UTF8.self) == "{\"a\":{},\"b\":[true,false,null,\"s\\n\",{\"x\":-2.5,\"y\":1}],\"\u{E9}\":\"\u{1F600}\"}")
        let reparsed = try JSONParser().parse(bytes)
        #expect(reparsed == value)
        #expect(try CanonicalJSONEncoder.serialize(reparsed) == bytes)
        #expect(try CanonicalJSONEncoder().encode(value) == bytes)
        #expect(try CanonicalJSONEncoder().tree(value) == value)
    }

    @Test("tree(_:) builds the JSONValue that serialize(_:) writes")
    func tree() throws {
        let tree = try CanonicalJSONEncoder().tree(Outer.Inner(b: [1], a: true))
        guard case .object(let object) = tree else { Issue.record("not an object"); return }
        #expect(object.keys == ["b", "a"])  // encoding order; sorting happens when writing
        #expect(try CanonicalJSONEncoder.serialize(tree) == Array(#"{"a":true,"b":[1]}"#.utf8))
    }
}
