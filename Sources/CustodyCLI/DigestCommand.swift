import ArgumentParser
import CustodyOCI

/// `custody digest IMAGE`: the manifest digest that signatures name, and each platform's.
struct DigestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest",
        abstract: "Print an image's manifest digest (and each platform's, for an index).",
        discussion: """
            The first line is the digest of the manifest bytes as stored, the value \
            `skopeo manifest-digest` prints. For an index or manifest list, one line per platform \
            manifest follows: `linux/amd64 sha256:…`. With --verify-blobs every manifest and blob \
            reachable from the image is read and checked against its digest and size; the first \
            mismatch ends the command with status 2 and names the blob.
            """
    )

    @OptionGroup var image: ImageOptions

    @Flag(name: .long, help: "Re-hash every manifest and blob reachable from the image.")
    var verifyBlobs = false

    @OptionGroup var output: OutputOptions

    struct BlobCount: Encodable {
        let count: Int
        let bytes: Int64
    }

    struct Report: Encodable {
        let image: String
        let digest: Digest
        let mediaType: MediaType
        let manifests: [PlatformEntry]
        let verifiedBlobs: BlobCount?
    }

    func run() async throws {
        let source = try image.openSource()
        let root = try await source.rootManifest()
        var entries: [PlatformEntry] = []
        if case .index(let index) = root.content {
            entries = index.manifests.map(PlatformEntry.init)
        }
        var verified: BlobCount?
        if verifyBlobs {
            let tree = try await ImageTree.load(from: source, root: root)
            let total = tree.blobs.reduce(Int64(0)) { $0 + $1.size }
            var bar = ProgressBar(console: Console.current, total: total)
            defer { bar.finish() }
            let result = try await tree.verifyBlobs(in: source) { blob, done in
                bar.update(done: done, label: String(blob.digest.description.prefix(19)))
            }
            verified = BlobCount(count: result.blobs, bytes: result.bytes)
        }
        let report = Report(image: image.image, digest: root.digest, mediaType: root.mediaType, manifests: entries, verifiedBlobs: verified)
        switch output.output {
        case .json:
            try Console.current.json(report)
        case .text:
            Console.current.line(report.digest.description)
            for entry in entries { Console.current.line("\(entry.platform) \(entry.digest)") }
        }
    }
}
