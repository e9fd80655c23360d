// Shared helpers for the CustodyStores tests: temporary directories, digests and references,
// and the Python lookaside server (Scripts/lookaside-test-server.py) run as a child process.

import CustodyOCI
import CustodyStores
import CustodyTestSupport
import Dispatch
import Foundation
import Testing

extension String {
    /// The UTF-8 bytes of the string.
    var utf8Bytes: [UInt8] { Array(utf8) }
}

/// A syntactically valid sha256 digest made of one repeated hex character.
func fakeDigest(_ character: Character = "a") throws -> Digest {
    try Digest(parsing: "sha256:" + String(repeating: character, count: 64))
}

/// A reference parsed as the `docker://` transport parses it.
func dockerReference(_ text: String) throws -> ImageReference {
    try ImageReference.parseDockerReference(text)
}



/// The StoreError thrown by `body`, or nil (recording an issue) when it throws something else or nothing.
func storeError(_ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async -> StoreError? {
    do {
        try await body()
        Issue.record("expected a StoreError, but nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as StoreError {
        return error
    } catch {
        Issue.record("expected a StoreError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// The bytes of every readable signature, in order.
func blobs(_ signatures: [StoredSignature]) -> [[UInt8]] {
    signatures.compactMap(\.bytes)
}

// MARK: - The lookaside test server

/// `Scripts/lookaside-test-server.py` running on 127.0.0.1 (see ``ScriptServer``).
final class LookasideTestServer: @unchecked Sendable {
    private let server: ScriptServer

    /// The port the server listens on.
    var port: Int { server.port }

    /// `http://127.0.0.1:<port>`.
    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts the server on the files under `root` with the script's extra `arguments`.
    init(root: String, arguments: [String] = []) throws {
        server = try ScriptServer(script: "lookaside-test-server.py", arguments: ["--root", root] + arguments, name: "the lookaside test server")
    }

    /// Stops the server and waits for it to exit.
    func stop() { server.stop() }
}

/// Starts the lookaside server on `root`, runs `body`, and stops the server however `body` ends.
func withLookasideServer<T>(
    root: String, arguments: [String] = [], _ body: (LookasideTestServer) async throws -> T
) async throws -> T {
    let server = try LookasideTestServer(root: root, arguments: arguments)
    defer { server.stop() }
    return try await body(server)
}
