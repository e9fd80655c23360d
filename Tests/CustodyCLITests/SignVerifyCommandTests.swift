import CustodyCLI
import CustodyOCI
import Foundation
import Testing

/// `custody key generate`, `sign`, `verify` and `quickstart`, run in-process on the shipped sample image.
@Suite("sign and verify commands")
struct SignVerifyCommandTests {
    func run(_ arguments: [String]) async -> CLIOutcome { await runCustody(arguments) }

    /// A scratch directory with a `dir:` copy of the two-platform sample image and two keys.
    struct Workspace {
        let root: String
        var image: String { root + "/image" }
        var trusted: String { root + "/trusted" }
        var other: String { root + "/other" }

        static func make(_ test: SignVerifyCommandTests) async throws -> Workspace {
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("custody-signverify-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            let sample = String(CommandLineTests.sample.dropFirst(4).dropLast(7))
            try await ImageCopier.copy(from: OCILayoutSource(path: sample, selector: .name("latest")), to: try DirectoryDestination(path: root + "/image"))
            let workspace = Workspace(root: root)
            for (prefix, algorithm) in [(workspace.trusted, "ed25519"), (workspace.other, "ed25519")] {
                let outcome = await test.run(["key", "generate", "--type", "openpgp", "--algorithm", algorithm, "--uid", "Test <t@example.invalid>", "-o", prefix])
                #expect(outcome.status == 0, "\(outcome.stderr)")
            }
            return workspace
        }

        func remove() { try? FileManager.default.removeItem(atPath: root) }
    }

    static let identity = "registry.example/team/app:v1"

    @Test("key generate writes a public and a 0600 secret key and refuses to overwrite them")
    func keyGenerate() async throws {
        let workspace = try await Workspace.make(self)
        defer { workspace.remove() }
        let attributes = try FileManager.default.attributesOfItem(atPath: workspace.trusted + ".sec.asc")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try String(contentsOfFile: workspace.trusted + ".pub.asc", encoding: .utf8).hasPrefix("-----BEGIN PGP PUBLIC KEY BLOCK-----"))
        let again = await run(["key", "generate", "--type", "openpgp", "--uid", "X", "-o", workspace.trusted])
        #expect(again.status == 64)
        #expect(again.stderr.contains("refusing to overwrite"))
    }

    @Test("sign a dir: index: the index and each platform manifest get a signature; verify accepts")
    func signAndVerifyDirectory() async throws {
        let workspace = try await Workspace.make(self)
        defer { workspace.remove() }
        let signed = await run(["sign", "dir:" + workspace.image, "--gpg-key", workspace.trusted + ".sec.asc", "--identity", Self.identity, "--output", "json"])
        #expect(signed.status == 0, "\(signed.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(signed.stdout.utf8)) as? [String: Any])
        #expect((report["signatures"] as? [Any])?.count == 3)
        #expect(FileManager.default.fileExists(atPath: workspace.image + "/signature-1"))
        let files = try FileManager.default.contentsOfDirectory(atPath: workspace.image)
        #expect(files.filter { $0.hasSuffix(".signature-1") }.count == 2)

        let verified = await run(["verify", "dir:" + workspace.image, "--gpg-key", workspace.trusted + ".pub.asc", "--identity", Self.identity])
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout.contains("Verified:"))
        #expect(!verified.stdout.contains("Not verified"))

        let json = await run(["verify", "dir:" + workspace.image, "--gpg-key", workspace.trusted + ".pub.asc", "--identity", Self.identity, "--output", "json"])
        let decision = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(decision["decision"] as? String == "accepted")
    }

    @Test("verify denies: another key, another identity, a missing platform signature")
    func verifyDenies() async throws {
        let workspace = try await Workspace.make(self)
        defer { workspace.remove() }
        _ = await run(["sign", "dir:" + workspace.image, "--gpg-key", workspace.trusted + ".sec.asc", "--identity", Self.identity])

        let otherKey = await run(["verify", "dir:" + workspace.image, "--gpg-key", workspace.other + ".pub.asc", "--identity", Self.identity])
        #expect(otherKey.status == 1)
        #expect(otherKey.stdout.contains("not among the trusted keys"))
        #expect(otherKey.stderr.hasPrefix("custody: denied: "))

        let otherIdentity = await run(["verify", "dir:" + workspace.image, "--gpg-key", workspace.trusted + ".pub.asc", "--identity", "registry.example/team/app:v2"])
        #expect(otherIdentity.status == 1)
        #expect(otherIdentity.stdout.contains("does not match"))

        let instance = try FileManager.default.contentsOfDirectory(atPath: workspace.image).first { $0.hasSuffix(".signature-1") }
        try FileManager.default.removeItem(atPath: workspace.image + "/" + (try #require(instance)))
        let missing = await run(["verify", "dir:" + workspace.image, "--gpg-key", workspace.trusted + ".pub.asc", "--identity", Self.identity])
        #expect(missing.status == 1)
        #expect(missing.stdout.contains("no signatures found"))
        #expect(missing.stderr.contains("no accepted signature for linux/"))
    }

    @Test("a garbage signature among good ones is reported and the good ones still count")
    func garbageAmongGood() async throws {
        let workspace = try await Workspace.make(self)
        defer { workspace.remove() }
        _ = await run(["sign", "dir:" + workspace.image, "--gpg-key", workspace.trusted + ".sec.asc", "--identity", Self.identity])
        try Data("this is not a signature".utf8).write(to: URL(fileURLWithPath: workspace.image + "/signature-2"))
        try FileManager.default.createDirectory(atPath: workspace.image + "/signature-3", withIntermediateDirectories: false)
        let outcome = await run(["verify", "dir:" + workspace.image, "--gpg-key", workspace.trusted + ".pub.asc", "--identity", Self.identity])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("signature-2: rejected: malformed"))
        #expect(outcome.stdout.contains("signature-3: unreadable"))
    }

    @Test("sign and verify through a file lookaside, for an OCI layout")
    func lookaside() async throws {
        let workspace = try await Workspace.make(self)
        defer { workspace.remove() }
        let sample = CommandLineTests.sample
        let lookaside = workspace.root + "/lookaside"
        let signed = await run(["sign", sample, "--gpg-key", workspace.trusted + ".sec.asc", "--identity", Self.identity, "--lookaside", lookaside])
        #expect(signed.status == 0, "\(signed.stderr)")
        #expect(signed.stdout.contains(lookaside + "/team/app@sha256="))
        let verified = await run(["verify", sample, "--gpg-key", workspace.trusted + ".pub.asc", "--identity", Self.identity, "--lookaside", "file://" + lookaside])
        #expect(verified.status == 0, "\(verified.stderr)")
        let noStore = await run(["verify", sample, "--gpg-key", workspace.trusted + ".pub.asc", "--identity", Self.identity])
        #expect(noStore.status == 64)
        #expect(noStore.stderr.contains("holds no signatures"))
    }

    @Test("usage errors exit 64", arguments: [
        ["sign", "dir:/x", "--gpg-key", "k", "--identity", "a/b:c", "--lookaside", "/l", "--registries.d", "/r"],
        ["verify", "dir:/x", "--identity", "a/b:c"],
        ["verify", "dir:/x", "--gpg-key", "k"],
        ["standalone-verify", "m", "r", "not-a-fingerprint", "s", "--public-key-file", "k"],
        ["standalone-verify", "m", "r", "any", "s"],
        ["key", "generate", "--type", "pem", "--uid", "x"],
    ])
    func usage(_ arguments: [String]) async {
        let outcome = await run(arguments)
        #expect(outcome.status == 64, "\(arguments): \(outcome.stderr)")
    }

    @Test("a missing key file is exit 2, not a denial")
    func missingKeyFile() async {
        let outcome = await run(["standalone-verify", "/nonexistent/m", "a/b:c", "any", "/nonexistent/s", "--public-key-file", "/nonexistent/k"])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.hasPrefix("custody: error: "))
    }

    @Test("quickstart runs every step and ends with the expected decisions")
    func quickstart() async {
        let outcome = await run(["quickstart"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("decision: accepted"))
        // Two denials of the tampered image, then one by the 2-of-2 policy before the second signer signs.
        #expect(outcome.stdout.components(separatedBy: "decision: denied").count == 4)
        #expect(outcome.stdout.contains("1 of 2 required distinct keys"))
        #expect(outcome.stdout.hasSuffix("two signers were needed.\n"))
        #expect(outcome.stdout.contains("decision: allowed"))
        #expect(outcome.stdout.contains("not among the trusted keys"))
        #expect(outcome.stdout.contains("signature is for manifest digest"))
    }
}
