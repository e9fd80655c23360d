import CustodyOCI
import CustodyPolicy
import Foundation
import Testing

/// The fenced blocks of Docs/policy.md in the given language (`json`, `jsonc`).
private func blocks(_ language: String) throws -> [String] {
    let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Docs/policy.md")
    let text = try String(contentsOf: docs, encoding: .utf8)
    var result: [String] = []
    var current: [Substring]?
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        if var lines = current {
            if line == "```" {
                result.append(lines.joined(separator: "\n"))
                current = nil
            } else {
                lines.append(line)
                current = lines
            }
        } else if line == "```" + language {
            current = []
        }
    }
    return result
}

/// Docs/policy.md keeps its promise: every ```` ```json ```` block is a complete, valid policy
/// (fragments are ```` ```jsonc ````), and the worked example decides as the text says.
@Suite("Docs/policy.md")
struct PolicyDocsTests {
    @Test("every json block is a complete policy that parses without lint errors")
    func jsonBlocks() throws {
        let policies = try blocks("json")
        #expect(policies.count >= 10)
        for json in policies {
            #expect(json.contains("\"default\""), "a json block that is not a complete policy (use jsonc): \(json)")
            let issues = lintPolicy(json)
            #expect(errors(issues).isEmpty, "\(issues) in \(json)")
            #expect(throws: Never.self) { try parsePolicy(json) }
        }
    }

    @Test("the jsonc fragments are not mistaken for complete policies")
    func jsoncBlocks() throws {
        #expect(try blocks("jsonc").count >= 10)
    }

    @Test("the scope example decides as the text says")
    func scopeExample() throws {
        let json = try #require(try blocks("json").first { $0.contains("the one pinned busybox") })
        let document = try parsePolicy(json)
        let expectations = [
            ("busybox:1.36", "the one pinned busybox"), ("busybox:latest", "other busybox tags"), ("alpine", "the rest of Docker Hub"),
            ("ci.example.com:5000/app:1", "our registries"), ("example.com/app:1", "any other registry"), ("quay.io/x:1", "any other registry"),
        ]
        for (reference, description) in expectations {
            guard case .docker(let parsed) = try ImageName(parsing: "docker://" + reference) else { continue }
            let (_, requirements) = document.requirements(for: try PolicyImageIdentity(.docker(parsed)))
            #expect(requirements.first?.description == description, "\(reference)")
        }
        let local = try PolicyImageIdentity.localPath(transport: "dir", path: "/nonexistent-custody-image")
        #expect(document.requirements(for: local).scope == .globalDefault)
    }
}
