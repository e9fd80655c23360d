/// Reads complete-subtree hashes, roots and proofs of a tree of a given size out of its tiles.
///
/// This is the client side of C2SP tlog-tiles, and what a log uses to answer from stored tiles:
/// plan a proof (``MerkleProof/inclusionPlan(index:treeSize:)``), find its tiles
/// (``TileID/tiles(covering:treeSize:)``), fetch them, then build the proof here. The `fetch`
/// helpers do all of it with a caller-supplied tile fetcher (HTTP, a database, files).
///
/// A full tile may stand in for a partial one of the same coordinates (the tree only grows), so
/// a client can fall back to it when a partial tile is gone.
public struct TiledTreeReader: Sendable {
    private struct Key: Hashable {
        let level: UInt8
        let index: UInt64
    }

    /// The tree size every hash and proof refers to.
    public let treeSize: UInt64
    private var tiles: [Key: Tile]

    /// A reader over `tiles` for the tree of `treeSize` leaves. When two tiles share coordinates,
    /// the wider one is kept.
    ///
    /// - Throws: ``TransparencyError/Code/outOfRange`` for a tile the tree of that size does not have.
    public init(treeSize: UInt64, tiles: some Sequence<Tile>) throws {
        self.treeSize = treeSize
        self.tiles = [:]
        for tile in tiles {
            guard TileID.tile(level: tile.id.level, index: tile.id.index, treeSize: treeSize) != nil else {
                throw TransparencyError(code: .outOfRange, reason: "tile \(tile.id.path) is outside a tree of size \(treeSize)")
            }
            let key = Key(level: tile.id.level, index: tile.id.index)
            if let existing = self.tiles[key], existing.id.width >= tile.id.width { continue }
            self.tiles[key] = tile
        }
    }

    /// The hash of a complete subtree of the tree, computed from the tile that stores it.
    ///
    /// - Throws: ``TransparencyError/Code/outOfRange`` for a node not complete in the tree;
    ///   ``TransparencyError/Code/missingHash`` when its tile was not supplied (or is too narrow).
    public func hash(of node: NodeID) throws -> MerkleHash {
        let id = try TileID.containing(node, treeSize: treeSize)
        guard let tile = tiles[Key(level: id.level, index: id.index)] else {
            throw TransparencyError(code: .missingHash, reason: "\(node) needs tile \(id.path), which was not supplied")
        }
        return try tile.hash(of: node)
    }

    /// The root hash of the tree.
    public func rootHash() throws -> MerkleHash {
        try MerkleTree.rootHash(size: treeSize, hash: hash(of:))
    }

    /// The inclusion proof of leaf `index`.
    public func inclusionProof(index: UInt64) throws -> [MerkleHash] {
        try MerkleProof.inclusionProof(index: index, treeSize: treeSize, hash: hash(of:))
    }

    /// The inclusion proofs of several leaves, in the order given. Subtree hashes the proofs
    /// share (as the proofs of neighbouring leaves share most of theirs) are computed once, so
    /// the proofs of a whole batch of new leaves cost about one hash per leaf beyond the lookups.
    ///
    /// Each proof is the RFC 9162 descent from the root to the leaf
    /// (``MerkleProof/inclusionDescent(index:treeSize:_:)``): at every step the half that does not
    /// hold the leaf is a proof element. A half that is one complete subtree is read from its tile
    /// (or hashed from the tiles below it); one on the right edge of the tree folds its complete
    /// subtrees, once for the whole batch.
    ///
    /// - Throws: ``TransparencyError/Code/outOfRange`` for an index not below the tree size, or
    ///   what ``hash(of:)`` throws, for the first index that fails.
    public func inclusionProofs(indexes: some Sequence<UInt64>) throws -> [[MerkleHash]] {
        var memo: [NodeID: MerkleHash] = [:]
        var edges: [EdgeRange: MerkleHash] = [:]
        return try indexes.map { index in
            var proof: [MerkleHash] = []
            proof.reserveCapacity(64 - treeSize.leadingZeroBitCount)
            try MerkleProof.inclusionDescent(index: index, treeSize: treeSize) { start, end in
                let count = end - start
                if count & (count - 1) == 0 {
                    let level = UInt8(count.trailingZeroBitCount)
                    proof.append(try hash(of: NodeID(level: level, index: start >> UInt64(level)), memo: &memo))
                    return
                }
                let key = EdgeRange(start: start, end: end)
                if let known = edges[key] {
                    proof.append(known)
                    return
                }
                let folded = MerkleTree.foldRight(try MerkleTree.completeSubtrees(from: start, to: end).map { try hash(of: $0, memo: &memo) })
                edges[key] = folded
                proof.append(folded)
            }
            proof.reverse()
            return proof
        }
    }

    /// Leaves `start..<end` of a proof element that is not one complete subtree.
    private struct EdgeRange: Hashable {
        let start: UInt64
        let end: UInt64
    }

    /// The hash of a complete subtree: a stored hash read from its tile, or the hash of its two
    /// children, remembered in `memo`.
    private func hash(of node: NodeID, memo: inout [NodeID: MerkleHash]) throws -> MerkleHash {
        if node.level % TileID.height == 0 { return try hash(of: node) }
        if let known = memo[node] { return known }
        let left = try hash(of: NodeID(level: node.level - 1, index: node.index << 1), memo: &memo)
        let right = try hash(of: NodeID(level: node.level - 1, index: node.index << 1 | 1), memo: &memo)
        let hash = MerkleHash.node(left, right)
        memo[node] = hash
        return hash
    }

    /// The consistency proof from the tree of `oldSize` leaves to this tree.
    public func consistencyProof(oldSize: UInt64) throws -> [MerkleHash] {
        try MerkleProof.consistencyProof(oldSize: oldSize, newSize: treeSize, hash: hash(of:))
    }

    // MARK: Fetching

    /// Fetches `ids` concurrently with `fetch` (which returns a tile's served bytes) and makes a reader.
    ///
    /// - Throws: ``TransparencyError/Code/invalidTile`` for bytes of the wrong length, or what `fetch` throws.
    public static func fetching(
        _ ids: [TileID], treeSize: UInt64, fetch: @escaping @Sendable (TileID) async throws -> [UInt8]
    ) async throws -> TiledTreeReader {
        let tiles = try await withThrowingTaskGroup(of: Tile.self, returning: [Tile].self) { group in
            for id in Set(ids) {
                group.addTask { try Tile(id: id, data: try await fetch(id)) }
            }
            var tiles: [Tile] = []
            for try await tile in group { tiles.append(tile) }
            return tiles
        }
        return try TiledTreeReader(treeSize: treeSize, tiles: tiles)
    }

    /// Fetches the tiles for leaf `index`'s inclusion proof in the tree of `treeSize` leaves and builds it.
    public static func inclusionProof(
        index: UInt64, treeSize: UInt64, fetch: @escaping @Sendable (TileID) async throws -> [UInt8]
    ) async throws -> [MerkleHash] {
        let plan = try MerkleProof.inclusionPlan(index: index, treeSize: treeSize)
        let reader = try await fetching(try TileID.tiles(covering: plan.nodes, treeSize: treeSize), treeSize: treeSize, fetch: fetch)
        return try plan.hashes(using: reader.hash(of:))
    }

    /// Fetches the tiles for the consistency proof from `oldSize` to `newSize` and builds it.
    public static func consistencyProof(
        oldSize: UInt64, newSize: UInt64, fetch: @escaping @Sendable (TileID) async throws -> [UInt8]
    ) async throws -> [MerkleHash] {
        let plan = try MerkleProof.consistencyPlan(oldSize: oldSize, newSize: newSize)
        let reader = try await fetching(try TileID.tiles(covering: plan.nodes, treeSize: newSize), treeSize: newSize, fetch: fetch)
        return try plan.hashes(using: reader.hash(of:))
    }

    /// Fetches the right-edge tiles of the tree of `treeSize` leaves and computes its root hash
    /// (to check a checkpoint against the tiles).
    public static func rootHash(
        treeSize: UInt64, fetch: @escaping @Sendable (TileID) async throws -> [UInt8]
    ) async throws -> MerkleHash {
        let nodes = MerkleTree.compactRangeNodes(size: treeSize)
        let reader = try await fetching(try TileID.tiles(covering: nodes, treeSize: treeSize), treeSize: treeSize, fetch: fetch)
        return try reader.rootHash()
    }
}

/// Appends leaves to a tiled log and says which tiles to write.
///
/// The log side of C2SP tlog-tiles: start from an empty tree, or resume from the partial tiles
/// on the right edge of the published tree (``TileID/rightEdge(treeSize:)``); append leaf hashes;
/// then take the tiles that changed (``takeChangedTiles()``) and store them, together with the
/// entry bundles, before publishing a checkpoint for ``treeSize`` and ``rootHash``.
public struct TileAppender: Sendable {
    private var builder: MerkleTreeBuilder
    /// The hashes of the rightmost, not yet full, tile of each tile level.
    private var edge: [[MerkleHash]]
    /// Tiles that became full since the last take.
    private var completed: [Tile] = []
    /// Tile levels whose rightmost tile changed since the last take.
    private var touched: Set<UInt8> = []

    /// An empty log.
    public init() {
        builder = MerkleTreeBuilder()
        edge = []
    }

    /// Resumes a log of `treeSize` leaves from its right-edge partial tiles: exactly the tiles
    /// ``TileID/rightEdge(treeSize:)`` names, in any order.
    ///
    /// - Throws: ``TransparencyError/Code/invalidTile`` when the tiles are not exactly those.
    public init(treeSize: UInt64, rightEdge tiles: [Tile]) throws {
        let expected = TileID.rightEdge(treeSize: treeSize)
        guard tiles.map(\.id).sorted() == expected else {
            throw TransparencyError(
                code: .invalidTile,
                reason: "resuming a tree of size \(treeSize) needs the tiles [\(expected.map(\.path).joined(separator: ", "))]")
        }
        let reader = try TiledTreeReader(treeSize: treeSize, tiles: tiles)
        let compactRange = try MerkleTree.compactRangeNodes(size: treeSize).map(reader.hash(of:))
        builder = try MerkleTreeBuilder(size: treeSize, compactRange: compactRange)
        var levels = 0
        while TileID.storedHashCount(level: UInt8(levels), treeSize: treeSize) > 0 { levels += 1 }
        edge = Array(repeating: [], count: levels)
        for tile in tiles { edge[Int(tile.id.level)] = tile.hashes }
    }

    /// The number of leaves.
    public var treeSize: UInt64 { builder.size }

    /// The root hash at ``treeSize``.
    public var rootHash: MerkleHash { builder.rootHash }

    /// Appends one leaf hash.
    public mutating func append(leafHash: MerkleHash) {
        var stored: [(NodeID, MerkleHash)] = []
        builder.append(leafHash) { node, hash in
            if node.level % TileID.height == 0 { stored.append((node, hash)) }
        }
        for (node, hash) in stored {
            let level = Int(node.level / TileID.height)
            while edge.count <= level { edge.append([]) }
            edge[level].append(hash)
            touched.insert(UInt8(level))
            if edge[level].count == Int(TileID.fullWidth) {
                // This hash is the last of tile node.index / 256.
                let id = TileID(unchecked: UInt8(level), index: node.index >> 8, width: TileID.fullWidth)
                completed.append(Tile(unchecked: id, hashes: edge[level]))
                edge[level] = []
            }
        }
    }

    /// Appends the leaf with contents `entry`.
    public mutating func append(entry: some Sequence<UInt8>) {
        append(leafHash: MerkleHash.leaf(entry))
    }

    /// The tiles written or grown since the last call (or since init), at their widths for the
    /// current size, sorted; it equals ``TileID/changed(from:to:)`` for those sizes.
    public mutating func takeChangedTiles() -> [Tile] {
        var result = completed
        for level in touched where !edge[Int(level)].isEmpty {
            let stored = TileID.storedHashCount(level: level, treeSize: builder.size)
            let index = stored / UInt64(TileID.fullWidth)
            let id = TileID(unchecked: level, index: index, width: UInt16(edge[Int(level)].count))
            result.append(Tile(unchecked: id, hashes: edge[Int(level)]))
        }
        completed = []
        touched = []
        return result.sorted { $0.id < $1.id }
    }
}
