import CustodyTestSupport
import Foundation
import Testing

/// `custody log monitor` against `custody log serve` processes: matches, state kept between runs,
/// and a forked log (a second server with the same key and name but other entries) raising an alarm.
@Suite("log monitor command", .serialized)
struct LogMonitorCommandTests {
    func run(_ arguments: [String]) async -> CLIOutcome { await runCustodyProcess(arguments) }

    func append(_ server: ServeProcess, _ artifact: String, key: String) async {
        let outcome = await run(["log", "append", "--server", server.url, "--artifact", artifact, "--key", key])
        #expect(outcome.status == 0, "\(outcome.stderr)")
    }

    @Test("reports the watched key's entries, keeps its state, and raises an alarm on a fork")
    func monitorFollowsAndAlarms() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for (type, name) in [("ed25519", "log"), ("ecdsa-p256", "team"), ("ecdsa-p256", "other")] {
            let outcome = await run(["key", "generate", "--type", type, "--format", "pem", "-o", directory.file(name)])
            #expect(outcome.status == 0, "\(outcome.stderr)")
        }
        let first = try directory.write("release 1\n", to: "a.txt")
        let second = try directory.write("release 2\n", to: "b.txt")
        let stranger = try directory.write("not ours\n", to: "c.txt")
        let state = directory.file("monitor.json")

        let honest = try await ServeProcess.start(key: directory.file("log.key"), storage: "sqlite:" + directory.file("honest.sqlite"))
        defer { honest.stop() }
        await append(honest, first, key: directory.file("team.key"))
        await append(honest, stranger, key: directory.file("other.key"))
        await append(honest, second, key: directory.file("team.key"))
        let monitor = [
            "log", "monitor", "--server", honest.url, "--log-key", honest.verifierKey, "--key", directory.file("team.pub"),
            "--state", state, "--once", "--output", "json",
        ]
        let found = await run(monitor)
        #expect(found.status == 0, "\(found.stderr)")
        let matches = found.stdout.split(separator: "\n").filter { $0.contains(#""event":"match""#) }
        #expect(matches.count == 2, "\(found.stdout)")
        #expect(matches.first?.contains(#""index":0"#) == true && matches.last?.contains(#""index":2"#) == true)
        #expect(FileManager.default.fileExists(atPath: state))

        let again = await run(monitor)
        #expect(again.status == 0 && !again.stdout.contains(#""event":"match""#), "\(again.stdout)\(again.stderr)")
        // JSON lines are canonical (RFC 8785: members sorted), so this is the exact line.
        #expect(again.stdout.contains(#"{"event":"checkpoint","matches":0,"newEntries":0,"size":3}"#), "\(again.stdout)")

        // A second log under the same key and name that shows other entries: a fork.
        let forked = try await ServeProcess.start(key: directory.file("log.key"), storage: "sqlite:" + directory.file("forked.sqlite"))
        defer { forked.stop() }
        let extra = try directory.write("extra\n", to: "d.txt")
        for artifact in [first, second, stranger, extra] { await append(forked, artifact, key: directory.file("team.key")) }
        let saved = try String(contentsOfFile: state, encoding: .utf8)
        let alarm = await run([
            "log", "monitor", "--server", forked.url, "--log-key", forked.verifierKey, "--key", directory.file("team.pub"),
            "--state", state, "--once",
        ])
        #expect(alarm.status == 1, "\(alarm.stdout)\(alarm.stderr)")
        #expect(alarm.stdout.contains("ALARM (fork)"), "\(alarm.stdout)")
        #expect(try String(contentsOfFile: state, encoding: .utf8) == saved, "the state must keep the contradicted tree")
        // The same alarm as a JSON line that any JSON reader takes, with the reason intact.
        let alarmJSON = await run([
            "log", "monitor", "--server", forked.url, "--log-key", forked.verifierKey, "--key", directory.file("team.pub"),
            "--state", state, "--once", "--output", "json",
        ])
        #expect(alarmJSON.status == 1, "\(alarmJSON.stdout)\(alarmJSON.stderr)")
        let alarmLine = try #require(alarmJSON.stdout.split(separator: "\n").first { $0.contains(#""event":"alarm""#) })
        let alarmObject = try #require(try JSONSerialization.jsonObject(with: Data(alarmLine.utf8)) as? [String: Any])
        #expect(alarmObject["kind"] as? String == "fork")
        #expect((alarmObject["reason"] as? String)?.isEmpty == false)

        // A checkpoint key that is not the log's: could not evaluate (2), not an alarm.
        let wrongKey = await run([
            "log", "monitor", "--server", honest.url, "--log-key", directory.file("other.pub"), "--origin", ServeProcess.logName,
            "--key", directory.file("team.pub"), "--state", directory.file("fresh.json"), "--once",
        ])
        #expect(wrongKey.status == 2, "\(wrongKey.stdout)\(wrongKey.stderr)")
    }
}
