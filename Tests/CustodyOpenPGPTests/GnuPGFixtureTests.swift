// Messages and keys made by GnuPG 2.2 and skopeo (`GPGFixtures`, Scripts/make-gpg-fixtures.sh),
// verified with the library: every message shape gpg writes, SHA-1, BZip2, cleartext, detached,
// expired and revoked keys (with `now:` before and after), subkeys, and GnuPG's secret key exports.
// The fixtures' keys are random on every run, so fingerprints are read from the fixture directory.

import CustodyOpenPGP
import CustodyTestSupport
import Foundation
import Testing

/// One GnuPG-made message and what `OpenPGPMessage.verify` must answer (now = the real clock).
struct GnuPGMessageCase: Sendable, CustomTestStringConvertible {
    let file: String
    /// The key whose primary fingerprint must be the signer, or nil when the message is refused.
    let signer: String?
    let code: OpenPGPError.Code?
    var testDescription: String { "\(file) → \(signer.map { "signed by \($0)" } ?? code!.rawValue)" }

    static func accepted(_ file: String, by key: String) -> GnuPGMessageCase { GnuPGMessageCase(file: file, signer: key, code: nil) }
    static func rejected(_ file: String, _ code: OpenPGPError.Code) -> GnuPGMessageCase { GnuPGMessageCase(file: file, signer: nil, code: code) }
}

@Suite("GnuPG-made messages and keys", .enabled(if: PeerTool.availableOrCI("gpg", "skopeo", "python3")))
struct GnuPGFixtureTests {
    /// Every fixture key except `other`, which stays untrusted.
    static let trustedKeys = ["rsa", "ed25519", "rsa-pass", "ed25519-pass", "p256", "p384", "subkey", "expired", "revoked"]

    static func keyring(_ names: [String] = trustedKeys, armored: Bool = true) throws -> OpenPGPKeyring {
        var keyring = OpenPGPKeyring()
        for name in names {
            keyring.add(try OpenPGPKeyring(bytes: [UInt8](Data(contentsOf: URL(fileURLWithPath: GPGFixtures.publicKey(name, armored: armored))))))
        }
        return keyring
    }

    static func message(_ name: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: URL(fileURLWithPath: GPGFixtures.message(name))))
    }

    static let cases: [GnuPGMessageCase] = [
        .accepted("rsa.sig", by: "rsa"), .accepted("ed25519.sig", by: "ed25519"),
        .accepted("p256.sig", by: "p256"), .accepted("p384.sig", by: "p384"),
        .accepted("rsa-pass.sig", by: "rsa-pass"), .accepted("ed25519-pass.sig", by: "ed25519-pass"),
        .accepted("subkey.sig", by: "subkey"),
        .accepted("rsa.z0.sig", by: "rsa"), .accepted("rsa.zlib.sig", by: "rsa"),
        .accepted("rsa.sha512.sig", by: "rsa"), .accepted("rsa.armor.sig", by: "rsa"),
        .accepted("skopeo-rsa.sig", by: "rsa"), .accepted("skopeo-ed25519.sig", by: "ed25519"),
        .accepted("replayed.sig", by: "rsa"), .accepted("wrong-identity.sig", by: "rsa"),
        // Deliberate differences from skopeo/GPGME, which accept these three.
        .rejected("rsa.bzip2.sig", .compression), .rejected("rsa.sha1.sig", .weakHash),
        .rejected("rsa.clearsign.sig", .cleartextSignature),
        .rejected("rsa.detached.sig", .detachedSignature), .rejected("unsigned.sig", .notSigned),
        .rejected("two.sig", .signatureCount), .rejected("sigexpired.sig", .signatureExpired),
        .rejected("expired-key.sig", .keyExpired), .rejected("revoked.sig", .keyRevoked),
        .rejected("other.sig", .untrustedKey),
        .rejected("tampered-payload.sig", .badSignature), .rejected("tampered-signature.sig", .badSignature),
        .rejected("garbage.sig", .malformed),
    ]

    @Test("each message gets the verdict its construction calls for", arguments: cases)
    func verdict(_ row: GnuPGMessageCase) throws {
        let keyring = try Self.keyring()
        let blob = try Self.message(row.file)
        if let signer = row.signer {
            let message = try OpenPGPMessage.verify(blob, keyring: keyring)
            #expect(message.signerFingerprint.description == (try GPGFixtures.fingerprint(signer)))
            let claimFile = row.file == "replayed.sig" ? "claim-replayed.json" : row.file == "wrong-identity.sig" ? "claim-wrong-identity.json" : "claim.json"
            if !row.file.hasPrefix("skopeo-") {
                #expect(try message.payload == [UInt8](Data(contentsOf: URL(fileURLWithPath: GPGFixtures.path(claimFile)))))
            }
        } else if let code = row.code {
            #expect(throws: pgp(code)) { try OpenPGPMessage.verify(blob, keyring: keyring) }
        }
    }

    @Test("binary key exports read the same as armored ones")
    func binaryKeys() throws {
        #expect(try Self.keyring(armored: false).fingerprints == Self.keyring().fingerprints)
        #expect(try Self.keyring().fingerprints.map(\.description) == Self.trustedKeys.map { try GPGFixtures.fingerprint($0) })
    }

    @Test("truncated.sig (half of rsa.sig) is refused as malformed or undecompressable")
    func truncated() throws {
        do {
            _ = try OpenPGPMessage.verify(Self.message("truncated.sig"), keyring: Self.keyring())
            Issue.record("truncated.sig verified")
        } catch let error as OpenPGPError {
            #expect(error.code == .malformed || error.code == .compression)
        }
    }

    @Test("a subkey signature names the primary as signer and the subkey as signing key")
    func subkey() throws {
        let message = try OpenPGPMessage.verify(Self.message("subkey.sig"), keyring: Self.keyring(["subkey"]))
        #expect(message.signerFingerprint.description == (try GPGFixtures.fingerprint("subkey")))
        #expect(message.signingKeyFingerprint.description == (try GPGFixtures.subkeyFingerprint()))
        #expect(try Self.keyring(["subkey"]).keys.first?.subkeyFingerprints.map(\.description) == [GPGFixtures.subkeyFingerprint()])
    }

    @Test("sigexpired.sig (2020-06-01, expires after one day) verifies within that day only")
    func signatureExpiry() throws {
        let blob = try Self.message("sigexpired.sig"), keyring = try Self.keyring(["rsa"])
        let made = Date(timeIntervalSince1970: 1_590_969_600)  // 2020-06-01T00:00:00Z
        #expect(try OpenPGPMessage.verify(blob, keyring: keyring, now: made.addingTimeInterval(3600)).untrustedCreationTime == made)
        #expect(throws: pgp(.signatureExpired)) { try OpenPGPMessage.verify(blob, keyring: keyring, now: made.addingTimeInterval(86_400)) }
    }

    @Test("expired-key.sig verifies while the key (2020-01-01 + 1 year) is valid, not after")
    func keyExpiry() throws {
        let blob = try Self.message("expired-key.sig"), keyring = try Self.keyring(["expired"])
        let message = try OpenPGPMessage.verify(blob, keyring: keyring, now: Date(timeIntervalSince1970: 1_593_561_600))  // 2020-07-01
        #expect(message.signerFingerprint.description == (try GPGFixtures.fingerprint("expired")))
        #expect(throws: pgp(.keyExpired)) { try OpenPGPMessage.verify(blob, keyring: keyring, now: Date(timeIntervalSince1970: 1_640_995_200)) }  // 2022-01-01
    }

    @Test("a revoked key's signature is refused at any time, also when read from the secret key export")
    func revocation() throws {
        let blob = try Self.message("revoked.sig")
        #expect(throws: pgp(.keyRevoked)) { try OpenPGPMessage.verify(blob, keyring: Self.keyring(["revoked"]), now: Date(timeIntervalSince1970: 1_600_000_000)) }
        #expect(throws: pgp(.keyRevoked)) { try OpenPGPMessage.verify(blob, keyring: Self.keyring(["revoked"], armored: false)) }
        let secret = try OpenPGPKeyring(bytes: [UInt8](Data(contentsOf: URL(fileURLWithPath: GPGFixtures.secretKey("revoked")))))
        #expect(throws: pgp(.keyRevoked)) { try OpenPGPMessage.verify(blob, keyring: secret) }
    }

    @Test("other.sig verifies once `other` is trusted")
    func otherKey() throws {
        let message = try OpenPGPMessage.verify(Self.message("other.sig"), keyring: Self.keyring(["other"]))
        #expect(message.signerFingerprint.description == (try GPGFixtures.fingerprint("other")))
    }

    // MARK: GnuPG secret keys

    @Test("GnuPG's secret key exports sign messages that verify", arguments: ["rsa", "ed25519", "p256", "p384", "subkey"])
    func unprotectedSecretKeys(name: String) throws {
        let secret = try OpenPGPSecretKey(bytes: [UInt8](Data(contentsOf: URL(fileURLWithPath: GPGFixtures.secretKey(name)))), passphrase: nil)
        #expect(secret.fingerprint.description == (try GPGFixtures.fingerprint(name)))
        let claim = [UInt8](try GPGFixtures.claim())
        let message = try OpenPGPMessage.verify(secret.signMessage(claim), keyring: Self.keyring([name]))
        #expect(message.payload == claim)
        #expect(message.signerFingerprint == secret.fingerprint)
        if name == "subkey" { #expect(message.signingKeyFingerprint.description == (try GPGFixtures.subkeyFingerprint())) }
    }

    @Test("GnuPG's protected exports (iterated S2K, AES, SHA-1 check) need the passphrase", arguments: ["rsa-pass", "ed25519-pass"])
    func protectedSecretKeys(name: String) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: GPGFixtures.secretKey(name))))
        let secret = try OpenPGPSecretKey(bytes: bytes, passphrase: Array(GPGFixtures.passphrase.utf8))
        let claim = [UInt8](try GPGFixtures.claim())
        #expect(try OpenPGPMessage.verify(secret.signMessage(claim), keyring: Self.keyring([name])).signerFingerprint == secret.fingerprint)
        #expect(throws: pgp(.passphrase)) { try OpenPGPSecretKey(bytes: bytes, passphrase: nil) }
        #expect(throws: pgp(.passphrase)) { try OpenPGPSecretKey(bytes: bytes, passphrase: Array("custody-tesT".utf8)) }
    }

    // MARK: key shapes GnuPG makes

    /// Makes a key with gpg in a throwaway GNUPGHOME (primary `primary`, optionally `subkey` for
    /// encryption), signs claim.json with the primary, and returns the exported public key, the
    /// message and the fingerprint.
    private func gnupgKey(primary: String, subkey: String? = nil, extra: [String] = []) throws -> (key: [UInt8], message: [UInt8], fingerprint: String) {
        let gpg = try GPGFixtures.makeKeyring(importing: [])
        defer { gpg.remove() }
        let base = ["--pinentry-mode", "loopback", "--passphrase", ""]
        let made = try gpg.gpg(base + extra + ["--quick-gen-key", "Shape Test <shape@custody.test>", primary, "sign", "never"])
        try #require(made.status == 0, "\(made)")
        let listed = try gpg.gpg(["--with-colons", "--list-keys"])
        let fpr = String(try #require(listed.stdoutText.split(separator: "\n").first { $0.hasPrefix("fpr:") }?.split(separator: ":", omittingEmptySubsequences: false)[9]))
        if let subkey {
            let added = try gpg.gpg(base + ["--quick-add-key", fpr, subkey, "encr", "never"])
            try #require(added.status == 0, "\(added)")
        }
        let output = gpg.home + "/claim.sig"
        let signed = try gpg.gpg(base + ["-u", "\(fpr)!", "--output", output, "--sign", try GPGFixtures.path("claim.json")])
        try #require(signed.status == 0, "\(signed)")
        let exported = try gpg.gpg(["--export", fpr])
        try #require(exported.status == 0 && !exported.stdout.isEmpty, "\(exported)")
        return ([UInt8](exported.stdout), [UInt8](try Data(contentsOf: URL(fileURLWithPath: output))), fpr)
    }

    /// `gpg --gen-key` makes a signing primary plus an encryption subkey; with ECC keys that
    /// subkey is ECDH (algorithm 18). Such a key must still verify its primary's signatures
    /// (skopeo/GPGME import it without complaint); an encryption subkey is simply never used.
    @Test("a key with an encryption subkey verifies its primary's signatures", arguments: [
        ("ed25519", "cv25519"), ("rsa3072", "rsa3072"), ("ed25519", "nistp256"),
    ])
    func keyWithEncryptionSubkey(primaryAlgorithm: String, subkeyAlgorithm: String) throws {
        let made = try gnupgKey(primary: primaryAlgorithm, subkey: subkeyAlgorithm)
        let keyring = try OpenPGPKeyring(bytes: made.key)
        #expect(keyring.fingerprints.map(\.description) == [made.fingerprint])
        #expect(try OpenPGPMessage.verify(made.message, keyring: keyring).signerFingerprint.description == made.fingerprint)
    }

    /// Deviation (documented, not a bug): keys whose self-signature uses SHA-1 — GnuPG's default
    /// before 2.1, still found on long-lived keys — have no acceptable self-signature, so Custody
    /// refuses their signatures even when the message itself uses SHA-256. GPGME accepts them.
    @Test("a key whose only self-signature uses SHA-1 cannot verify (.keyNotUsable)")
    func sha1SelfSignature() throws {
        let made = try gnupgKey(primary: "ed25519", extra: ["--cert-digest-algo", "SHA1"])
        let keyring = try OpenPGPKeyring(bytes: made.key)
        #expect(keyring.fingerprints.map(\.description) == [made.fingerprint])
        #expect(throws: pgp(.keyNotUsable)) { try OpenPGPMessage.verify(made.message, keyring: keyring) }
    }
}
