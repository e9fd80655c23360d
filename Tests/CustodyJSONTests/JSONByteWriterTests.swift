// JSONByteWriter writes what CanonicalJSONEncoder serializes, when members come in canonical order.

import CustodyJSON
import Testing

@Suite("JSONByteWriter")
struct JSONByteWriterTests {
    @Test func nestedContainersMatchTheEncoder() throws {
        var writer = JSONByteWriter(capacity: 8)
        writer.beginObject()
        writer.key("a"); writer.beginArray()
        writer.string("x"); writer.beginObject(); writer.endObject(); writer.beginArray(); writer.endArray()
        writer.rawString { $0.append(contentsOf: Array("42".utf8)) }
        writer.endArray()
        writer.key("b"); writer.beginObject()
        writer.key("c"); writer.string("")
        writer.key("d"); writer.beginArray(); writer.endArray()
        writer.endObject()
        writer.key("e"); writer.string("last")
        writer.endObject()

        let tree = JSONValue.object(JSONObject(members: [
            (key: "e", value: .string("last")),
            (key: "b", value: .object(JSONObject(members: [(key: "d", value: .array([])), (key: "c", value: .string(""))])!)),
            (key: "a", value: .array([.string("x"), .object(JSONObject(members: [])!), .array([]), .string("42")])),
        ])!)
        #expect(writer.bytes == (try CanonicalJSONEncoder.serialize(tree)))
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"{"a":["x",{},[],"42"],"b":{"c":"","d":[]},"e":"last"}"#)
    }

    @Test(arguments: [
        "plain", "quote \" and backslash \\", "line\nfeed\ttab\r\u{08}\u{0C}", "control \u{01}\u{1F}", "é — ✓ 𝄞", "<&>\u{2028}",
        "origin\n42\nAAAA=\n\n— log.example Zm9v\n",
    ])
    func stringsAreEscapedAsTheEncoderEscapesThem(_ text: String) throws {
        var writer = JSONByteWriter()
        writer.beginObject()
        writer.key(text); writer.string(text)
        writer.endObject()
        let tree = JSONValue.object(JSONObject(members: [(key: text, value: .string(text))])!)
        #expect(writer.bytes == (try CanonicalJSONEncoder.serialize(tree)))
        // And a strict parser reads the value back.
        guard case .object(let parsed) = try JSONParser().parse(writer.bytes) else { Issue.record("not an object"); return }
        #expect(parsed[text] == .string(text))
    }
}
