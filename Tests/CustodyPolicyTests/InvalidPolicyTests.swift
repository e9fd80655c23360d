import CustodyPolicy
import CustodyTestSupport
import Testing

@Suite("Invalid policies")
struct InvalidPolicyTests {
    @Test("the table has one rule per case and more than forty cases")
    func tableSize() {
        #expect(invalidPolicyCases.count >= 40)
        #expect(Set(invalidPolicyCases.map(\.name)).count == invalidPolicyCases.count)
    }

    @Test("each invalid policy is refused with its code, message and JSON path", arguments: invalidPolicyCases)
    func refused(_ testCase: InvalidPolicyCase) {
        do {
            let document = try parsePolicy(testCase.json)
            Issue.record("accepted: \(document.defaultRequirements)")
        } catch {
            #expect(error.code == testCase.code, "\(error.reason)")
            #expect(error.path == testCase.path, "\(error.reason)")
            #expect(error.reason.hasPrefix(testCase.path + ": "), "\(error.reason)")
            #expect(error.reason.contains(testCase.message), "\(error.reason)")
            #expect(!error.reason.contains("\n"))
        }
    }

    @Test("lint reports the same first error as the parser", arguments: invalidPolicyCases)
    func lintAgrees(_ testCase: InvalidPolicyCase) {
        let first = errors(lintPolicy(testCase.json)).first
        #expect(first?.code == testCase.code)
        #expect(first?.path == testCase.path)
        #expect(first?.message.contains(testCase.message) == true, "\(String(describing: first))")
    }

    @Test("a policy over 4 MiB is refused before it is parsed")
    func tooLarge() {
        var bytes = Array(#"{"default":[{"type":"reject"}]}"#.utf8)
        bytes += [UInt8](repeating: 0x20, count: PolicyDocument.maxBytes + 1 - bytes.count)
        #expect(throws: PolicyError(code: .tooLarge)) { try PolicyDocument(bytes: bytes, baseDirectory: "/") }
        let issues = PolicyDocument.lint(bytes: bytes, baseDirectory: "/")
        #expect(issues.map(\.code) == [.tooLarge])
        // Exactly at the limit is fine.
        bytes.removeLast()
        #expect(throws: Never.self) { try PolicyDocument(bytes: bytes, baseDirectory: "/") }
    }

    @Test("bytes that are not UTF-8 are refused")
    func invalidUTF8() {
        var bytes = Array(#"{"default":[{"type":"reject","description":"#.utf8)
        bytes += [0x22, 0xFF, 0x22, 0x7D, 0x5D, 0x7D]
        #expect(throws: PolicyError(code: .invalidJSON)) { try PolicyDocument(bytes: bytes, baseDirectory: "/") }
    }

    @Test("a byte order mark is refused")
    func byteOrderMark() {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array(#"{"default":[{"type":"reject"}]}"#.utf8)
        #expect(throws: PolicyError(code: .invalidJSON)) { try PolicyDocument(bytes: bytes, baseDirectory: "/") }
    }

    @Test("duplicate keys are refused at any depth")
    func duplicateKeysEverywhere() {
        let documents = [
            #"{"default":[{"type":"reject"}],"transports":{"docker":{}},"transports":{}}"#,
            #"{"default":[{"type":"reject"}],"transports":{"docker":{},"docker":{}}}"#,
            policy(default: #"{"type":"signedBy","keyType":"GPGKeys","keyPath":"/a","keyPath":"/b"}"#),
            policy(default: #"{"type":"signedBy","keyType":"GPGKeys","keyPath":"/a","signedIdentity":{"type":"matchExact","type":"matchExact"}}"#),
            policy(default: #"{"type":"threshold","threshold":1,"signers":{"gpg":{"keyPath":"/a"},"gpg":{"keyPath":"/b"}}}"#),
            #"{"default":[{"type":"reject"}],"custody":{"indexSignaturesCoverInstances":true,"indexSignaturesCoverInstances":false}}"#,
        ]
        for document in documents {
            #expect(throws: PolicyError(code: .duplicateKey), "\(document)") { try parsePolicy(document) }
        }
    }

    @Test("a duplicate key's message names the key, also when it must be quoted")
    func duplicateKeyMessage() throws {
        let document = policy(transport: "docker", scopes: #""a \"b\"":[{"type":"reject"}],"a \"b\"":[{"type":"reject"}]"#)
        let error = try #require(throws: PolicyError.self) { try parsePolicy(document) }
        #expect(error.path == #"$.transports.docker["a \"b\""]"#)
        #expect(error.reason.contains(#"Duplicate key "a \"b\"""#), "\(error.reason)")
    }

    @Test("files: unreadable, too large, and errors prefixed with the file name")
    func files() throws {
        #expect(throws: PolicyError(code: .io)) { try PolicyDocument(contentsOfFile: "/nonexistent/custody/policy.json") }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write(#"{"default":[]}"#, to: "policy.json")
        let error = try #require(throws: PolicyError.self) { try PolicyDocument(contentsOfFile: path) }
        #expect(error.code == .emptyRequirements)
        #expect(error.reason == #"invalid policy in "\#(path)": $.default: List of verification policy requirements must not be empty"#)
        let large = try directory.write(String(repeating: " ", count: PolicyDocument.maxBytes + 1), to: "large.json")
        #expect(throws: PolicyError(code: .tooLarge)) { try PolicyDocument(contentsOfFile: large) }
    }
}
