// Hand-written tests of StrictJSONDecoder: unknown keys, missing keys, nulls, exact numbers,
// polymorphic decoding, JSONValue pass-through, and the path named by every error.

import CustodyJSON
import Foundation
import Testing

// MARK: - Types under decode

/// Shaped like the `critical` section of a containers/image simple-signing claim.
private struct Critical: Decodable, Equatable {
    struct Identity: Decodable, Equatable {
        let dockerReference: String
        enum CodingKeys: String, CodingKey { case dockerReference = "docker-reference" }
    }
    struct Image: Decodable, Equatable {
        let dockerManifestDigest: String
        enum CodingKeys: String, CodingKey { case dockerManifestDigest = "docker-manifest-digest" }
    }
    let identity: Identity
    let image: Image
    let type: String
}

private struct Claim: Decodable, Equatable {
    let critical: Critical
    let optional: Extensible?
}

/// An object that tolerates unknown members at its own level only.
private struct Extensible: Decodable, Equatable {
    struct Strict: Decodable, Equatable { let x: Int }
    let creator: String?
    let nested: Strict?
    enum CodingKeys: String, UnknownJSONKeysIgnored { case creator, nested }
}

private struct Person: Decodable, Equatable {
    let name: String
    let age: Int?
}

/// Decodes a `type` discriminator with one container, then the variant's members with another.
private enum Shape: Decodable, Equatable {
    case circle(radius: Double)
    case square(side: Double)

    private enum TypeKey: String, CodingKey { case type }
    private enum CircleKeys: String, CodingKey { case radius }
    private enum SquareKeys: String, CodingKey { case side }

    init(from decoder: any Decoder) throws {
        let type = try decoder.container(keyedBy: TypeKey.self).decode(String.self, forKey: .type)
        switch type {
        case "circle": self = .circle(radius: try decoder.container(keyedBy: CircleKeys.self).decode(Double.self, forKey: .radius))
        case "square": self = .square(side: try decoder.container(keyedBy: SquareKeys.self).decode(Double.self, forKey: .side))
        default:
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath + [TypeKey.type], debugDescription: "unknown shape \(type)"))
        }
    }
}

private struct Envelope: Decodable {
    let kind: String
    let payload: JSONValue
}

private struct Single<T: Decodable>: Decodable {
    let value: T
}

private let digest = "sha256:" + String(repeating: "ab", count: 32)
private let claimJSON = #"{"critical":{"identity":{"docker-reference":"docker.io/library/busybox:latest"},"image":{"docker-manifest-digest":"\#(digest)"},"type":"atomic container signature"},"optional":{"creator":"x","timestamp":1700000000}}"#

/// Decodes `text` with `decoder` and returns the error, or `nil` on success.
private func decodeError<T: Decodable>(_ type: T.Type, _ text: String, _ decoder: StrictJSONDecoder = StrictJSONDecoder()) -> JSONError? {
    do {
        _ = try decoder.decode(type, from: Array(text.utf8))
        return nil
    } catch {
        return error
    }
}

private func decode<T: Decodable>(_ type: T.Type, _ text: String, _ decoder: StrictJSONDecoder = StrictJSONDecoder()) throws(JSONError) -> T {
    try decoder.decode(type, from: Array(text.utf8))
}

@Suite("StrictJSONDecoder")
struct StrictJSONDecoderTests {
    // MARK: unknown keys

    @Test("a simple-signing-like claim decodes, and unknown members of `optional` are ignored")
    func decodesClaim() throws {
        let claim = try decode(Claim.self, claimJSON)
        #expect(claim.critical.identity.dockerReference == "docker.io/library/busybox:latest")
        #expect(claim.critical.image.dockerManifestDigest == digest)
        #expect(claim.critical.type == "atomic container signature")
        #expect(claim.optional?.creator == "x")
    }

    @Test(
        "an unknown member is rejected with its path",
        arguments: [
            (#"{"critical":{"identity":{"docker-reference":"r"},"identityy":{},"image":{"docker-manifest-digest":"d"},"type":"t"}}"#, "critical.identityy"),
            (#"{"critical":{"identity":{"docker-reference":"r","extra":1},"image":{"docker-manifest-digest":"d"},"type":"t"}}"#, "critical.identity.extra"),
            (#"{"critical":{"identity":{"docker-reference":"r"},"image":{"docker-manifest-digest":"d","x-y":null},"type":"t"}}"#, #"critical.image["x-y"]"#),
            (#"{"critical":{"identity":{"docker-reference":"r"},"image":{"docker-manifest-digest":"d"},"type":"t"},"signature":"s"}"#, "signature"),
        ]
    )
    func rejectsUnknownKey(_ document: String, _ path: String) throws {
        let error = try #require(decodeError(Claim.self, document))
        #expect(error.code == .unknownKey)
        #expect(error.path == path)
        // With the `.ignore` policy the same document decodes.
        #expect(decodeError(Claim.self, document, StrictJSONDecoder(unknownKeys: .ignore)) == nil)
    }

    @Test("UnknownJSONKeysIgnored applies to its own object only; a nested strict object still rejects")
    func ignoredKeysAreLocal() throws {
        let ok = try decode(Extensible.self, #"{"creator":"c","anything":{"deep":[1,2]},"nested":{"x":1}}"#)
        #expect(ok == Extensible(creator: "c", nested: .init(x: 1)))
        let error = try #require(decodeError(Extensible.self, #"{"creator":"c","nested":{"x":1,"y":2}}"#))
        #expect(error.code == .unknownKey)
        #expect(error.path == "nested.y")
        #expect(decodeError(Extensible.self, #"{"nested":{"x":1,"y":2}}"#, StrictJSONDecoder(unknownKeys: .ignore)) == nil)
    }

    @Test("polymorphic decoding: members read through two containers over one object all count as read")
    func polymorphicAccepted() throws {
        #expect(try decode(Shape.self, #"{"type":"circle","radius":2.5}"#) == .circle(radius: 2.5))
        #expect(try decode(Shape.self, #"{"side":3,"type":"square"}"#) == .square(side: 3))
        #expect(try decode([Shape].self, #"[{"type":"circle","radius":1},{"type":"square","side":2}]"#) == [.circle(radius: 1), .square(side: 2)])
    }

    @Test("polymorphic decoding: a member that neither container read is rejected")
    func polymorphicRejected() throws {
        let error = try #require(decodeError(Shape.self, #"{"type":"circle","radius":2,"side":3}"#))
        #expect(error.code == .unknownKey)
        #expect(error.path == "side")
        let inArray = try #require(decodeError([Shape].self, #"[{"type":"circle","radius":1},{"type":"square","side":2,"radius":2}]"#))
        #expect(inArray.code == .unknownKey)
        #expect(inArray.path == "[1].radius")
        let missing = try #require(decodeError(Shape.self, #"{"type":"circle"}"#))
        #expect(missing.code == .missingKey)
        #expect(missing.path == "radius")
        let unknownType = try #require(decodeError(Shape.self, #"{"type":"hexagon"}"#))
        #expect(unknownType.code == .invalidValue)
        #expect(unknownType.path == "type")
    }

    @Test("unknown members are found in objects nested in arrays and dictionaries")
    func unknownInCollections() throws {
        let inDictionary = try #require(decodeError([String: Extensible.Strict].self, #"{"k":{"x":1},"m":{"x":2,"y":3}}"#))
        #expect(inDictionary.code == .unknownKey)
        #expect(inDictionary.path == "m.y")
        let inArray = try #require(decodeError([Person].self, #"[{"name":"a"},{"name":"b","nickname":"c"}]"#))
        #expect(inArray.code == .unknownKey)
        #expect(inArray.path == "[1].nickname")
    }

    @Test("unknown members are found in every object, also when two sibling keys share a long prefix")
    func unknownKeyBehindLongSiblingKey() throws {
        // Both keys are 131 characters and differ only in the last one.
        let prefix = "-" + String(repeating: "x", count: 129)
        let document = #"{"\#(prefix)a":{"x":1},"\#(prefix)b":{"x":2,"evil":true}}"#
        let error = try #require(decodeError([String: Extensible.Strict].self, document), "the second object's unknown member was not reported")
        #expect(error.code == .unknownKey)
    }

    // MARK: missing keys and nulls

    @Test(
        "a missing required member is .missingKey with its path",
        arguments: [
            (#"{"critical":{"identity":{"docker-reference":"r"},"image":{"docker-manifest-digest":"d"}}}"#, "critical.type"),
            (#"{"critical":{"identity":{},"image":{"docker-manifest-digest":"d"},"type":"t"}}"#, #"critical.identity["docker-reference"]"#),
            (#"{}"#, "critical"),
        ]
    )
    func missingKey(_ document: String, _ path: String) throws {
        let error = try #require(decodeError(Claim.self, document))
        #expect(error.code == .missingKey)
        #expect(error.path == path)
    }

    @Test("null for a required member is .typeMismatch; null or absence for an optional one is nil")
    func nulls() throws {
        let error = try #require(decodeError(Person.self, #"{"name":null}"#))
        #expect(error.code == .typeMismatch)
        #expect(error.path == "name")
        #expect(try decode(Person.self, #"{"name":"n","age":null}"#) == Person(name: "n", age: nil))
        #expect(try decode(Person.self, #"{"name":"n"}"#) == Person(name: "n", age: nil))
        #expect(try decode(Person.self, #"{"name":"n","age":7}"#) == Person(name: "n", age: 7))
        #expect(decodeError([Int].self, "[1,null]")?.path == "[1]")
        #expect(decodeError([String: Int].self, #"{"a":null}"#)?.path == "a")
        #expect(try decode(Int?.self, "null") == nil)
    }

    @Test("null is accepted where the element type itself is Optional ([Int?], [String: Int?])")
    func optionalElements() throws {
        // Foundation's JSONDecoder accepts these; the element type asks for an optional value.
        #expect(try decode([Int?].self, "[1,null]") == [1, nil])
        #expect(try decode([String: Int?].self, #"{"a":null,"b":2}"#) == ["a": nil, "b": 2])
        #expect(try decode(Single<Int?>.self, #"{"value":null}"#).value == nil)
    }

    @Test("wrong JSON types are .typeMismatch with the path")
    func wrongTypes() throws {
        let cases: [(String, String)] = [(#"{"name":5}"#, "name"), (#"{"name":"n","age":"7"}"#, "age"), (#"{"name":["n"]}"#, "name")]
        for (document, path) in cases {
            let error = try #require(decodeError(Person.self, document))
            #expect(error.code == .typeMismatch, "\(document)")
            #expect(error.path == path, "\(document)")
        }
        #expect(decodeError(Person.self, "[]")?.code == .typeMismatch)
        #expect(decodeError([Int].self, "{}")?.code == .typeMismatch)
        #expect(decodeError(Bool.self, "1")?.code == .typeMismatch)
        #expect(decodeError(String.self, "1")?.code == .typeMismatch)
    }

    @Test("errors inside arrays of objects name the element")
    func arrayPaths() throws {
        let missing = try #require(decodeError([Person].self, #"[{"name":"a"},{"nam":"b"}]"#))
        #expect(missing.code == .missingKey)
        #expect(missing.path == "[1].name")
        let mismatch = try #require(decodeError(Single<[Person]>.self, #"{"value":[{"name":"a"},{"name":"b"},{"name":false}]}"#))
        #expect(mismatch.code == .typeMismatch)
        #expect(mismatch.path == "value[2].name")
    }

    // MARK: numbers

    @Test("integers must be written as integers", arguments: ["1.0", "1e2", "1E2", "1.5", "-0.0", "1e0"])
    func integerLiteralsOnly(_ literal: String) throws {
        let error = try #require(decodeError(Int.self, literal))
        #expect(error.code == .typeMismatch)
        #expect(decodeError(Single<Int>.self, #"{"value":\#(literal)}"#)?.path == "value")
    }

    @Test("integers out of the type's range are rejected")
    func integerRange() throws {
        #expect(decodeError(Int8.self, "300")?.code == .typeMismatch)
        #expect(decodeError(Int8.self, "-129")?.code == .typeMismatch)
        #expect(decodeError(UInt.self, "-1")?.code == .typeMismatch)
        #expect(decodeError(UInt8.self, "256")?.code == .typeMismatch)
        #expect(decodeError(Int64.self, "9223372036854775808")?.code == .typeMismatch)
        #expect(decodeError(UInt64.self, "18446744073709551616")?.code == .typeMismatch)
        #expect(decodeError(Int.self, "123456789012345678901234567890")?.code == .typeMismatch)
        #expect(try decode(Int8.self, "127") == 127)
        #expect(try decode(Int8.self, "-128") == -128)
        #expect(try decode(UInt64.self, "18446744073709551615") == .max)
        #expect(try decode(Int64.self, "-9223372036854775808") == .min)
        #expect(try decode(Int.self, "-0") == 0)
        #expect(try decode(UInt32.self, "4294967295") == .max)
    }

    @Test("doubles accept any finite JSON number; out-of-range ones are rejected")
    func doubles() throws {
        #expect(try decode(Double.self, "1") == 1)
        #expect(try decode(Double.self, "-1.5e-3") == -0.0015)
        #expect(try decode(Double.self, "1e308") == 1e308)
        #expect(decodeError(Double.self, "1e400")?.code == .typeMismatch)
        #expect(decodeError(Double.self, "\"1\"")?.code == .typeMismatch)
        #expect(try decode(Float.self, "1.5") == 1.5)
    }

    @Test("a Float out of Float's range is rejected, not turned into infinity")
    func floatRange() throws {
        #expect(decodeError(Float.self, "1e300")?.code == .typeMismatch)
        #expect(decodeError(Float.self, "-1e39")?.code == .typeMismatch)
    }

    // MARK: collections and JSONValue

    @Test("[String: Int] reads every member")
    func dictionary() throws {
        #expect(try decode([String: Int].self, #"{"b":2,"a":1,"docker-ref":3}"#) == ["a": 1, "b": 2, "docker-ref": 3])
        #expect(try decode([String: Int].self, "{}") == [:])
        let error = try #require(decodeError([String: Int].self, #"{"a":1,"b":"2"}"#))
        #expect(error.code == .typeMismatch)
        #expect(error.path == "b")
        #expect(decodeError([String: Int].self, #"{"a":1,"a":2}"#)?.code == .duplicateKey)
    }

    @Test("an error at a numeric-looking dictionary key names it as a key, not an array index")
    func numericKeyPath() throws {
        // The parser writes the path of member "1" as ["1"]; "[1]" would mean the second array element.
        let error = try #require(decodeError([String: Int].self, #"{"1":"x"}"#))
        #expect(error.code == .typeMismatch)
        #expect(error.path == #"["1"]"#)
        #expect(parseError(#"{"1":{"k":1,"k":2}}"#)?.path == #"["1"].k"#)
    }

    @Test("decoding JSONValue keeps number literals and member order")
    func jsonValue() throws {
        let value = try decode(JSONValue.self, #"{"z":1.000,"a":123456789012345678901234567890,"m":[1e2,-0,null]}"#)
        guard case .object(let object) = value else { Issue.record("not an object"); return }
        #expect(object.keys == ["z", "a", "m"])
        #expect(object["z"] == .number(JSONNumber(literal: "1.000")))
        #expect(object["a"] == .number(JSONNumber(literal: "123456789012345678901234567890")))
        guard case .array(let m) = object["m"], case .number(let hundred) = m[0] else { Issue.record("bad m"); return }
        #expect(hundred.literal == "1e2")
        #expect(m[2] == .null)
    }

    @Test("a JSONValue member is taken whole: members inside it are not 'unknown'")
    func jsonValueMember() throws {
        let envelope = try decode(Envelope.self, #"{"kind":"k","payload":{"b":{"c":1.50},"a":[]}}"#)
        guard case .object(let payload) = envelope.payload else { Issue.record("not an object"); return }
        #expect(payload.keys == ["b", "a"])
        #expect(try decode(Envelope.self, #"{"kind":"k","payload":null}"#).payload == .null)
        #expect(decodeError(Envelope.self, #"{"kind":"k","payload":1,"extra":2}"#)?.path == "extra")
    }

    // MARK: parser rules and limits pass through

    @Test("parser errors pass through the decoder")
    func parserErrors() throws {
        #expect(decodeError(Person.self, #"{"name":"a","name":"b"}"#)?.code == .duplicateKey)
        #expect(decodeError(Person.self, #"{"name":"a"} x"#)?.code == .trailingData)
        #expect(decodeError(Person.self, #"{"name":"a""#)?.code == .syntax)
        #expect(decodeError(Person.self, #"{"name":"a"}"#, StrictJSONDecoder(limits: JSONLimits(maxDocumentBytes: 5)))?.code == .documentTooLarge)
        #expect(decodeError(JSONValue.self, nested(65))?.code == .tooDeep)
        #expect(decodeError([[Int]].self, "[[1]]", StrictJSONDecoder(limits: JSONLimits(maxDepth: 1)))?.code == .tooDeep)
        let bad = [UInt8](#"{"name":""#.utf8) + [0xC0, 0x80] + [UInt8](#""}"#.utf8)
        #expect(throws: JSONError(code: .invalidUTF8)) { try StrictJSONDecoder().decode(Person.self, from: bad) }
    }

    @Test("member names match by code point: U+212A KELVIN SIGN is not the key \"K\"")
    func keysMatchByCodePoint() throws {
        // A member spelled with a different code point must not be read as a declared key.
        let error = try #require(decodeError(Single<Int>.self, #"{"v\u0061lue":1,"\u212a":2}"#, StrictJSONDecoder()), "an unknown member was accepted")
        #expect(error.code == .unknownKey)
        struct K: Decodable { let K: Int }
        let kelvin = try #require(decodeError(K.self, #"{"\u212a":1}"#), "\"\\u212a\" was read as \"K\"")
        #expect(kelvin.code == .missingKey || kelvin.code == .unknownKey)
    }
}
