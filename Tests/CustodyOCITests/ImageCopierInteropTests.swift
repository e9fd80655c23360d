import CustodyOCI
import CustodyTestSupport
import Foundation
import Testing

/// Custody writes, skopeo reads: images copied by ``ImageCopier`` into `oci:` and `dir:` must be
/// readable by skopeo with every manifest byte unchanged.
@Suite("ImageCopier writes layouts skopeo reads", .enabled(if: PeerTool.availableOrCI("skopeo", "umoci")))
struct ImageCopierInteropTests {
    private func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("custody-copy-\(UUID().uuidString)").path
    }

    private func skopeoDigest(_ image: String) throws -> String {
        let raw = try runProcess("skopeo", ["inspect", "--raw", image])
        try #require(raw.status == 0, "skopeo inspect --raw \(image): \(raw.stderrText)")
        return Digest.compute(Array(raw.stdout)).description
    }

    @Test("oci index -> Custody dir: -> skopeo reads the same bytes and copies it on")
    func indexToDirectory() async throws {
        let fixtures = try Fixtures.directory()
        let target = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: target) }
        let source = OCILayoutSource(path: "\(fixtures)/oci-multi", selector: .name("multi"))
        let digest = try await ImageCopier.copy(from: source, to: try DirectoryDestination(path: target))

        #expect(try skopeoDigest("dir:\(target)") == digest.description)
        #expect(try skopeoDigest("oci:\(fixtures)/oci-multi:multi") == digest.description)
        // skopeo re-reads every blob and instance manifest when it copies the whole list onwards.
        let onward = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: onward) }
        let copy = try runProcess("skopeo", ["copy", "--all", "dir:\(target)", "oci:\(onward):again"])
        #expect(copy.status == 0, "\(copy.stderrText)")
        #expect(try skopeoDigest("oci:\(onward):again") == digest.description)
    }

    @Test("dir: images -> Custody oci layout with names -> skopeo resolves each name")
    func directoryToLayout() async throws {
        let fixtures = try Fixtures.directory()
        let target = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: target) }
        let single = DirectorySource(path: "\(fixtures)/dir-single")
        let first = try await ImageCopier.copy(from: single, to: try OCILayoutDestination(path: target, referenceName: "one"))
        // A second image in the same layout keeps the first one reachable.
        let second = try await ImageCopier.copy(
            from: DirectorySource(path: "\(fixtures)/dir-multi"), to: try OCILayoutDestination(path: target, referenceName: "two"))

        #expect(try skopeoDigest("oci:\(target):one") == first.description)
        #expect(try skopeoDigest("oci:\(target):two") == second.description)
        let inspect = try runProcess("skopeo", ["inspect", "oci:\(target):one"])
        #expect(inspect.status == 0, "\(inspect.stderrText)")

        // Rewriting a name replaces its entry instead of adding a second one. The replacement is a
        // Docker schema 2 manifest: skopeo 1.9.3 resolves only OCI media types by name in a layout
        // (containers/image 5.23), newer containers/image and Custody read Docker types too.
        let docker = try await ImageCopier.copy(
            from: DirectorySource(path: "\(fixtures)/dir-single-v2s2"), to: try OCILayoutDestination(path: target, referenceName: "two"))
        let reread = try await OCILayoutSource(path: target, selector: .name("two")).rootManifest()
        #expect(reread.digest == docker)
        #expect(reread.mediaType == .dockerManifest)
        #expect(try OCILayout(path: target).readIndex().manifests.count == 2)
        #expect(try skopeoDigest("oci:\(target):one") == first.description)
    }

    @Test("a corrupt source blob is never written under its digest")
    func corruptSourceLeavesNoBlob() async throws {
        let fixtures = try Fixtures.directory()
        let target = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: target) }
        let tampered = try String(contentsOfFile: "\(fixtures)/dir-tampered.TAMPERED", encoding: .utf8)
        let destination = try DirectoryDestination(path: target)
        await #expect(throws: OCIError(code: .digestMismatch)) {
            try await ImageCopier.copy(from: DirectorySource(path: "\(fixtures)/dir-tampered"), to: destination)
        }
        // The copy was staged beside the target and discarded: no target, no staging directory.
        _ = try Digest(parsing: tampered.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(!FileManager.default.fileExists(atPath: target))
        let parent = (target as NSString).deletingLastPathComponent
        let name = (target as NSString).lastPathComponent
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: parent).filter { $0.hasPrefix(".\(name).custody-tmp") }
        #expect(leftovers.isEmpty)
    }

    @Test("signatures travel dir: -> dir:, and an OCI layout refuses them")
    func signaturesFollowTheImage() async throws {
        let fixtures = try Fixtures.directory()
        let signed = temporaryPath(), copied = temporaryPath(), layout = temporaryPath()
        defer { for path in [signed, copied, layout] { try? FileManager.default.removeItem(atPath: path) } }
        let source = DirectorySource(path: "\(fixtures)/dir-single")
        let digest = try await ImageCopier.copy(from: source, to: try DirectoryDestination(path: signed))
        let appender = try DirectoryDestination(appendingTo: signed)
        #expect(try await appender.appendSignature([1, 2, 3], for: digest, instance: false) == 1)
        #expect(try await appender.appendSignature([4, 5], for: digest, instance: false) == 2)

        try await ImageCopier.copy(from: DirectorySource(path: signed), to: try DirectoryDestination(path: copied))
        #expect(try await DirectorySource(path: copied).signatures(for: digest, instance: false) == [[1, 2, 3], [4, 5]])

        await #expect(throws: OCIError(code: .unsupportedMediaType)) {
            try await ImageCopier.copy(from: DirectorySource(path: signed), to: try OCILayoutDestination(path: layout, referenceName: "x"))
        }
    }

    @Test("a non-empty directory that is not an image is never overwritten")
    func refusesForeignDirectories() throws {
        let target = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: target) }
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: "\(target)/notes.txt"))
        #expect(throws: OCIError(code: .invalidImageName)) { try DirectoryDestination(path: target) }
        #expect(throws: OCIError(code: .invalidImageName)) { try OCILayoutDestination(path: target, referenceName: nil) }
        #expect(FileManager.default.fileExists(atPath: "\(target)/notes.txt"))
    }
}
