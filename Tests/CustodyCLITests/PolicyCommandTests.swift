import CustodyCLI
import CustodyTestSupport
import Foundation
import Testing

/// `custody policy lint|eval|test`, `verify --policy` and `copy --policy`, in-process, on `dir:`
/// images signed with keys made for each test (no registry: the registry paths are covered by
/// PolicyDifferentialTests and RegistryTransportTests).
@Suite("policy commands")
struct PolicyCommandTests {
    func run(_ arguments: [String]) async -> CLIOutcome { await runCustody(arguments) }

    static let identity = "registry.example/team/app:v1"

    /// A directory with the two-platform sample image as `dir:` (`image`), signed by `trusted`
    /// for ``identity``; `trusted` and `other` are OpenPGP keys (PREFIX.pub.asc, PREFIX.sec.asc).
    struct Workspace {
        let root: String
        var image: String { root + "/image" }
        var trusted: String { root + "/trusted" }
        var other: String { root + "/other" }

        static func make(_ test: PolicyCommandTests, signed: Bool = true) async throws -> Workspace {
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("custody-policy-cli-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            let workspace = Workspace(root: root)
            for name in ["trusted", "other"] {
                let made = await test.run(["key", "generate", "--type", "openpgp", "--algorithm", "ed25519", "--uid", "\(name) <\(name)@example.invalid>", "-o", root + "/" + name])
                try #require(made.status == 0, "\(made.stderr)")
            }
            let copied = await test.run(["copy", "--all", CommandLineTests.sample, "dir:" + workspace.image])
            try #require(copied.status == 0, "\(copied.stderr)")
            if signed {
                let sign = await test.run(["sign", "dir:" + workspace.image, "--gpg-key", workspace.trusted + ".sec.asc", "--identity", PolicyCommandTests.identity])
                try #require(sign.status == 0, "\(sign.stderr)")
            }
            return workspace
        }

        /// Writes `text` at `relative` and returns the path.
        @discardableResult
        func write(_ text: String, _ relative: String) throws -> String {
            let path = root + "/" + relative
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            return path
        }

        /// A policy: the `registry.example/team` docker scope needs a simple signature by `key`
        /// (a path relative to the policy file), everything else is rejected.
        func signedByPolicy(_ name: String, key: String) throws -> String {
            try write(#"""
                {"default": [{"type": "reject"}],
                 "transports": {"docker": {"registry.example/team": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "\#(key)"}]}}}
                """#, name)
        }

        func remove() { try? FileManager.default.removeItem(atPath: root) }
    }

    // MARK: lint

    @Test("lint: a valid policy is exit 0; every error is listed with its JSON path and exit 1; an unreadable file is exit 2")
    func lint() async throws {
        let workspace = try await Workspace.make(self, signed: false)
        defer { workspace.remove() }
        let valid = try workspace.signedByPolicy("valid.json", key: "trusted.pub.asc")
        let ok = await run(["policy", "lint", valid])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("valid"))

        let broken = try workspace.write(#"""
            {"default": [],
             "transports": {"docker": {"registry.example/team": [{"type": "signedBy", "keyPath": "k"}, {"type": "nosuchtype"}]}}}
            """#, "broken.json")
        let bad = await run(["policy", "lint", broken, "--output", "json"])
        #expect(bad.status == 1)
        #expect(bad.stderr.hasPrefix("custody: invalid: "))
        let report = try #require(try JSONSerialization.jsonObject(with: Data(bad.stdout.utf8)) as? [String: Any])
        #expect(report["valid"] as? Bool == false)
        let findings = try #require(report["findings"] as? [[String: Any]])
        let paths = findings.filter { $0["severity"] as? String == "error" }.compactMap { $0["path"] as? String }
        #expect(paths.contains("$.default"))
        #expect(paths.contains { $0.hasPrefix("$.transports.docker[\"registry.example/team\"][0]") })
        #expect(paths.contains { $0.hasPrefix("$.transports.docker[\"registry.example/team\"][1]") })
        #expect(findings.contains { ($0["message"] as? String)?.contains("Unknown policy requirement type \"nosuchtype\"") == true })

        let missing = await run(["policy", "lint", workspace.root + "/nosuch.json"])
        #expect(missing.status == 2)
    }

    // MARK: eval

    @Test("eval: offline decision from a dir: image; allowed, denied by another key, could not evaluate without the key file")
    func eval() async throws {
        let workspace = try await Workspace.make(self)
        defer { workspace.remove() }
        let trusted = try workspace.signedByPolicy("trusted.json", key: "trusted.pub.asc")
        let other = try workspace.signedByPolicy("other.json", key: "other.pub.asc")
        let missing = try workspace.signedByPolicy("missing.json", key: "nosuch.pub.asc")

        let allowed = await run(["policy", "eval", "--policy", trusted, "--image", Self.identity, "--evidence", workspace.image, "--output", "json"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        let record = try #require(try JSONSerialization.jsonObject(with: Data(allowed.stdout.utf8)) as? [String: Any])
        #expect(record["schemaVersion"] as? String == "custody.decision/v1")
        #expect(record["outcome"] as? String == "allowed")
        #expect((record["platforms"] as? [Any])?.count == 2)
        #expect((record["scope"] as? [String: Any])?["path"] as? String == "$.transports.docker[\"registry.example/team\"]")

        let denied = await run(["policy", "eval", "--policy", other, "--image", Self.identity, "--evidence", workspace.image])
        #expect(denied.status == 1)
        #expect(denied.stderr.hasPrefix("custody: denied: "))
        #expect(denied.stdout.contains("signedBy"))

        // Another tag: the signatures name v1, the default identity rule wants the exact reference.
        let otherTag = await run(["policy", "eval", "--policy", trusted, "--image", "registry.example/team/app:v2", "--evidence", workspace.image])
        #expect(otherTag.status == 1)
        #expect(otherTag.stdout.contains("not accepted"))

        let undecided = await run(["policy", "eval", "--policy", missing, "--image", Self.identity, "--evidence", workspace.image])
        #expect(undecided.status == 2)
        #expect(undecided.stderr.hasPrefix("custody: error: could not evaluate: "))
        #expect(undecided.stderr.contains("nosuch.pub.asc"))
    }

    // MARK: test

    @Test("test: a folder of cases passes when every decision is the expected one, and fails naming the case otherwise")
    func testFolder() async throws {
        let workspace = try await Workspace.make(self)
        defer { workspace.remove() }
        let cases = workspace.root + "/cases"
        try workspace.write(try String(contentsOfFile: try workspace.signedByPolicy("p.json", key: "../trusted.pub.asc"), encoding: .utf8), "cases/policy.json")
        for (name, image, expect) in [
            ("01-signed", Self.identity, "allowed"),
            ("02-other-tag", "registry.example/team/app:v2", "denied"),
            ("03-unscoped", "registry.example/elsewhere/app:v1", "denied"),
        ] {
            try workspace.write(#"{"image": "\#(image)", "expect": "\#(expect)"}"#, "cases/\(name)/case.json")
            try FileManager.default.copyItem(atPath: workspace.image, toPath: "\(cases)/\(name)/evidence")
        }
        let passing = await run(["policy", "test", cases])
        #expect(passing.status == 0, "\(passing.stdout)\(passing.stderr)")
        #expect(passing.stdout.contains("PASS 01-signed: expected allowed, got allowed"))
        #expect(passing.stdout.contains("3 passed, 0 failed"))

        try workspace.write(#"{"image": "registry.example/team/app:v2", "expect": "allowed"}"#, "cases/02-other-tag/case.json")
        let failing = await run(["policy", "test", cases])
        #expect(failing.status == 1)
        #expect(failing.stdout.contains("FAIL 02-other-tag: expected allowed, got denied"))
        #expect(failing.stderr.hasPrefix("custody: failed: "))

        try workspace.write(#"{"image": "registry.example/team/app:v2", "expect": "maybe"}"#, "cases/02-other-tag/case.json")
        let unreadable = await run(["policy", "test", cases])
        #expect(unreadable.status == 64 || unreadable.status == 2)
        #expect(unreadable.stderr.contains("02-other-tag/case.json"))
    }

    // MARK: verify and copy

    @Test("verify --policy decides a dir: image; --policy with --gpg-key is a usage error")
    func verifyWithPolicy() async throws {
        let workspace = try await Workspace.make(self)
        defer { workspace.remove() }
        // dir: images have no docker reference: the policy names the identity explicitly.
        let policy = try workspace.write(#"""
            {"default": [{"type": "reject"}],
             "transports": {"dir": {"": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "trusted.pub.asc",
                                          "signedIdentity": {"type": "exactReference", "dockerReference": "\#(Self.identity)"}}]}}}
            """#, "dir-policy.json")
        let allowed = await run(["verify", "dir:" + workspace.image, "--policy", policy])
        #expect(allowed.status == 0, "\(allowed.stdout)\(allowed.stderr)")
        #expect(allowed.stdout.contains("allowed"))

        let rejectAll = try workspace.write(#"{"default": [{"type": "reject"}]}"#, "reject.json")
        let denied = await run(["verify", "dir:" + workspace.image, "--policy", rejectAll])
        #expect(denied.status == 1)
        #expect(denied.stdout.contains("rejected by policy"))

        let both = await run(["verify", "dir:" + workspace.image, "--policy", policy, "--gpg-key", workspace.trusted + ".pub.asc"])
        #expect(both.status == 64)
    }

    @Test("copy --policy: an allowed image is copied; a denied one writes nothing at the destination")
    func copyWithPolicy() async throws {
        let workspace = try await Workspace.make(self)
        defer { workspace.remove() }
        let allowPolicy = try workspace.write(#"""
            {"default": [{"type": "reject"}],
             "transports": {"dir": {"": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "trusted.pub.asc",
                                          "signedIdentity": {"type": "exactReference", "dockerReference": "\#(Self.identity)"}}]}}}
            """#, "allow.json")
        let denyPolicy = try workspace.write(#"""
            {"default": [{"type": "reject"}],
             "transports": {"dir": {"": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "other.pub.asc"}]}}}
            """#, "deny.json")
        let copied = workspace.root + "/copied"
        let allowed = await run(["copy", "--all", "dir:" + workspace.image, "dir:" + copied, "--policy", allowPolicy])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(FileManager.default.fileExists(atPath: copied + "/manifest.json"))
        #expect(FileManager.default.fileExists(atPath: copied + "/signature-1"))

        let refused = workspace.root + "/refused"
        let denied = await run(["copy", "--all", "dir:" + workspace.image, "dir:" + refused, "--policy", denyPolicy])
        #expect(denied.status == 1)
        #expect(denied.stderr.contains("source image rejected by the policy"))
        #expect(!FileManager.default.fileExists(atPath: refused))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: workspace.root).filter { $0.contains("custody-tmp") }
        #expect(leftovers.isEmpty)
    }
}
