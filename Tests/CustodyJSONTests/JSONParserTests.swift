// Hand-written tests of JSONParser: every strictness rule has an accept and a reject case.

import CustodyJSON
import Foundation
import Testing

/// A document and the error code it must be rejected with.
struct RejectCase: Sendable, CustomTestStringConvertible {
    let label: String
    let bytes: [UInt8]
    let code: JSONError.Code
    var testDescription: String { label }

    init(_ label: String, _ bytes: [UInt8], _ code: JSONError.Code) {
        self.label = label
        self.bytes = bytes
        self.code = code
    }

    init(_ text: String, _ code: JSONError.Code) {
        self.init(text.debugDescription, Array(text.utf8), code)
    }
}

/// Parses with the given limits and returns the error, or `nil` when the document is accepted.
func parseError(_ bytes: [UInt8], limits: JSONLimits = .default) -> JSONError? {
    do {
        _ = try JSONParser(limits: limits).parse(bytes)
        return nil
    } catch {
        return error
    }
}

func parseError(_ text: String, limits: JSONLimits = .default) -> JSONError? {
    parseError(Array(text.utf8), limits: limits)
}

func parse(_ text: String) throws(JSONError) -> JSONValue {
    try JSONParser().parse(Array(text.utf8))
}

func nested(_ depth: Int) -> String {
    String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
}

@Suite("JSONParser")
struct JSONParserTests {
    // MARK: duplicate keys

    @Test("the same key in different objects is fine")
    func distinctObjectsMayShareKeys() throws {
        let value = try parse(#"{"a":{"x":1},"b":{"x":1},"list":[{"x":1},{"x":2}]}"#)
        guard case .object(let object) = value else { Issue.record("not an object"); return }
        #expect(object.keys == ["a", "b", "list"])
    }

    @Test(
        "a duplicate key is rejected with the path of the second occurrence",
        arguments: [
            (#"{"a":1,"a":2}"#, "a", 7),
            (#"{"a":1,"a":1}"#, "a", 7),
            (#"{"a":{"b":1,"b":2}}"#, "a.b", 12),
            (#"{"list":[{"x":1},{"x":2},{"x":1,"x":2}]}"#, "list[2].x", 32),
            (#"[0,{"k":null,"k":null}]"#, "[1].k", 13),
            (#"{"docker-reference":{"k":1,"k":2}}"#, #"["docker-reference"].k"#, 27),
            (#"{"a":1,"\u0061":2}"#, "a", 7),
            (#"{"":1,"":2}"#, #"[""]"#, 6),
        ]
    )
    func duplicateKey(_ document: String, _ path: String, _ offset: Int) throws {
        let error = try #require(parseError(document))
        #expect(error.code == .duplicateKey)
        #expect(error.path == path)
        #expect(error.offset == offset)
    }

    @Test("keys are compared by code point, not by Unicode canonical equivalence (RFC 8259 §8.3)")
    func canonicallyEquivalentKeysAreDistinct() throws {
        // U+00E9 and U+0065 U+0301 are different member names; so are U+212A KELVIN SIGN and "K".
        // Go's encoding/json (containers/image) sees two members in each document.
        for document in [#"{"\u00e9":1,"e\u0301":2}"#, #"{"K":1,"\u212a":2}"#] {
            let value: JSONValue
            do { value = try parse(document) } catch {
                Issue.record("\(document) rejected: \(error)")
                continue
            }
            guard case .object(let object) = value else { continue }
            #expect(object.count == 2)
        }
    }

    // MARK: trailing data

    @Test(
        "anything but whitespace after the value is rejected",
        arguments: [
            RejectCase("{} x", .trailingData), RejectCase("{}{}", .trailingData), RejectCase("1 2", .trailingData),
            RejectCase("[]]", .trailingData), RejectCase(#""a""b""#, .trailingData), RejectCase("null\u{0}", .trailingData),
            RejectCase("{}\u{A0}", .trailingData), RejectCase("true,", .trailingData),
        ]
    )
    func trailingData(_ item: RejectCase) throws {
        let error = try #require(parseError(item.bytes))
        #expect(error.code == item.code)
        #expect(error.offset != nil)
    }

    @Test("trailing data error points at the first extra byte")
    func trailingDataOffset() throws {
        #expect(try #require(parseError("{} x")).offset == 3)
        #expect(try #require(parseError("{}{}")).offset == 2)
    }

    @Test("whitespace before and after the value is allowed", arguments: ["{} ", "{}\n", " \t\r\n{}\r\n\t ", "\n1\n", "[ ]"])
    func surroundingWhitespace(_ document: String) {
        #expect(parseError(document) == nil)
    }

    @Test("empty and whitespace-only documents are syntax errors", arguments: ["", " ", "\n\t"])
    func emptyDocument(_ document: String) throws {
        #expect(try #require(parseError(document)).code == .syntax)
    }

    // MARK: UTF-8

    static let invalidUTF8: [RejectCase] = [
        RejectCase("overlong '/' (C0 AF)", Array(#"[""#.utf8) + [0xC0, 0xAF] + Array(#""]"#.utf8), .invalidUTF8),
        RejectCase("overlong 3-byte (E0 80 AF)", Array(#"[""#.utf8) + [0xE0, 0x80, 0xAF] + Array(#""]"#.utf8), .invalidUTF8),
        RejectCase("lone continuation byte (80)", Array(#"[""#.utf8) + [0x80] + Array(#""]"#.utf8), .invalidUTF8),
        RejectCase("truncated 3-byte sequence (E2 82)", Array(#"[""#.utf8) + [0xE2, 0x82] + Array(#""]"#.utf8), .invalidUTF8),
        RejectCase("truncated at end of document (E2 82)", Array(#"""#.utf8) + [0xE2, 0x82], .invalidUTF8),
        RejectCase("UTF-8 encoded surrogate (ED A0 80)", Array(#"""#.utf8) + [0xED, 0xA0, 0x80] + Array(#"""#.utf8), .invalidUTF8),
        RejectCase("beyond U+10FFFF (F4 90 80 80)", Array(#"""#.utf8) + [0xF4, 0x90, 0x80, 0x80] + Array(#"""#.utf8), .invalidUTF8),
        RejectCase("byte FF", Array(#"""#.utf8) + [0xFF] + Array(#"""#.utf8), .invalidUTF8),
        RejectCase("invalid byte outside a string", [0x5B, 0xFF, 0x5D], .invalidUTF8),
        RejectCase("Latin-1 key", Array(#"{""#.utf8) + [0xE9] + Array(#"":1}"#.utf8), .invalidUTF8),
    ]

    @Test("invalid UTF-8 is rejected", arguments: invalidUTF8)
    func rejectsInvalidUTF8(_ item: RejectCase) throws {
        let error = try #require(parseError(item.bytes))
        #expect(error.code == item.code)
    }

    @Test("invalid UTF-8 error carries the byte offset of the bad sequence")
    func invalidUTF8Offset() throws {
        let error = try #require(parseError(Array(#"["€",""#.utf8) + [0x80] + Array(#""]"#.utf8)))
        #expect(error.code == .invalidUTF8)
        #expect(error.offset == 8)
    }

    @Test("valid multi-byte UTF-8 is kept as is, including U+FEFF inside a string")
    func acceptsValidUTF8() throws {
        let text = "é€😀\u{10FFFF}\u{FEFF}"
        #expect(try parse("[\"\(text)\"]") == .array([.string(text)]))
        #expect(try parse("{\"\(text)\":0}") == .object(JSONObject(members: [(text, .number(JSONNumber(0)))])!))
    }

    @Test("a leading byte order mark is rejected")
    func rejectsBOM() throws {
        let error = try #require(parseError([0xEF, 0xBB, 0xBF] + Array("{}".utf8)))
        #expect(error.code == .syntax)
        #expect(error.offset == 0)
        #expect(parseError([0xEF, 0xBB, 0xBF]) != nil)
    }

    // MARK: strings

    @Test("unescaped control characters in strings are rejected", arguments: [0x00, 0x01, 0x09, 0x0A, 0x0D, 0x1F] as [UInt8])
    func rejectsControlCharacters(_ byte: UInt8) throws {
        let error = try #require(parseError([0x22, 0x61, byte, 0x62, 0x22]))
        #expect(error.code == .syntax)
        #expect(error.offset == 2)
    }

    @Test("escaped control characters and raw DEL (7F) are accepted")
    func acceptsEscapedControls() throws {
        #expect(try parse(#""\u0000\u001f\b\f\n\r\t""#) == .string("\u{0}\u{1F}\u{8}\u{C}\n\r\t"))
        #expect(try parse("\"a\u{7F}b\"") == .string("a\u{7F}b"))
        #expect(try parse(#""\"\\\/""#) == .string("\"\\/"))
    }

    @Test(
        "unpaired surrogate escapes are rejected",
        arguments: [#""\ud800""#, #""\udc00""#, #""\uDBFF""#, #""\ud800\u0041""#, #""\ud800x""#, #""\ud800\""#,
                    #""\ude00\ud83d""#, #""\ud800\ud800""#, #"{"\ud800":1}"#]
    )
    func rejectsLoneSurrogates(_ document: String) throws {
        #expect(try #require(parseError(document)).code == .syntax)
    }

    @Test("a surrogate pair escape decodes to one scalar")
    func acceptsSurrogatePair() throws {
        #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try parse(#""\uD83D\uDE00""#) == .string("😀"))
        #expect(try parse(#""\udbff\udfff""#) == .string("\u{10FFFF}"))
        #expect(try parse(#""\u00e9\u20AC""#) == .string("é€"))
    }

    @Test("invalid escapes are rejected", arguments: [#""\x""#, #""\u12""#, #""\u12G4""#, #""\U0041""#, #""\'""#, #""\"#, #""abc"#])
    func rejectsBadEscapes(_ document: String) throws {
        #expect(try #require(parseError(document)).code == .syntax)
    }

    // MARK: numbers

    @Test("valid numbers are accepted and keep their literal", arguments: ["0", "-0", "1", "-1", "0.5", "1.000", "1e5", "1E+5", "-1.5e-3", "0e0", "123456789012345678901234567890"])
    func acceptsNumbers(_ literal: String) throws {
        #expect(try parse(literal) == .number(JSONNumber(literal: literal)))
    }

    @Test(
        "malformed numbers are rejected",
        arguments: ["01", "-01", "00", "-", "1.", ".5", "1e", "1e+", "1E-", "+1", "0x1", "NaN", "Infinity", "-Infinity", "1.e5", "-.5", "--1", "1ee5", "[1.]"]
    )
    func rejectsNumbers(_ document: String) throws {
        let error = try #require(parseError(document))
        #expect(error.code == .syntax || error.code == .trailingData)
        #expect(error.offset != nil)
    }

    // MARK: literals and structure

    @Test("syntax errors carry the path and byte offset")
    func syntaxOffsets() throws {
        let cases: [(String, Int, String)] = [
            ("[1,,2]", 3, "[1]"),
            (#"{"a" 1}"#, 5, "a"),
            (#""abc"#, 4, "(root)"),
            (#"{"a":[1,x]}"#, 8, "a[1]"),
            ("tru", 0, "(root)"),
            ("[True]", 1, "[0]"),
            (#"{"a":1,}"#, 7, "(root)"),
            ("[1 2]", 3, "(root)"),
            (#"{1:2}"#, 1, "(root)"),
        ]
        for (document, offset, path) in cases {
            let error = try #require(parseError(document), "\(document)")
            #expect(error.code == .syntax, "\(document)")
            #expect(error.offset == offset, "\(document)")
            #expect(error.path == path, "\(document)")
        }
    }

    @Test("objects keep member order and numbers keep their literal text")
    func keepsOrderAndLiterals() throws {
        guard case .object(let object) = try parse(#"{"b":1.000,"a":[true,false,null],"c":"x"}"#) else {
            Issue.record("not an object")
            return
        }
        #expect(object.keys == ["b", "a", "c"])
        #expect(object["b"] == .number(JSONNumber(literal: "1.000")))
        #expect(object["a"] == .array([.bool(true), .bool(false), .null]))
    }

    @Test("accepts any Collection of bytes")
    func acceptsCollections() throws {
        let text = #"{"k":[1,"v"]}"#
        let expected = try parse(text)
        #expect(try JSONParser().parse(Data(text.utf8)) == expected)
        #expect(try JSONParser().parse(text.utf8) == expected)
        #expect(try JSONParser().parse(Array(text.utf8)[...]) == expected)
    }

    // MARK: limits

    @Test("a document exactly at the size limit is accepted; one byte over is rejected")
    func sizeLimit() throws {
        let limits = JSONLimits(maxDocumentBytes: 16)
        let atLimit = "\"" + String(repeating: "a", count: 14) + "\""
        #expect(atLimit.utf8.count == 16)
        #expect(parseError(atLimit, limits: limits) == nil)
        #expect(parseError(atLimit + " ", limits: limits)?.code == .documentTooLarge)
        #expect(parseError("[" + atLimit + "]", limits: limits)?.code == .documentTooLarge)
        // Whitespace counts too: the limit is on bytes read, not on the value.
        #expect(parseError("              {}", limits: limits) == nil)
        #expect(parseError("               {}", limits: limits)?.code == .documentTooLarge)
    }

    @Test("the default size limit is 4 MiB")
    func defaultSizeLimit() throws {
        #expect(JSONLimits.default.maxDocumentBytes == 4 * 1024 * 1024)
        let filler = [UInt8](repeating: UInt8(ascii: "a"), count: JSONLimits.defaultMaxDocumentBytes - 2)
        let atLimit = [UInt8(ascii: "\"")] + filler + [UInt8(ascii: "\"")]
        #expect(parseError(atLimit) == nil)
        let error = try #require(parseError(atLimit + [0x20]))
        #expect(error.code == .documentTooLarge)
        #expect(error.path == "(root)")
    }

    @Test("nesting of 64 is accepted; 65 is rejected")
    func depthLimit() throws {
        #expect(JSONLimits.default.maxDepth == 64)
        #expect(parseError(nested(64)) == nil)
        #expect(parseError(nested(65))?.code == .tooDeep)
        let objects64 = String(repeating: #"{"a":"#, count: 63) + "{}" + String(repeating: "}", count: 63)
        #expect(parseError(objects64) == nil)
        let objects65 = String(repeating: #"{"a":"#, count: 64) + "{}" + String(repeating: "}", count: 64)
        let error = try #require(parseError(objects65))
        #expect(error.code == .tooDeep)
        #expect(error.path == Array(repeating: "a", count: 64).joined(separator: "."))
        #expect(error.offset == 64 * 5)
    }

    @Test("depth counts the current nesting, not the number of containers")
    func depthIsNestingNotCount() {
        let wide = "[" + Array(repeating: nested(64 - 1), count: 100).joined(separator: ",") + "]"
        #expect(parseError(wide) == nil)
        let limits = JSONLimits(maxDepth: 2)
        #expect(parseError("[[1],{\"a\":1},[]]", limits: limits) == nil)
        #expect(parseError("[[[1]]]", limits: limits)?.code == .tooDeep)
        #expect(parseError("[{\"a\":{}}]", limits: limits)?.code == .tooDeep)
        #expect(parseError("1", limits: JSONLimits(maxDepth: 0)) == nil)
        #expect(parseError("[]", limits: JSONLimits(maxDepth: 0))?.code == .tooDeep)
    }

    @Test("very deep input fails fast with .tooDeep instead of exhausting the stack")
    func veryDeepInput() {
        #expect(parseError(String(repeating: "[", count: 100_000))?.code == .tooDeep)
        #expect(parseError(String(repeating: #"{"a":"#, count: 100_000))?.code == .tooDeep)
    }
}

extension JSONNumber {
    /// The number a parser builds from `literal` (the literal must be valid JSON).
    init(literal: String) {
        guard case .number(let number) = try? JSONParser().parse(Array(literal.utf8)) else {
            preconditionFailure("not a JSON number: \(literal)")
        }
        self = number
    }
}
