import CustodyTestSupport
import Foundation
import Testing

// Runs the real `custody` binary on real images built by umoci and skopeo
// (Scripts/make-fixtures.sh) and checks every answer against skopeo 1.9.3, the peer tool.
// Expected values are always computed here with skopeo (`skopeo inspect --raw`,
// `skopeo manifest-digest`) or read from the fixture files, never hard-coded.
//
// CLI contract under test:
//   custody digest IMAGE [--verify-blobs] [--output json]
//   custody inspect IMAGE --output json
//   exit 0 success; 2 could not evaluate (bad input, unknown transport, missing file or blob,
//   digest mismatch); 64 usage error (missing argument, unknown flag).

/// One fixture image and how to address it.
struct InteropImage: Sendable, CustomTestStringConvertible {
    enum Transport: Sendable { case oci, dir }

    /// Directory name under the fixtures directory.
    let fixture: String
    let transport: Transport
    /// For `oci:`, the tag; nil means the untagged form `oci:DIR`.
    let tag: String?
    let isIndex: Bool

    var testDescription: String { "\(fixture) (\(referenceSuffix))" }

    private var referenceSuffix: String {
        switch transport {
        case .oci: tag.map { "oci:…:\($0)" } ?? "oci:… untagged"
        case .dir: "dir:…"
        }
    }

    /// The custody/skopeo image name.
    func reference() throws -> String {
        let directory = try Fixtures.path(fixture)
        switch transport {
        case .oci: return tag.map { "oci:\(directory):\($0)" } ?? "oci:\(directory)"
        case .dir: return "dir:\(directory)"
        }
    }

    /// The path of the file holding the manifest of the instance with digest `sha256:<hex>`.
    func instanceManifestPath(_ digest: String) throws -> String {
        let hex = try hexOf(digest)
        let directory = try Fixtures.path(fixture)
        switch transport {
        case .oci: return "\(directory)/blobs/sha256/\(hex)"
        case .dir: return "\(directory)/\(hex).manifest.json"   // how skopeo's dir: stores instances
        }
    }

    /// The path of the blob (config or layer) with digest `sha256:<hex>`.
    func blobPath(_ digest: String) throws -> String {
        let hex = try hexOf(digest)
        let directory = try Fixtures.path(fixture)
        switch transport {
        case .oci: return "\(directory)/blobs/sha256/\(hex)"
        case .dir: return "\(directory)/\(hex)"
        }
    }

    /// The mediaType of the top-level manifest as recorded outside the manifest, if anywhere:
    /// for an OCI layout, the index.json descriptor (our layouts have exactly one entry).
    func outerMediaType() throws -> String? {
        guard transport == .oci else { return nil }
        let index = try jsonObject(Data(contentsOf: URL(fileURLWithPath: try Fixtures.path(fixture) + "/index.json")))
        let entries = try #require(index["manifests"] as? [[String: Any]])
        try #require(entries.count == 1)
        return entries[0]["mediaType"] as? String
    }
}

/// Every intact fixture image.
private let intactImages: [InteropImage] = [
    InteropImage(fixture: "oci-single", transport: .oci, tag: "v1", isIndex: false),
    InteropImage(fixture: "oci-single", transport: .oci, tag: nil, isIndex: false),
    InteropImage(fixture: "dir-single", transport: .dir, tag: nil, isIndex: false),
    InteropImage(fixture: "dir-single-v2s2", transport: .dir, tag: nil, isIndex: false),
    InteropImage(fixture: "oci-multi", transport: .oci, tag: "multi", isIndex: true),
    InteropImage(fixture: "oci-multi", transport: .oci, tag: nil, isIndex: true),
    InteropImage(fixture: "dir-multi", transport: .dir, tag: nil, isIndex: true),
    InteropImage(fixture: "dir-docker-list", transport: .dir, tag: nil, isIndex: true),
]

/// Copies whose largest layer has one flipped byte; `<fixture>.TAMPERED` names the blob.
private let tamperedImages: [InteropImage] = [
    InteropImage(fixture: "oci-tampered", transport: .oci, tag: "v1", isIndex: false),
    InteropImage(fixture: "dir-tampered", transport: .dir, tag: nil, isIndex: false),
]

@Suite(
    "custody agrees with skopeo on real images",
    .enabled(if: PeerTool.availableOrCI("skopeo", "umoci", "python3")),
    .timeLimit(.minutes(10))
)
struct SkopeoInteropTests {
    // MARK: custody digest

    @Test("digest: first line is skopeo's manifest digest; one line per platform for an index", arguments: intactImages)
    func digestMatchesSkopeo(image: InteropImage) throws {
        let reference = try image.reference()
        let expected = try ExpectedImage(image)

        let result = try CustodyExecutable.run(["digest", reference])
        try #require(result.status == 0, "custody digest \(reference): \(result)")
        let lines = nonEmptyLines(result.stdoutText)
        try #require(!lines.isEmpty, "no output: \(result)")
        #expect(lines[0] == expected.digest)
        #expect(Array(lines.dropFirst()) == expected.platformLines, "custody digest \(reference): \(result)")
        if image.isIndex {
            #expect(expected.platformLines.count == 2, "fixture index should list two platforms")
        }
    }

    @Test("digest: skopeo inspect --raw bytes hash to custody's digest", arguments: intactImages)
    func skopeoRawBytesHashToCustodyDigest(image: InteropImage) throws {
        let reference = try image.reference()
        let raw = try skopeo(["inspect", "--raw", reference])
        let result = try CustodyExecutable.run(["digest", reference])
        try #require(result.status == 0, "\(result)")
        let custodyDigest = try #require(nonEmptyLines(result.stdoutText).first)
        let rawDigest = try sha256Digest(of: raw.stdout)
        #expect(rawDigest == custodyDigest)
    }

    @Test("digest --verify-blobs: intact images pass with the same output", arguments: intactImages)
    func verifyBlobsAcceptsIntactImages(image: InteropImage) throws {
        let reference = try image.reference()
        let plain = try CustodyExecutable.run(["digest", reference])
        let verified = try CustodyExecutable.run(["digest", reference, "--verify-blobs"])
        #expect(plain.status == 0, "\(plain)")
        #expect(verified.status == 0, "custody digest \(reference) --verify-blobs: \(verified)")
        #expect(verified.stdoutText == plain.stdoutText)
    }

    @Test("digest --verify-blobs: one flipped byte in a layer is exit 2 naming the blob", arguments: tamperedImages)
    func verifyBlobsRejectsTamperedLayer(image: InteropImage) throws {
        let reference = try image.reference()
        let tamperedBlob = try marker(image.fixture, suffix: "TAMPERED")

        // Sanity: the fixture really is tampered, as skopeo sees it.
        let copyDestination = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: copyDestination) }
        let copy = try skopeo(["--insecure-policy", "copy", "--quiet", reference, "dir:" + copyDestination], check: false)
        #expect(copy.status != 0, "skopeo accepted the tampered image")
        #expect(copy.stderrText.contains(tamperedBlob), "skopeo: \(copy)")

        let result = try CustodyExecutable.run(["digest", reference, "--verify-blobs"])
        #expect(result.status == 2, "custody digest \(reference) --verify-blobs: \(result)")
        #expect(result.stderrText.contains(tamperedBlob), "stderr should name \(tamperedBlob): \(result)")

        // Without --verify-blobs only the manifest is read: it is intact, so this succeeds.
        let plain = try CustodyExecutable.run(["digest", reference])
        #expect(plain.status == 0, "\(plain)")
        let manifestDigest = try sha256Digest(of: try skopeo(["inspect", "--raw", reference]).stdout)
        #expect(nonEmptyLines(plain.stdoutText).first == manifestDigest)
    }

    @Test("digest --verify-blobs: a missing layer blob is exit 2 naming the blob")
    func verifyBlobsRejectsMissingBlob() throws {
        let reference = "oci:" + (try Fixtures.path("oci-missing-blob")) + ":v1"
        let missingBlob = try marker("oci-missing-blob", suffix: "MISSING")
        let result = try CustodyExecutable.run(["digest", reference, "--verify-blobs"])
        #expect(result.status == 2, "custody digest \(reference) --verify-blobs: \(result)")
        #expect(result.stderrText.contains(missingBlob), "stderr should name \(missingBlob): \(result)")
    }

    // MARK: JSON output

    @Test("digest --output json matches skopeo and the index", arguments: intactImages)
    func digestJSON(image: InteropImage) throws {
        let reference = try image.reference()
        let expected = try ExpectedImage(image)
        let result = try CustodyExecutable.run(["digest", reference, "--output", "json"])
        try #require(result.status == 0, "\(result)")
        let object = try jsonObject(result.stdout)

        #expect(object["digest"] as? String == expected.digest)
        #expect(object["mediaType"] as? String == expected.mediaType)
        let manifests = try #require(object["manifests"] as? [[String: Any]], "\"manifests\" must be an array: \(result)")
        #expect(manifests.count == expected.instances.count)
        for (actual, instance) in zip(manifests, expected.instances) {
            #expect(actual["platform"] as? String == instance.platform)
            #expect(actual["digest"] as? String == instance.digest)
            #expect(actual["mediaType"] as? String == instance.mediaType)
        }
    }

    @Test("inspect --output json lists config, layers or platform manifests", arguments: intactImages)
    func inspectJSON(image: InteropImage) throws {
        let reference = try image.reference()
        let expected = try ExpectedImage(image)
        let result = try CustodyExecutable.run(["inspect", reference, "--output", "json"])
        try #require(result.status == 0, "\(result)")
        let object = try jsonObject(result.stdout)

        #expect(object["digest"] as? String == expected.digest)
        #expect(object["mediaType"] as? String == expected.mediaType)

        if image.isIndex {
            let manifests = try #require(object["manifests"] as? [[String: Any]], "\(result)")
            #expect(manifests.count == expected.instances.count)
            for (actual, instance) in zip(manifests, expected.instances) {
                #expect(actual["platform"] as? String == instance.platform)
                #expect(actual["digest"] as? String == instance.digest)
                #expect(integer(actual["size"]) == instance.size)
                #expect(actual["mediaType"] as? String == instance.mediaType)
            }
        } else {
            let manifest = expected.manifest
            let expectedConfig = try #require(manifest["config"] as? [String: Any])
            let config = try #require(object["config"] as? [String: Any], "\(result)")
            #expect(config["digest"] as? String == expectedConfig["digest"] as? String)
            #expect(integer(config["size"]) == integer(expectedConfig["size"]))
            #expect(config["mediaType"] as? String == expectedConfig["mediaType"] as? String)

            let expectedLayers = try #require(manifest["layers"] as? [[String: Any]])
            let layers = try #require(object["layers"] as? [[String: Any]], "\(result)")
            #expect(layers.count == expectedLayers.count)
            if image.fixture.hasPrefix("oci-single") || image.fixture.hasPrefix("dir-single") {
                #expect(expectedLayers.count == 2, "fixture should have two layers")
            }
            for (actual, layer) in zip(layers, expectedLayers) {
                #expect(actual["digest"] as? String == layer["digest"] as? String)
                #expect(integer(actual["size"]) == integer(layer["size"]))
                #expect(actual["mediaType"] as? String == layer["mediaType"] as? String)
                // The blob on disk really has that size (fixture sanity).
                let path = try image.blobPath(try #require(layer["digest"] as? String))
                let attributes = try FileManager.default.attributesOfItem(atPath: path)
                #expect((attributes[.size] as? NSNumber)?.intValue == integer(layer["size"]))
            }
        }
    }

    // MARK: Image names and exit codes

    @Test("oci:DIR without a tag is bad input when index.json has two entries; each tag still resolves")
    func untaggedLayoutNeedsExactlyOneEntry() throws {
        // Copy oci-single and give its one manifest a second tag.
        let layout = temporaryPath()
        try FileManager.default.copyItem(atPath: try Fixtures.path("oci-single"), toPath: layout)
        defer { try? FileManager.default.removeItem(atPath: layout) }
        let indexURL = URL(fileURLWithPath: layout + "/index.json")
        var index = try jsonObject(Data(contentsOf: indexURL))
        var entries = try #require(index["manifests"] as? [[String: Any]])
        var second = entries[0]
        second["annotations"] = ["org.opencontainers.image.ref.name": "v2"]
        entries.append(second)
        index["manifests"] = entries
        try JSONSerialization.data(withJSONObject: index).write(to: indexURL)

        let untagged = try CustodyExecutable.run(["digest", "oci:" + layout])
        #expect(untagged.status == 2, "\(untagged)")

        let v1 = try CustodyExecutable.run(["digest", "oci:\(layout):v1"])
        let v2 = try CustodyExecutable.run(["digest", "oci:\(layout):v2"])
        let skopeoV2 = try sha256Digest(of: try skopeo(["inspect", "--raw", "oci:\(layout):v2"]).stdout)
        #expect(v1.status == 0, "\(v1)")
        #expect(v2.status == 0, "\(v2)")
        #expect(nonEmptyLines(v2.stdoutText).first == skopeoV2)
        #expect(v1.stdoutText == v2.stdoutText)
    }

    @Test("exit code 2: unknown transport, missing layout, unknown tag")
    func badInputIsExit2() throws {
        let single = try Fixtures.path("oci-single")
        for reference in [
            "nosuchtransport:x",
            "oci:/nonexistent/custody-fixture:v1",
            "dir:/nonexistent/custody-fixture",
            "oci:\(single):nosuchtag",
        ] {
            let result = try CustodyExecutable.run(["digest", reference])
            #expect(result.status == 2, "custody digest \(reference): \(result)")
            #expect(!result.stderrText.isEmpty, "custody digest \(reference) should explain on stderr")
        }
    }

    @Test("exit code 64: missing argument, unknown flag")
    func usageErrorsAreExit64() throws {
        let reference = "oci:" + (try Fixtures.path("oci-single")) + ":v1"
        for arguments in [["digest"], ["digest", reference, "--no-such-flag"], ["inspect"]] {
            let result = try CustodyExecutable.run(arguments)
            #expect(result.status == 64, "custody \(arguments.joined(separator: " ")): \(result)")
        }
    }
}

// MARK: - Expected values, from skopeo and the fixture files

/// What custody should report for an image, computed with skopeo and from the files.
private struct ExpectedImage {
    struct Instance {
        let platform: String    // os/arch[/variant]
        let digest: String
        let size: Int?
        let mediaType: String?
    }

    let digest: String
    let mediaType: String?
    let manifest: [String: Any]
    let instances: [Instance]

    /// `<os>/<arch>[/<variant>] sha256:<hex>` per instance, in index order.
    var platformLines: [String] { instances.map { "\($0.platform) \($0.digest)" } }

    init(_ image: InteropImage) throws {
        let reference = try image.reference()

        // The manifest bytes as skopeo reads them, and skopeo's digest of them.
        let raw = try skopeo(["inspect", "--raw", reference]).stdout
        digest = try skopeoManifestDigest(of: raw)
        manifest = try jsonObject(raw)

        // For dir:, the bytes must be exactly manifest.json (skopeo and custody read the same file).
        if image.transport == .dir {
            let file = try Data(contentsOf: URL(fileURLWithPath: try Fixtures.path(image.fixture) + "/manifest.json"))
            #expect(file == raw, "skopeo inspect --raw differs from manifest.json")
        }

        // The mediaType custody should report: the manifest's own field; else the OCI layout's
        // index.json descriptor; else (umoci writes OCI manifests without "mediaType", and skopeo
        // keeps them so in dir:) the OCI type implied by the structure.
        if let own = manifest["mediaType"] as? String {
            mediaType = own
        } else if let outer = try image.outerMediaType() {
            mediaType = outer
        } else {
            mediaType = manifest["manifests"] != nil
                ? "application/vnd.oci.image.index.v1+json"
                : "application/vnd.oci.image.manifest.v1+json"
        }

        var instances: [Instance] = []
        if image.isIndex {
            let entries = try #require(manifest["manifests"] as? [[String: Any]], "fixture should be an index")
            for entry in entries {
                let platform = try #require(entry["platform"] as? [String: Any])
                let os = try #require(platform["os"] as? String)
                let architecture = try #require(platform["architecture"] as? String)
                var parts = [os, architecture]
                if let variant = platform["variant"] as? String { parts.append(variant) }

                // The instance digest as skopeo computes it from the stored instance manifest; the
                // index descriptor must agree (fixture sanity).
                let listed = try #require(entry["digest"] as? String)
                let path = try image.instanceManifestPath(listed)
                let instanceDigest = try skopeo(["manifest-digest", path]).stdoutText
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(instanceDigest == listed, "index lists \(listed) but skopeo hashes \(path) to \(instanceDigest)")

                instances.append(Instance(
                    platform: parts.joined(separator: "/"),
                    digest: instanceDigest,
                    size: integer(entry["size"]),
                    mediaType: entry["mediaType"] as? String
                ))
            }
        }
        self.instances = instances
    }
}

// MARK: - Helpers

/// Runs skopeo; by default a failure is a thrown error carrying its output.
@discardableResult
private func skopeo(_ arguments: [String], check: Bool = true) throws -> ProcessResult {
    let result = try runProcess("skopeo", arguments)
    if check && result.status != 0 {
        throw TestSupportError("skopeo \(arguments.joined(separator: " ")) failed: \(result)")
    }
    return result
}

/// `skopeo manifest-digest` of the given manifest bytes.
private func skopeoManifestDigest(of manifest: Data) throws -> String {
    let path = temporaryPath()
    try manifest.write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try skopeo(["manifest-digest", path]).stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// Plain SHA-256 of the bytes, as `sha256:<hex>`, computed by coreutils `sha256sum`
/// (an implementation independent of custody's).
private func sha256Digest(of data: Data) throws -> String {
    let path = temporaryPath()
    try data.write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let result = try runProcess("sha256sum", [path])
    guard result.status == 0, let hex = result.stdoutText.split(separator: " ").first, hex.count == 64 else {
        throw TestSupportError("sha256sum failed: \(result)")
    }
    return "sha256:\(hex)"
}

/// The digest string stored in the sibling marker file `<fixture>.<suffix>`.
private func marker(_ fixture: String, suffix: String) throws -> String {
    let path = try Fixtures.directory() + "/\(fixture).\(suffix)"
    let text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    guard text.hasPrefix("sha256:"), text.count == 71 else {
        throw TestSupportError("bad marker file \(path): \(text)")
    }
    return text
}

private func hexOf(_ digest: String) throws -> String {
    guard digest.hasPrefix("sha256:"), digest.count == 71 else {
        throw TestSupportError("not a sha256 digest: \(digest)")
    }
    return String(digest.dropFirst("sha256:".count))
}

private func jsonObject(_ data: Data) throws -> [String: Any] {
    guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        throw TestSupportError("not a JSON object: \(String(decoding: data, as: UTF8.self))")
    }
    return object
}

private func integer(_ value: Any?) -> Int? {
    (value as? NSNumber)?.intValue ?? (value as? Int)
}

private func nonEmptyLines(_ text: String) -> [String] {
    text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
}

/// A fresh path in the temporary directory (not created).
private func temporaryPath() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("custody-test-\(UUID().uuidString)").path
}
