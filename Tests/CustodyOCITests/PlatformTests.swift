import CustodyJSON
import CustodyOCI
import Foundation
import Testing

/// One `satisfies` question: does an image for `image` satisfy a request for `wanted`?
struct PlatformMatch: Sendable, CustomTestStringConvertible {
    let image: Platform
    let wanted: Platform
    let expected: Bool
    var testDescription: String {
        "image \(image) (variant \(image.variant.map { "\"\($0)\"" } ?? "nil")) for wanted \(wanted) "
            + "(variant \(wanted.variant.map { "\"\($0)\"" } ?? "nil")) → \(expected)"
    }
}

private func platform(_ os: String, _ architecture: String, _ variant: String? = nil) -> Platform {
    Platform(os: os, architecture: architecture, variant: variant)
}

@Suite("Platform")
struct PlatformTests {
    @Test("parses os/architecture[/variant]", arguments: [
        ("linux/arm64/v8", platform("linux", "arm64", "v8")),
        ("linux/amd64", platform("linux", "amd64")),
        ("windows/amd64", platform("windows", "amd64")),
        ("linux/arm/v7", platform("linux", "arm", "v7")),
    ])
    func parses(text: String, expected: Platform) throws {
        let parsed = try #require(Platform(parsing: text))
        #expect(parsed == expected)
        #expect(parsed.description == text)
    }

    @Test("rejects text without two or three non-empty parts", arguments: [
        "linux", "", "a//b", "/amd64", "linux/", "linux/arm64/", "linux/arm64/v8/extra", "//",
    ])
    func rejects(text: String) {
        #expect(Platform(parsing: text) == nil)
    }

    @Test("description leaves out a missing or empty variant")
    func description() {
        #expect(platform("linux", "arm64").description == "linux/arm64")
        #expect(platform("linux", "arm64", "").description == "linux/arm64")
        #expect(platform("linux", "arm64", "v8").description == "linux/arm64/v8")
    }

    static let matches: [PlatformMatch] = [
        // Same OS and architecture, no wanted variant: any variant matches.
        PlatformMatch(image: platform("linux", "amd64"), wanted: platform("linux", "amd64"), expected: true),
        PlatformMatch(image: platform("linux", "arm64", "v8"), wanted: platform("linux", "arm64"), expected: true),
        PlatformMatch(image: platform("linux", "arm", "v5"), wanted: platform("linux", "arm"), expected: true),
        PlatformMatch(image: platform("linux", "arm64", "v9"), wanted: platform("linux", "arm64"), expected: true),
        // arm64 without a variant (nil or "") is v8; arm without one is v7.
        PlatformMatch(image: platform("linux", "arm64"), wanted: platform("linux", "arm64", "v8"), expected: true),
        PlatformMatch(image: platform("linux", "arm64", ""), wanted: platform("linux", "arm64", "v8"), expected: true),
        PlatformMatch(image: platform("linux", "arm64", "v8"), wanted: platform("linux", "arm64", ""), expected: true),
        PlatformMatch(image: platform("linux", "arm"), wanted: platform("linux", "arm", "v7"), expected: true),
        PlatformMatch(image: platform("linux", "arm", "v7"), wanted: platform("linux", "arm", ""), expected: true),
        PlatformMatch(image: platform("linux", "arm", "v6"), wanted: platform("linux", "arm", "v6"), expected: true),
        // Variant mismatches.
        PlatformMatch(image: platform("linux", "arm", "v6"), wanted: platform("linux", "arm", "v7"), expected: false),
        PlatformMatch(image: platform("linux", "arm"), wanted: platform("linux", "arm", "v6"), expected: false),
        PlatformMatch(image: platform("linux", "arm64", "v9"), wanted: platform("linux", "arm64", "v8"), expected: false),
        PlatformMatch(image: platform("linux", "arm64"), wanted: platform("linux", "arm64", "v9"), expected: false),
        // OS and architecture must be equal.
        PlatformMatch(image: platform("linux", "amd64"), wanted: platform("linux", "arm64"), expected: false),
        PlatformMatch(image: platform("windows", "amd64"), wanted: platform("linux", "amd64"), expected: false),
        PlatformMatch(image: platform("Linux", "amd64"), wanted: platform("linux", "amd64"), expected: false),
    ]

    @Test("satisfies(): OS and architecture equal, variant equal after defaults when one is wanted", arguments: matches)
    func satisfies(_ row: PlatformMatch) {
        #expect(row.image.satisfies(row.wanted) == row.expected)
    }

    @Test("decodes and encodes os.version and os.features")
    func codable() throws {
        let json = #"{"architecture":"amd64","os":"windows","os.version":"10.0.17763.1","os.features":["win32k"],"variant":"x"}"#
        let decoded = try StrictJSONDecoder().decode(Platform.self, from: json.utf8Bytes)
        #expect(decoded.osVersion == "10.0.17763.1")
        #expect(decoded.osFeatures == ["win32k"])
        #expect(decoded.variant == "x")
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let encoded = String(decoding: try encoder.encode(decoded), as: UTF8.self)
        #expect(encoded.contains(#""os.version":"10.0.17763.1""#))
        #expect(encoded.contains(#""os.features":["win32k"]"#))
        #expect(throws: JSONError.self) { try StrictJSONDecoder().decode(Platform.self, from: #"{"os":"linux"}"#.utf8Bytes) }
    }

    @Test("the current platform uses Go's names")
    func current() {
        #expect(["amd64", "arm64"].contains(Platform.current.architecture))
        #expect(["linux", "darwin"].contains(Platform.current.os))
    }
}

@Suite("ImageIndex.manifest(for:)")
struct ImageIndexPlatformTests {
    static func entry(_ name: String, _ platform: Platform?) -> Descriptor {
        Descriptor(mediaType: .ociManifest, bytes: name.utf8Bytes).on(platform)
    }

    static let amd64 = entry("amd64", platform("linux", "amd64"))
    static let armV8 = entry("arm64-v8", platform("linux", "arm64", "v8"))
    static let armPlain = entry("arm64", platform("linux", "arm64"))
    static let noPlatform = entry("none", nil)

    @Test("picks the first match in index order")
    func firstMatch() throws {
        let index = ImageIndex(manifests: [Self.noPlatform, Self.amd64, Self.armV8, Self.armPlain])
        #expect(try index.manifest(for: platform("linux", "arm64")) == Self.armV8)
        #expect(try index.manifest(for: platform("linux", "arm64", "v8")) == Self.armV8)
        #expect(try index.manifest(for: platform("linux", "amd64")) == Self.amd64)
        let reversed = ImageIndex(manifests: [Self.armPlain, Self.armV8, Self.amd64])
        #expect(try reversed.manifest(for: platform("linux", "arm64", "v8")) == Self.armPlain)
    }

    @Test("no match is platformNotFound listing what the index offers")
    func noMatch() throws {
        let index = ImageIndex(manifests: [Self.amd64, Self.noPlatform, Self.armV8])
        do {
            _ = try index.manifest(for: platform("linux", "s390x"))
            Issue.record("found a manifest for linux/s390x")
        } catch {
            #expect(error.code == .platformNotFound)
            #expect(error.reason.contains("linux/s390x"))
            #expect(error.reason.contains("linux/amd64, linux/arm64/v8"))
        }
        #expect(throws: OCIError(code: .platformNotFound)) { try index.manifest(for: platform("linux", "arm64", "v7")) }
    }

    @Test("an index whose entries have no platform offers none")
    func offersNone() {
        let index = ImageIndex(manifests: [Self.noPlatform])
        do {
            _ = try index.manifest(for: platform("linux", "amd64"))
            Issue.record("found a manifest without a platform")
        } catch {
            #expect(error.code == .platformNotFound)
            #expect(error.reason.contains("none"))
        }
        #expect(throws: OCIError(code: .platformNotFound)) { try ImageIndex(manifests: []).manifest(for: .current) }
    }
}
