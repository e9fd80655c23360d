import CustodyTestSupport
import Foundation
import Testing

// Simple-signing interop between the real `custody` binary and the peers, GnuPG 2.2 and
// skopeo 1.9.3, in both directions, on the fixtures of Scripts/make-gpg-fixtures.sh
// (GPGFixtures; see the README.txt it writes for what gpg and skopeo say about each message).
//
// CLI contract under test (skopeo's argument order):
//   custody standalone-verify MANIFEST REFERENCE FINGERPRINT|any SIGNATURE --public-key-file FILE…
//     exit 0, stdout "Signature verified using fingerprint <PRIMARY FPR>, digest <sha256:…>"
//     exit 1, one stderr line "custody: denied: <reason>" when the signature is rejected
//   custody standalone-sign MANIFEST REFERENCE FINGERPRINT --key-file SECRET.asc
//     [--passphrase-file F] -o SIGNATURE
//   custody verify IMAGE --gpg-key FILE --identity REF: "Verified: …" lines, exit 0 / 1

/// A message that custody must accept, and the key that made it.
struct AcceptedMessage: Sendable, CustomTestStringConvertible {
    /// Path relative to the GPG fixture directory.
    let file: String
    /// The key whose PRIMARY fingerprint must be reported.
    let key: String
    /// For messages over another manifest (the skopeo copy image): manifest path relative to the
    /// fixture directory; nil is manifest.json.
    var manifest: String? = nil

    var testDescription: String { "\(file) by \(key)" }
}

private let acceptedMessages: [AcceptedMessage] = [
    // made by skopeo 1.9.3
    AcceptedMessage(file: "messages/skopeo-rsa.sig", key: "rsa"),
    AcceptedMessage(file: "messages/skopeo-ed25519.sig", key: "ed25519"),
    AcceptedMessage(file: "skopeo-signed-rsa/signature-1", key: "rsa", manifest: "skopeo-signed-rsa/manifest.json"),
    AcceptedMessage(file: "skopeo-signed-ed25519/signature-1", key: "ed25519", manifest: "skopeo-signed-ed25519/manifest.json"),
    // made by gpg --sign
    AcceptedMessage(file: "messages/rsa.sig", key: "rsa"),
    AcceptedMessage(file: "messages/ed25519.sig", key: "ed25519"),
    AcceptedMessage(file: "messages/p256.sig", key: "p256"),
    AcceptedMessage(file: "messages/p384.sig", key: "p384"),
    AcceptedMessage(file: "messages/rsa-pass.sig", key: "rsa-pass"),
    AcceptedMessage(file: "messages/ed25519-pass.sig", key: "ed25519-pass"),
    AcceptedMessage(file: "messages/rsa.sha512.sig", key: "rsa"),
    AcceptedMessage(file: "messages/rsa.z0.sig", key: "rsa"),
    AcceptedMessage(file: "messages/rsa.zlib.sig", key: "rsa"),
    AcceptedMessage(file: "messages/rsa.armor.sig", key: "rsa"),
    // signed by a signing subkey bound to a cert-only primary: reported as the PRIMARY
    AcceptedMessage(file: "messages/subkey.sig", key: "subkey"),
]

/// Keys custody signs with in the custody → skopeo/gpg direction.
private let signingKeys = ["rsa", "ed25519", "rsa-pass", "ed25519-pass", "p256", "p384"]

@Suite(
    "simple signing: custody interoperates with gpg and skopeo",
    .enabled(if: PeerTool.availableOrCI("gpg", "skopeo", "umoci", "python3")),
    .timeLimit(.minutes(10))
)
struct SimpleSigningInteropTests {
    // MARK: gpg / skopeo → custody

    @Test("standalone-verify accepts peer-made signatures with the signer's fingerprint", arguments: acceptedMessages)
    func acceptsWithFingerprint(message: AcceptedMessage) throws {
        let fingerprint = try GPGFixtures.fingerprint(message.key)
        let manifest = try GPGFixtures.path(message.manifest ?? "manifest.json")
        let arguments = [
            "standalone-verify", manifest, try reference(message), fingerprint, try GPGFixtures.path(message.file),
            "--public-key-file", try GPGFixtures.publicKey(message.key),
        ]
        let result = try CustodyExecutable.run(arguments)
        #expect(result.status == 0, "custody \(arguments.joined(separator: " ")): \(result)")
        #expect(
            result.stdoutText == "Signature verified using fingerprint \(fingerprint), digest \(try sha256(ofFile: manifest))\n",
            "custody \(arguments.joined(separator: " ")): \(result)"
        )
        #expect(result.stderrText.isEmpty, "\(result)")
    }

    @Test("standalone-verify accepts a lowercase fingerprint and a binary key file", arguments: acceptedMessages)
    func acceptsLowercaseFingerprintAndBinaryKey(message: AcceptedMessage) throws {
        let fingerprint = try GPGFixtures.fingerprint(message.key)
        let manifest = try GPGFixtures.path(message.manifest ?? "manifest.json")
        let arguments = [
            "standalone-verify", manifest, try reference(message), fingerprint.lowercased(),
            try GPGFixtures.path(message.file),
            "--public-key-file", try GPGFixtures.publicKey(message.key, armored: false),
        ]
        let result = try CustodyExecutable.run(arguments)
        #expect(result.status == 0, "custody \(arguments.joined(separator: " ")): \(result)")
        #expect(result.stdoutText.contains("fingerprint \(fingerprint),"), "primary fingerprint in uppercase: \(result)")
    }

    @Test("standalone-verify with `any` accepts peer-made signatures and names the signer", arguments: acceptedMessages)
    func acceptsWithAny(message: AcceptedMessage) throws {
        let fingerprint = try GPGFixtures.fingerprint(message.key)
        let manifest = try GPGFixtures.path(message.manifest ?? "manifest.json")
        // Several key files: `any` accepts any key in them; the reported key is the signer.
        let arguments = [
            "standalone-verify", manifest, try reference(message), "any", try GPGFixtures.path(message.file),
            "--public-key-file", try GPGFixtures.publicKey("other"),
            "--public-key-file", try GPGFixtures.publicKey(message.key),
        ]
        let result = try CustodyExecutable.run(arguments)
        #expect(result.status == 0, "custody \(arguments.joined(separator: " ")): \(result)")
        #expect(
            result.stdoutText == "Signature verified using fingerprint \(fingerprint), digest \(try sha256(ofFile: manifest))\n",
            "custody \(arguments.joined(separator: " ")): \(result)"
        )
    }

    @Test("standalone-verify denies peer-made signatures when another key's fingerprint is expected", arguments: acceptedMessages)
    func deniesWithAnotherFingerprint(message: AcceptedMessage) throws {
        let manifest = try GPGFixtures.path(message.manifest ?? "manifest.json")
        // The signer's key is supplied, but the caller expects `other`.
        let arguments = [
            "standalone-verify", manifest, try reference(message), try GPGFixtures.fingerprint("other"),
            try GPGFixtures.path(message.file),
            "--public-key-file", try GPGFixtures.publicKey(message.key),
            "--public-key-file", try GPGFixtures.publicKey("other"),
        ]
        let result = try CustodyExecutable.run(arguments)
        #expect(result.status == 1, "custody \(arguments.joined(separator: " ")): \(result)")
        #expect(result.stdoutText.isEmpty, "\(result)")
        #expect(result.stderrText.hasPrefix("custody: denied: "), "\(result)")
    }

    @Test("the subkey fixture really is a subkey signature (skopeo 1.9.3 rejects it with the primary)")
    func subkeyFixtureIsWhatItClaims() throws {
        let primary = try GPGFixtures.fingerprint("subkey")
        let subkey = try GPGFixtures.subkeyFingerprint()
        #expect(primary != subkey)
        let keyring = try GPGFixtures.makeKeyring(importing: ["subkey"])
        defer { keyring.remove() }
        let verify = try keyring.gpg(["--status-fd", "1", "--verify", try GPGFixtures.message("subkey.sig")])
        #expect(verify.status == 0, "\(verify)")
        // VALIDSIG <signing key fpr> … <primary fpr>
        let validsig = verify.stdoutText.split(separator: "\n").first { $0.hasPrefix("[GNUPG:] VALIDSIG ") }
        let fields = try #require(validsig, "\(verify)").split(separator: " ").map(String.init)
        #expect(fields[2] == subkey && fields.last == primary, "\(verify)")

        let skopeo = try keyring.skopeo([
            "standalone-verify", try GPGFixtures.manifestPath(), GPGFixtures.reference, primary,
            try GPGFixtures.message("subkey.sig"),
        ])
        #expect(skopeo.status != 0, "skopeo 1.9.3 was expected to reject a subkey signature for the primary: \(skopeo)")
    }

    @Test("standalone-verify also accepts the signing subkey's own fingerprint, as skopeo does")
    func subkeyOwnFingerprint() throws {
        let subkey = try GPGFixtures.subkeyFingerprint()
        let arguments = [
            "standalone-verify", try GPGFixtures.manifestPath(), GPGFixtures.reference, subkey,
            try GPGFixtures.message("subkey.sig"), "--public-key-file", try GPGFixtures.publicKey("subkey"),
        ]
        let result = try CustodyExecutable.run(arguments)
        #expect(result.status == 0, "custody \(arguments.joined(separator: " ")): \(result)")
        // The report names the primary key, which is what policies trust.
        #expect(result.stdoutText.contains(try GPGFixtures.fingerprint("subkey")), "\(result)")
    }

    // MARK: custody → gpg / skopeo

    @Test("standalone-sign: skopeo and gpg verify custody's signatures; the claim is c/image's", arguments: signingKeys)
    func custodySignaturesVerifyInPeers(key: String) throws {
        let fingerprint = try GPGFixtures.fingerprint(key)
        let manifest = try GPGFixtures.manifestPath()
        let digest = try GPGFixtures.manifestDigest()
        let work = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let signature = work + "/signature"

        var arguments = [
            "standalone-sign", manifest, GPGFixtures.reference, fingerprint,
            "--key-file", try GPGFixtures.secretKey(key), "-o", signature,
        ]
        if key.hasSuffix("-pass") {
            arguments += ["--passphrase-file", try GPGFixtures.passphraseFile()]
        }
        let before = Int(Date().timeIntervalSince1970)
        let sign = try CustodyExecutable.run(arguments)
        let after = Int(Date().timeIntervalSince1970)
        try #require(sign.status == 0, "custody \(arguments.joined(separator: " ")): \(sign)")
        let blob = try Data(contentsOf: URL(fileURLWithPath: signature))
        try #require(!blob.isEmpty)

        let keyring = try GPGFixtures.makeKeyring(importing: [key])
        defer { keyring.remove() }

        // Binary message, compressed-data packet first (tag 8, old or new format header).
        let first = blob[blob.startIndex]
        #expect(first == 0xA0 || first == 0xA1 || first == 0xA2 || first == 0xA3 || first == 0xC8,
                "first byte 0x\(String(first, radix: 16)) is not a compressed-data packet header")

        // Packet layout, as gpg sees it: ZIP[one-pass, literal 'b', signature].
        let packets = try keyring.gpg(["--list-packets", signature])
        #expect(packets.status == 0, "gpg --list-packets: \(packets)")
        let listing = packets.stdoutText
        #expect(listing.contains(":compressed packet: algo=1"), "expected ZIP compression:\n\(listing)")
        #expect(count(":onepass_sig packet:", in: listing) == 1, "\(listing)")
        #expect(count(":literal data packet:", in: listing) == 1, "\(listing)")
        #expect(count(":signature packet:", in: listing) == 1, "\(listing)")
        #expect(listing.contains("mode b "), "literal data should be binary ('b'):\n\(listing)")
        #expect(listing.contains("sigclass 0x00"), "signature class should be 0x00 (binary document):\n\(listing)")
        if let onePass = listing.range(of: ":onepass_sig packet:"),
           let literal = listing.range(of: ":literal data packet:"),
           let sig = listing.range(of: ":signature packet:") {
            #expect(onePass.lowerBound < literal.lowerBound && literal.lowerBound < sig.lowerBound,
                    "order must be one-pass, literal, signature:\n\(listing)")
        }

        // skopeo 1.9.3 (GPGME) accepts it.
        let skopeo = try keyring.skopeo(["standalone-verify", manifest, GPGFixtures.reference, fingerprint, signature])
        #expect(skopeo.status == 0, "skopeo standalone-verify of custody's \(key) signature: \(skopeo)")
        #expect(skopeo.stdoutText.contains("Signature verified"), "\(skopeo)")
        #expect(skopeo.stdoutText.contains(digest), "\(skopeo)")

        // gpg --verify: a good signature by the expected primary key.
        let verify = try keyring.gpg(["--status-fd", "1", "--verify", signature])
        #expect(verify.status == 0, "gpg --verify of custody's \(key) signature: \(verify)")
        #expect(verify.stdoutText.contains("[GNUPG:] GOODSIG "), "\(verify)")
        #expect(verify.stdoutText.contains("[GNUPG:] VALIDSIG \(fingerprint) "), "\(verify)")

        // gpg --decrypt: the payload is the claim, byte for byte as c/image writes it.
        let decrypt = try keyring.gpg(["--decrypt", signature])
        #expect(decrypt.status == 0, "gpg --decrypt: \(decrypt)")
        let payload = decrypt.stdout
        let claim = try jsonObject(payload)
        #expect(Set(claim.keys) == ["critical", "optional"], "\(decrypt.stdoutText)")
        let critical = try #require(claim["critical"] as? [String: Any], "\(decrypt.stdoutText)")
        #expect(critical["type"] as? String == "atomic container signature")
        #expect((critical["identity"] as? [String: Any])?["docker-reference"] as? String == GPGFixtures.reference)
        #expect((critical["image"] as? [String: Any])?["docker-manifest-digest"] as? String == digest)
        let optional = try #require(claim["optional"] as? [String: Any], "\(decrypt.stdoutText)")
        let creator = try #require(optional["creator"] as? String, "optional.creator must be a string: \(decrypt.stdoutText)")
        #expect(!creator.isEmpty)
        let timestamp = try #require(plainIntegerTimestamp(in: decrypt.stdoutText), "optional.timestamp must be a plain integer: \(decrypt.stdoutText)")
        #expect(optional["timestamp"] != nil)
        #expect(timestamp >= before - 5 && timestamp <= after + 5, "timestamp \(timestamp) is not the signing time")
        #expect(Set(optional.keys) == ["creator", "timestamp"], "\(decrypt.stdoutText)")
        // Go json.Marshal form: sorted keys, no whitespace, integer timestamp.
        let expected = #"{"critical":{"identity":{"docker-reference":""# + GPGFixtures.reference
            + #""},"image":{"docker-manifest-digest":""# + digest
            + #""},"type":"atomic container signature"},"optional":{"creator":"# + goJSONString(creator)
            + #","timestamp":"# + String(timestamp) + "}}"
        #expect(decrypt.stdoutText == expected, "payload is not in c/image's exact form")

        // And custody reads its own signature back.
        let roundTrip = try CustodyExecutable.run([
            "standalone-verify", manifest, GPGFixtures.reference, fingerprint, signature,
            "--public-key-file", try GPGFixtures.publicKey(key),
        ])
        #expect(roundTrip.status == 0, "\(roundTrip)")
        #expect(roundTrip.stdoutText == "Signature verified using fingerprint \(fingerprint), digest \(digest)\n", "\(roundTrip)")
    }

    @Test("standalone-sign: a protected key without its passphrase is refused, and nothing is written")
    func protectedKeyNeedsPassphrase() throws {
        let work = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let signature = work + "/signature"
        let result = try CustodyExecutable.run([
            "standalone-sign", try GPGFixtures.manifestPath(), GPGFixtures.reference,
            try GPGFixtures.fingerprint("rsa-pass"), "--key-file", try GPGFixtures.secretKey("rsa-pass"),
            "-o", signature,
        ])
        #expect(result.status != 0, "signing with a protected key and no passphrase: \(result)")
        #expect(result.stderrText.hasPrefix("custody: "), "\(result)")
        #expect(!FileManager.default.fileExists(atPath: signature), "a signature file was written anyway")

        // A wrong passphrase is refused too.
        let wrong = work + "/wrong-passphrase"
        try Data("not-the-passphrase".utf8).write(to: URL(fileURLWithPath: wrong))
        let wrongResult = try CustodyExecutable.run([
            "standalone-sign", try GPGFixtures.manifestPath(), GPGFixtures.reference,
            try GPGFixtures.fingerprint("rsa-pass"), "--key-file", try GPGFixtures.secretKey("rsa-pass"),
            "--passphrase-file", wrong, "-o", signature,
        ])
        #expect(wrongResult.status != 0, "signing with a wrong passphrase: \(wrongResult)")
        #expect(!FileManager.default.fileExists(atPath: signature), "a signature file was written anyway")
    }

    // MARK: custody verify on skopeo copy --sign-by output

    @Test("verify accepts the dir: image skopeo copy --sign-by signed, with the identity skopeo wrote")
    func verifySkopeoSignedDirImage() throws {
        let image = "dir:" + (try GPGFixtures.path("skopeo-signed-rsa"))
        let identity = try GPGFixtures.skopeoSignedIdentity()
        let accepted = try CustodyExecutable.run([
            "verify", image, "--gpg-key", try GPGFixtures.publicKey("rsa"), "--identity", identity,
        ])
        #expect(accepted.status == 0, "custody verify \(image) --identity \(identity): \(accepted)")
        #expect(accepted.stdoutText.contains("Verified: "), "\(accepted)")

        let untrusted = try CustodyExecutable.run([
            "verify", image, "--gpg-key", try GPGFixtures.publicKey("other"), "--identity", identity,
        ])
        #expect(untrusted.status == 1, "custody verify with only an unrelated key trusted: \(untrusted)")
    }
}

// MARK: helpers

private func reference(_ message: AcceptedMessage) throws -> String {
    message.manifest == nil ? GPGFixtures.reference : try GPGFixtures.skopeoSignedIdentity()
}

/// `sha256:<hex>` of a file, computed with sha256sum (not custody).
private func sha256(ofFile path: String) throws -> String {
    let result = try runProcess("sha256sum", [path])
    guard result.status == 0, let hex = result.stdoutText.split(separator: " ").first, hex.count == 64 else {
        throw TestSupportError("sha256sum \(path): \(result)")
    }
    return "sha256:" + hex
}

private func jsonObject(_ data: Data) throws -> [String: Any] {
    guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        throw TestSupportError("not a JSON object: \(String(decoding: data, as: UTF8.self))")
    }
    return object
}

/// The value of `"timestamp":` in the raw payload when it is written as a plain JSON integer
/// (digits only, as Go writes an int64); nil for 1.5, 1e3, "1", true or a missing member.
private func plainIntegerTimestamp(in payload: String) -> Int? {
    guard let range = payload.range(of: #""timestamp":"#) else { return nil }
    let rest = payload[range.upperBound...]
    let digits = rest.prefix { $0 == "-" || $0.isASCII && $0.isNumber }
    guard !digits.isEmpty, let next = rest.dropFirst(digits.count).first, next == "," || next == "}" else { return nil }
    return Int(digits)
}

/// A string encoded as Go's encoding/json does (enough for a creator string such as "custody 0.3.0").
private func goJSONString(_ string: String) -> String {
    var out = "\""
    for scalar in string.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "<", ">", "&", "\u{2028}", "\u{2029}":
            out += String(format: "\\u%04x", scalar.value)
        default:
            if scalar.value < 0x20 {
                out += String(format: "\\u%04x", scalar.value)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

private func count(_ needle: String, in haystack: String) -> Int {
    haystack.components(separatedBy: needle).count - 1
}

private func temporaryDirectory() -> String {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("custody-sstest-\(UUID().uuidString)", isDirectory: true).path
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
