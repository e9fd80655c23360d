import ArgumentParser
import CustodyJSON
import CustodyOCI

/// `custody inspect IMAGE`: what an image is made of.
struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show an image's media type, manifest digest, platforms, config and layers.",
        discussion: "The config blob is read and checked against its digest; layers are listed, not read (see `custody digest --verify-blobs`)."
    )

    @OptionGroup var image: ImageOptions
    @OptionGroup var output: OutputOptions

    struct Report: Encodable {
        let image: String
        let digest: Digest
        let mediaType: MediaType
        let size: Int
        let platform: String?
        let created: String?
        let config: BlobEntry?
        let layers: [BlobEntry]?
        let manifests: [PlatformEntry]?
        let annotations: [String: String]?
    }

    func run() async throws {
        let source = try image.openSource()
        let root = try await source.rootManifest()
        let report: Report
        switch root.content {
        case .image(let manifest):
            let configuration = try await readConfiguration(manifest.config, from: source)
            report = Report(
                image: image.image, digest: root.digest, mediaType: root.mediaType, size: root.bytes.count,
                platform: configuration?.platform?.description, created: configuration?.created,
                config: BlobEntry(manifest.config), layers: manifest.layers.map(BlobEntry.init), manifests: nil,
                annotations: manifest.annotations
            )
        case .index(let index):
            // Each platform manifest is read and checked against the index's descriptor.
            var entries: [PlatformEntry] = []
            for descriptor in index.manifests {
                var entry = PlatformEntry(descriptor)
                if case .image(let manifest) = try await source.manifest(for: descriptor).content {
                    entry.config = BlobEntry(manifest.config)
                    entry.layers = manifest.layers.map(BlobEntry.init)
                }
                entries.append(entry)
            }
            report = Report(
                image: image.image, digest: root.digest, mediaType: root.mediaType, size: root.bytes.count,
                platform: nil, created: nil, config: nil, layers: nil, manifests: entries, annotations: index.annotations
            )
        }
        switch output.output {
        case .json: try Console.current.json(report)
        case .text: printText(report)
        }
    }

    /// Reads the config blob (checked against its digest) when it is an image configuration.
    private func readConfiguration(_ descriptor: Descriptor, from source: any ImageSource) async throws -> ImageConfiguration? {
        guard descriptor.mediaType == .ociConfig || descriptor.mediaType == .dockerConfig else { return nil }
        let bytes = try await source.blob(descriptor, limit: ImageConfiguration.maxBytes)
        do {
            return try StrictJSONDecoder(unknownKeys: .ignore).decode(ImageConfiguration.self, from: bytes)
        } catch {
            throw OCIError(code: .invalidManifest, reason: "config \(descriptor.digest): \(error)")
        }
    }

    private func printText(_ report: Report) {
        let console = Console.current
        console.line("Image:       \(report.image)")
        console.line("Media type:  \(report.mediaType)")
        console.line("Digest:      \(report.digest)")
        console.line("Size:        \(report.size) bytes")
        if let platform = report.platform { console.line("Platform:    \(platform)") }
        if let created = report.created { console.line("Created:     \(created) (unverified)") }
        if let config = report.config { console.line("Config:      \(describe(config))") }
        if let layers = report.layers { printLayers(layers, indent: "") }
        if let manifests = report.manifests {
            console.line("Platforms:   \(manifests.count)")
            for entry in manifests {
                console.line("  \(entry.platform)  \(entry.digest)  \(entry.size) bytes  \(entry.mediaType)")
                if let config = entry.config { console.line("    Config:    \(describe(config))") }
                if let layers = entry.layers { printLayers(layers, indent: "    ") }
            }
        }
        if let annotations = report.annotations, !annotations.isEmpty {
            console.line("Annotations:")
            for key in annotations.keys.sorted() { console.line("  \(key)=\(annotations[key] ?? "")") }
        }
    }
}

extension InspectCommand {
    private func describe(_ blob: BlobEntry) -> String {
        "\(blob.digest) (\(blob.size) bytes, \(blob.mediaType))"
    }

    private func printLayers(_ layers: [BlobEntry], indent: String) {
        let total = layers.reduce(Int64(0)) { $0 + $1.size }
        let label = indent.isEmpty ? "Layers:     " : "Layers:   "
        Console.current.line("\(indent)\(label) \(layers.count) (\(total) bytes)")
        for (number, layer) in layers.enumerated() {
            Console.current.line("\(indent)  \(number + 1)  \(layer.digest)  \(layer.size) bytes  \(layer.mediaType)")
        }
    }
}
