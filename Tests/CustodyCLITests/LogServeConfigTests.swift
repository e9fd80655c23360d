import CustodyTestSupport
import Foundation
import Testing

/// `custody log serve --config FILE`: settings from a strict JSON file, overridden by flags.
@Suite("log serve configuration file")
struct LogServeConfigTests {
    @Test("a configuration file starts the server, with paths relative to the file and flags winning")
    func serveFromFile() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let generated = await runCustody(["key", "generate", "--type", "ed25519", "--format", "pem", "-o", directory.file("log")])
        #expect(generated.status == 0, "\(generated.stderr)")
        let config = try directory.write(
            #"{"storage": "sqlite:log.sqlite", "key": "log.key", "name": "\#(ServeProcess.logName)", "listen": "127.0.0.1:1", "batchIntervalMilliseconds": 20}"#,
            to: "log.json")
        // --listen overrides the file's port 1 (which the server could not bind).
        let server = try await ServeProcess.start(arguments: ["--config", config, "--listen", "127.0.0.1:0"])
        defer { server.stop() }
        let artifact = try directory.write("artifact\n", to: "a.txt")
        let signer = await runCustody(["key", "generate", "--type", "ecdsa-p256", "--format", "pem", "-o", directory.file("signer")])
        #expect(signer.status == 0)
        // A child process, as the other log CLI tests: an in-process client's 30 s HTTP deadline
        // can pass while this test process's threads are busy with other suites.
        let appended = await runCustodyProcess([
            "log", "append", "--server", server.url, "--artifact", artifact, "--key", directory.file("signer.key"), "--log-key", server.verifierKey,
        ])
        #expect(appended.status == 0, "\(appended.stdout)\(appended.stderr)")
        #expect(FileManager.default.fileExists(atPath: directory.file("log.sqlite")), "the sqlite path is relative to the file")
    }

    @Test("bad configuration files are refused before anything starts")
    func badFiles() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let cases: [(String, String)] = [
            (#"{"storage": "sqlite:x", "key": "k", "name": "n", "port": 3}"#, "unknown member 'port'"),
            (#"{"storage": "sqlite:x", "storage": "sqlite:y"}"#, "not one strict JSON document"),
            (#"{"storage": 7}"#, "storage must be a string"),
            (#"{"batchIntervalMilliseconds": 2.5}"#, "must be an integer"),
            (#"["storage"]"#, "must be a JSON object"),
            (#"{"storage": "sqlite:x"} trailing"#, "not one strict JSON document"),
        ]
        for (index, (text, message)) in cases.enumerated() {
            let path = try directory.write(text, to: "bad\(index).json")
            let outcome = await runCustody(["log", "serve", "--config", path])
            #expect(outcome.status != 0, "\(text)")
            #expect(outcome.stderr.contains(message), "\(text): \(outcome.stderr)")
        }
        let missing = await runCustody(["log", "serve", "--storage", "sqlite:x", "--key", "k"])
        #expect(missing.status == 64 && missing.stderr.contains("--name is required"), "\(missing.stderr)")
        let interval = await runCustody(["log", "serve", "--storage", "sqlite:x", "--key", "k", "--name", "n", "--batch-interval", "0"])
        #expect(interval.status == 64, "\(interval.stderr)")
    }
}
