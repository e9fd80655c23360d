import CustodyTestSupport
import Foundation
import Testing

/// `custody log append`, `get`, `proof` and `verify`, run in-process against `custody log serve`
/// started as a separate process (this test target does not link the server library). `ServeProcess`
/// below is shared with the monitor tests.
@Suite("log client commands", .serialized)
struct LogClientCommandTests {
    func run(_ arguments: [String]) async -> CLIOutcome { await runCustodyProcess(arguments) }

    func json(_ outcome: CLIOutcome) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any], "\(outcome.stdout)")
    }

    /// Generates a PEM key pair at `prefix` (`.key`, `.pub`).
    func generate(_ type: String, _ prefix: String) async {
        let outcome = await run(["key", "generate", "--type", type, "--format", "pem", "-o", prefix])
        #expect(outcome.status == 0, "\(outcome.stderr)")
    }

    @Test("append, get, proof and verify against a running log")
    func appendGetProofVerify() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        await generate("ed25519", directory.file("log"))
        await generate("ed25519", directory.file("other-log"))
        await generate("ecdsa-p256", directory.file("signer"))
        await generate("rsa3072", directory.file("rsa"))
        let server = try await ServeProcess.start(key: directory.file("log.key"), storage: "sqlite:" + directory.file("log.sqlite"))
        defer { server.stop() }
        let artifact = try directory.write("the artifact\n", to: "artifact.txt")
        let other = try directory.write("another artifact\n", to: "other.txt")
        let entryFile = directory.file("entry.json")

        // Without --log-key the answer is not verified, and says so.
        let unverified = await run(["log", "append", "--server", server.url, "--artifact", other, "--key", directory.file("signer.key")])
        #expect(unverified.status == 0, "\(unverified.stderr)")
        #expect(unverified.stdout.contains("appended entry 0"))
        #expect(unverified.stdout.contains("NOT verified"))

        // With the log's PEM key: verified, saved, JSON output.
        let appended = await run([
            "log", "append", "--server", server.url, "--artifact", artifact, "--key", directory.file("signer.key"),
            "--log-key", directory.file("log.pub"), "-o", entryFile, "--output", "json",
        ])
        #expect(appended.status == 0, "\(appended.stderr)")
        let report = try json(appended)
        #expect(report["logIndex"] as? String == "1")
        #expect(report["verified"] as? Bool == true)
        #expect((report["entry"] as? [String: Any])?["canonicalizedBody"] is String)
        #expect(FileManager.default.fileExists(atPath: entryFile))

        // An RSA key, verified with the verifier-key string.
        let rsa = await run([
            "log", "append", "--server", server.url, "--artifact", artifact, "--key", directory.file("rsa.key"), "--log-key", server.verifierKey,
        ])
        #expect(rsa.status == 0, "\(rsa.stderr)")
        #expect(rsa.stdout.contains("appended entry 2"))
        #expect(rsa.stdout.contains("verified: inclusion in \(ServeProcess.logName) at tree size"))

        // An Ed25519 key makes an Ed25519ph entry (pure Ed25519 cannot sign a prehashed digest).
        let ed25519 = await run([
            "log", "append", "--server", server.url, "--artifact", artifact, "--key", directory.file("log.key"),
            "--log-key", server.verifierKey, "--output", "json",
        ])
        #expect(ed25519.status == 0, "\(ed25519.stderr)")
        #expect(ed25519.stdout.contains("PKIX_ED25519_PH") || ed25519.stdout.contains("\"verified\":true"), "\(ed25519.stdout)")

        // Offline verification.
        let verified = await run(["log", "verify", "--entry", entryFile, "--log-key", server.verifierKey, "--artifact", artifact])
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout.contains("verified: entry 1 is in \(ServeProcess.logName)"))
        #expect(verified.stdout.contains("signer: key sha256:"), "\(verified.stdout)")
        let verifiedJSON = await run(["log", "verify", "--entry", entryFile, "--log-key", directory.file("log.pub"), "--output", "json"])
        #expect(verifiedJSON.status == 0, "\(verifiedJSON.stderr)")
        #expect(try json(verifiedJSON)["logIndex"] as? String == "1")

        let wrongArtifact = await run(["log", "verify", "--entry", entryFile, "--log-key", server.verifierKey, "--artifact", other])
        #expect(wrongArtifact.status == 1)
        #expect(wrongArtifact.stderr.contains("custody: refused: the entry's digest is not the artifact's"), "\(wrongArtifact.stderr)")
        let wrongKey = await run(["log", "verify", "--entry", entryFile, "--log-key", directory.file("other-log.pub")])
        #expect(wrongKey.status == 1)
        #expect(wrongKey.stderr.contains("custody: refused:"), "\(wrongKey.stderr)")

        // A tampered entry: another body.
        var document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: entryFile))) as? [String: Any])
        document["canonicalizedBody"] = Data("{}".utf8).base64EncodedString()
        let tampered = try directory.write(Array(try JSONSerialization.data(withJSONObject: document)), to: "tampered.json")
        let refused = await run(["log", "verify", "--entry", tampered, "--log-key", server.verifierKey])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("leads to root"), "\(refused.stderr)")

        // Could not evaluate: a missing file, a malformed entry, a bad key.
        let missing = await run(["log", "verify", "--entry", directory.file("nope.json"), "--log-key", server.verifierKey])
        #expect(missing.status == 2)
        let malformed = try directory.write("{\"logIndex\":\"1\",\"logIndex\":\"1\"}", to: "malformed.json")
        let badEntry = await run(["log", "verify", "--entry", malformed, "--log-key", server.verifierKey])
        #expect(badEntry.status == 2)
        #expect(badEntry.stderr.contains("not valid JSON"), "\(badEntry.stderr)")
        let badKey = await run(["log", "verify", "--entry", entryFile, "--log-key", "not-a-key"])
        #expect(badKey.status == 2)
        #expect(badKey.stderr.contains("no such file"), "\(badKey.stderr)")

        // get: the entry from its bundle.
        let got = await run(["log", "get", "--server", server.url, "--index", "1", "--log-key", server.verifierKey, "--output", "json"])
        #expect(got.status == 0, "\(got.stderr)")
        let gotJSON = try json(got)
        let savedBody = try #require((report["entry"] as? [String: Any])?["canonicalizedBody"] as? String)
        #expect(gotJSON["canonicalizedBody"] as? String == savedBody)
        #expect(gotJSON["verified"] as? Bool == true)
        #expect(gotJSON["leafHash"] is String)
        let gotText = await run(["log", "get", "--server", server.url, "--index", "0"])
        #expect(gotText.status == 0, "\(gotText.stderr)")
        #expect(gotText.stdout.contains("NOT verified"))
        #expect(gotText.stdout.contains("\"kind\":\"hashedrekord\""))
        let beyond = await run(["log", "get", "--server", server.url, "--index", "99", "--log-key", server.verifierKey])
        #expect(beyond.status == 2)
        #expect(beyond.stderr.contains("index 99"), "\(beyond.stderr)")

        // proof: inclusion and consistency, built from tiles and verified.
        let inclusion = await run(["log", "proof", "--server", server.url, "--index", "1", "--log-key", server.verifierKey, "--output", "json"])
        #expect(inclusion.status == 0, "\(inclusion.stderr)")
        let inclusionJSON = try json(inclusion)
        #expect(inclusionJSON["kind"] as? String == "inclusion")
        #expect(inclusionJSON["treeSize"] as? String == "4")
        #expect((inclusionJSON["hashes"] as? [Any])?.count == 2)
        let older = await run(["log", "proof", "--server", server.url, "--index", "0", "--tree-size", "2", "--log-key", directory.file("log.pub")])
        #expect(older.status == 0, "\(older.stderr)")
        #expect(older.stdout.contains("inclusion proof of entry 0 in tree size 2: verified"))
        let consistency = await run(["log", "proof", "--server", server.url, "--consistency", "1", "2", "--log-key", server.verifierKey])
        #expect(consistency.status == 0, "\(consistency.stderr)")
        #expect(consistency.stdout.contains("consistency proof from tree size 1 to 2: verified"))
        let toCurrent = await run(["log", "proof", "--server", server.url, "--consistency", "2", "--log-key", server.verifierKey, "--output", "json"])
        #expect(toCurrent.status == 0, "\(toCurrent.stderr)")
        #expect(try json(toCurrent)["newSize"] as? String == "4")
        let otherLog = await run(["log", "proof", "--server", server.url, "--index", "0", "--log-key", directory.file("other-log.pub")])
        #expect(otherLog.status == 1)
        #expect(otherLog.stderr.contains("does not verify with the log key"), "\(otherLog.stderr)")
        let both = await run(["log", "proof", "--server", server.url, "--index", "0", "--consistency", "1", "--log-key", server.verifierKey])
        #expect(both.status == 64)
        let neither = await run(["log", "proof", "--server", server.url, "--log-key", server.verifierKey])
        #expect(neither.status == 64)
    }

    @Test("a server that is not there is an error (exit 2)")
    func unreachable() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        await generate("ecdsa-p256", directory.file("signer"))
        let artifact = try directory.write("x", to: "artifact")
        let outcome = await run(["log", "append", "--server", "http://127.0.0.1:1", "--artifact", artifact, "--key", directory.file("signer.key")])
        #expect(outcome.status == 2)
        let badURL = await run(["log", "get", "--server", "ftp://example.com", "--index", "0"])
        #expect(badURL.status == 64)
    }
}

/// `custody log serve` as a child process on 127.0.0.1 (a free port), over SQLite.
final class ServeProcess: @unchecked Sendable {
    static let logName = "client.log.custody.test"
    let process: Process
    let url: String
    let verifierKey: String
    let outputPath: String

    private init(process: Process, url: String, verifierKey: String, outputPath: String) {
        self.process = process
        self.url = url
        self.verifierKey = verifierKey
        self.outputPath = outputPath
    }

    static func start(key: String, storage: String) async throws -> ServeProcess {
        try await start(arguments: ["--storage", storage, "--key", key, "--name", logName, "--listen", "127.0.0.1:0", "--batch-interval", "20"])
    }

    /// Starts `custody log serve ARGUMENTS`, which must name the log ``logName``.
    static func start(arguments: [String]) async throws -> ServeProcess {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("custody-serve-\(UUID().uuidString)").path
        guard FileManager.default.createFile(atPath: outputPath, contents: nil) else { throw TestSupportError("cannot create \(outputPath)") }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        defer { try? output.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try CustodyExecutable.path())
        process.arguments = ["log", "serve"] + arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let clock = ContinuousClock()
        let start = clock.now
        // The output is looked at once more after the deadline: a test process that was kept
        // waiting (the suite shares two cores) must not fail a server that did start.
        while true {
            let expired = clock.now - start >= .seconds(120)
            let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            if let listening = lines.first(where: { $0.hasPrefix("custody log \(logName) listening on 127.0.0.1:") }),
                let key = lines.first(where: { $0.hasPrefix("verifier key: ") }),
                let port = Int(listening.split(separator: ":").last ?? "")
            {
                return ServeProcess(
                    process: process, url: "http://127.0.0.1:\(port)", verifierKey: String(key.dropFirst("verifier key: ".count)),
                    outputPath: outputPath)
            }
            guard process.isRunning, !expired else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning { process.terminate() }
        throw TestSupportError("custody log serve did not start: \((try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "")")
    }

    /// SIGTERM (a graceful shutdown) and wait for the exit.
    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: outputPath)
    }
}
