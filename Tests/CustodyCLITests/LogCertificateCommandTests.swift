import CustodyOCI
import CustodyTestSupport
import Foundation
import Testing

/// `custody log append --certificate` and `custody log monitor --identity/--identity-regexp/--issuer`
/// against `custody log serve` run as a process (``ServeProcess``), with the appended entry checked
/// by an independent Python script (`Scripts/hashedrekord-check.py`, `cryptography` only).
@Suite("log certificate commands", .serialized)
struct LogCertificateCommandTests {
    static let identity = "ci@example.com"
    static let workflow = "https://github.com/example/app/.github/workflows/release.yml@refs/tags/v1.2.3"
    static let workflowPattern = #"https://github\.com/example/app/\.github/workflows/release\.yml@refs/tags/.*"#
    static let accounts = "https://accounts.example.com"

    func run(_ arguments: [String]) async -> CLIOutcome { await runCustodyProcess(arguments) }

    /// Generates a PEM key pair at `prefix` (`.key`, `.pub`).
    func generate(_ type: String, _ prefix: String) async {
        let outcome = await run(["key", "generate", "--type", type, "--format", "pem", "-o", prefix])
        #expect(outcome.status == 0, "\(outcome.stderr)")
    }

    /// A signer certificate for the PEM private key `keyFile`, written as DER to `name.der` and as
    /// PEM (converted by openssl) to `name.pem`; returns both paths.
    func certificate(
        for keyFile: String, named name: String, in directory: TemporaryDirectory, emails: [String], uris: [String] = [],
        issuer: String? = nil
    ) async throws -> (der: String, pem: String) {
        let folder = directory.path
        let der = try await offPool {
            try TestCertificates.signerCertificate(keyFile: keyFile, in: folder, emails: emails, uris: uris, issuer: issuer)
        }
        let derFile = try directory.write(der, to: name + ".der")
        let pemFile = directory.file(name + ".pem")
        let converted = try await offPool { try runProcess("openssl", ["x509", "-inform", "DER", "-in", derFile, "-outform", "PEM", "-out", pemFile]) }
        #expect(converted.status == 0, "\(converted)")
        #expect(try String(contentsOfFile: pemFile, encoding: .utf8).hasPrefix("-----BEGIN CERTIFICATE-----"))
        return (derFile, pemFile)
    }

    /// Runs `Scripts/hashedrekord-check.py ARGUMENTS` off the concurrency pool.
    func pythonCheck(_ arguments: [String]) async throws -> ProcessResult {
        let script = Fixtures.repositoryRoot + "/Scripts/hashedrekord-check.py"
        return try await offPool { try runProcess("python3", [script] + arguments) }
    }

    /// The JSON objects printed one per line.
    func events(_ outcome: CLIOutcome) -> [[String: Any]] {
        outcome.stdout.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
    }

    /// `sha256:<hex>` of the SubjectPublicKeyInfo in a PEM public key file: how the monitor names keys.
    func fingerprint(ofPublicKeyFile path: String) throws -> String {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let body = text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        let der = try #require(Data(base64Encoded: body), "\(text)")
        return Digest.compute(Array(der)).description
    }

    @Test(
        "append with a PEM or DER certificate, the entry checked by Python, and the monitor finding it by identity",
        .enabled(if: PeerTool.availableOrCI("openssl", "python3")))
    func appendCheckAndMonitor() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        await generate("ed25519", directory.file("log"))
        await generate("ecdsa-p256", directory.file("signer"))
        await generate("ecdsa-p256", directory.file("other"))
        let (derFile, pemFile) = try await certificate(
            for: directory.file("signer.key"), named: "signer", in: directory, emails: [Self.identity], uris: [Self.workflow],
            issuer: Self.accounts)
        let artifact = try directory.write("release 1.2.3\n", to: "artifact.txt")
        let second = try directory.write("release 1.2.3, second build\n", to: "second.txt")
        let unrelated = try directory.write("someone else's\n", to: "unrelated.txt")
        let entryFile = directory.file("entry.json")
        let derEntryFile = directory.file("entry-der.json")

        let server = try await ServeProcess.start(key: directory.file("log.key"), storage: "sqlite:" + directory.file("log.sqlite"))
        defer { server.stop() }

        // 0: with the PEM certificate, verified with the verifier key.
        let appended = await run([
            "log", "append", "--server", server.url, "--artifact", artifact, "--key", directory.file("signer.key"),
            "--certificate", pemFile, "--log-key", server.verifierKey, "-o", entryFile,
        ])
        #expect(appended.status == 0, "\(appended.stderr)")
        #expect(appended.stdout.contains("appended entry 0 (hashedrekord 0.0.2)"), "\(appended.stdout)")
        #expect(appended.stdout.contains("verified: inclusion in \(ServeProcess.logName)"), "\(appended.stdout)")
        // 1: a bare key by someone else.
        let bare = await run(["log", "append", "--server", server.url, "--artifact", unrelated, "--key", directory.file("other.key")])
        #expect(bare.status == 0, "\(bare.stderr)")
        // 2: with the DER certificate, verified with the PEM log key, JSON output.
        let appendedDER = await run([
            "log", "append", "--server", server.url, "--artifact", second, "--key", directory.file("signer.key"),
            "--certificate", derFile, "--log-key", directory.file("log.pub"), "-o", derEntryFile, "--output", "json",
        ])
        #expect(appendedDER.status == 0, "\(appendedDER.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(appendedDER.stdout.utf8)) as? [String: Any], "\(appendedDER.stdout)")
        #expect(report["logIndex"] as? String == "2")
        #expect(report["verified"] as? Bool == true)

        // The saved entry names the signer by the certificate, byte for byte, and not by the key.
        let saved = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: entryFile))) as? [String: Any])
        let encodedBody = try #require(saved["canonicalizedBody"] as? String)
        let body = try #require(Data(base64Encoded: encodedBody))
        let bodyText = String(decoding: body, as: UTF8.self)
        let derBytes = try Data(contentsOf: URL(fileURLWithPath: derFile))
        #expect(bodyText.contains(#""x509Certificate":{"rawBytes":"\#(derBytes.base64EncodedString())"}"#), "\(bodyText)")
        #expect(!bodyText.contains("publicKey"), "\(bodyText)")

        // Independently: digest, certificate, signature, identities, issuer and inclusion.
        for (entry, file) in [(entryFile, artifact), (derEntryFile, second)] {
            let checked = try await pythonCheck([
                entry, file, "--identity", Self.identity, "--identity", Self.workflow, "--issuer", Self.accounts, "--log-key", server.verifierKey,
            ])
            #expect(checked.status == 0, "\(checked)")
            #expect(checked.stdoutText.hasPrefix("OK"), "\(checked)")
            #expect(checked.stdoutText.contains("verifier=x509Certificate"), "\(checked)")
        }
        let plain = try await pythonCheck([entryFile, artifact, "--identity", Self.identity])
        #expect(plain.status == 0 && plain.stdoutText.hasPrefix("OK"), "\(plain)")
        // …and the checker does refuse: another identity, another artifact, another issuer.
        for (arguments, reason) in [
            ([entryFile, artifact, "--identity", "other@example.com"], "does not name other@example.com"),
            ([entryFile, second, "--identity", Self.identity], "digest is not the artifact's"),
            ([entryFile, artifact, "--issuer", "https://accounts.example.org"], "OIDC issuer"),
        ] {
            let refused = try await pythonCheck(arguments)
            #expect(refused.status == 1, "\(arguments): \(refused)")
            #expect(refused.stdoutText.contains("FAIL: ") && refused.stdoutText.contains(reason), "\(arguments): \(refused)")
        }
        // Custody's own offline verification agrees.
        let verified = await run(["log", "verify", "--entry", entryFile, "--log-key", server.verifierKey, "--artifact", artifact])
        #expect(verified.status == 0, "\(verified.stderr)")
        // It names the signer as the entry states it: the key and the certificate's names and issuer.
        #expect(verified.stdout.contains("by a certificate for \(Self.identity)"), "\(verified.stdout)")
        #expect(verified.stdout.contains("issuer \(Self.accounts)"), "\(verified.stdout)")
        let verifiedJSON = await run(["log", "verify", "--entry", entryFile, "--log-key", server.verifierKey, "--output", "json"])
        #expect(verifiedJSON.status == 0, "\(verifiedJSON.stderr)")
        let signer = try #require(
            (try JSONSerialization.jsonObject(with: Data(verifiedJSON.stdout.utf8)) as? [String: Any])?["signer"] as? [String: Any])
        #expect((signer["identities"] as? [String])?.contains(Self.identity) == true, "\(signer)")
        #expect(signer["issuer"] as? String == Self.accounts)
        #expect(signer["key"] as? String == (try fingerprint(ofPublicKeyFile: directory.file("signer.pub"))))

        // The monitor, by identity: both certificate entries, with the certificate's names.
        let signerKey = try fingerprint(ofPublicKeyFile: directory.file("signer.pub"))
        let certificateDigest = Digest.compute(Array(derBytes)).description
        func monitor(_ watch: [String], state: String, output: String = "json") async -> CLIOutcome {
            await run(
                ["log", "monitor", "--server", server.url, "--log-key", server.verifierKey, "--state", directory.file(state), "--once",
                 "--output", output] + watch)
        }
        let found = await monitor(["--identity", Self.identity], state: "identity.json")
        #expect(found.status == 0, "\(found.stderr)")
        let matches = events(found).filter { $0["event"] as? String == "match" }
        #expect(matches.map { $0["index"] as? Int } == [0, 2], "\(found.stdout)")
        for match in matches {
            #expect(match["kind"] as? String == "hashedrekord")
            #expect(match["watched"] as? String == Self.identity)
            #expect(match["key"] as? String == signerKey)
            #expect(match["identities"] as? [String] == [Self.identity, Self.workflow])
            #expect(match["issuer"] as? String == Self.accounts)
            #expect(match["certificate"] as? String == certificateDigest)
            #expect(match["digest"] is String)
        }
        #expect(matches.first?["digest"] as? String == (try #require(
            ((try JSONSerialization.jsonObject(with: body) as? [String: Any])?["spec"] as? [String: Any]).flatMap {
                (($0["hashedRekordV002"] as? [String: Any])?["data"] as? [String: Any])?["digest"] as? String
            })))
        let checkpoint = events(found).first { $0["event"] as? String == "checkpoint" }
        #expect(checkpoint?["size"] as? Int == 3 && checkpoint?["matches"] as? Int == 2, "\(found.stdout)")
        #expect(!found.stdout.contains(#""event":"unreadable""#), "\(found.stdout)")

        // Another identity: no match.
        let none = await monitor(["--identity", "other@example.com"], state: "other.json")
        #expect(none.status == 0, "\(none.stderr)")
        #expect(!none.stdout.contains(#""event":"match""#), "\(none.stdout)")
        #expect(none.stdout.contains(#""event":"checkpoint""#), "\(none.stdout)")

        // The workflow URI by a whole-name pattern, with the right issuer; and not with another.
        let byPattern = await monitor(["--identity-regexp", Self.workflowPattern, "--issuer", Self.accounts], state: "pattern.json")
        #expect(byPattern.status == 0, "\(byPattern.stderr)")
        #expect(
            events(byPattern).filter { $0["event"] as? String == "match" }.map { $0["watched"] as? String }
                == ["/\(Self.workflowPattern)/ (issuer \(Self.accounts))", "/\(Self.workflowPattern)/ (issuer \(Self.accounts))"],
            "\(byPattern.stdout)")
        let partial = await monitor(["--identity-regexp", #"release\.yml"#], state: "partial.json")
        #expect(partial.status == 0 && !partial.stdout.contains(#""event":"match""#), "\(partial.stdout)\(partial.stderr)")
        let otherIssuer = await monitor(["--identity", Self.identity, "--issuer", "https://accounts.example.org"], state: "issuer.json")
        #expect(otherIssuer.status == 0 && !otherIssuer.stdout.contains(#""event":"match""#), "\(otherIssuer.stdout)\(otherIssuer.stderr)")

        // By the certificate's key: a match as "key", still with the certificate's names.
        let byKey = await monitor(["--key", directory.file("signer.pub")], state: "key.json")
        let keyMatches = events(byKey).filter { $0["event"] as? String == "match" }
        #expect(keyMatches.map { $0["index"] as? Int } == [0, 2], "\(byKey.stdout)\(byKey.stderr)")
        #expect(keyMatches.allSatisfy { $0["watched"] as? String == "key" && $0["identities"] as? [String] == [Self.identity, Self.workflow] })
        // The bare-key entry in JSON has no certificate members.
        let otherKey = await monitor(["--key", directory.file("other.pub")], state: "other-key.json")
        let bareMatch = try #require(events(otherKey).first { $0["event"] as? String == "match" }, "\(otherKey.stdout)")
        #expect(bareMatch["index"] as? Int == 1 && bareMatch["watched"] as? String == "key")
        #expect(bareMatch["identities"] == nil && bareMatch["issuer"] == nil && bareMatch["certificate"] == nil, "\(otherKey.stdout)")

        // Text output names the identity, the key, the certificate's names and the issuer.
        let text = await monitor(["--identity", Self.identity], state: "text.json", output: "text")
        #expect(text.status == 0, "\(text.stderr)")
        #expect(
            text.stdout.contains(
                "entry 0: hashedrekord by watched identity \(Self.identity), key \(signerKey), certificate for \(Self.identity), \(Self.workflow) from \(Self.accounts), digest "),
            "\(text.stdout)")
    }

    @Test("log monitor usage errors exit 64: nothing to watch, --issuer without an identity, a bad --identity-regexp")
    func monitorUsageErrors() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        await generate("ecdsa-p256", directory.file("team"))
        // No server listens there: were the arguments accepted, the run would fail with 2, not 64.
        let common = [
            "log", "monitor", "--server", "http://127.0.0.1:1", "--log-key", "log.example+12345678+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "--state", directory.file("state.json"), "--once",
        ]
        for (name, extra, message) in [
            ("nothing to watch", [], "give at least one --key, --identity or --identity-regexp"),
            ("--issuer alone", ["--issuer", Self.accounts], "--identity"),
            ("--issuer with only --key", ["--issuer", Self.accounts, "--key", directory.file("team.pub")], "--issuer applies to --identity or --identity-regexp"),
            ("bad pattern", ["--identity-regexp", "("], "--identity-regexp"),
            ("bad pattern among good ones", ["--identity", Self.identity, "--identity-regexp", ".*", "--identity-regexp", "[a-"], "not a regular expression"),
        ] as [(String, [String], String)] {
            let outcome = await run(common + extra)
            #expect(outcome.status == 64, "\(name): \(outcome.status) \(outcome.stdout)\(outcome.stderr)")
            #expect(outcome.stderr.contains(message), "\(name): \(outcome.stderr)")
            #expect(!FileManager.default.fileExists(atPath: directory.file("state.json")), "\(name)")
        }
        // The same watches, valid, get past validation (and fail on the absent server: 2).
        let valid = await run(common + ["--identity-regexp", Self.workflowPattern, "--issuer", Self.accounts])
        #expect(valid.status == 2, "\(valid.stdout)\(valid.stderr)")
    }

    @Test("log append refuses a certificate for another key and a file that is not a certificate", .enabled(if: PeerTool.availableOrCI("openssl")))
    func appendRefusesBadCertificates() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        await generate("ed25519", directory.file("log"))
        await generate("ecdsa-p256", directory.file("signer"))
        await generate("ecdsa-p256", directory.file("other"))
        let (otherDER, otherPEM) = try await certificate(for: directory.file("other.key"), named: "other", in: directory, emails: [Self.identity])
        let (_, ownPEM) = try await certificate(for: directory.file("signer.key"), named: "signer", in: directory, emails: [Self.identity])
        let garbage = try directory.write("this is not a certificate\n", to: "garbage.crt")
        let empty = try directory.write("", to: "empty.crt")
        let truncated = try directory.write(Array(try Data(contentsOf: URL(fileURLWithPath: otherDER)).prefix(100)), to: "truncated.der")
        let pemTruncated = try directory.write(
            String(try String(contentsOfFile: ownPEM, encoding: .utf8).prefix(120)) + "\n-----END CERTIFICATE-----\n", to: "truncated.pem")
        let artifact = try directory.write("release\n", to: "artifact.txt")

        let server = try await ServeProcess.start(key: directory.file("log.key"), storage: "sqlite:" + directory.file("log.sqlite"))
        defer { server.stop() }
        func append(certificate: String) async -> CLIOutcome {
            await run([
                "log", "append", "--server", server.url, "--artifact", artifact, "--key", directory.file("signer.key"),
                "--certificate", certificate, "--log-key", server.verifierKey,
            ])
        }
        for (name, file, message) in [
            ("another key's certificate (PEM)", otherPEM, "the certificate's public key is not the signing key's"),
            ("another key's certificate (DER)", otherDER, "the certificate's public key is not the signing key's"),
            ("garbage", garbage, "certificate file \(garbage): not a DER X.509 certificate"),
            ("empty", empty, "certificate file \(empty)"),
            ("truncated DER", truncated, "certificate file \(truncated)"),
            ("truncated PEM", pemTruncated, "certificate file \(pemTruncated)"),
            ("a public key PEM", directory.file("signer.pub"), "is not a CERTIFICATE"),
            ("missing", directory.file("absent.pem"), "absent.pem"),
        ] {
            let outcome = await append(certificate: file)
            #expect(outcome.status != 0, "\(name): \(outcome.stdout)")
            #expect(outcome.status == 2, "\(name): \(outcome.status) \(outcome.stderr)")
            #expect(outcome.stderr.contains(message), "\(name): \(outcome.stderr)")
            #expect(!outcome.stdout.contains("appended"), "\(name): \(outcome.stdout)")
        }
        // Nothing was logged: the signer's own certificate makes entry 0.
        let good = await append(certificate: ownPEM)
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("appended entry 0"), "\(good.stdout)")
    }
}

/// Runs blocking work (a child process run to completion) on a thread of its own, off the
/// concurrency pool (`Process.waitUntilExit` spins a run loop).
private func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}
