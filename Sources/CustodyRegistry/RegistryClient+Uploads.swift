import AsyncHTTPClient
import CustodyJSON
import CustodyOCI
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// Blob uploads: monolithic, chunked from a file, and cross-repository mounts.
extension RegistryClient {
    /// Uploads in-memory bytes as a blob (`POST` then one `PUT`), after checking them against `descriptor`.
    /// - Throws: ``RegistryError``: `.digestMismatch`/`.sizeMismatch` before any request when the
    ///   bytes are not what `descriptor` names; the registry's refusal otherwise.
    public func uploadBlob(repository: String, descriptor: Descriptor, bytes: [UInt8]) async throws {
        try RegistryNames.checkRepository(repository, registry: registry)
        do {
            try BlobVerifier.verify(bytes, against: descriptor)
        } catch {
            throw Self.registryError(error, context: "cannot upload to \(registry)/\(repository)")
        }
        try await withUpload(repository: repository, digest: descriptor.digest) { location in
            try await self.finishUpload(at: location, repository: repository, descriptor: descriptor, body: .bytes(bytes))
        }
    }

    /// Uploads a file as a blob, streaming it from disk: monolithic (`POST`, then one `PUT` with
    /// the whole file) when `chunkSize` is nil, else `PATCH` requests of `chunkSize` bytes
    /// followed by a `PUT` without a body. The file is first checked against `descriptor`.
    /// - Throws: ``RegistryError``: `.io` (unreadable file), `.digestMismatch`/`.sizeMismatch`
    ///   (the file is not what `descriptor` names), `.invalidRequest` (`chunkSize` not positive);
    ///   the registry's refusal otherwise. A failed upload is cancelled.
    public func uploadBlob(repository: String, descriptor: Descriptor, fileAt path: String, chunkSize: Int? = nil) async throws {
        try RegistryNames.checkRepository(repository, registry: registry)
        if let chunkSize, chunkSize <= 0 {
            throw RegistryError(code: .invalidRequest, reason: "cannot upload \(path): chunk size \(chunkSize) is not positive")
        }
        var verifier = BlobVerifier(expected: descriptor)
        do {
            try FileReader.forEachChunk(path: path) { try verifier.update($0) }
            try verifier.finish()
        } catch {
            throw Self.registryError(error, context: "cannot upload \(path) to \(registry)/\(repository)")
        }
        let size = descriptor.size
        try await withUpload(repository: repository, digest: descriptor.digest) { start in
            guard let chunkSize else {
                return try await self.finishUpload(
                    at: start, repository: repository, descriptor: descriptor, body: .file(path: path, offset: 0, length: size)
                )
            }
            var location = start
            var offset: Int64 = 0
            while offset < size {
                let length = min(Int64(chunkSize), size - offset)
                var request = RegistryRequest(method: .PATCH, target: .url(location), scope: self.pushScope(repository))
                request.headers.add(name: "Content-Type", value: "application/octet-stream")
                request.headers.add(name: "Content-Range", value: "\(offset)-\(offset + length - 1)")
                request.body = .file(path: path, offset: offset, length: length)
                request.retriesConnectionFailures = false
                let response = try await self.send(request)
                let context = "uploading bytes \(offset)-\(offset + length - 1) of blob \(descriptor.digest) to \(self.registry)/\(repository)"
                guard response.status == 202 else { throw await response.error(context) }
                if let range = response.header("Range"), let end = Self.rangeEnd(range), end != offset + length - 1 {
                    throw RegistryError(code: .invalidResponse, reason: "\(context): \(response.what) says it holds bytes up to \(end), expected \(offset + length - 1)")
                }
                guard let next = response.header("Location").flatMap(response.url.resolving) else {
                    throw RegistryError(code: .invalidResponse, reason: "\(context): \(response.what) answered 202 without a usable Location")
                }
                await response.discard()
                location = next
                offset += length
            }
            try await self.finishUpload(at: location, repository: repository, descriptor: descriptor, body: .bytes([]))
        }
    }

    /// Cross-repository mount (`POST /v2/<repo>/blobs/uploads/?mount=<digest>&from=<source>`).
    /// - Returns: true when the registry mounted the blob (201); false when it started an upload
    ///   instead (202), which is cancelled at once, so nothing is left dangling.
    public func mountBlob(repository: String, digest: Digest, from sourceRepository: String) async throws -> Bool {
        try RegistryNames.checkRepository(repository, registry: registry)
        try RegistryNames.checkRepository(sourceRepository, registry: registry)
        let path = "/v2/\(repository)/blobs/uploads/?mount=\(RegistryURL.percentEncoded(digest.description))&from=\(RegistryURL.percentEncoded(sourceRepository))"
        var request = RegistryRequest(
            method: .POST, target: .path(path),
            scope: "\(pushScope(repository)) \(pullScope(sourceRepository))"
        )
        request.body = .bytes([])
        let response = try await send(request)
        let context = "mounting blob \(digest) from \(registry)/\(sourceRepository) into \(repository)"
        switch response.status {
        case 201:
            await response.discard()
            return true
        case 202:
            guard let location = response.header("Location").flatMap(response.url.resolving) else {
                throw RegistryError(code: .invalidResponse, reason: "\(context): \(response.what) answered 202 without a usable Location")
            }
            await response.discard()
            try await cancelUpload(at: location, repository: repository)
            return false
        default:
            throw await response.error(context)
        }
    }

    /// Starts an upload (`POST /v2/<repo>/blobs/uploads/`, 202 with `Location`), runs `body` with
    /// the upload's location, and cancels the upload when `body` fails.
    func withUpload(repository: String, digest: Digest, _ body: (RegistryURL) async throws -> Void) async throws {
        var request = RegistryRequest(method: .POST, target: .path("/v2/\(repository)/blobs/uploads/"), scope: pushScope(repository))
        request.body = .bytes([])
        let response = try await send(request)
        let context = "starting the upload of blob \(digest) to \(registry)/\(repository)"
        guard response.status == 202 else { throw await response.error(context) }
        guard let location = response.header("Location").flatMap(response.url.resolving) else {
            throw RegistryError(code: .invalidResponse, reason: "\(context): \(response.what) answered 202 without a usable Location")
        }
        await response.discard()
        do {
            try await body(location)
        } catch {
            try? await cancelUpload(at: location, repository: repository)
            throw error
        }
    }

    /// `PUT <location>?digest=<digest>` with `body` (the whole blob, or nothing after chunks);
    /// expects 201 and checks `Docker-Content-Digest` when present.
    func finishUpload(at location: RegistryURL, repository: String, descriptor: Descriptor, body: RegistryRequest.Body) async throws {
        var request = RegistryRequest(method: .PUT, target: .url(location.appendingQuery("digest", descriptor.digest.description)), scope: pushScope(repository))
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        request.body = body
        let response = try await send(request)
        let context = "uploading blob \(descriptor.digest) to \(registry)/\(repository)"
        guard response.status == 201 else { throw await response.error(context) }
        if let announced = try contentDigestHeader(response, what: "blob \(descriptor.digest)"),
           announced.algorithm == descriptor.digest.algorithm, announced != descriptor.digest
        {
            throw RegistryError(code: .digestMismatch, reason: "\(context): \(response.what) says it stored digest \(announced)")
        }
        await response.discard()
    }

    /// `DELETE <location>`: cancels an upload. 2xx, or 404 (already gone), is success.
    func cancelUpload(at location: RegistryURL, repository: String) async throws {
        let response = try await send(RegistryRequest(method: .DELETE, target: .url(location), scope: pushScope(repository)))
        guard (200..<300).contains(response.status) || response.status == 404 else {
            throw await response.error("cancelling an upload to \(registry)/\(repository)")
        }
        await response.discard()
    }

    /// The end of a `Range: 0-<end>` header.
    static func rangeEnd(_ header: String) -> Int64? {
        let value = header.trimmingSpaces()
        let range = value.hasPrefix("bytes=") ? value.dropFirst(6) : Substring(value)
        let parts = range.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        return Int64(parts[1])
    }
}
