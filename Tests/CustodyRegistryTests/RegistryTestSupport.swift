// Helpers for the registry client tests: the Samples/hello image, skopeo, client settings, test
// data, and the fault server (Scripts/registry-fault-server.py) run as a child process.
import CustodyOCI
@testable import CustodyRegistry
import CustodyTestSupport
import Foundation
import Testing

/// `Samples/hello`: an OCI layout whose `latest` is a two-platform OCI index.
enum Hello {
    static var layout: String { Fixtures.repositoryRoot + "/Samples/hello" }

    /// The digest and size of the index, read from the layout's `index.json`.
    static func index() throws -> (digest: Digest, size: Int64) {
        let data = try Data(contentsOf: URL(fileURLWithPath: layout + "/index.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let manifests = try #require(object["manifests"] as? [[String: Any]])
        let entry = try #require(manifests.first)
        let digest = try Digest(parsing: try #require(entry["digest"] as? String))
        let size = try #require(entry["size"] as? Int)
        return (digest, Int64(size))
    }
}

/// Runs skopeo and requires success.
@discardableResult
func skopeo(_ arguments: [String]) throws -> ProcessResult {
    let result = try runProcess("skopeo", arguments)
    try #require(result.status == 0, "skopeo \(arguments.joined(separator: " ")): \(result)")
    return result
}

/// Pushes Samples/hello (the index and both platforms, digests preserved) to `repository:tag`.
func pushHello(to registry: RegistryServer, repository: String, tag: String) throws {
    try skopeo([
        "copy", "--all", "--preserve-digests", "--dest-tls-verify=false",
        "oci:\(Hello.layout):latest", "docker://\(registry.host)/\(repository):\(tag)",
    ])
}

/// The manifest bytes skopeo reads for `repository:reference` (a tag, or `@digest` form when it has a colon).
func skopeoRawManifest(_ registry: RegistryServer, repository: String, reference: String) throws -> [UInt8] {
    let separator = reference.contains(":") ? "@" : ":"
    let result = try skopeo(["inspect", "--raw", "--tls-verify=false", "docker://\(registry.host)/\(repository)\(separator)\(reference)"])
    return Array(result.stdout)
}

/// Options for a test registry on 127.0.0.1 that speaks plain HTTP: the host is insecure,
/// anonymous access, generous timeouts (tests run in parallel on small machines).
func testOptions(insecure host: String, maxRetries: Int = 3) -> RegistryOptions {
    RegistryOptions(insecureHosts: [host], credentials: .anonymous, requestTimeout: .seconds(120), maxRetries: maxRetries)
}

/// A client for a plain-HTTP test registry, after a ping (so the scheme is known and
/// `requestCount` afterwards counts only the requests of the test).
func pingedClient(_ host: String, maxRetries: Int = 3) async throws -> RegistryClient {
    let client = try RegistryClient(registry: host, options: testOptions(insecure: host, maxRetries: maxRetries))
    try await client.ping()
    return client
}

/// Deterministic pseudo-random bytes (xorshift64*), different for each `seed`.
func pseudoRandomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed | 1
    var bytes = [UInt8](repeating: 0, count: count)
    bytes.withUnsafeMutableBytes { buffer in
        var offset = 0
        while offset < count {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            var word = (state &* 0x2545_F491_4F6C_DD1D).littleEndian
            let n = min(8, count - offset)
            withUnsafeBytes(of: &word) { source in
                buffer.baseAddress!.advanced(by: offset).copyMemory(from: source.baseAddress!, byteCount: n)
            }
            offset += n
        }
    }
    return bytes
}

/// The bytes a stream delivers, collected.
func streamedBytes(_ client: RegistryClient, repository: String, descriptor: Descriptor) async throws -> [UInt8] {
    var bytes: [UInt8] = []
    try await client.streamBlob(repository: repository, descriptor: descriptor) { bytes.append(contentsOf: $0) }
    return bytes
}

/// The OCI empty blob `{}` and its descriptor.
enum EmptyBlob {
    static let bytes: [UInt8] = Array("{}".utf8)
    static var descriptor: Descriptor { Descriptor(mediaType: .ociEmpty, bytes: bytes) }
}

/// A compact OCI image manifest for `config` and `layers`, optionally an artifact with a subject.
func imageManifestJSON(config: Descriptor, layers: [Descriptor], artifactType: String? = nil, subject: Descriptor? = nil) -> String {
    func descriptor(_ d: Descriptor) -> String {
        "{\"mediaType\":\"\(d.mediaType)\",\"digest\":\"\(d.digest)\",\"size\":\(d.size)}"
    }
    var members = ["\"schemaVersion\":2", "\"mediaType\":\"\(MediaType.ociManifest)\""]
    if let artifactType { members.append("\"artifactType\":\"\(artifactType)\"") }
    members.append("\"config\":\(descriptor(config))")
    members.append("\"layers\":[\(layers.map(descriptor).joined(separator: ","))]")
    if let subject { members.append("\"subject\":\(descriptor(subject))") }
    return "{" + members.joined(separator: ",") + "}"
}

/// The upload sessions the registry still holds for `repository`: directories under `_uploads`
/// with their `startedat` or `data` file. (Distribution 2.8 deletes both when an upload is
/// cancelled or completed, but leaves the `hashstates` directory behind.)
func pendingUploads(_ registry: RegistryServer, repository: String) -> [String] {
    let path = registry.directory + "/storage/docker/registry/v2/repositories/\(repository)/_uploads"
    let sessions = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    return sessions.filter { session in
        ["startedat", "data"].contains { FileManager.default.fileExists(atPath: "\(path)/\(session)/\($0)") }
    }
}

// MARK: - The fault server

/// `Scripts/registry-fault-server.py` running as a child process on 127.0.0.1 (modes in the script).
///
/// It prints its port once it listens, and exits on SIGTERM (``stop()``) or when its standard
/// input closes, so it cannot outlive a test process that crashes.
final class RegistryFaultServer: @unchecked Sendable {
    private let server: ScriptServer

    /// The port it listens on.
    var port: Int { server.port }

    /// `127.0.0.1:PORT`, the registry host.
    var host: String { "127.0.0.1:\(port)" }

    init() throws {
        server = try ScriptServer(script: "registry-fault-server.py", name: "the registry fault server")
    }

    /// How many requests the server got for `path`.
    func requests(to path: String) async throws -> Int {
        let response = try await HTTPFetcher().get("http://\(host)/stats?path=\(path)", maxBytes: 64)
        return try #require(Int(String(decoding: response.body, as: UTF8.self)))
    }

    /// Stops the server and waits for it to exit. Safe to call more than once.
    func stop() { server.stop() }
}
