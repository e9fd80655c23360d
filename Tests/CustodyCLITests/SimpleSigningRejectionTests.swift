import CustodyTestSupport
import Foundation
import Testing

// `custody standalone-verify` on every bad message of Scripts/make-gpg-fixtures.sh (GPGFixtures):
// each is denied (exit 1) with ONE stderr line "custody: denied: <reason>", the reason names what
// is wrong, and different faults give different reasons. skopeo 1.9.3 is run on the same inputs
// to show the fixtures are what they claim (and where custody is deliberately stricter).
//
//   custody standalone-verify MANIFEST REFERENCE FINGERPRINT|any SIGNATURE --public-key-file FILE…
//   exit 1 denied; 2 unreadable input ("custody: error: …"); 64 usage

/// One message custody must deny.
struct RejectedMessage: Sendable, CustomTestStringConvertible {
    /// File under messages/.
    let file: String
    /// Public keys handed to custody (and imported for skopeo).
    let keys: [String]
    /// The key whose fingerprint is expected; nil means `any`.
    let expected: String?
    /// The reason must contain one of these (case-insensitive).
    let keywords: [String]
    /// Faults that cannot be told apart share a class; reasons must differ between classes.
    let fault: String
    /// What skopeo 1.9.3 does with the same inputs (nil: not comparable, e.g. `any`).
    let skopeoRejects: Bool?

    var testDescription: String { "\(file) → \(keywords.joined(separator: " | "))" }
}

private let rejectedMessages: [RejectedMessage] = [
    RejectedMessage(file: "other.sig", keys: ["rsa"], expected: "rsa", keywords: ["not trusted"],
                    fault: "untrusted", skopeoRejects: true),
    RejectedMessage(file: "other.sig", keys: ["rsa"], expected: nil, keywords: ["not trusted"],
                    fault: "untrusted", skopeoRejects: nil),
    RejectedMessage(file: "tampered-payload.sig", keys: ["rsa"], expected: "rsa", keywords: ["does not verify"],
                    fault: "bad signature", skopeoRejects: true),
    RejectedMessage(file: "tampered-signature.sig", keys: ["rsa"], expected: "rsa",
                    keywords: ["does not verify", "malformed"], fault: "bad signature", skopeoRejects: true),
    RejectedMessage(file: "truncated.sig", keys: ["rsa"], expected: "rsa", keywords: ["malformed"],
                    fault: "malformed", skopeoRejects: true),
    RejectedMessage(file: "garbage.sig", keys: ["rsa"], expected: "rsa", keywords: ["malformed", "not an OpenPGP"],
                    fault: "malformed", skopeoRejects: true),
    RejectedMessage(file: "rsa.detached.sig", keys: ["rsa"], expected: "rsa", keywords: ["detached"],
                    fault: "detached", skopeoRejects: true),
    RejectedMessage(file: "unsigned.sig", keys: ["rsa"], expected: "rsa", keywords: ["not signed"],
                    fault: "unsigned", skopeoRejects: true),
    RejectedMessage(file: "two.sig", keys: ["rsa", "ed25519"], expected: "rsa", keywords: ["exactly one"],
                    fault: "two signatures", skopeoRejects: true),
    RejectedMessage(file: "sigexpired.sig", keys: ["rsa"], expected: "rsa", keywords: ["signature expired"],
                    fault: "signature expired", skopeoRejects: true),
    RejectedMessage(file: "expired-key.sig", keys: ["expired"], expected: "expired", keywords: ["key expired"],
                    fault: "key expired", skopeoRejects: true),
    RejectedMessage(file: "revoked.sig", keys: ["revoked"], expected: "revoked", keywords: ["revoked"],
                    fault: "revoked", skopeoRejects: true),
    // custody is stricter than skopeo 1.9.3 on these two: skopeo accepts them.
    RejectedMessage(file: "rsa.sha1.sig", keys: ["rsa"], expected: "rsa", keywords: ["SHA-1"],
                    fault: "sha1", skopeoRejects: false),
    RejectedMessage(file: "rsa.clearsign.sig", keys: ["rsa"], expected: "rsa", keywords: ["cleartext"],
                    fault: "cleartext", skopeoRejects: false),
    RejectedMessage(file: "replayed.sig", keys: ["rsa"], expected: "rsa", keywords: ["digest"],
                    fault: "digest", skopeoRejects: true),
    RejectedMessage(file: "wrong-identity.sig", keys: ["rsa"], expected: "rsa", keywords: ["identity"],
                    fault: "identity", skopeoRejects: true),
]

@Suite(
    "simple signing: custody denies bad signatures with distinct reasons",
    .enabled(if: PeerTool.availableOrCI("gpg", "skopeo", "umoci", "python3")),
    .timeLimit(.minutes(10))
)
struct SimpleSigningRejectionTests {
    @Test("standalone-verify denies with exit 1, one line, and the reason", arguments: rejectedMessages)
    func denies(message: RejectedMessage) throws {
        let (arguments, result) = try verify(message)
        let command = "custody " + arguments.joined(separator: " ")
        #expect(result.status == 1, "\(command): \(result)")
        #expect(result.stdoutText.isEmpty, "\(command): \(result)")
        let reason = try deniedReason(result, command: command)
        #expect(
            message.keywords.contains { reason.localizedCaseInsensitiveContains($0) },
            "\(command): reason \"\(reason)\" should contain \(message.keywords.map { "\"\($0)\"" }.joined(separator: " or "))"
        )
    }

    @Test("different faults give different reasons")
    func reasonsAreDistinct() throws {
        var reasons: [(message: RejectedMessage, normalized: String, raw: String)] = []
        for message in rejectedMessages {
            let (arguments, result) = try verify(message)
            guard result.status == 1 else {
                Issue.record("custody \(arguments.joined(separator: " ")) was not denied: \(result)")
                continue
            }
            let reason = try deniedReason(result, command: "custody " + arguments.joined(separator: " "))
            reasons.append((message, try normalize(reason, signature: GPGFixtures.message(message.file)), reason))
        }
        var faults = Set<String>()
        for (index, first) in reasons.enumerated() {
            faults.insert(first.message.fault)
            for second in reasons[(index + 1)...] where first.message.fault != second.message.fault {
                #expect(
                    first.normalized != second.normalized,
                    """
                    \(first.message.file) (\(first.message.fault)) and \(second.message.file) (\(second.message.fault)) \
                    get the same reason: "\(first.raw)" / "\(second.raw)"
                    """
                )
            }
        }
        #expect(faults.count >= 13, "only \(faults.count) distinct faults were denied")
    }

    @Test("skopeo 1.9.3 agrees the fixtures are bad (except SHA-1 and cleartext, which it accepts)", arguments: rejectedMessages.filter { $0.skopeoRejects != nil })
    func skopeoOnTheSameMessages(message: RejectedMessage) throws {
        let keyring = try GPGFixtures.makeKeyring(importing: message.keys)
        defer { keyring.remove() }
        let expected = try GPGFixtures.fingerprint(try #require(message.expected))
        let result = try keyring.skopeo([
            "standalone-verify", try GPGFixtures.manifestPath(), GPGFixtures.reference, expected,
            try GPGFixtures.message(message.file),
        ])
        if message.skopeoRejects == true {
            #expect(result.status != 0, "skopeo accepted \(message.file): \(result)")
        } else {
            #expect(result.status == 0, "skopeo 1.9.3 was recorded as accepting \(message.file): \(result)")
        }
    }

    @Test("BZIP2-compressed messages are verified or denied cleanly (\"compression\"), never a crash")
    func bzip2() throws {
        let fingerprint = try GPGFixtures.fingerprint("rsa")
        let arguments = [
            "standalone-verify", try GPGFixtures.manifestPath(), GPGFixtures.reference, fingerprint,
            try GPGFixtures.message("rsa.bzip2.sig"), "--public-key-file", try GPGFixtures.publicKey("rsa"),
        ]
        let result = try CustodyExecutable.run(arguments)
        let command = "custody " + arguments.joined(separator: " ")
        switch result.status {
        case 0:
            let digest = try GPGFixtures.manifestDigest()
            #expect(result.stdoutText == "Signature verified using fingerprint \(fingerprint), digest \(digest)\n", "\(command): \(result)")
        case 1:
            let reason = try deniedReason(result, command: command)
            #expect(reason.localizedCaseInsensitiveContains("compression"), "\(command): \(result)")
            // A BZIP2 denial is its own reason, not one of the others.
            for message in rejectedMessages {
                let (_, other) = try verify(message)
                if other.status == 1, let otherReason = try? deniedReason(other, command: "") {
                    #expect(
                        try normalize(otherReason, signature: GPGFixtures.message(message.file))
                            != normalize(reason, signature: GPGFixtures.message("rsa.bzip2.sig")),
                        "rsa.bzip2.sig and \(message.file) get the same reason: \(reason)"
                    )
                }
            }
        default:
            Issue.record("\(command): expected exit 0 or 1, got \(result)")
        }
    }

    @Test("unreadable inputs are exit 2 (custody: error:), not denials")
    func unreadableInputs() throws {
        let manifest = try GPGFixtures.manifestPath()
        let signature = try GPGFixtures.message("rsa.sig")
        let key = try GPGFixtures.publicKey("rsa")
        let fingerprint = try GPGFixtures.fingerprint("rsa")
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("custody-missing-\(UUID().uuidString)").path
        let cases: [(String, [String])] = [
            ("missing signature", [manifest, GPGFixtures.reference, fingerprint, missing, "--public-key-file", key]),
            ("missing manifest", [missing, GPGFixtures.reference, fingerprint, signature, "--public-key-file", key]),
            ("missing key file", [manifest, GPGFixtures.reference, fingerprint, signature, "--public-key-file", missing]),
        ]
        for (name, arguments) in cases {
            let result = try CustodyExecutable.run(["standalone-verify"] + arguments)
            #expect(result.status == 2, "\(name): \(result)")
            #expect(result.stderrText.hasPrefix("custody: error: "), "\(name): \(result)")
            #expect(result.stdoutText.isEmpty, "\(name): \(result)")
        }
    }

    @Test("usage errors are exit 64")
    func usageErrors() throws {
        let manifest = try GPGFixtures.manifestPath()
        let signature = try GPGFixtures.message("rsa.sig")
        let key = try GPGFixtures.publicKey("rsa")
        let cases: [[String]] = [
            ["standalone-verify"],
            ["standalone-verify", manifest, GPGFixtures.reference, "any"],
            ["standalone-verify", manifest, GPGFixtures.reference, "any", signature, "--public-key-file", key, "--bogus"],
            ["standalone-sign", manifest, GPGFixtures.reference],
        ]
        for arguments in cases {
            let result = try CustodyExecutable.run(arguments)
            #expect(result.status == 64, "custody \(arguments.joined(separator: " ")): \(result)")
        }
    }
}

// MARK: helpers

/// Runs `custody standalone-verify` on `message` as its fields describe.
private func verify(_ message: RejectedMessage) throws -> ([String], ProcessResult) {
    var arguments = [
        "standalone-verify", try GPGFixtures.manifestPath(), GPGFixtures.reference,
        try message.expected.map(GPGFixtures.fingerprint) ?? "any", try GPGFixtures.message(message.file),
    ]
    for key in message.keys {
        arguments += ["--public-key-file", try GPGFixtures.publicKey(key)]
    }
    return (arguments, try CustodyExecutable.run(arguments))
}

/// The reason of a denial: stderr must be exactly one line "custody: denied: <reason>".
private func deniedReason(_ result: ProcessResult, command: String) throws -> String {
    let prefix = "custody: denied: "
    let text = result.stderrText
    try #require(text.hasPrefix(prefix), "\(command): stderr should start with \"\(prefix)\": \(result)")
    try #require(text.hasSuffix("\n") && text.dropLast().firstIndex(of: "\n") == nil,
                 "\(command): stderr should be exactly one line: \(result)")
    return String(text.dropFirst(prefix.count).dropLast())
}

/// A reason with the parts that vary per input removed (the signature's path, fingerprints and
/// key IDs, digests, numbers), so two reasons compare equal only when they say the same thing.
private func normalize(_ reason: String, signature: String) throws -> String {
    var text = reason.replacingOccurrences(of: signature, with: "<file>")
    text = text.replacingOccurrences(of: (signature as NSString).lastPathComponent, with: "<file>")
    let patterns = [
        ("sha(256|384|512):[0-9a-fA-F]+", "<digest>"),
        ("[0-9a-fA-F]{16,}", "<hex>"),
        ("[0-9]+", "0"),
    ]
    for (pattern, replacement) in patterns {
        let regex = try NSRegularExpression(pattern: pattern)
        text = regex.stringByReplacingMatches(
            in: text, range: NSRange(text.startIndex..., in: text), withTemplate: replacement
        )
    }
    return text.lowercased()
}
