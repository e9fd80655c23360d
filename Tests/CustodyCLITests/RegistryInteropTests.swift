import CustodyTestSupport
import Foundation
import Testing

// Simple signing through a REAL registry (Distribution 2.8, `docker-registry serve` on a free
// 127.0.0.1 port, RegistryServer) in both directions:
//
//   custody → skopeo: the image is pushed with `skopeo copy` (no conversion: the pushed manifest
//     bytes are checked against the local ones), `custody sign` signs the LOCAL dir: copy into a
//     lookaside directory, and `skopeo copy docker://… dir:…` with a policy.json `signedBy` scope
//     for HOST/custody and a registries.d naming that lookaside must accept it on pull, and must
//     reject it with another key, with the signature deleted, and (for an index) with only the
//     index signed.
//   skopeo → custody: `skopeo copy --sign-by FPR` (GnuPG key, temporary GNUPGHOME) pushes and
//     writes the signature through registries.d; `custody verify` reads it back for the local copy
//     of the image with --registries.d or --lookaside.
//
// skopeo 1.9.3 facts these tests rely on (checked by hand on Debian 12; see also
// ../shared/reference/containers-image.md §2.1, §2.2, §3.3, §5.2):
//   - policy.json `docker` scopes are matched against the fully expanded reference, then its
//     namespaces (HOST:PORT/custody/test, HOST:PORT/custody, HOST:PORT, …), so "HOST:PORT/custody"
//     covers every repository under custody/ on that registry, port included.
//   - a signature by a key missing from the policy's keyring fails in GPGME ("Invalid GPG
//     signature: … err:0x9", no public key), not with "is not accepted".
//   - writes go to `lookaside-staging` when set, reads always come from `lookaside`.
//
// Every peer command is isolated from the machine's configuration: skopeo always gets an explicit
// --policy (or --insecure-policy for pushes) and --registries.d; gpg a temporary GNUPGHOME.

@Suite(
    "registry interop: custody and skopeo sign and verify through a real registry",
    .enabled(if: PeerTool.availableOrCI("docker-registry", "skopeo", "gpg", "umoci")),
    .serialized,
    .timeLimit(.minutes(10))
)
struct RegistryInteropTests {
    // MARK: custody signs, skopeo verifies on pull

    @Test("custody signs a single image; skopeo accepts it on pull and rejects another key, another scope, another identity and no signature")
    func custodySignsSkopeoVerifiesSingle() throws {
        let work = try Workspace()
        defer { work.remove() }
        let registry = try RegistryServer()
        defer { registry.stop() }

        let image = try work.copyFixture("dir-single", as: "image")
        let repository = "\(registry.host)/custody/test"
        let identity = repository + ":v1"
        let digest = try manifestDigest(ofFile: image + "/manifest.json")

        // Push; skopeo must not convert the manifest.
        try work.skopeoPush(["dir:\(image)", "docker://\(identity)"])
        try expectPushedUnchanged(identity, localManifest: image + "/manifest.json", work: work)

        // Sign the local copy with custody into a lookaside directory.
        let key = try work.generateKey("signer", algorithm: "ed25519")
        let otherKey = try work.generateKey("other", algorithm: "ed25519")
        let lookaside = work.path("lookaside")
        let signed = try CustodyExecutable.run([
            "sign", "dir:\(image)", "--gpg-key", key + ".sec.asc", "--identity", identity, "--lookaside", lookaside,
        ])
        try #require(signed.status == 0, "custody sign: \(signed)")
        let signature = lookasidePath(lookaside, repository: "custody/test", digest: digest)
        try #require(FileManager.default.fileExists(atPath: signature), "custody sign wrote no \(signature): \(signed)")

        let registriesD = try work.registriesD("rd", host: registry.host, lookaside: lookaside)
        let trusted = try work.policy("policy-signer.json", scope: "\(registry.host)/custody", key: key + ".pub.asc")

        // Accepted.
        let pulled = work.path("pulled")
        let accepted = try work.skopeoPull(policy: trusted, registriesD: registriesD, ["docker://\(identity)", "dir:\(pulled)"])
        #expect(accepted.status == 0, "skopeo pull with custody's signature: \(accepted)")
        if accepted.status == 0 {
            #expect(try fileBytes(pulled + "/manifest.json") == fileBytes(image + "/manifest.json"))
            // skopeo copies the verified signature to the dir: destination unchanged.
            #expect(try fileBytes(pulled + "/signature-1") == fileBytes(signature))
        }

        // Another key: GPGME cannot find the signer's public key in the policy keyring.
        let untrusted = try work.policy("policy-other.json", scope: "\(registry.host)/custody", key: otherKey + ".pub.asc")
        let wrongKey = try work.skopeoPull(policy: untrusted, registriesD: registriesD, ["docker://\(identity)", "dir:\(work.path("pulled-other"))"])
        #expect(wrongKey.status != 0, "skopeo pull with another key trusted: \(wrongKey)")
        #expect(wrongKey.stderrText.contains("Source image rejected: Invalid GPG signature"), "\(wrongKey)")
        #expect(!wrongKey.stderrText.contains("rejected by policy"), "the HOST/custody scope must have matched: \(wrongKey)")

        // A scope for another namespace: the default ("reject") applies instead. This shows the
        // accepted pull above really went through the "HOST/custody" scope.
        let elsewhere = try work.policy("policy-elsewhere.json", scope: "\(registry.host)/elsewhere", key: key + ".pub.asc")
        let otherScope = try work.skopeoPull(policy: elsewhere, registriesD: registriesD, ["docker://\(identity)", "dir:\(work.path("pulled-elsewhere"))"])
        #expect(otherScope.status != 0, "\(otherScope)")
        #expect(otherScope.stderrText.contains("Running image docker://\(identity) is rejected by policy."), "\(otherScope)")

        // A custody signature for another identity (same digest, other tag) is not accepted.
        let wrongLookaside = work.path("lookaside-wrong-identity")
        let wrongSigned = try CustodyExecutable.run([
            "sign", "dir:\(image)", "--gpg-key", key + ".sec.asc", "--identity", repository + ":v2", "--lookaside", wrongLookaside,
        ])
        try #require(wrongSigned.status == 0, "custody sign: \(wrongSigned)")
        let wrongRegistriesD = try work.registriesD("rd-wrong-identity", host: registry.host, lookaside: wrongLookaside)
        let wrongIdentity = try work.skopeoPull(policy: trusted, registriesD: wrongRegistriesD, ["docker://\(identity)", "dir:\(work.path("pulled-wrong-identity"))"])
        #expect(wrongIdentity.status != 0, "\(wrongIdentity)")
        #expect(wrongIdentity.stderrText.contains("Signature for identity \(repository):v2 is not accepted"), "\(wrongIdentity)")

        // No signature.
        try FileManager.default.removeItem(atPath: signature)
        let unsigned = try work.skopeoPull(policy: trusted, registriesD: registriesD, ["docker://\(identity)", "dir:\(work.path("pulled-unsigned"))"])
        #expect(unsigned.status != 0, "\(unsigned)")
        #expect(unsigned.stderrText.contains("A signature was required, but no signature exists"), "\(unsigned)")
    }

    @Test("custody signs an index and every instance; skopeo copy --all accepts it, and rejects it when only the index is signed")
    func custodySignsSkopeoVerifiesIndex() throws {
        let work = try Workspace()
        defer { work.remove() }
        let registry = try RegistryServer()
        defer { registry.stop() }

        let image = try work.copyFixture("dir-multi", as: "image")
        let repository = "\(registry.host)/custody/multi"
        let identity = repository + ":v1"
        let indexDigest = try manifestDigest(ofFile: image + "/manifest.json")
        let instances = try instanceDigests(ofIndex: image + "/manifest.json")
        try #require(instances.count == 2, "dir-multi should list two platforms")

        try work.skopeoPush(["--all", "dir:\(image)", "docker://\(identity)"])
        try expectPushedUnchanged(identity, localManifest: image + "/manifest.json", work: work)
        for instance in instances {
            try expectPushedUnchanged(
                "\(repository)@\(instance)", localManifest: image + "/\(hex(instance)).manifest.json", work: work
            )
        }

        let key = try work.generateKey("signer", algorithm: "rsa3072")
        let otherKey = try work.generateKey("other", algorithm: "ed25519")
        let lookaside = work.path("lookaside")
        let signed = try CustodyExecutable.run([
            "sign", "dir:\(image)", "--gpg-key", key + ".sec.asc", "--identity", identity, "--lookaside", lookaside,
        ])
        try #require(signed.status == 0, "custody sign: \(signed)")
        let indexSignature = lookasidePath(lookaside, repository: "custody/multi", digest: indexDigest)
        let instanceSignatures = instances.map { lookasidePath(lookaside, repository: "custody/multi", digest: $0) }
        for path in [indexSignature] + instanceSignatures {
            try #require(FileManager.default.fileExists(atPath: path), "custody sign wrote no \(path): \(signed)")
        }

        let registriesD = try work.registriesD("rd", host: registry.host, lookaside: lookaside)
        let trusted = try work.policy("policy-signer.json", scope: "\(registry.host)/custody", key: key + ".pub.asc")
        let untrusted = try work.policy("policy-other.json", scope: "\(registry.host)/custody", key: otherKey + ".pub.asc")

        // Every instance signed: accepted, and skopeo keeps each instance's signature.
        let pulled = work.path("pulled")
        let accepted = try work.skopeoPull(policy: trusted, registriesD: registriesD, ["--all", "docker://\(identity)", "dir:\(pulled)"])
        #expect(accepted.status == 0, "skopeo copy --all with custody's signatures: \(accepted)")
        if accepted.status == 0 {
            #expect(try fileBytes(pulled + "/manifest.json") == fileBytes(image + "/manifest.json"))
            #expect(try fileBytes(pulled + "/signature-1") == fileBytes(indexSignature))
            for (instance, signature) in zip(instances, instanceSignatures) {
                #expect(try fileBytes(pulled + "/\(hex(instance)).signature-1") == fileBytes(signature))
            }
        }

        let wrongKey = try work.skopeoPull(policy: untrusted, registriesD: registriesD, ["--all", "docker://\(identity)", "dir:\(work.path("pulled-other"))"])
        #expect(wrongKey.status != 0, "\(wrongKey)")
        #expect(wrongKey.stderrText.contains("Source image rejected: Invalid GPG signature"), "\(wrongKey)")

        // Only the index signed: its signature does not cover the instances.
        let aside = work.path("aside")
        try FileManager.default.createDirectory(atPath: aside, withIntermediateDirectories: true)
        for (index, signature) in instanceSignatures.enumerated() {
            try FileManager.default.moveItem(atPath: signature, toPath: aside + "/instance-\(index)")
        }
        let indexOnly = try work.skopeoPull(policy: trusted, registriesD: registriesD, ["--all", "docker://\(identity)", "dir:\(work.path("pulled-index-only"))"])
        #expect(indexOnly.status != 0, "skopeo copy --all with only the index signed: \(indexOnly)")
        #expect(indexOnly.stderrText.contains("A signature was required, but no signature exists"), "\(indexOnly)")

        // Only the instances signed: accepted (the index signature is not required).
        for (index, signature) in instanceSignatures.enumerated() {
            try FileManager.default.moveItem(atPath: aside + "/instance-\(index)", toPath: signature)
        }
        try FileManager.default.removeItem(atPath: indexSignature)
        let instancesOnly = try work.skopeoPull(policy: trusted, registriesD: registriesD, ["--all", "docker://\(identity)", "dir:\(work.path("pulled-instances-only"))"])
        #expect(instancesOnly.status == 0, "skopeo copy --all with only the instances signed: \(instancesOnly)")
    }

    // MARK: skopeo signs on push, custody verifies

    @Test("skopeo copy --sign-by writes to lookaside-staging; custody verify reads lookaside (registries.d) or --lookaside")
    func skopeoSignsCustodyVerifiesSingle() throws {
        let work = try Workspace()
        defer { work.remove() }
        let registry = try RegistryServer()
        defer { registry.stop() }
        let gnupg = try work.gnupgHome()
        let signer = try gnupg.generateKey(uid: "Skopeo Signer <skopeo@example.invalid>")
        let otherKey = try work.generateKey("other", algorithm: "ed25519")

        let image = try work.copyFixture("dir-single", as: "image")
        let repository = "\(registry.host)/custody/signed"
        let identity = repository + ":v1"
        let digest = try manifestDigest(ofFile: image + "/manifest.json")

        let lookaside = work.path("lookaside")
        let staging = work.path("staging")
        let registriesD = try work.registriesD("rd", host: registry.host, lookaside: lookaside, staging: staging)
        let pushed = try runProcess("skopeo", [
            "--insecure-policy", "--registries.d", registriesD, "copy", "--dest-tls-verify=false",
            "--sign-by", signer.fingerprint, "dir:\(image)", "docker://\(identity)",
        ], environment: gnupg.environment)
        try #require(pushed.status == 0, "skopeo copy --sign-by: \(pushed)")
        try expectPushedUnchanged(identity, localManifest: image + "/manifest.json", work: work)

        // skopeo wrote to the staging directory only.
        let staged = lookasidePath(staging, repository: "custody/signed", digest: digest)
        let published = lookasidePath(lookaside, repository: "custody/signed", digest: digest)
        try #require(FileManager.default.fileExists(atPath: staged), "skopeo wrote no \(staged): \(pushed)")
        #expect(!FileManager.default.fileExists(atPath: published))

        // Before publishing, the registries.d `lookaside` (the read location) has nothing.
        let beforePublishing = try CustodyExecutable.run([
            "verify", "dir:\(image)", "--gpg-key", signer.publicKey, "--identity", identity, "--registries.d", registriesD,
        ])
        #expect(beforePublishing.status == 1, "custody verify before the staged signature is published: \(beforePublishing)")

        // The staged signature, read directly.
        let fromStaging = try CustodyExecutable.run([
            "verify", "dir:\(image)", "--gpg-key", signer.publicKey, "--identity", identity, "--lookaside", staging,
        ])
        #expect(fromStaging.status == 0, "custody verify --lookaside STAGING: \(fromStaging)")
        #expect(fromStaging.stdoutText.contains("Verified: \(digest)"), "\(fromStaging)")
        #expect(fromStaging.stdoutText.contains(signer.fingerprint), "\(fromStaging)")

        // Publish (what a sync job does): staging → lookaside. Then registries.d finds it.
        try FileManager.default.copyItem(atPath: staging + "/custody", toPath: lookaside + "/custody")
        let viaRegistriesD = try CustodyExecutable.run([
            "verify", "dir:\(image)", "--gpg-key", signer.publicKey, "--identity", identity, "--registries.d", registriesD,
        ])
        #expect(viaRegistriesD.status == 0, "custody verify --registries.d: \(viaRegistriesD)")
        #expect(viaRegistriesD.stdoutText.contains("Verified: \(digest)"), "\(viaRegistriesD)")

        let viaLookaside = try CustodyExecutable.run([
            "verify", "dir:\(image)", "--gpg-key", signer.publicKey, "--identity", identity, "--lookaside", lookaside,
        ])
        #expect(viaLookaside.status == 0, "custody verify --lookaside: \(viaLookaside)")

        let wrongKey = try CustodyExecutable.run([
            "verify", "dir:\(image)", "--gpg-key", otherKey + ".pub.asc", "--identity", identity, "--registries.d", registriesD,
        ])
        #expect(wrongKey.status == 1, "custody verify with another key: \(wrongKey)")

        let wrongIdentity = try CustodyExecutable.run([
            "verify", "dir:\(image)", "--gpg-key", signer.publicKey, "--identity", repository + ":v2", "--lookaside", lookaside,
        ])
        #expect(wrongIdentity.status == 1, "custody verify with another identity: \(wrongIdentity)")

        // skopeo agrees on pull (same registries.d, the signer's key trusted for HOST/custody).
        let policy = try work.policy("policy.json", scope: "\(registry.host)/custody", key: signer.publicKey)
        let pulled = try work.skopeoPull(policy: policy, registriesD: registriesD, ["docker://\(identity)", "dir:\(work.path("pulled"))"])
        #expect(pulled.status == 0, "skopeo pull of its own signed image: \(pulled)")
    }

    @Test("skopeo copy --all --sign-by signs an index; custody verify accepts it and needs the instance signatures")
    func skopeoSignsCustodyVerifiesIndex() throws {
        let work = try Workspace()
        defer { work.remove() }
        let registry = try RegistryServer()
        defer { registry.stop() }
        let gnupg = try work.gnupgHome()
        let signer = try gnupg.generateKey(uid: "Skopeo Signer <skopeo@example.invalid>")
        let otherKey = try work.generateKey("other", algorithm: "ed25519")

        let image = try work.copyFixture("dir-multi", as: "image")
        let identity = "\(registry.host)/custody/signed-multi:v1"
        let indexDigest = try manifestDigest(ofFile: image + "/manifest.json")
        let instances = try instanceDigests(ofIndex: image + "/manifest.json")
        try #require(instances.count == 2, "dir-multi should list two platforms")

        let lookaside = work.path("lookaside")
        let registriesD = try work.registriesD("rd", host: registry.host, lookaside: lookaside)
        let pushed = try runProcess("skopeo", [
            "--insecure-policy", "--registries.d", registriesD, "copy", "--all", "--dest-tls-verify=false",
            "--sign-by", signer.fingerprint, "dir:\(image)", "docker://\(identity)",
        ], environment: gnupg.environment)
        try #require(pushed.status == 0, "skopeo copy --all --sign-by: \(pushed)")
        try expectPushedUnchanged(identity, localManifest: image + "/manifest.json", work: work)
        let instanceSignatures = instances.map { lookasidePath(lookaside, repository: "custody/signed-multi", digest: $0) }
        for path in [lookasidePath(lookaside, repository: "custody/signed-multi", digest: indexDigest)] + instanceSignatures {
            try #require(FileManager.default.fileExists(atPath: path), "skopeo wrote no \(path): \(pushed)")
        }

        let accepted = try CustodyExecutable.run([
            "verify", "dir:\(image)", "--gpg-key", signer.publicKey, "--identity", identity, "--registries.d", registriesD,
        ])
        #expect(accepted.status == 0, "custody verify of skopeo's index signatures: \(accepted)")
        for digest in [indexDigest] + instances {
            #expect(accepted.stdoutText.contains(digest), "custody verify should report \(digest): \(accepted)")
        }

        let wrongKey = try CustodyExecutable.run([
            "verify", "dir:\(image)", "--gpg-key", otherKey + ".pub.asc", "--identity", identity, "--registries.d", registriesD,
        ])
        #expect(wrongKey.status == 1, "custody verify with another key: \(wrongKey)")

        // Like skopeo, custody does not let the index signature stand in for the instances'.
        for signature in instanceSignatures {
            try FileManager.default.removeItem(atPath: signature)
        }
        let indexOnly = try CustodyExecutable.run([
            "verify", "dir:\(image)", "--gpg-key", signer.publicKey, "--identity", identity, "--lookaside", lookaside,
        ])
        #expect(indexOnly.status == 1, "custody verify with only the index signed: \(indexOnly)")
    }
}

// MARK: - helpers

/// A scratch directory for one test, removed by `remove()` (and, as a safety net, on deinit).
/// Holds image copies, keys, lookaside trees, registries.d directories, policies, pulled images
/// and a GNUPGHOME; every gpg-agent started for that GNUPGHOME is stopped on removal.
final class Workspace {
    let root: String
    private var gnupgHomes: [String] = []
    private var removed = false

    init() throws {
        // Short: gpg-agent puts its socket in GNUPGHOME when /run/user/UID does not exist, and a
        // Unix socket path must stay under 108 bytes.
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("custody-ri-\(UUID().uuidString.prefix(8))", isDirectory: true).path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit { remove() }

    func remove() {
        guard !removed else { return }
        removed = true
        for home in gnupgHomes {
            _ = try? runProcess("gpgconf", ["--kill", "gpg-agent"], environment: ["GNUPGHOME": home])
        }
        try? FileManager.default.removeItem(atPath: root)
    }

    func path(_ name: String) -> String { root + "/" + name }

    /// A private copy of a fixture image (the shared fixtures stay untouched).
    func copyFixture(_ fixture: String, as name: String) throws -> String {
        let destination = path(name)
        try FileManager.default.copyItem(atPath: try Fixtures.path(fixture), toPath: destination)
        return destination
    }

    /// `custody key generate --type openpgp`; returns the prefix (PREFIX.pub.asc, PREFIX.sec.asc).
    func generateKey(_ name: String, algorithm: String) throws -> String {
        let prefix = path(name)
        let result = try CustodyExecutable.run([
            "key", "generate", "--type", "openpgp", "--algorithm", algorithm,
            "--uid", "Custody Registry Test \(name) <\(name)@example.invalid>", "-o", prefix,
        ])
        guard result.status == 0 else { throw TestSupportError("custody key generate \(name): \(result)") }
        return prefix
    }

    /// A registries.d directory with one file: `docker: { HOST: { lookaside: file://…[, lookaside-staging: file://…] } }`.
    func registriesD(_ name: String, host: String, lookaside: String, staging: String? = nil) throws -> String {
        let directory = path(name)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var yaml = "docker:\n  \(host):\n    lookaside: file://\(lookaside)\n"
        if let staging { yaml += "    lookaside-staging: file://\(staging)\n" }
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: directory + "/custody-test.yaml"))
        return directory
    }

    /// A policy.json that rejects everything except `scope` under the `docker` transport, which
    /// needs a simple signature by `key`.
    func policy(_ name: String, scope: String, key: String) throws -> String {
        let policy: [String: Any] = [
            "default": [["type": "reject"]],
            "transports": [
                "docker": [
                    scope: [["type": "signedBy", "keyType": "GPGKeys", "keyPath": key]],
                ],
            ],
        ]
        let file = path(name)
        try JSONSerialization.data(withJSONObject: policy, options: [.sortedKeys]).write(to: URL(fileURLWithPath: file))
        return file
    }

    /// `skopeo copy` to the registry: no signature policy on the local source, no registries.d
    /// (so nothing is signed or looked up), plain HTTP. Throws when it fails.
    func skopeoPush(_ arguments: [String]) throws {
        let emptyRegistriesD = path("rd-empty")
        try FileManager.default.createDirectory(atPath: emptyRegistriesD, withIntermediateDirectories: true)
        let result = try runProcess(
            "skopeo", ["--insecure-policy", "--registries.d", emptyRegistriesD, "copy", "--dest-tls-verify=false"] + arguments
        )
        guard result.status == 0 else {
            throw TestSupportError("skopeo copy \(arguments.joined(separator: " ")): \(result)")
        }
    }

    /// `skopeo --policy POLICY --registries.d RD copy --src-tls-verify=false ARGUMENTS`.
    func skopeoPull(policy: String, registriesD: String, _ arguments: [String]) throws -> ProcessResult {
        try runProcess(
            "skopeo", ["--policy", policy, "--registries.d", registriesD, "copy", "--src-tls-verify=false"] + arguments
        )
    }

    /// A fresh GNUPGHOME (mode 700) inside the workspace.
    func gnupgHome() throws -> GnuPGHome {
        let home = path("gnupg")
        try FileManager.default.createDirectory(
            atPath: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]
        )
        gnupgHomes.append(home)
        return GnuPGHome(home: home)
    }
}

/// A GnuPG key made by gpg itself, the way a skopeo user makes one.
struct GnuPGKey {
    /// The primary key fingerprint, 40 uppercase hex digits.
    let fingerprint: String
    /// The armored public key, exported by gpg.
    let publicKey: String
}

struct GnuPGHome {
    let home: String
    var environment: [String: String] { ["GNUPGHOME": home] }

    func gpg(_ arguments: [String]) throws -> ProcessResult {
        try runProcess("gpg", ["--batch", "--no-tty"] + arguments, environment: environment)
    }

    /// `gpg --quick-gen-key UID ed25519 sign never` without a passphrase, then an armored export.
    func generateKey(uid: String) throws -> GnuPGKey {
        let generated = try gpg(["--passphrase", "", "--quick-gen-key", uid, "ed25519", "sign", "never"])
        guard generated.status == 0 else { throw TestSupportError("gpg --quick-gen-key: \(generated)") }
        let listed = try gpg(["--with-colons", "--list-secret-keys", uid])
        guard listed.status == 0,
              let line = listed.stdoutText.split(separator: "\n").first(where: { $0.hasPrefix("fpr:") })
        else {
            throw TestSupportError("gpg --list-secret-keys: \(listed)")
        }
        let fields = line.split(separator: ":", omittingEmptySubsequences: false)
        guard fields.count > 9, fields[9].count == 40 else { throw TestSupportError("no fingerprint in \(line)") }
        let fingerprint = String(fields[9])
        let publicKey = home + "/" + fingerprint + ".pub.asc"
        let exported = try gpg(["--armor", "--output", publicKey, "--export", fingerprint])
        guard exported.status == 0 else { throw TestSupportError("gpg --export: \(exported)") }
        return GnuPGKey(fingerprint: fingerprint, publicKey: publicKey)
    }
}

/// The lookaside file for signature 1 of `digest` in `repository` (the path without the host):
/// BASE/REPO@sha256=HEX/signature-1 (containers-image.md §2.1).
func lookasidePath(_ base: String, repository: String, digest: String) -> String {
    "\(base)/\(repository)@\(digest.replacingOccurrences(of: ":", with: "="))/signature-1"
}

/// `skopeo manifest-digest FILE` (the peer computes the expected value).
func manifestDigest(ofFile path: String) throws -> String {
    let result = try runProcess("skopeo", ["manifest-digest", path])
    let digest = result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
    guard result.status == 0, digest.hasPrefix("sha256:"), digest.count == 71 else {
        throw TestSupportError("skopeo manifest-digest \(path): \(result)")
    }
    return digest
}

/// The `manifests[].digest` values of an index or manifest list, in order.
func instanceDigests(ofIndex path: String) throws -> [String] {
    guard let index = try JSONSerialization.jsonObject(with: fileBytes(path)) as? [String: Any],
          let manifests = index["manifests"] as? [[String: Any]]
    else {
        throw TestSupportError("\(path) is not an index")
    }
    return try manifests.map {
        guard let digest = $0["digest"] as? String else { throw TestSupportError("descriptor without digest in \(path)") }
        return digest
    }
}

/// The registry serves exactly the local manifest bytes for `reference` (skopeo did not convert
/// the manifest while pushing), so the local digest is the registry digest.
func expectPushedUnchanged(_ reference: String, localManifest: String, work: Workspace) throws {
    let raw = try runProcess("skopeo", ["inspect", "--raw", "--tls-verify=false", "docker://\(reference)"])
    try #require(raw.status == 0, "skopeo inspect --raw docker://\(reference): \(raw)")
    let pushedFile = work.path("pushed-\(UUID().uuidString.prefix(8)).json")
    try raw.stdout.write(to: URL(fileURLWithPath: pushedFile))
    #expect(try manifestDigest(ofFile: pushedFile) == manifestDigest(ofFile: localManifest), "docker://\(reference)")
    #expect(try raw.stdout == fileBytes(localManifest), "docker://\(reference) serves other manifest bytes than \(localManifest)")
}

func hex(_ digest: String) -> String {
    String(digest.split(separator: ":").last ?? "")
}

func fileBytes(_ path: String) throws -> Data {
    try Data(contentsOf: URL(fileURLWithPath: path))
}
