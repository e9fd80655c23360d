import ArgumentParser
import CustodyOCI

/// `custody resolve IMAGE`: the manifest digest an image name points at now, and per platform for an index.
struct ResolveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Print the manifest digest an image name points at, and each platform's for an index.",
        discussion: """
            The manifest is fetched (never only its HEAD digest) and its digest computed from the \
            bytes, so the answer is the digest a signature must name. Use the digest form \
            (repo@sha256:…) to pin a tag.
            """
    )

    @OptionGroup var image: ImageOptions
    @OptionGroup var output: OutputOptions

    struct PlatformEntry: Encodable {
        let platform: String?
        let digest: Digest
        let mediaType: MediaType
    }

    struct Report: Encodable {
        let image: String
        let digest: Digest
        let mediaType: MediaType
        let pinned: String?
        let manifests: [PlatformEntry]
    }

    func run() async throws {
        let name = try image.name()
        let root = try await image.openSource().rootManifest()
        var entries: [PlatformEntry] = []
        if case .index(let index) = root.content {
            entries = index.manifests.map { PlatformEntry(platform: $0.platform?.description, digest: $0.digest, mediaType: $0.mediaType) }
        }
        var pinned: String?
        if case .docker(let reference) = name { pinned = reference.repository.withDigest(root.digest).description }
        let report = Report(image: image.image, digest: root.digest, mediaType: root.mediaType, pinned: pinned, manifests: entries)
        switch output.output {
        case .json: try Console.current.json(report)
        case .text:
            Console.current.line(pinned ?? root.digest.description)
            for entry in entries {
                Console.current.line("  \(entry.platform ?? "(no platform)"): \(entry.digest)")
            }
        }
    }
}
