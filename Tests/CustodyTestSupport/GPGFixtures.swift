import Foundation

/// OpenPGP "simple signing" fixtures built by `Scripts/make-gpg-fixtures.sh` (GnuPG 2.2 + skopeo).
///
/// Like ``Fixtures``, the script runs at most ONCE per test process, into a fresh temporary
/// directory, the first time any test asks for it; later calls (from any thread) get the same
/// directory. The comment block at the top of the script lists every key and message, and the
/// script writes `README.txt` there with what gpg and skopeo say about each message. Keys are
/// random on every run: read fingerprints with ``fingerprint(_:)``, never hard-code them.
/// The directory is removed when the process exits, unless `CUSTODY_KEEP_FIXTURES=1` is set (its
/// path is then printed to stderr).
///
/// Key names: `rsa`, `ed25519`, `rsa-pass`, `ed25519-pass` (passphrase ``passphrase``), `p256`,
/// `p384`, `subkey` (cert-only primary + signing subkey), `expired`, `revoked`, `other`.
public enum GPGFixtures {
    /// The path of the fixture-building script.
    public static var scriptPath: String { Fixtures.repositoryRoot + "/Scripts/make-gpg-fixtures.sh" }

    /// The passphrase of the `-pass` keys.
    public static let passphrase = "custody-test"

    /// The Docker reference every fixture claim names (except `wrong-identity.sig`'s).
    public static let reference = "docker.io/library/busybox:latest"

    /// The directory holding every GPG fixture; builds them on first use.
    /// Throws (every time it is called) if building them failed, with the script's output.
    public static func directory() throws -> String {
        try built.get()
    }

    /// The absolute path of a file in the fixture directory, e.g. `try GPGFixtures.path("claim.json")`.
    public static func path(_ relative: String) throws -> String {
        try directory() + "/" + relative
    }

    /// `messages/<name>`, e.g. `try GPGFixtures.message("rsa.sig")`.
    public static func message(_ name: String) throws -> String {
        try path("messages/" + name)
    }

    /// The public key of `key`: `keys/<key>.pub.asc` (armored) or `keys/<key>.pub.gpg` (binary).
    public static func publicKey(_ key: String, armored: Bool = true) throws -> String {
        try path("keys/\(key).pub.\(armored ? "asc" : "gpg")")
    }

    /// The armored secret key of `key`: `keys/<key>.sec.asc`.
    public static func secretKey(_ key: String) throws -> String {
        try path("keys/\(key).sec.asc")
    }

    /// `keys/passphrase.txt`: ``passphrase`` with no trailing newline.
    public static func passphraseFile() throws -> String {
        try path("keys/passphrase.txt")
    }

    /// The primary-key fingerprint of `key` (40 uppercase hex digits), from `keys/<key>.fpr`.
    public static func fingerprint(_ key: String) throws -> String {
        let value = try text("keys/\(key).fpr")
        guard value.count == 40, value.allSatisfy({ $0.isHexDigit && !$0.isLowercase }) else {
            throw TestSupportError("keys/\(key).fpr does not hold a 40-digit uppercase fingerprint: \(value)")
        }
        return value
    }

    /// The fingerprint of the `subkey` key's signing subkey, from `keys/subkey.subkey.fpr`.
    public static func subkeyFingerprint() throws -> String {
        try fingerprint("subkey.subkey")
    }

    /// `manifest.json`, the manifest the fixture claims sign.
    public static func manifestPath() throws -> String {
        try path("manifest.json")
    }

    /// The digest of `manifest.json` (`sha256:<hex>`).
    public static func manifestDigest() throws -> String {
        try text("manifest.digest")
    }

    /// The exact claim bytes signed in the fixture messages (`claim.json`).
    public static func claim() throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: path("claim.json")))
    }

    /// The identity `skopeo copy --sign-by` wrote into `skopeo-signed-*/signature-1`.
    public static func skopeoSignedIdentity() throws -> String {
        try text("skopeo-signed.identity")
    }

    /// The keyring the script used (every key, public and secret; `revoked` is revoked). Prefer
    /// ``makeKeyring(importing:)`` in tests: it holds only what the test trusts.
    public static func gnupgHome() throws -> String {
        try path("gnupghome")
    }

    /// The contents of a fixture text file, without surrounding whitespace.
    public static func text(_ relative: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: path(relative)))
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A fresh, empty GNUPGHOME with the public keys of `keys` imported (armored exports).
    /// Call ``GPGKeyring/remove()`` when done.
    public static func makeKeyring(importing keys: [String]) throws -> GPGKeyring {
        let keyring = try GPGKeyring.create()
        do {
            for key in keys {
                let result = try keyring.gpg(["--import", publicKey(key)])
                guard result.status == 0 else {
                    throw TestSupportError("gpg --import of \(key) failed: \(result)")
                }
            }
        } catch {
            keyring.remove()
            throw error
        }
        return keyring
    }

    // Swift runs a static `let` initialiser exactly once, lazily and thread-safely (swift_once).
    private static let built: Result<String, any Error> = Result { try build() }

    private static func build() throws -> String {
        let fileManager = FileManager.default
        guard fileManager.fileExists(atPath: scriptPath) else {
            throw TestSupportError("GPG fixture script not found at \(scriptPath)")
        }
        // Short name: gpg-agent puts its sockets in GNUPGHOME (OUTPUT/gnupghome) when
        // /run/user/UID does not exist, and a Unix socket path must stay under 108 bytes.
        let output = fileManager.temporaryDirectory
            .appendingPathComponent("custody-gpg-\(UUID().uuidString.prefix(8))", isDirectory: true)
            .path
        let result = try runProcess("bash", [scriptPath, output])
        guard result.status == 0 else {
            try? fileManager.removeItem(atPath: output)
            throw TestSupportError("""
                Scripts/make-gpg-fixtures.sh failed (status \(result.status)); are gpg (GnuPG 2.2), \
                skopeo, umoci and python3 installed? (bash Scripts/test.sh installs them)
                --- stderr ---
                \(result.stderrText)
                --- stdout ---
                \(result.stdoutText)
                """)
        }
        if ProcessInfo.processInfo.environment["CUSTODY_KEEP_FIXTURES"] == "1" {
            FileHandle.standardError.write(Data("custody GPG test fixtures kept in \(output)\n".utf8))
        } else {
            atexit {
                if case .success(let directory) = GPGFixtures.built {
                    try? FileManager.default.removeItem(atPath: directory)
                }
            }
        }
        return output
    }
}

/// A throwaway GNUPGHOME for running gpg and skopeo against a chosen set of keys.
public struct GPGKeyring: Sendable {
    /// The GNUPGHOME directory (mode 700).
    public let home: String

    /// The environment to pass to `runProcess` so gpg, gpgme and skopeo use this keyring.
    public var environment: [String: String] { ["GNUPGHOME": home] }

    static func create() throws -> GPGKeyring {
        let home = FileManager.default.temporaryDirectory
            .appendingPathComponent("custody-gh-\(UUID().uuidString.prefix(8))", isDirectory: true)
            .path
        try FileManager.default.createDirectory(
            atPath: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]
        )
        return GPGKeyring(home: home)
    }

    /// Runs `gpg --batch --no-tty ARGUMENTS` with this keyring.
    public func gpg(_ arguments: [String]) throws -> ProcessResult {
        try runProcess("gpg", ["--batch", "--no-tty"] + arguments, environment: environment)
    }

    /// Runs `skopeo ARGUMENTS` with this keyring.
    public func skopeo(_ arguments: [String]) throws -> ProcessResult {
        try runProcess("skopeo", arguments, environment: environment)
    }

    /// Stops any gpg-agent started for this keyring and deletes it.
    public func remove() {
        _ = try? runProcess("gpgconf", ["--kill", "gpg-agent"], environment: environment)
        try? FileManager.default.removeItem(atPath: home)
    }
}
