import CustodyTestSupport
import Foundation
import Testing

// End-to-end tests of Custody's registry features (`resolve`, `sign`/`verify` on docker://,
// `copy`) through a REAL registry (Distribution 2.8, `docker-registry serve`, RegistryServer),
// checked against independent implementations:
//
//   - skopeo 1.9.3 pushes the fixture images, computes every expected digest
//     (`skopeo inspect --raw` + `skopeo manifest-digest`), verifies simple signatures on pull
//     (policy.json `signedBy`) and copies cosign attachments into dir: (`use-sigstore-attachments`);
//   - Scripts/cosign-attachment.py (Python standard library + PyPI `cryptography`) reads the
//     `sha256-<hex>.sig` attachment over plain HTTP and verifies every layer's signature over the
//     exact blob bytes, and writes attachments in cosign's shape for Custody to read.
//
// Formats: ../shared/reference/sigstore.md §1.1–1.2 (cosign attachment, payload) and
// containers-image.md §1.6 (framed `\0sigstore-json\n` blobs), §2 (lookaside, registries.d),
// §4.1–4.2 (c/image's sigstore attachments).
//
// Every peer command is isolated from the machine's configuration: skopeo gets --insecure-policy
// or an explicit --policy, and always --registries.d; custody always gets --registries.d or
// works on images whose stores it is told.

@Suite(
    "registry transport: resolve, cosign and simple signing, and copy through a real registry",
    .enabled(if: PeerTool.availableOrCI("docker-registry", "skopeo", "python3", "gpg")),
    .serialized,
    .timeLimit(.minutes(10))
)
struct RegistryTransportTests {
    // MARK: 1. resolve

    @Test("resolve: the digest is skopeo's manifest-digest of the served bytes, for an image and an index")
    func resolveMatchesSkopeo() throws {
        let work = try Workspace()
        defer { work.remove() }
        let registry = try RegistryServer()
        defer { registry.stop() }

        // A single image.
        let single = "\(registry.host)/custody/single:v1"
        try work.skopeoPush(["dir:\(try Fixtures.path("dir-single"))", "docker://\(single)"])
        let singleServed = try TransportKit.served(single, work: work)
        let resolved = try TransportKit.custodyJSON(["resolve", "docker://\(single)", "--tls-verify=false", "--output", "json"])
        #expect(resolved["digest"] as? String == singleServed.digest)
        #expect(resolved["mediaType"] as? String == "application/vnd.oci.image.manifest.v1+json")
        #expect(resolved["pinned"] as? String == "\(registry.host)/custody/single@\(singleServed.digest)")
        #expect((resolved["manifests"] as? [Any])?.isEmpty == true, "a single image has no platform entries: \(resolved)")

        let text = try CustodyExecutable.run(["resolve", "docker://\(single)", "--tls-verify=false"])
        #expect(text.status == 0, "\(text)")
        #expect(text.stdoutText.split(separator: "\n").first.map(String.init) == "\(registry.host)/custody/single@\(singleServed.digest)", "\(text)")

        // An index: its digest and every platform's.
        let multi = "\(registry.host)/custody/multi:v1"
        try work.skopeoPush(["--all", "dir:\(try Fixtures.path("dir-multi"))", "docker://\(multi)"])
        let indexServed = try TransportKit.served(multi, work: work)
        let instances = try instanceDigests(ofIndex: indexServed.file)
        try #require(instances.count == 2)
        let resolvedIndex = try TransportKit.custodyJSON(["resolve", "docker://\(multi)", "--tls-verify=false", "--output", "json"])
        #expect(resolvedIndex["digest"] as? String == indexServed.digest)
        #expect(resolvedIndex["mediaType"] as? String == "application/vnd.oci.image.index.v1+json")
        let entries = resolvedIndex["manifests"] as? [[String: Any]] ?? []
        #expect(entries.compactMap { $0["digest"] as? String } == instances, "\(resolvedIndex)")
        #expect(entries.compactMap { $0["platform"] as? String } == ["linux/amd64", "linux/arm64/v8"], "\(resolvedIndex)")
        // Each platform digest is the digest of the bytes the registry serves for it.
        for instance in instances {
            #expect(try TransportKit.served("\(registry.host)/custody/multi@\(instance)", work: work).digest == instance)
        }

        // A digest reference resolves to itself; an unknown tag cannot be evaluated.
        let byDigest = try TransportKit.custodyJSON(["resolve", "docker://\(registry.host)/custody/multi@\(indexServed.digest)", "--tls-verify=false", "--output", "json"])
        #expect(byDigest["digest"] as? String == indexServed.digest)
        let missing = try CustodyExecutable.run(["resolve", "docker://\(registry.host)/custody/multi:nope", "--tls-verify=false"])
        #expect(missing.status == 2, "\(missing)")
    }

    // MARK: 2. cosign signing, verified independently

    @Test("sign --key (cosign-format ECDSA P-256 with a passphrase file): Python verifies the attachment; custody verify accepts; a second signature appends a layer")
    func cosignSignECDSAIndependentlyVerified() throws {
        let work = try Workspace()
        defer { work.remove() }
        let registry = try RegistryServer()
        defer { registry.stop() }

        let repository = "custody/cosign"
        let identity = "\(registry.host)/\(repository):v1"
        try work.skopeoPush(["dir:\(try Fixtures.path("dir-single"))", "docker://\(identity)"])
        let digest = try TransportKit.served(identity, work: work).digest

        let passphrase = try TransportKit.write(work.path("passphrase"), "correct horse battery staple\n")
        let key = try TransportKit.generatePEMKey(work, "ecdsa", type: "ecdsa-p256", format: "cosign", passphraseFile: passphrase)
        let keyText = try String(contentsOfFile: key.secret, encoding: .utf8)
        #expect(keyText.contains("-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----"), "cosign format: \(keyText.prefix(80))")
        let other = try TransportKit.generatePEMKey(work, "other", type: "ecdsa-p256", format: "pem")

        let signed = try CustodyExecutable.run([
            "sign", "docker://\(identity)", "--key", key.secret, "--passphrase-file", passphrase, "--tls-verify=false",
        ])
        try #require(signed.status == 0, "custody sign --key: \(signed)")
        #expect(signed.stdoutText.contains(digest), "\(signed)")
        #expect(signed.stdoutText.contains(CosignTag.of(digest)), "the report names the .sig tag: \(signed)")

        // Independent verification of the attachment.
        let first = try TransportKit.pythonVerify(registry: registry.host, repository: repository, digest: digest, key: key.publicKey)
        let firstLayers = first["layers"] as? [[String: Any]] ?? []
        try #require(firstLayers.count == 1, "one signature, one layer: \(first)")
        #expect(first["manifest_media_type"] as? String == "application/vnd.oci.image.manifest.v1+json")
        #expect(firstLayers[0]["docker_reference"] as? String == "\(registry.host)/\(repository)", "cosign names the repository: \(first)")
        #expect(firstLayers[0]["optional"] is NSNull, "no annotations: optional is null, as cosign writes it: \(first)")
        let firstDescriptor = try #require(firstLayers[0]["raw_descriptor"] as? String)

        // The Python verifier must be able to fail: another key does not verify the layer.
        let wrongPython = try TransportKit.python(["verify", "--registry", registry.host, "--repo", repository, "--digest", digest, "--key", other.publicKey])
        #expect(wrongPython.status == 1 && wrongPython.stderrText.contains("does not verify"), "\(wrongPython)")

        // custody verify: accepted with the key, denied with another one.
        let accepted = try CustodyExecutable.run(["verify", "docker://\(identity)", "--key", key.publicKey, "--tls-verify=false"])
        #expect(accepted.status == 0, "custody verify --key: \(accepted)")
        #expect(accepted.stdoutText.contains("Verified: \(digest)"), "\(accepted)")
        let denied = try CustodyExecutable.run(["verify", "docker://\(identity)", "--key", other.publicKey, "--tls-verify=false"])
        #expect(denied.status == 1, "custody verify with another key: \(denied)")
        #expect(TransportKit.output(denied).contains("does not verify with key \(other.keyID)"), "the reason names the key: \(denied)")

        // A second signature (ECDSA signatures are randomised) appends a layer; the first stays byte-identical.
        let again = try CustodyExecutable.run([
            "sign", "docker://\(identity)", "--key", key.secret, "--passphrase-file", passphrase, "--tls-verify=false",
        ])
        try #require(again.status == 0, "second custody sign --key: \(again)")
        let second = try TransportKit.pythonVerify(registry: registry.host, repository: repository, digest: digest, key: key.publicKey)
        let secondLayers = second["layers"] as? [[String: Any]] ?? []
        #expect(secondLayers.count == 2, "the second signature is appended: \(second)")
        #expect(secondLayers.first?["raw_descriptor"] as? String == firstDescriptor, "the first layer descriptor must be kept byte for byte")
        #expect(second["manifest_digest"] as? String != first["manifest_digest"] as? String)
        let stillAccepted = try CustodyExecutable.run(["verify", "docker://\(identity)", "--key", key.publicKey, "--tls-verify=false", "--output", "json"])
        #expect(stillAccepted.status == 0, "\(stillAccepted)")
        let report = try TransportKit.jsonObject(stillAccepted.stdout)
        let signatures = (report["manifests"] as? [[String: Any]])?.first?["signatures"] as? [[String: Any]] ?? []
        #expect(signatures.count == 2 && signatures.allSatisfy { $0["outcome"] as? String == "accepted" }, "both layers are accepted: \(report)")
    }

    @Test("sign --key with an RSA PEM key: Python verifies PKCS#1 v1.5 SHA-256 over the exact payload; custody verify accepts")
    func cosignSignRSAIndependentlyVerified() throws {
        let work = try Workspace()
        defer { work.remove() }
        let registry = try RegistryServer()
        defer { registry.stop() }

        let repository = "custody/cosign-rsa"
        let identity = "\(registry.host)/\(repository):v1"
        try work.skopeoPush(["dir:\(try Fixtures.path("dir-single"))", "docker://\(identity)"])
        let digest = try TransportKit.served(identity, work: work).digest
        let key = try TransportKit.generatePEMKey(work, "rsa", type: "rsa3072", format: "pem")
        let other = try TransportKit.generatePEMKey(work, "other-rsa", type: "rsa3072", format: "pem")

        let signed = try CustodyExecutable.run(["sign", "docker://\(identity)", "--key", key.secret, "--tls-verify=false"])
        try #require(signed.status == 0, "custody sign --key RSA: \(signed)")
        let verified = try TransportKit.pythonVerify(registry: registry.host, repository: repository, digest: digest, key: key.publicKey)
        let layers = verified["layers"] as? [[String: Any]] ?? []
        #expect(layers.count == 1, "\(verified)")
        #expect(layers.first?["docker_reference"] as? String == "\(registry.host)/\(repository)")

        let accepted = try CustodyExecutable.run(["verify", "docker://\(identity)", "--key", key.publicKey, "--tls-verify=false"])
        #expect(accepted.status == 0, "custody verify --key RSA: \(accepted)")
        let denied = try CustodyExecutable.run(["verify", "docker://\(identity)", "--key", other.publicKey, "--tls-verify=false"])
        #expect(denied.status == 1, "\(denied)")
        #expect(TransportKit.output(denied).contains(other.keyID), "the reason names the key tried: \(denied)")
    }

    // MARK: 3. independent writer, Custody reader

    @Test("Python writes a cosign attachment; custody verify accepts it, names a garbage annotation, and refuses a Docker-typed attachment")
    func independentWriterCustodyReader() throws {
        let work = try Workspace()
        defer { work.remove() }
        let registry = try RegistryServer()
        defer { registry.stop() }

        let key = work.path("python-ecdsa")
        let generated = try TransportKit.python(["keygen", "--type", "ecdsa-p256", "--out", key])
        try #require(generated.status == 0, "\(generated)")
        let custodyKey = try TransportKit.generatePEMKey(work, "custody", type: "ecdsa-p256", format: "pem")

        // A well-formed attachment.
        let good = "\(registry.host)/custody/foreign:v1"
        try work.skopeoPush(["dir:\(try Fixtures.path("dir-single"))", "docker://\(good)"])
        let digest = try TransportKit.served(good, work: work).digest
        let attached = try TransportKit.python([
            "attach", "--registry", registry.host, "--repo", "custody/foreign", "--digest", digest, "--key", key + ".key",
        ])
        try #require(attached.status == 0, "\(attached)")
        let attachment = try TransportKit.jsonObject(attached.stdout)
        #expect(attachment["payload"] as? String == """
            {"critical":{"identity":{"docker-reference":"\(registry.host)/custody/foreign"},"image":{"docker-manifest-digest":"\(digest)"},"type":"cosign container image signature"},"optional":null}
            """)
        let accepted = try CustodyExecutable.run(["verify", "docker://\(good)", "--key", key + ".pub", "--tls-verify=false"])
        #expect(accepted.status == 0, "custody verify of a Python-written attachment: \(accepted)")
        #expect(accepted.stdoutText.contains("Verified: \(digest)"), "\(accepted)")
        let wrongKey = try CustodyExecutable.run(["verify", "docker://\(good)", "--key", custodyKey.publicKey, "--tls-verify=false"])
        #expect(wrongKey.status == 1, "\(wrongKey)")

        // The signature annotation is not base64.
        let garbage = "\(registry.host)/custody/garbage:v1"
        try work.skopeoPush(["dir:\(try Fixtures.path("dir-single"))", "docker://\(garbage)"])
        let garbageAttached = try TransportKit.python([
            "attach", "--registry", registry.host, "--repo", "custody/garbage", "--digest", digest, "--key", key + ".key", "--garbage-annotation",
        ])
        try #require(garbageAttached.status == 0, "\(garbageAttached)")
        let garbageVerified = try CustodyExecutable.run(["verify", "docker://\(garbage)", "--key", key + ".pub", "--tls-verify=false"])
        #expect(garbageVerified.status == 1, "a garbage signature annotation denies: \(garbageVerified)")
        #expect(TransportKit.output(garbageVerified).contains("dev.cosignproject.cosign/signature"), "the output names the bad annotation: \(garbageVerified)")
        #expect(TransportKit.output(garbageVerified).contains("base64"), "\(garbageVerified)")

        // The attachment is a Docker schema 2 manifest (cosign with COSIGN_DOCKER_MEDIA_TYPES=1):
        // containers/image refuses it, and so must Custody, saying why.
        let docker = "\(registry.host)/custody/docker-typed:v1"
        try work.skopeoPush(["dir:\(try Fixtures.path("dir-single"))", "docker://\(docker)"])
        let dockerAttached = try TransportKit.python([
            "attach", "--registry", registry.host, "--repo", "custody/docker-typed", "--digest", digest, "--key", key + ".key", "--docker-media-type",
        ])
        try #require(dockerAttached.status == 0, "\(dockerAttached)")
        let dockerVerified = try CustodyExecutable.run(["verify", "docker://\(docker)", "--key", key + ".pub", "--tls-verify=false"])
        #expect(dockerVerified.status == 1 || dockerVerified.status == 2, "a Docker-typed attachment is not accepted: \(dockerVerified)")
        #expect(
            TransportKit.output(dockerVerified).contains("application/vnd.docker.distribution.manifest.v2+json"),
            "the error names the media type: \(dockerVerified)")
    }

    // MARK: 4. containers/image's representation of attachments

    @Test("skopeo copies custody's attached signature into dir: as a framed sigstore-json blob; custody verify dir: accepts it")
    func skopeoCopiesAttachmentsToDir() throws {
        let work = try Workspace()
        defer { work.remove() }
        let registry = try RegistryServer()
        defer { registry.stop() }

        let repository = "custody/attached"
        let identity = "\(registry.host)/\(repository):v1"
        let local = try Fixtures.path("dir-single")
        try work.skopeoPush(["dir:\(local)", "docker://\(identity)"])
        let digest = try TransportKit.served(identity, work: work).digest
        let key = try TransportKit.generatePEMKey(work, "signer", type: "ecdsa-p256", format: "pem")
        let other = try TransportKit.generatePEMKey(work, "other", type: "ecdsa-p256", format: "pem")
        let signed = try CustodyExecutable.run(["sign", "docker://\(identity)", "--key", key.secret, "--tls-verify=false"])
        try #require(signed.status == 0, "\(signed)")
        let attachment = try TransportKit.pythonVerify(registry: registry.host, repository: repository, digest: digest, key: key.publicKey)
        let layerDigest = try #require((attachment["layers"] as? [[String: Any]])?.first?["digest"] as? String)

        // Without use-sigstore-attachments skopeo ignores the attachment (the control case).
        let plainRD = work.path("rd-plain")
        try FileManager.default.createDirectory(atPath: plainRD, withIntermediateDirectories: true)
        let plain = work.path("plain")
        let plainCopy = try runProcess("skopeo", [
            "--insecure-policy", "--registries.d", plainRD, "copy", "--src-tls-verify=false", "docker://\(identity)", "dir:\(plain)",
        ])
        try #require(plainCopy.status == 0, "\(plainCopy)")
        #expect(!FileManager.default.fileExists(atPath: plain + "/signature-1"))

        let rd = try TransportKit.registriesD(work, "rd", yaml: "docker:\n  \(registry.host):\n    use-sigstore-attachments: true\n")
        let out = work.path("out")
        let copied = try runProcess("skopeo", [
            "--insecure-policy", "--registries.d", rd, "copy", "--src-tls-verify=false", "docker://\(identity)", "dir:\(out)",
        ])
        try #require(copied.status == 0, "skopeo copy with use-sigstore-attachments: \(copied)")
        #expect(try fileBytes(out + "/manifest.json") == fileBytes(local + "/manifest.json"))
        let blob = try fileBytes(out + "/signature-1")
        let frame = Data("\u{0}sigstore-json\n".utf8)
        try #require(blob.starts(with: frame), "signature-1 is not a framed sigstore-json blob: \(Array(blob.prefix(32)))")
        #expect(!FileManager.default.fileExists(atPath: out + "/signature-2"), "one attachment layer, one signature file")
        let framed = try TransportKit.jsonObject(blob.dropFirst(frame.count))
        #expect(framed["mimeType"] as? String == "application/vnd.dev.cosign.simplesigning.v1+json")
        let payload = try #require((framed["payload"] as? String).flatMap { Data(base64Encoded: $0) })
        #expect(TransportKit.sha256(payload) == layerDigest, "the framed payload is the attachment layer's blob")
        #expect((framed["annotations"] as? [String: Any])?["dev.cosignproject.cosign/signature"] is String)

        let accepted = try CustodyExecutable.run(["verify", "dir:\(out)", "--key", key.publicKey, "--identity", identity])
        #expect(accepted.status == 0, "custody verify dir: of skopeo's copy: \(accepted)")
        #expect(accepted.stdoutText.contains("Verified: \(digest)"), "\(accepted)")
        let denied = try CustodyExecutable.run(["verify", "dir:\(out)", "--key", other.publicKey, "--identity", identity])
        #expect(denied.status == 1, "\(denied)")
        let elsewhere = try CustodyExecutable.run(["verify", "dir:\(out)", "--key", key.publicKey, "--identity", "\(registry.host)/custody/elsewhere:v1"])
        #expect(elsewhere.status == 1, "the payload names another repository: \(elsewhere)")
    }

    // MARK: 5. simple signing over docker://

    @Test("sign docker:// --gpg-key writes to lookaside-staging; skopeo (signedBy) and custody verify accept it once published")
    func simpleSigningOverDocker() throws {
        let work = try Workspace()
        defer { work.remove() }
        let registry = try RegistryServer()
        defer { registry.stop() }

        let repository = "\(registry.host)/custody/test"
        let identity = repository + ":v1"
        let local = try Fixtures.path("dir-single")
        try work.skopeoPush(["dir:\(local)", "docker://\(identity)"])
        let digest = try TransportKit.served(identity, work: work).digest
        let key = try work.generateKey("signer", algorithm: "ed25519")
        let otherKey = try work.generateKey("other", algorithm: "ed25519")
        let lookaside = work.path("lookaside")
        let staging = work.path("staging")
        let rd = try work.registriesD("rd", host: registry.host, lookaside: lookaside, staging: staging)

        let signed = try CustodyExecutable.run([
            "sign", "docker://\(identity)", "--gpg-key", key + ".sec.asc", "--registries.d", rd, "--tls-verify=false",
        ])
        try #require(signed.status == 0, "custody sign docker:// --gpg-key: \(signed)")
        let staged = lookasidePath(staging, repository: "custody/test", digest: digest)
        let published = lookasidePath(lookaside, repository: "custody/test", digest: digest)
        try #require(FileManager.default.fileExists(atPath: staged), "custody sign wrote no \(staged): \(signed)")
        #expect(!FileManager.default.fileExists(atPath: published), "writes go to lookaside-staging only")

        // Not published yet: reads come from `lookaside`.
        let before = try CustodyExecutable.run(["verify", "docker://\(identity)", "--gpg-key", key + ".pub.asc", "--registries.d", rd, "--tls-verify=false"])
        #expect(before.status == 1, "nothing in the read lookaside yet: \(before)")

        try FileManager.default.copyItem(atPath: staging + "/custody", toPath: lookaside + "/custody")
        let policy = try work.policy("policy.json", scope: "\(registry.host)/custody", key: key + ".pub.asc")
        let pulled = work.path("pulled")
        let pull = try work.skopeoPull(policy: policy, registriesD: rd, ["docker://\(identity)", "dir:\(pulled)"])
        #expect(pull.status == 0, "skopeo pull with custody's docker:// signature: \(pull)")
        if pull.status == 0 {
            #expect(try fileBytes(pulled + "/signature-1") == fileBytes(staged))
        }
        let otherPolicy = try work.policy("policy-other.json", scope: "\(registry.host)/custody", key: otherKey + ".pub.asc")
        let rejected = try work.skopeoPull(policy: otherPolicy, registriesD: rd, ["docker://\(identity)", "dir:\(work.path("pulled-other"))"])
        #expect(rejected.status != 0, "\(rejected)")

        let accepted = try CustodyExecutable.run(["verify", "docker://\(identity)", "--gpg-key", key + ".pub.asc", "--registries.d", rd, "--tls-verify=false"])
        #expect(accepted.status == 0, "custody verify docker:// --gpg-key: \(accepted)")
        #expect(accepted.stdoutText.contains("Verified: \(digest)"), "\(accepted)")
        let wrongKey = try CustodyExecutable.run(["verify", "docker://\(identity)", "--gpg-key", otherKey + ".pub.asc", "--registries.d", rd, "--tls-verify=false"])
        #expect(wrongKey.status == 1, "\(wrongKey)")
        // The signature names HOST/custody/test:v1; the same digest under another tag is another identity.
        try work.skopeoPush(["dir:\(local)", "docker://\(repository):v2"])
        let otherTag = try CustodyExecutable.run(["verify", "docker://\(repository):v2", "--gpg-key", key + ".pub.asc", "--registries.d", rd, "--tls-verify=false"])
        #expect(otherTag.status == 1, "\(otherTag)")
    }

    @Test("sign docker:// --identity OTHER files the signature under the image's own repository; verify --identity OTHER finds it there")
    func simpleSigningForAnotherIdentity() throws {
        let work = try Workspace()
        defer { work.remove() }
        let registry = try RegistryServer()
        defer { registry.stop() }

        let image = "\(registry.host)/ns1/app:v1"
        let otherIdentity = "mirror.example.com/team/app:v1"
        try work.skopeoPush(["dir:\(try Fixtures.path("dir-single"))", "docker://\(image)"])
        let digest = try TransportKit.served(image, work: work).digest
        let key = try work.generateKey("signer", algorithm: "ed25519")
        let lookaside = work.path("lookaside")
        let rd = try work.registriesD("rd", host: registry.host, lookaside: lookaside)

        // The identity's registry has no registries.d section: the image's own section decides where signatures go.
        let signed = try CustodyExecutable.run([
            "sign", "docker://\(image)", "--gpg-key", key + ".sec.asc", "--identity", otherIdentity, "--registries.d", rd, "--tls-verify=false",
        ])
        try #require(signed.status == 0, "\(signed)")
        let filed = lookasidePath(lookaside, repository: "ns1/app", digest: digest)
        #expect(FileManager.default.fileExists(atPath: filed), "\(signed)")

        let verified = try CustodyExecutable.run([
            "verify", "docker://\(image)", "--gpg-key", key + ".pub.asc", "--identity", otherIdentity, "--registries.d", rd, "--tls-verify=false",
        ])
        #expect(verified.status == 0, "\(verified)")
        #expect(verified.stdoutText.contains("as \(otherIdentity)"), "\(verified)")
        // Under the image's own identity the claim does not match.
        let ownIdentity = try CustodyExecutable.run(["verify", "docker://\(image)", "--gpg-key", key + ".pub.asc", "--registries.d", rd, "--tls-verify=false"])
        #expect(ownIdentity.status == 1, "\(ownIdentity)")
    }

    @Test("copy docker:// --policy: allowed by a signedBy policy reading the lookaside (also with --remove-signatures); denied writes nothing")
    func copyWithPolicyFromRegistry() throws {
        let work = try Workspace()
        defer { work.remove() }
        let registry = try RegistryServer()
        defer { registry.stop() }

        let image = "\(registry.host)/custody/policy:v1"
        try work.skopeoPush(["dir:\(try Fixtures.path("dir-single"))", "docker://\(image)"])
        let key = try work.generateKey("signer", algorithm: "ed25519")
        let other = try work.generateKey("other", algorithm: "ed25519")
        let rd = try work.registriesD("rd", host: registry.host, lookaside: work.path("lookaside"))
        let signed = try CustodyExecutable.run(["sign", "docker://\(image)", "--gpg-key", key + ".sec.asc", "--registries.d", rd, "--tls-verify=false"])
        try #require(signed.status == 0, "\(signed)")
        let trusted = try work.policy("trusted.json", scope: "\(registry.host)/custody", key: key + ".pub.asc")
        let untrusted = try work.policy("untrusted.json", scope: "\(registry.host)/custody", key: other + ".pub.asc")

        let copied = work.path("copied")
        let allowed = try CustodyExecutable.run([
            "copy", "docker://\(image)", "dir:\(copied)", "--policy", trusted, "--registries.d", rd, "--tls-verify=false",
        ])
        #expect(allowed.status == 0, "\(allowed)")
        #expect(FileManager.default.fileExists(atPath: copied + "/signature-1"), "the lookaside signature travels with the copy")

        // The policy still reads the signatures when they are not copied.
        let bare = work.path("bare")
        let stripped = try CustodyExecutable.run([
            "copy", "docker://\(image)", "dir:\(bare)", "--policy", trusted, "--registries.d", rd, "--tls-verify=false", "--remove-signatures",
        ])
        #expect(stripped.status == 0, "\(stripped)")
        #expect(FileManager.default.fileExists(atPath: bare + "/manifest.json"))
        #expect(!FileManager.default.fileExists(atPath: bare + "/signature-1"))

        let refused = work.path("refused")
        let denied = try CustodyExecutable.run([
            "copy", "docker://\(image)", "dir:\(refused)", "--policy", untrusted, "--registries.d", rd, "--tls-verify=false",
        ])
        #expect(denied.status == 1, "\(denied)")
        #expect(denied.stderrText.contains("source image rejected by the policy"), "\(denied)")
        #expect(!FileManager.default.fileExists(atPath: refused))
    }

    // MARK: 6. copy

    @Test("copy docker:// → dir: carries simple and cosign signatures; → oci: needs --remove-signatures and then keeps the manifest bytes")
    func copyFromDockerToLocal() throws {
        let work = try Workspace()
        defer { work.remove() }
        let registry = try RegistryServer()
        defer { registry.stop() }

        let repository = "custody/copy"
        let identity = "\(registry.host)/\(repository):v1"
        try work.skopeoPush(["dir:\(try Fixtures.path("dir-single"))", "docker://\(identity)"])
        let served = try TransportKit.served(identity, work: work)
        let lookaside = work.path("lookaside")
        let rd = try work.registriesD("rd", host: registry.host, lookaside: lookaside)
        let gpgKey = try work.generateKey("signer", algorithm: "ed25519")
        let key = try TransportKit.generatePEMKey(work, "cosign", type: "ecdsa-p256", format: "pem")

        let simple = try CustodyExecutable.run(["sign", "docker://\(identity)", "--gpg-key", gpgKey + ".sec.asc", "--registries.d", rd, "--tls-verify=false"])
        try #require(simple.status == 0, "\(simple)")
        let cosign = try CustodyExecutable.run(["sign", "docker://\(identity)", "--key", key.secret, "--tls-verify=false"])
        try #require(cosign.status == 0, "\(cosign)")
        let simpleSignature = lookasidePath(lookaside, repository: repository, digest: served.digest)
        try #require(FileManager.default.fileExists(atPath: simpleSignature))

        // docker → dir: both kinds of signatures.
        let out = work.path("out")
        let copied = try CustodyExecutable.run(["copy", "--src-tls-verify=false", "--registries.d", rd, "docker://\(identity)", "dir:\(out)"])
        try #require(copied.status == 0, "custody copy docker:// → dir: \(copied)")
        #expect(try fileBytes(out + "/manifest.json") == served.bytes)
        let signatureFiles = try TransportKit.signatureFiles(in: out)
        #expect(signatureFiles == ["signature-1", "signature-2"], "one simple and one cosign signature: \(signatureFiles)")
        let blobs = try signatureFiles.map { try fileBytes(out + "/" + $0) }
        let frame = Data("\u{0}sigstore-json\n".utf8)
        #expect(blobs.filter { $0.starts(with: frame) }.count == 1, "one framed sigstore-json blob")
        #expect(try blobs.contains(fileBytes(simpleSignature)), "the simple signature is copied byte for byte")
        let cosignAccepted = try CustodyExecutable.run(["verify", "dir:\(out)", "--key", key.publicKey, "--identity", identity])
        #expect(cosignAccepted.status == 0, "custody verify --key of the dir: copy: \(cosignAccepted)")
        let simpleAccepted = try CustodyExecutable.run(["verify", "dir:\(out)", "--gpg-key", gpgKey + ".pub.asc", "--identity", identity])
        #expect(simpleAccepted.status == 0, "custody verify --gpg-key of the dir: copy: \(simpleAccepted)")

        // docker → oci: an OCI layout holds no signatures.
        let layout = work.path("layout")
        let refused = try CustodyExecutable.run(["copy", "--src-tls-verify=false", "--registries.d", rd, "docker://\(identity)", "oci:\(layout):v1"])
        #expect(refused.status == 2, "custody copy of a signed image to oci: \(refused)")
        #expect(refused.stderrText.contains("--remove-signatures"), "the error says what to do: \(refused)")
        let leftLayout = try TransportKit.listing(layout)
        #expect(!FileManager.default.fileExists(atPath: layout), "a refused copy leaves no layout behind: \(leftLayout)")

        let removed = try CustodyExecutable.run([
            "copy", "--src-tls-verify=false", "--registries.d", rd, "--remove-signatures", "docker://\(identity)", "oci:\(layout):v1",
        ])
        try #require(removed.status == 0, "custody copy --remove-signatures to oci: \(removed)")
        let index = try TransportKit.jsonObject(fileBytes(layout + "/index.json"))
        let entry = try #require((index["manifests"] as? [[String: Any]])?.first)
        #expect(entry["digest"] as? String == served.digest, "\(index)")
        #expect((entry["annotations"] as? [String: String])?["org.opencontainers.image.ref.name"] == "v1")
        #expect(try fileBytes(layout + "/blobs/sha256/" + hex(served.digest)) == served.bytes, "the layout holds the registry's manifest bytes")
        let skopeoReads = try runProcess("skopeo", ["inspect", "--raw", "oci:\(layout):v1"])
        #expect(skopeoReads.status == 0 && skopeoReads.stdout == served.bytes, "skopeo reads the layout: \(skopeoReads)")
    }

    @Test("copy oci: → docker:// --key signs on the way; custody and Python verify the attachment")
    func copyToDockerSigning() throws {
        let work = try Workspace()
        defer { work.remove() }
        let registry = try RegistryServer()
        defer { registry.stop() }

        let source = try Fixtures.path("oci-single")
        let expected = try manifestDigest(ofFile: try Fixtures.path("dir-single") + "/manifest.json")
        let repository = "custody/signed-copy"
        let identity = "\(registry.host)/\(repository):v1"
        let passphrase = try TransportKit.write(work.path("passphrase"), "copy-passphrase")
        let key = try TransportKit.generatePEMKey(work, "cosign", type: "ecdsa-p256", format: "cosign", passphraseFile: passphrase)

        let copied = try CustodyExecutable.run([
            "copy", "--dest-tls-verify=false", "--key", key.secret, "--passphrase-file", passphrase,
            "oci:\(source):v1", "docker://\(identity)", "--output", "json",
        ])
        try #require(copied.status == 0, "custody copy oci: → docker:// --key: \(copied)")
        let report = try TransportKit.jsonObject(copied.stdout)
        #expect(report["digest"] as? String == expected)
        #expect(report["signed"] as? Bool == true)
        #expect(try TransportKit.served(identity, work: work).digest == expected)

        let verified = try TransportKit.pythonVerify(registry: registry.host, repository: repository, digest: expected, key: key.publicKey)
        let layers = verified["layers"] as? [[String: Any]] ?? []
        #expect(layers.count == 1, "\(verified)")
        #expect(layers.first?["docker_reference"] as? String == "\(registry.host)/\(repository)")
        let accepted = try CustodyExecutable.run(["verify", "docker://\(identity)", "--key", key.publicKey, "--tls-verify=false"])
        #expect(accepted.status == 0, "custody verify of the signed copy: \(accepted)")
    }

    @Test("copy --all pushes an index with every platform; without --all only this machine's platform manifest")
    func copyIndexAllAndPlatform() throws {
        let work = try Workspace()
        defer { work.remove() }
        let registry = try RegistryServer()
        defer { registry.stop() }

        let source = "oci:\(try Fixtures.path("oci-multi")):multi"
        let localIndex = try Fixtures.path("dir-multi") + "/manifest.json"
        let indexDigest = try manifestDigest(ofFile: localIndex)
        let instances = try instanceDigests(ofIndex: localIndex)
        try #require(instances.count == 2)

        let all = "\(registry.host)/custody/multi:v1"
        let copiedAll = try CustodyExecutable.run(["copy", "--all", "--dest-tls-verify=false", source, "docker://\(all)"])
        try #require(copiedAll.status == 0, "custody copy --all: \(copiedAll)")
        let served = try TransportKit.served(all, work: work)
        #expect(served.digest == indexDigest)
        #expect(try served.bytes == fileBytes(localIndex), "the index bytes are kept")
        let resolved = try TransportKit.custodyJSON(["resolve", "docker://\(all)", "--tls-verify=false", "--output", "json"])
        #expect(resolved["digest"] as? String == indexDigest)
        #expect((resolved["manifests"] as? [[String: Any]])?.compactMap { $0["digest"] as? String } == instances)
        for instance in instances {
            let instanceServed = try TransportKit.served("\(registry.host)/custody/multi@\(instance)", work: work)
            #expect(instanceServed.digest == instance)
            #expect(try instanceServed.bytes == fileBytes(try Fixtures.path("dir-multi") + "/\(hex(instance)).manifest.json"))
        }

        // Without --all: the manifest for this machine's platform, as a single image.
        let architecture = try TransportKit.machineArchitecture()
        let index = try TransportKit.jsonObject(fileBytes(localIndex))
        let ownEntry = try #require(
            (index["manifests"] as? [[String: Any]])?.first { ($0["platform"] as? [String: Any])?["architecture"] as? String == architecture },
            "dir-multi has no \(architecture) entry")
        let ownDigest = try #require(ownEntry["digest"] as? String)
        let one = "\(registry.host)/custody/one:v1"
        let copiedOne = try CustodyExecutable.run(["copy", "--dest-tls-verify=false", source, "docker://\(one)"])
        try #require(copiedOne.status == 0, "custody copy without --all: \(copiedOne)")
        let oneServed = try TransportKit.served(one, work: work)
        #expect(oneServed.digest == ownDigest, "linux/\(architecture) is copied")
        let oneResolved = try TransportKit.custodyJSON(["resolve", "docker://\(one)", "--tls-verify=false", "--output", "json"])
        #expect(oneResolved["digest"] as? String == ownDigest)
        #expect(oneResolved["mediaType"] as? String == "application/vnd.oci.image.manifest.v1+json")
        #expect((oneResolved["manifests"] as? [Any])?.isEmpty == true)
    }

    @Test("copy docker:// → docker:// between two repositories carries both kinds of signatures")
    func copyDockerToDocker() throws {
        let work = try Workspace()
        defer { work.remove() }
        let registry = try RegistryServer()
        defer { registry.stop() }

        let sourceIdentity = "\(registry.host)/custody/from:v1"
        let destination = "\(registry.host)/custody/to:v1"
        try work.skopeoPush(["dir:\(try Fixtures.path("dir-single"))", "docker://\(sourceIdentity)"])
        let digest = try TransportKit.served(sourceIdentity, work: work).digest
        let lookaside = work.path("lookaside")
        let rd = try work.registriesD("rd", host: registry.host, lookaside: lookaside)
        let gpgKey = try work.generateKey("signer", algorithm: "ed25519")
        let key = try TransportKit.generatePEMKey(work, "cosign", type: "ecdsa-p256", format: "pem")
        let simple = try CustodyExecutable.run(["sign", "docker://\(sourceIdentity)", "--gpg-key", gpgKey + ".sec.asc", "--registries.d", rd, "--tls-verify=false"])
        try #require(simple.status == 0, "\(simple)")
        let cosign = try CustodyExecutable.run(["sign", "docker://\(sourceIdentity)", "--key", key.secret, "--tls-verify=false"])
        try #require(cosign.status == 0, "\(cosign)")

        let copied = try CustodyExecutable.run([
            "copy", "--src-tls-verify=false", "--dest-tls-verify=false", "--registries.d", rd, "docker://\(sourceIdentity)", "docker://\(destination)",
        ])
        try #require(copied.status == 0, "custody copy docker:// → docker://: \(copied)")
        #expect(try TransportKit.served(destination, work: work).digest == digest)

        // The cosign signature, re-attached in the destination repository, still names the source.
        let attachment = try TransportKit.pythonVerify(registry: registry.host, repository: "custody/to", digest: digest, key: key.publicKey)
        #expect((attachment["layers"] as? [[String: Any]])?.map { $0["docker_reference"] as? String } == ["\(registry.host)/custody/from"], "\(attachment)")
        let cosignAccepted = try CustodyExecutable.run([
            "verify", "docker://\(destination)", "--key", key.publicKey, "--identity", sourceIdentity, "--tls-verify=false",
        ])
        #expect(cosignAccepted.status == 0, "\(cosignAccepted)")

        // The simple signature is written to the destination's lookaside, unchanged.
        let copiedSignature = lookasidePath(lookaside, repository: "custody/to", digest: digest)
        #expect(FileManager.default.fileExists(atPath: copiedSignature), "no \(copiedSignature)")
        if FileManager.default.fileExists(atPath: copiedSignature) {
            #expect(try fileBytes(copiedSignature) == fileBytes(lookasidePath(lookaside, repository: "custody/from", digest: digest)))
        }
        let simpleAccepted = try CustodyExecutable.run([
            "verify", "docker://\(destination)", "--gpg-key", gpgKey + ".pub.asc", "--identity", sourceIdentity, "--registries.d", rd, "--tls-verify=false",
        ])
        #expect(simpleAccepted.status == 0, "\(simpleAccepted)")
    }

    // MARK: 7. atomicity and bad input

    @Test("a tampered layer: copy to docker:// leaves no tag, copy to dir: leaves no directory")
    func tamperedCopyLeavesNothing() throws {
        let work = try Workspace()
        defer { work.remove() }
        let registry = try RegistryServer()
        defer { registry.stop() }

        let tampered = "oci:\(try Fixtures.path("oci-tampered")):v1"
        let tamperedDigest = try String(contentsOfFile: try Fixtures.path("oci-tampered.TAMPERED"), encoding: .utf8)
        let destination = "\(registry.host)/r/t:v1"

        let pushed = try CustodyExecutable.run(["copy", "--dest-tls-verify=false", tampered, "docker://\(destination)"])
        #expect(pushed.status == 2, "custody copy of a tampered image: \(pushed)")
        #expect(pushed.stderrText.contains(tamperedDigest), "the error names the corrupt blob: \(pushed)")
        let resolved = try CustodyExecutable.run(["resolve", "docker://\(destination)", "--tls-verify=false"])
        #expect(resolved.status == 2, "the tag must not exist: \(resolved)")
        let inspected = try runProcess("skopeo", ["inspect", "--raw", "--tls-verify=false", "docker://\(destination)"])
        #expect(inspected.status != 0, "\(inspected)")
        #expect(inspected.stderrText.contains("manifest unknown"), "\(inspected)")

        let parent = work.path("dirs")
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        let out = parent + "/out"
        let written = try CustodyExecutable.run(["copy", tampered, "dir:\(out)"])
        #expect(written.status == 2, "custody copy of a tampered image to dir: \(written)")
        #expect(written.stderrText.contains(tamperedDigest), "\(written)")
        #expect(!FileManager.default.fileExists(atPath: out))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: parent)
        #expect(leftovers.isEmpty, "no staging directory may remain: \(leftovers)")
        #expect(!leftovers.contains { $0.hasPrefix(".out.custody-tmp-") })
    }

    @Test("a cosign key with the wrong passphrase writes nothing; an ECDSA signature does not verify with an RSA key; an OCI layout cannot be signed with --key")
    func badKeysAndTargets() throws {
        let work = try Workspace()
        defer { work.remove() }
        let registry = try RegistryServer()
        defer { registry.stop() }

        let repository = "custody/keys"
        let identity = "\(registry.host)/\(repository):v1"
        try work.skopeoPush(["dir:\(try Fixtures.path("dir-single"))", "docker://\(identity)"])
        let digest = try TransportKit.served(identity, work: work).digest
        let sigTag = "\(registry.host)/\(repository):\(CosignTag.of(digest))"

        // Wrong passphrase: exit 2 before anything is written.
        let passphrase = try TransportKit.write(work.path("passphrase"), "the right one")
        let wrong = try TransportKit.write(work.path("wrong"), "the wrong one")
        let key = try TransportKit.generatePEMKey(work, "ecdsa", type: "ecdsa-p256", format: "cosign", passphraseFile: passphrase)
        let refused = try CustodyExecutable.run(["sign", "docker://\(identity)", "--key", key.secret, "--passphrase-file", wrong, "--tls-verify=false"])
        #expect(refused.status == 2, "custody sign with a wrong passphrase: \(refused)")
        #expect(refused.stderrText.contains("passphrase"), "\(refused)")
        let noTag = try runProcess("skopeo", ["inspect", "--raw", "--tls-verify=false", "docker://\(sigTag)"])
        #expect(noTag.status != 0 && noTag.stderrText.contains("manifest unknown"), "no .sig tag may exist: \(noTag)")

        // The right passphrase: ECDSA signature; an RSA public key does not verify it.
        let signed = try CustodyExecutable.run(["sign", "docker://\(identity)", "--key", key.secret, "--passphrase-file", passphrase, "--tls-verify=false"])
        try #require(signed.status == 0, "\(signed)")
        let rsa = try TransportKit.generatePEMKey(work, "rsa", type: "rsa3072", format: "pem")
        let mismatch = try CustodyExecutable.run(["verify", "docker://\(identity)", "--key", rsa.publicKey, "--tls-verify=false"])
        #expect(mismatch.status == 1, "an ECDSA signature checked with an RSA key: \(mismatch)")
        #expect(TransportKit.output(mismatch).contains(rsa.keyID), "the reason names the key: \(mismatch)")
        #expect(TransportKit.output(mismatch).contains("rsa-3072"), "the reason names the key type: \(mismatch)")
        let both = try CustodyExecutable.run(["verify", "docker://\(identity)", "--key", rsa.publicKey, "--key", key.publicKey, "--tls-verify=false"])
        #expect(both.status == 0, "any trusted key may verify: \(both)")

        // An OCI layout cannot hold cosign signatures: a clear error, and the layout is untouched.
        let layout = try work.copyFixture("oci-single", as: "layout")
        let before = try TransportKit.listing(layout)
        let indexBefore = try fileBytes(layout + "/index.json")
        // With an identity (so that only the transport is wrong).
        let withIdentity = try CustodyExecutable.run(["sign", "oci:\(layout):v1", "--key", rsa.secret, "--identity", identity])
        #expect(withIdentity.status == 2 || withIdentity.status == 64, "custody sign oci: --key --identity: \(withIdentity)")
        #expect(withIdentity.stderrText.contains("OCI image layout cannot hold signatures"), "\(withIdentity)")
        // Without one, the error must still be the real one: asking for --identity would only
        // lead the user to the error above.
        let ociSigned = try CustodyExecutable.run(["sign", "oci:\(layout):v1", "--key", rsa.secret])
        #expect(ociSigned.status == 2 || ociSigned.status == 64, "custody sign oci: --key: \(ociSigned)")
        #expect(ociSigned.stderrText.contains("OCI image layout cannot hold signatures"), "\(ociSigned)")
        #expect(try TransportKit.listing(layout) == before)
        #expect(try fileBytes(layout + "/index.json") == indexBefore)
    }

    // MARK: 8. credentials

    @Test("an htpasswd registry: copy --dest-creds and --authfile push; a wrong password is refused as unauthorized")
    func credentials() throws {
        let work = try Workspace()
        defer { work.remove() }
        let registry = try RegistryServer(authentication: .htpasswd(users: ["custody": "s3cret-pass"]))
        defer { registry.stop() }

        let source = "oci:\(try Fixtures.path("oci-single")):v1"
        let expected = try manifestDigest(ofFile: try Fixtures.path("dir-single") + "/manifest.json")

        // --dest-creds.
        let withCreds = "\(registry.host)/custody/auth:v1"
        let pushed = try CustodyExecutable.run(["copy", "--dest-tls-verify=false", "--dest-creds", "custody:s3cret-pass", source, "docker://\(withCreds)"])
        #expect(pushed.status == 0, "custody copy --dest-creds: \(pushed)")
        let inspected = try runProcess("skopeo", ["inspect", "--raw", "--tls-verify=false", "--creds", "custody:s3cret-pass", "docker://\(withCreds)"])
        #expect(inspected.status == 0, "\(inspected)")
        if inspected.status == 0 {
            let file = work.path("pushed.json")
            try inspected.stdout.write(to: URL(fileURLWithPath: file))
            #expect(try manifestDigest(ofFile: file) == expected)
        }
        // The registry really demands credentials.
        let anonymous = try runProcess("skopeo", ["inspect", "--raw", "--tls-verify=false", "docker://\(withCreds)"])
        #expect(anonymous.status != 0, "anonymous access must be refused: \(anonymous)")

        // A wrong password.
        let wrongTag = "\(registry.host)/custody/auth:wrong"
        let refused = try CustodyExecutable.run(["copy", "--dest-tls-verify=false", "--dest-creds", "custody:not-the-password", source, "docker://\(wrongTag)"])
        #expect(refused.status == 2, "custody copy with a wrong password: \(refused)")
        #expect(TransportKit.saysCredentialsRefused(refused.stderrText), "an unauthorized-style message: \(refused)")
        let notPushed = try runProcess("skopeo", ["inspect", "--raw", "--tls-verify=false", "--creds", "custody:s3cret-pass", "docker://\(wrongTag)"])
        #expect(notPushed.status != 0, "\(notPushed)")

        // --authfile (containers auth.json).
        let authFile = work.path("auth.json")
        let auth = Data("custody:s3cret-pass".utf8).base64EncodedString()
        _ = try TransportKit.write(authFile, "{\"auths\":{\"\(registry.host)\":{\"auth\":\"\(auth)\"}}}\n")
        let viaAuthFile = "\(registry.host)/custody/auth:v2"
        let pushedWithFile = try CustodyExecutable.run(["copy", "--dest-tls-verify=false", "--authfile", authFile, source, "docker://\(viaAuthFile)"])
        #expect(pushedWithFile.status == 0, "custody copy --authfile: \(pushedWithFile)")
        let resolved = try CustodyExecutable.run(["resolve", "docker://\(viaAuthFile)", "--tls-verify=false", "--authfile", authFile, "--output", "json"])
        #expect(resolved.status == 0, "custody resolve --authfile: \(resolved)")
        if resolved.status == 0 {
            #expect(try TransportKit.jsonObject(resolved.stdout)["digest"] as? String == expected)
        }
        let resolvedCreds = try CustodyExecutable.run(["resolve", "docker://\(viaAuthFile)", "--tls-verify=false", "--creds", "custody:s3cret-pass"])
        #expect(resolvedCreds.status == 0, "custody resolve --creds: \(resolvedCreds)")
        let resolvedWrong = try CustodyExecutable.run(["resolve", "docker://\(viaAuthFile)", "--tls-verify=false", "--creds", "custody:not-the-password"])
        #expect(resolvedWrong.status == 2, "custody resolve with a wrong password: \(resolvedWrong)")
        #expect(TransportKit.saysCredentialsRefused(resolvedWrong.stderrText), "\(resolvedWrong)")
        let emptyAuthFile = try TransportKit.write(work.path("empty-auth.json"), "{\"auths\":{}}\n")
        let unauthenticated = try CustodyExecutable.run(["resolve", "docker://\(viaAuthFile)", "--tls-verify=false", "--authfile", emptyAuthFile])
        #expect(unauthenticated.status == 2, "custody resolve without credentials: \(unauthenticated)")
    }
}

// MARK: - helpers

/// The `.sig` tag of a digest: `sha256-<hex>.sig`.
private enum CosignTag {
    static func of(_ digest: String) -> String {
        digest.replacingOccurrences(of: ":", with: "-") + ".sig"
    }
}

/// A PEM or cosign key made by `custody key generate`.
private struct GeneratedPEMKey {
    /// PREFIX.pub: PEM SubjectPublicKeyInfo.
    let publicKey: String
    /// PREFIX.key: PKCS#8 PEM, or cosign's encrypted format.
    let secret: String
    /// The key ID custody printed ("Generated … key <hex>").
    let keyID: String
}

private enum TransportKit {
    static var scriptPath: String { Fixtures.repositoryRoot + "/Scripts/cosign-attachment.py" }

    /// Runs Scripts/cosign-attachment.py.
    static func python(_ arguments: [String]) throws -> ProcessResult {
        try runProcess("python3", [scriptPath] + arguments)
    }

    /// `cosign-attachment.py verify`, which must succeed; its JSON report.
    static func pythonVerify(registry: String, repository: String, digest: String, key: String) throws -> [String: Any] {
        let result = try python(["verify", "--registry", registry, "--repo", repository, "--digest", digest, "--key", key])
        guard result.status == 0 else { throw TestSupportError("cosign-attachment.py verify \(repository) \(digest): \(result)") }
        return try jsonObject(result.stdout)
    }

    /// The bytes the registry serves for `reference` (`skopeo inspect --raw`) and their digest
    /// (`skopeo manifest-digest`), and the file they were saved to.
    static func served(_ reference: String, work: Workspace) throws -> (bytes: Data, digest: String, file: String) {
        let raw = try runProcess("skopeo", ["inspect", "--raw", "--tls-verify=false", "docker://\(reference)"])
        guard raw.status == 0 else { throw TestSupportError("skopeo inspect --raw docker://\(reference): \(raw)") }
        let file = work.path("served-\(UUID().uuidString.prefix(8)).json")
        try raw.stdout.write(to: URL(fileURLWithPath: file))
        return (raw.stdout, try manifestDigest(ofFile: file), file)
    }

    /// `custody ARGS` (with `--output json`), which must succeed; its JSON report.
    static func custodyJSON(_ arguments: [String]) throws -> [String: Any] {
        let result = try CustodyExecutable.run(arguments)
        guard result.status == 0 else { throw TestSupportError("custody \(arguments.joined(separator: " ")): \(result)") }
        return try jsonObject(result.stdout)
    }

    static func jsonObject(_ data: Data) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) as? [String: Any] else {
            throw TestSupportError("not a JSON object: \(String(decoding: data, as: UTF8.self))")
        }
        return object
    }

    /// `custody key generate --type TYPE --format FORMAT [--passphrase-file F] -o WORK/NAME`.
    static func generatePEMKey(_ work: Workspace, _ name: String, type: String, format: String, passphraseFile: String? = nil) throws -> GeneratedPEMKey {
        let prefix = work.path(name)
        var arguments = ["key", "generate", "--type", type, "--format", format, "-o", prefix]
        if let passphraseFile { arguments += ["--passphrase-file", passphraseFile] }
        let result = try CustodyExecutable.run(arguments)
        guard result.status == 0 else { throw TestSupportError("custody \(arguments.joined(separator: " ")): \(result)") }
        // "Generated <type> key <hex>"
        guard let line = result.stdoutText.split(separator: "\n").first(where: { $0.hasPrefix("Generated ") }),
              let keyID = line.split(separator: " ").last, keyID.count >= 16
        else {
            throw TestSupportError("no key ID in the output of custody key generate: \(result)")
        }
        return GeneratedPEMKey(publicKey: prefix + ".pub", secret: prefix + ".key", keyID: String(keyID))
    }

    /// Writes `text` to `path`; returns `path`.
    static func write(_ path: String, _ text: String) throws -> String {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A registries.d directory with one YAML file.
    static func registriesD(_ work: Workspace, _ name: String, yaml: String) throws -> String {
        let directory = work.path(name)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: directory + "/custody-test.yaml"))
        return directory
    }

    /// The `signature-N` files of a dir: image, sorted by N.
    static func signatureFiles(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasPrefix("signature-") }
            .sorted { Int($0.dropFirst("signature-".count)) ?? 0 < Int($1.dropFirst("signature-".count)) ?? 0 }
    }

    /// Every path under `directory`, relative and sorted; empty when it does not exist.
    static func listing(_ directory: String) throws -> [String] {
        guard FileManager.default.fileExists(atPath: directory) else { return [] }
        return (FileManager.default.subpaths(atPath: directory) ?? []).sorted()
    }

    /// Whether an error message says the registry refused the credentials given (not merely
    /// "answered 401"): it names the credentials and says they were refused or rejected, or that
    /// access is unauthorized.
    static func saysCredentialsRefused(_ message: String) -> Bool {
        let text = message.lowercased()
        return text.contains("credentials")
            && ["refused", "rejected", "wrong", "unauthorized"].contains { text.contains($0) }
    }

    /// stdout and stderr together.
    static func output(_ result: ProcessResult) -> String {
        result.stdoutText + "\n" + result.stderrText
    }

    /// `sha256:<hex>` of `data`, computed by `sha256sum` (a peer, not Custody).
    static func sha256(_ data: Data) -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("custody-rt-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        guard (try? data.write(to: file)) != nil,
              let result = try? runProcess("sha256sum", [file.path]), result.status == 0,
              let hex = result.stdoutText.split(separator: " ").first
        else { return "" }
        return "sha256:" + hex
    }

    /// The OCI architecture of this machine (`uname -m` mapped as Go names it).
    static func machineArchitecture() throws -> String {
        let result = try runProcess("uname", ["-m"])
        let machine = result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
        switch machine {
        case "x86_64", "amd64": return "amd64"
        case "aarch64", "arm64": return "arm64"
        default: throw TestSupportError("no fixture platform for uname -m \(machine)")
        }
    }
}
