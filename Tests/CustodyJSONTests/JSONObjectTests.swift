import CustodyJSON
import Testing

@Suite("JSONObject: unique keys, small and large")
struct JSONObjectTests {
    /// Objects of every size around the point where a key table is built (8 members).
    @Test("every key is found, and every repeated key is refused, at every size", arguments: [1, 2, 7, 8, 9, 10, 17, 40])
    func uniqueKeys(count: Int) throws {
        var object = JSONObject()
        for number in 0..<count {
            let inserted = object.insert("key\(number)", .number(JSONNumber(Int64(number))))
            #expect(inserted)
        }
        #expect(object.count == count)
        for number in 0..<count {
            #expect(object["key\(number)"] == .number(JSONNumber(Int64(number))))
            let repeated = object.insert("key\(number)", .null)
            #expect(!repeated, "key\(number) repeated in an object of \(count)")
        }
        #expect(object["missing"] == nil)
        #expect(object.count == count, "a refused insert changes nothing")
        #expect(object.keys == (0..<count).map { "key\($0)" }, "document order kept")
    }

    @Test("keys are compared by their exact bytes: composed and decomposed é are two keys, in small and large objects", arguments: [0, 9])
    func exactBytes(padding: Int) throws {
        var object = JSONObject()
        for number in 0..<padding { object.insert("pad\(number)", .null) }
        let composed = object.insert("\u{E9}", .bool(true))
        let decomposed = object.insert("e\u{301}", .bool(false))
        #expect(composed && decomposed)
        #expect(object["\u{E9}"] == .bool(true))
        #expect(object["e\u{301}"] == .bool(false))
    }

    @Test("the parser reports a duplicate at any position of a large object, with its path")
    func duplicateInLargeObject() {
        for position in [0, 5, 8, 11] {
            let members = (0..<12).map { #""k\#($0)":\#($0)"# } + [#""k\#(position)":"again""#]
            let text = #"{"outer":{\#(members.joined(separator: ","))}}"#
            #expect(throws: JSONError(code: .duplicateKey)) { try JSONParser().parse(Array(text.utf8)) }
            do {
                _ = try JSONParser().parse(Array(text.utf8))
            } catch {
                #expect(error.path == "outer.k\(position)", "\(error)")
            }
        }
    }
}
