import CustodyCLI
import CustodyOCI
import Foundation
import Testing

/// The command line run in-process, with output captured.
@Suite("custody command line")
struct CommandLineTests {
    /// The sample image the README's main command inspects.
    static let sample = "oci:" + URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Samples/hello").path + ":latest"

    func run(_ arguments: [String]) async -> CLIOutcome { await runCustody(arguments) }

    /// The sample's index digest, computed here from the layout's files rather than by custody.
    func sampleIndexDigest() throws -> String {
        let layout = String(Self.sample.dropFirst(4).dropLast(7))
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: layout + "/index.json"))) as? [String: Any]
        let entry = try #require((index?["manifests"] as? [[String: Any]])?.first)
        let digest = try #require(entry["digest"] as? String)
        let hex = String(digest.dropFirst("sha256:".count))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: layout + "/blobs/sha256/" + hex))
        let recomputed = Digest.compute(Array(bytes)).description
        #expect(recomputed == digest)
        return recomputed
    }

    @Test("version prints the version, in text and JSON")
    func version() async {
        let text = await run(["version"])
        #expect(text.status == 0)
        #expect(text.stdout == "custody \(CustodyVersion.current)\n")
        let json = await run(["version", "--output", "json"])
        #expect(json.stdout == #"{"version":"\#(CustodyVersion.current)"}"# + "\n")
    }

    @Test("usage errors exit 64 with the reason on standard error", arguments: [
        ["digest"],
        ["digest", "oci:x", "--bogus"],
        ["digest", "oci:x", "--output", "yaml"],
        ["nosuchcommand"],
        ["inspect"],
    ])
    func usageErrors(_ arguments: [String]) async {
        let outcome = await run(arguments)
        #expect(outcome.status == 64)
        #expect(outcome.stdout.isEmpty)
        #expect(!outcome.stderr.isEmpty)
    }

    static let serve = ["webhook", "serve", "--policy", "p.json", "--tls-cert", "c.pem", "--tls-key", "k.pem"]

    @Test("webhook serve and audit query refuse bad settings before doing anything: exit 64 naming the flag", arguments: [
        (serve + ["--mode", "audit"], "--mode must be enforce or warn"),
        (serve + ["--pin-kinds", "Pod,Cronjob"], "--pin-kinds"),
        (serve + ["--log-server", "http://127.0.0.1:1"], "--log-server and --log-key go together"),
        (serve + ["--cache-ttl", "-1"], "--cache-ttl"),
        (serve + ["--verification-timeout", "0"], "--verification-timeout must be 1 to 600 seconds"),
        (serve + ["--reload-interval", "1"], "--reload-interval must be 10 to 600000 milliseconds"),
        (serve + ["--listen", "8443"], "--listen must be HOST:PORT"),
        (["audit", "query", "audit.jsonl", "--outcome", "maybe"], "--outcome must be allowed, denied or warned"),
        (["audit", "query", "audit.jsonl", "--since", "yesterday"], "--since must be an RFC 3339 time"),
        (["audit", "query", "audit.jsonl", "--limit", "0"], "--limit must be at least 1"),
    ])
    func webhookAndAuditSettings(_ arguments: [String], _ reason: String) async {
        let outcome = await run(arguments)
        #expect(outcome.status == 64, "\(outcome.stderr)")
        #expect(outcome.stderr.contains(reason), "\(outcome.stderr)")
    }

    @Test("help exits 0 and lists the subcommands")
    func help() async {
        let outcome = await run(["--help"])
        #expect(outcome.status == 0)
        for name in ["inspect", "digest", "version"] { #expect(outcome.stdout.contains(name)) }
    }

    @Test("bad input exits 2 with one line naming what failed", arguments: [
        (["digest", "nosuchtransport:x"], "unknown transport"),
        (["digest", "docker-archive:/tmp/x.tar"], "not supported"),
        (["digest", "docker://127.0.0.1:1/custody/none:v1", "--tls-verify=false"], "127.0.0.1:1"),
        (["digest", "oci:/nonexistent/custody-layout"], "/nonexistent/custody-layout"),
        (["inspect", "dir:/nonexistent/custody-dir"], "/nonexistent/custody-dir"),
        (["digest", "oci:/tmp:bad name"], "invalid image reference"),
    ])
    func badInput(_ arguments: [String], _ fragment: String) async {
        let outcome = await run(arguments)
        #expect(outcome.status == 2)
        #expect(outcome.stdout.isEmpty)
        #expect(outcome.stderr.hasPrefix("custody: error: "))
        #expect(outcome.stderr.contains(fragment), "\(outcome.stderr)")
        #expect(outcome.stderr.filter { $0 == "\n" }.count == 1, "one line: \(outcome.stderr)")
    }

    @Test("digest of the sample index: index digest first, then one line per platform")
    func digestSample() async throws {
        let outcome = await run(["digest", Self.sample])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let lines = outcome.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == (try sampleIndexDigest()))
        #expect(lines.count == 3)
        #expect(lines.dropFirst().map { $0.split(separator: " ").first.map(String.init) } == ["linux/amd64", "linux/arm64/v8"])
    }

    @Test("digest --verify-blobs on a non-terminal prints no progress bar")
    func verifyBlobsQuiet() async throws {
        let outcome = await run(["digest", "--verify-blobs", "--output", "json", Self.sample])
        #expect(outcome.status == 0)
        #expect(outcome.stderr.isEmpty)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        let verified = try #require(object["verifiedBlobs"] as? [String: Any])
        // Two configs and three distinct layers (the base layer is shared by both platforms).
        #expect(verified["count"] as? Int == 5)
        #expect(object["digest"] as? String == (try sampleIndexDigest()))
    }

    @Test("inspect --output json is one line of canonical JSON with sorted keys")
    func inspectJSON() async throws {
        let outcome = await run(["inspect", "--output", "json", Self.sample])
        #expect(outcome.status == 0)
        #expect(outcome.stdout.hasSuffix("}\n"))
        #expect(outcome.stdout.filter { $0 == "\n" }.count == 1)
        #expect(outcome.stdout.hasPrefix(#"{"digest":"sha256:"#))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        let manifests = try #require(object["manifests"] as? [[String: Any]])
        #expect(manifests.map { $0["platform"] as? String } == ["linux/amd64", "linux/arm64/v8"])
        #expect(manifests.allSatisfy { ($0["layers"] as? [Any])?.count == 2 && $0["config"] != nil })
    }

    @Test("inspect text output names media type, digest and platforms")
    func inspectText() async throws {
        let outcome = await run(["inspect", Self.sample])
        #expect(outcome.status == 0)
        #expect(outcome.stdout.contains("Media type:  application/vnd.oci.image.index.v1+json"))
        #expect(outcome.stdout.contains("Digest:      \(try sampleIndexDigest())"))
        #expect(outcome.stdout.contains("linux/arm64/v8"))
    }
}
