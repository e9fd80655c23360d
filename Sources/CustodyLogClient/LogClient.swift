import CustodyRegistry
import CustodyTransparency

/// A client of a transparency log with Rekor v2's write API (`POST /api/v2/log/entries`) and the
/// C2SP tlog-tiles read API (`/checkpoint`, `/tile/…`, `/tile/entries/…`).
///
/// Reads return untrusted values; the `…(in:)` methods take a checkpoint verified with the
/// log's key and check everything they fetch against its root: proofs and entries are built from
/// tiles on the client, and the tiles' right edge is checked to hash to the checkpoint's root.
///
/// ```swift
/// let client = try LogClient(baseURL: "http://127.0.0.1:3000")
/// let answer = try await client.append(HashedRekordRequest(artifact: bytes, privateKey: key).json)
/// let verified = try answer.verify(logKey: logKey)
/// let checkpoint = try await client.verifiedCheckpoint(logKey: logKey)
/// let proof = try await client.inclusionProof(index: verified.index, in: checkpoint)
/// ```
public struct LogClient: Sendable {
    /// The largest checkpoint read.
    public static let maxCheckpointBytes = SignedNote.maxBytes
    /// The largest hash tile read (256 hashes of 32 bytes).
    public static let maxTileBytes = Int(TileID.fullWidth) * MerkleHash.byteCount
    /// The largest entry bundle read (256 entries of at most 65,535 bytes, with their lengths).
    public static let maxEntryBundleBytes = Int(TileID.fullWidth) * (2 + EntryBundle.maxEntryBytes)
    /// The largest answer to a write (an entry, its proof and its checkpoint).
    public static let maxEntryAnswerBytes = UntrustedLogEntry.maxBytes
    /// The largest error answer kept for a message.
    static let maxErrorMessageBytes = 512

    /// The log's URL prefix, without a trailing slash.
    public let baseURL: String
    private let fetcher: any HTTPFetching
    private let poster: any HTTPPosting

    /// A client of the log at `baseURL` (`http://` or `https://`; a trailing slash is ignored).
    ///
    /// - Parameters:
    ///   - fetcher: makes the `GET` requests (default: ``HTTPFetcher``).
    ///   - poster: makes the `POST` of ``append(_:)`` (default: ``HTTPFetcher``).
    /// - Throws: ``LogClientError/Code/invalidURL`` for a URL that is not `http://` or `https://`
    ///   with a host, or that has a query or fragment.
    public init(baseURL: String, fetcher: any HTTPFetching = HTTPFetcher(), poster: any HTTPPosting = HTTPFetcher()) throws {
        var url = baseURL
        while url.hasSuffix("/") { url.removeLast() }
        let lowercased = url.lowercased()
        let rest: Substring
        if lowercased.hasPrefix("http://") {
            rest = url.dropFirst(7)
        } else if lowercased.hasPrefix("https://") {
            rest = url.dropFirst(8)
        } else {
            throw LogClientError(.invalidURL, "the log URL \(baseURL) is not an http:// or https:// URL")
        }
        guard !rest.isEmpty, !rest.hasPrefix("/"), !url.contains("?"), !url.contains("#"),
            !url.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F })
        else {
            throw LogClientError(.invalidURL, "the log URL \(baseURL) needs a host and no query, fragment or white space")
        }
        self.baseURL = url
        self.fetcher = fetcher
        self.poster = poster
    }

    // MARK: Write API

    /// Appends an entry: posts `request` (a `CreateEntryRequest` JSON, such as
    /// ``HashedRekordRequest/json``) and parses the `TransparencyLogEntry` the log answers with.
    /// Nothing is verified yet: call ``UntrustedLogEntry/verify(logKey:origin:)``.
    ///
    /// - Throws: ``LogClientError/Code/httpStatus`` with the log's message when it refuses (any
    ///   status but 200 and 201), ``LogClientError/Code/invalidResponse`` for an answer that is
    ///   not an entry, or the fetcher's error.
    public func append(_ request: [UInt8]) async throws -> UntrustedLogEntry {
        let url = baseURL + "/api/v2/log/entries"
        let response = try await poster.post(url, body: request, contentType: "application/json", maxBytes: Self.maxEntryAnswerBytes)
        guard response.status == 201 || response.status == 200 else { throw Self.statusError(response, url: url) }
        do {
            return try UntrustedLogEntry(json: response.body)
        } catch {
            throw LogClientError(.invalidResponse, "the log's answer to the write is not a TransparencyLogEntry: \(error.reason)")
        }
    }

    // MARK: Read API

    /// The log's latest checkpoint, exactly as served.
    public func checkpointBytes() async throws -> [UInt8] {
        try await get("checkpoint", maxBytes: Self.maxCheckpointBytes)
    }

    /// The log's latest checkpoint, parsed but not verified.
    ///
    /// - Throws: ``LogClientError/Code/invalidResponse`` for a malformed note or checkpoint.
    public func checkpoint() async throws -> UntrustedCheckpoint {
        let bytes = try await checkpointBytes()
        do {
            return try UntrustedCheckpoint(parsing: bytes)
        } catch {
            throw LogClientError(.invalidResponse, "the log's checkpoint is malformed: \(error)")
        }
    }

    /// The log's latest checkpoint, verified with `logKey` (and, when given, its origin).
    ///
    /// - Throws: ``LogClientError/Code/notVerified`` when the signature does not verify.
    public func verifiedCheckpoint(logKey: LogKey, origin: String? = nil) async throws -> VerifiedCheckpoint {
        let checkpoint = try await self.checkpoint()
        let key = try logKey.noteKey(origin: checkpoint.untrustedCheckpoint.origin)
        do {
            return try checkpoint.verify(logKey: key, expectedOrigin: origin)
        } catch {
            throw LogClientError.notVerified("the log's checkpoint does not verify with the log key: \(error)")
        }
    }

    /// A hash tile, exactly `id.width` hashes, not checked against any root.
    public func tile(_ id: TileID) async throws -> Tile {
        let data = try await get(id.path, maxBytes: Self.maxTileBytes)
        do {
            return try Tile(id: id, data: data)
        } catch {
            throw LogClientError(.invalidResponse, "tile \(id.path): \(error)")
        }
    }

    /// An entry bundle, exactly `id.width` entries, not checked against any root.
    public func entryBundle(_ id: EntryBundleID) async throws -> EntryBundle {
        let data = try await get(id.path, maxBytes: Self.maxEntryBundleBytes)
        do {
            return try EntryBundle(id: id, data: data)
        } catch {
            throw LogClientError(.invalidResponse, "entry bundle \(id.path): \(error)")
        }
    }

    // MARK: Verified reads

    /// Entry `index` of the log and its inclusion proof in the tree of `treeSize` leaves (default:
    /// the checkpoint's size), built from tiles and entry bundles and verified against `checkpoint`.
    ///
    /// The tiles are checked thus: the right edge of the checkpoint's tree hashes to its root; for
    /// a smaller `treeSize`, that tree's root (from the tiles) is consistent with the checkpoint's
    /// (consistency proof from the same tiles); the entry bundle holds the leaves of the level-0
    /// tile; and the inclusion proof leads from the entry's leaf hash to the root of `treeSize`.
    ///
    /// - Throws: ``LogClientError/Code/outOfRange`` unless `index < treeSize <= checkpoint size`;
    ///   ``LogClientError/Code/notVerified`` when a tile or bundle does not match the checkpoint.
    public func inclusionProof(index: UInt64, treeSize: UInt64? = nil, in checkpoint: VerifiedCheckpoint) async throws
        -> LogInclusionProof
    {
        let size = checkpoint.checkpoint.size
        let proofSize = treeSize ?? size
        guard index < proofSize, proofSize <= size else {
            throw LogClientError(
                .outOfRange, "an inclusion proof needs index < tree size <= \(size) (the checkpoint's size); got index \(index), tree size \(proofSize)")
        }
        let plan = try MerkleProof.inclusionPlan(index: index, treeSize: proofSize)
        let leafTile = try TileID.containing(NodeID(level: 0, index: index), treeSize: size)
        let reader = try await verifiedReader(
            nodes: plan.nodes + (try subtreeNodes(proofSize, size)), extraTiles: [leafTile], checkpoint: checkpoint)
        let root = try await verifiedRoot(of: proofSize, reader: reader, checkpoint: checkpoint)

        let bundleID = try EntryBundleID.containing(entry: index, treeSize: size)
        let bundle = try await entryBundle(bundleID)
        do {
            try bundle.verify(against: try reader.tile(bundleID.tile))
        } catch {
            throw LogClientError.notVerified("entry bundle \(bundleID.path) does not match its hash tile: \(error)")
        }
        let entry = bundle.entries[Int(index - bundleID.firstEntry)]
        let leafHash = MerkleHash.leaf(entry)
        let hashes = try plan.hashes(using: reader.hash(of:))
        do {
            try MerkleProof.verifyInclusion(leafHash: leafHash, index: index, treeSize: proofSize, proof: hashes, rootHash: root)
        } catch {
            throw LogClientError.notVerified("the inclusion proof built from the log's tiles does not verify: \(error)")
        }
        return LogInclusionProof(index: index, treeSize: proofSize, rootHash: root, hashes: hashes, entry: entry, leafHash: leafHash)
    }

    /// Entry `index` of the log, verified against `checkpoint` (see
    /// ``inclusionProof(index:treeSize:in:)``).
    public func entry(index: UInt64, in checkpoint: VerifiedCheckpoint) async throws -> [UInt8] {
        try await inclusionProof(index: index, in: checkpoint).entry
    }

    /// The consistency proof from the tree of `oldSize` leaves to the tree of `newSize` leaves
    /// (default: the checkpoint's size), built from tiles; both roots are computed from the tiles
    /// and verified: the new one against `checkpoint` (directly, or by a consistency proof to it),
    /// the old one by the returned proof.
    ///
    /// - Throws: ``LogClientError/Code/outOfRange`` unless `1 <= oldSize <= newSize <= checkpoint size`;
    ///   ``LogClientError/Code/notVerified`` when the tiles do not match the checkpoint.
    public func consistencyProof(oldSize: UInt64, newSize: UInt64? = nil, in checkpoint: VerifiedCheckpoint) async throws
        -> LogConsistencyProof
    {
        let size = checkpoint.checkpoint.size
        let newer = newSize ?? size
        guard oldSize >= 1, oldSize <= newer, newer <= size else {
            throw LogClientError(
                .outOfRange,
                "a consistency proof needs 1 <= old size <= new size <= \(size) (the checkpoint's size); got \(oldSize) and \(newer)")
        }
        let plan = try MerkleProof.consistencyPlan(oldSize: oldSize, newSize: newer)
        let reader = try await verifiedReader(
            nodes: plan.nodes + MerkleTree.compactRangeNodes(size: oldSize) + (try subtreeNodes(newer, size)), extraTiles: [],
            checkpoint: checkpoint)
        let newRoot = try await verifiedRoot(of: newer, reader: reader, checkpoint: checkpoint)
        let oldRoot = try MerkleTree.rootHash(size: oldSize, hash: reader.hash(of:))
        let hashes = try plan.hashes(using: reader.hash(of:))
        do {
            try MerkleProof.verifyConsistency(oldSize: oldSize, newSize: newer, oldRoot: oldRoot, newRoot: newRoot, proof: hashes)
        } catch {
            throw LogClientError.notVerified("the consistency proof built from the log's tiles does not verify: \(error)")
        }
        return LogConsistencyProof(oldSize: oldSize, newSize: newer, oldRootHash: oldRoot, newRootHash: newRoot, hashes: hashes)
    }

    // MARK: Helpers

    /// The nodes needed, besides the checkpoint's right edge, to compute the root of `treeSize`
    /// and prove it consistent with the tree of `size`.
    private func subtreeNodes(_ treeSize: UInt64, _ size: UInt64) throws -> [NodeID] {
        guard treeSize < size else { return [] }
        return MerkleTree.compactRangeNodes(size: treeSize) + (try MerkleProof.consistencyPlan(oldSize: treeSize, newSize: size).nodes)
    }

    /// Fetches the tiles holding `nodes`, the extra tiles, and the right edge of the checkpoint's
    /// tree (all at their widths for the checkpoint's size), and checks that the right edge
    /// hashes to the checkpoint's root.
    private func verifiedReader(nodes: [NodeID], extraTiles: [TileID], checkpoint: VerifiedCheckpoint) async throws -> TiledTreeReader {
        let size = checkpoint.checkpoint.size
        let all = nodes + MerkleTree.compactRangeNodes(size: size)
        let ids = try TileID.tiles(covering: all, treeSize: size) + extraTiles
        let reader: TiledTreeReader
        do {
            reader = try await TiledTreeReader.fetching(ids, treeSize: size) { id in
                try await self.get(id.path, maxBytes: Self.maxTileBytes)
            }
        } catch let error as TransparencyError {
            throw LogClientError(.invalidResponse, "a tile of the log is malformed: \(error)")
        }
        let root = try reader.rootHash()
        guard root == checkpoint.checkpoint.rootHash else {
            throw LogClientError.notVerified(
                "the log's tiles hash to root \(root.hex), not the checkpoint's \(checkpoint.checkpoint.rootHash.hex) for size \(size)")
        }
        return reader
    }

    /// The root of the tree of `treeSize` leaves from `reader`, verified: the checkpoint's root, or
    /// a root with a consistency proof to it.
    private func verifiedRoot(of treeSize: UInt64, reader: TiledTreeReader, checkpoint: VerifiedCheckpoint) async throws -> MerkleHash {
        let size = checkpoint.checkpoint.size
        if treeSize == size { return checkpoint.checkpoint.rootHash }
        let root = try MerkleTree.rootHash(size: treeSize, hash: reader.hash(of:))
        do {
            try MerkleProof.verifyConsistency(
                oldSize: treeSize, newSize: size, oldRoot: root, newRoot: checkpoint.checkpoint.rootHash,
                proof: try reader.consistencyProof(oldSize: treeSize))
        } catch {
            throw LogClientError.notVerified("the log's tiles for tree size \(treeSize) are not consistent with the checkpoint: \(error)")
        }
        return root
    }

    /// GETs `path` under the log's prefix; anything but 200 is an error.
    private func get(_ path: String, maxBytes: Int) async throws -> [UInt8] {
        let url = baseURL + "/" + path
        let response = try await fetcher.get(url, maxBytes: maxBytes)
        guard response.status == 200 else { throw Self.statusError(response, url: url) }
        return response.body
    }

    /// The error for a non-success answer, with the start of the log's message.
    static func statusError(_ response: HTTPFetchResponse, url: String) -> LogClientError {
        let text = String(decoding: response.body.prefix(maxErrorMessageBytes), as: UTF8.self)
            .unicodeScalars.map { $0.value < 0x20 ? " " : String($0) }.joined()
        let detail = text.isEmpty ? "" : ": \(text)"
        return LogClientError(.httpStatus, "\(url) answered \(response.status)\(detail)")
    }
}

extension TiledTreeReader {
    /// The tile with `id`'s coordinates this reader holds, cut to `id.width`.
    func tile(_ id: TileID) throws -> Tile {
        let hashes = try (0..<UInt64(id.width)).map { try hash(of: NodeID(level: id.storedLevel, index: id.index * UInt64(TileID.fullWidth) + $0)) }
        return try Tile(id: id, hashes: hashes)
    }
}
