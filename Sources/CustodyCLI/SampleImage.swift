import CustodyJSON
import CustodyOCI

/// A small single-platform OCI image made in code: one uncompressed tar layer holding one file.
enum SampleImage {
    /// Writes the image into an OCI layout under `name` and returns its manifest.
    static func write(to destination: OCILayoutDestination, fileName: String, content: String) async throws -> Manifest {
        let layer = tar(fileName: fileName, content: Array(content.utf8))
        let layerDescriptor = Descriptor(mediaType: "application/vnd.oci.image.layer.v1.tar", bytes: layer)
        let config = try CanonicalJSONEncoder().encode(JSONValue.object(JSONObject(members: [
            ("architecture", .string(Platform.current.architecture)),
            ("os", .string("linux")),
            ("config", .object(JSONObject())),
            ("rootfs", .object(JSONObject(members: [
                ("type", .string("layers")),
                ("diff_ids", .array([.string(layerDescriptor.digest.description)])),
            ]) ?? JSONObject())),
        ]) ?? JSONObject()))
        let configDescriptor = Descriptor(mediaType: .ociConfig, bytes: config)
        let manifest = try Manifest(bytes: try CanonicalJSONEncoder().encode(ManifestDocument(
            config: configDescriptor, layers: [layerDescriptor])))
        try await destination.putBlob(layer, descriptor: layerDescriptor)
        try await destination.putBlob(config, descriptor: configDescriptor)
        try await destination.putManifest(manifest, instance: false)
        try await destination.commit()
        return manifest
    }

    private struct ManifestDocument: Encodable {
        let schemaVersion = 2
        let mediaType = MediaType.ociManifest
        let config: Descriptor
        let layers: [Descriptor]
    }

    /// A POSIX ustar archive with one regular file (owner root, mode 0644, time 0).
    static func tar(fileName: String, content: [UInt8]) -> [UInt8] {
        func field(_ text: String, _ length: Int) -> [UInt8] {
            let bytes = Array(text.utf8.prefix(length))
            return bytes + [UInt8](repeating: 0, count: length - bytes.count)
        }
        func octal(_ value: Int, _ length: Int) -> [UInt8] {
            let digits = String(value, radix: 8)
            return field(String(repeating: "0", count: max(0, length - 1 - digits.count)) + digits, length)
        }
        var header = field(fileName, 100) + octal(0o644, 8) + octal(0, 8) + octal(0, 8) + octal(content.count, 12) + octal(0, 12)
        header += [UInt8](repeating: 0x20, count: 8)  // checksum, counted as spaces
        header += Array("0".utf8) + field("", 100) + Array("ustar\u{0}00".utf8) + field("root", 32) + field("root", 32)
        header += octal(0, 8) + octal(0, 8) + field("", 155)
        header += [UInt8](repeating: 0, count: 512 - header.count)
        let checksum = header.reduce(0) { $0 + Int($1) }
        let checksumField = Array(String(checksum, radix: 8).utf8)
        let padded = [UInt8](repeating: UInt8(ascii: "0"), count: 6 - checksumField.count) + checksumField + [0, 0x20]
        header.replaceSubrange(148..<156, with: padded)
        let body = content + [UInt8](repeating: 0, count: (512 - content.count % 512) % 512)
        return header + body + [UInt8](repeating: 0, count: 1024)
    }
}
