import Testing
import CustodyTransparency

/// C2SP tlog-tiles: coordinates, paths, contents, entry bundles, and proofs built from tiles.
@Suite struct TileTests {
    // MARK: Paths

    @Test(arguments: [
        (UInt64(0), "000"), (5, "005"), (999, "999"), (1000, "x001/000"), (1234067, "x001/x234/067"),
        (1_000_000, "x001/x000/000"), (UInt64.max, "x018/x446/x744/x073/x709/x551/615"),
    ])
    func indexEncoding(index: UInt64, encoded: String) throws {
        let tile = try TileID(level: 0, index: index)
        #expect(tile.path == "tile/0/\(encoded)")
        #expect(try TileID(path: tile.path) == tile)
        let bundle = try EntryBundleID(index: index, width: 7)
        #expect(bundle.path == "tile/entries/\(encoded).p/7")
        #expect(try EntryBundleID(path: bundle.path) == bundle)
    }

    @Test func pathRoundTrips() throws {
        var generator = SeededGenerator(seed: 99)
        for _ in 0..<2000 {
            let level = UInt8.random(in: 0...63, using: &generator)
            let index = UInt64.random(in: 0...UInt64.max, using: &generator) >> UInt64.random(in: 0...63, using: &generator)
            let width = UInt16.random(in: 1...256, using: &generator)
            let tile = try TileID(level: level, index: index, width: width)
            #expect(try TileResource(path: tile.path) == .hashes(tile))
            let bundle = try EntryBundleID(index: index, width: width)
            #expect(try TileResource(path: bundle.path) == .entries(bundle))
        }
        #expect(try TileID(path: "tile/3/x001/x234/067.p/255") == TileID(level: 3, index: 1234067, width: 255))
        #expect(try TileID(path: "tile/63/000").level == 63)
    }

    @Test(arguments: [
        "", "tile", "tile/0", "/tile/0/000", "tile/0/000/", "tile//000", "tile/00/000", "tile/64/000", "tile/-1/000",
        "tile/0/0", "tile/0/0000", "tile/0/x000", "tile/0/001/002", "tile/0/x000/001", "tile/0/X001/002", "tile/0/x001/x002",
        "tile/0/x01/002", "tile/0/00a", "tile/0/000.p", "tile/0/000.p/", "tile/0/000.p/0", "tile/0/000.p/256",
        "tile/0/000.p/07", "tile/0/000.p/+5", "tile/0/000.p/5/", "tile/0/000.q/5", "tile/0/x000.p/5/001",
        "tile/0/x019/x000/x000/x000/x000/x000/000", "tile/0/x001/x001/x001/x001/x001/x001/x001/000",
        "tile/entries", "tile/entries/", "tile/entries/0", "tile/entry/000", "tile/a/000", "tile/0/ 000",
        "tiles/0/000", "tile/0/000?x", "tile/0/１２３",
    ])
    func strictPathParsing(path: String) {
        #expect(throws: TransparencyError(code: .invalidTilePath)) { try TileResource(path: path) }
    }

    @Test func pathKindMismatch() {
        #expect(throws: TransparencyError(code: .invalidTilePath)) { try TileID(path: "tile/entries/000") }
        #expect(throws: TransparencyError(code: .invalidTilePath)) { try EntryBundleID(path: "tile/0/000") }
        #expect(throws: TransparencyError(code: .outOfRange)) { try TileID(level: 64, index: 0) }
        #expect(throws: TransparencyError(code: .outOfRange)) { try TileID(level: 0, index: 0, width: 0) }
        #expect(throws: TransparencyError(code: .outOfRange)) { try TileID(level: 0, index: 0, width: 257) }
    }

    // MARK: Tiles in a tree

    /// The example of C2SP tlog-tiles: a tree of 70,000 leaves.
    @Test func specificationExampleOf70000Leaves() throws {
        let size: UInt64 = 70_000
        let changed = try TileID.changed(from: 0, to: size)
        let level0 = changed.filter { $0.level == 0 }
        #expect(level0.filter(\.isFull).count == 273)
        #expect(level0.filter { !$0.isFull }.map(\.width) == [112])
        let level1 = changed.filter { $0.level == 1 }
        #expect(level1.filter(\.isFull).count == 1)
        #expect(level1.filter { !$0.isFull }.map(\.width) == [17])
        #expect(changed.filter { $0.level == 2 }.map(\.width) == [1])
        #expect(changed.count == 273 + 1 + 1 + 1 + 1)
        #expect(TileID.rightEdge(treeSize: size) == [
            try TileID(level: 0, index: 273, width: 112), try TileID(level: 1, index: 1, width: 17), try TileID(level: 2, index: 0, width: 1),
        ])
        // "A tree of size 256 will be represented by a full level 0 tile and a partial level 1 tile of width 1."
        #expect(try TileID.changed(from: 0, to: 256) == [try TileID(level: 0, index: 0), try TileID(level: 1, index: 0, width: 1)])
        #expect(TileID.rightEdge(treeSize: 256) == [try TileID(level: 1, index: 0, width: 1)])
        #expect(TileID.rightEdge(treeSize: 0) == [])
        #expect(TileID.tile(level: 0, index: 274, treeSize: size) == nil)
        #expect(TileID.tile(level: 3, index: 0, treeSize: size) == nil)
    }

    @Test func nodesMapToTheirTiles() throws {
        let size: UInt64 = 70_000
        #expect(try TileID.containing(NodeID(level: 0, index: 1000), treeSize: size) == TileID(level: 0, index: 3))
        #expect(try TileID.containing(NodeID(level: 0, index: 69_999), treeSize: size) == TileID(level: 0, index: 273, width: 112))
        #expect(try TileID.containing(NodeID(level: 7, index: 3), treeSize: size) == TileID(level: 0, index: 1))
        #expect(try TileID.containing(NodeID(level: 8, index: 3), treeSize: size) == TileID(level: 1, index: 0))
        #expect(try TileID.containing(NodeID(level: 8, index: 272), treeSize: size) == TileID(level: 1, index: 1, width: 17))
        #expect(try TileID.containing(NodeID(level: 16, index: 0), treeSize: size) == TileID(level: 2, index: 0, width: 1))
        #expect(throws: TransparencyError(code: .outOfRange)) { try TileID.containing(NodeID(level: 0, index: 70_000), treeSize: size) }
        #expect(throws: TransparencyError(code: .outOfRange)) { try TileID.containing(NodeID(level: 17, index: 0), treeSize: size) }
    }

    /// Every tile's hashes are the complete nodes of its Merkle level.
    @Test func tileContentsMatchTheTree() throws {
        let size = 70_000
        let tree = MerkleTree(leafHashes: sampleLeafHashes(size))
        var appender = TileAppender()
        for index in 0..<size { appender.append(entry: Array("leaf \(index)".utf8)) }
        let tiles = appender.takeChangedTiles()
        #expect(tiles.map(\.id) == (try TileID.changed(from: 0, to: UInt64(size))))
        #expect(appender.rootHash == tree.rootHash)
        for tile in tiles {
            for (position, hash) in tile.hashes.enumerated() {
                let node = NodeID(level: tile.id.storedLevel, index: tile.id.index * 256 + UInt64(position))
                #expect(try tree.hash(of: node) == hash)
            }
            #expect(try Tile(id: tile.id, data: tile.data) == tile)
        }
        // A reader over the tiles answers every node, root and proof like the in-memory tree.
        let reader = try TiledTreeReader(treeSize: UInt64(size), tiles: tiles)
        #expect(try reader.rootHash() == tree.rootHash)
        var generator = SeededGenerator(seed: 5)
        for _ in 0..<300 {
            let level = UInt8.random(in: 0...16, using: &generator)
            let count = UInt64(size) >> UInt64(level)
            let node = NodeID(level: level, index: UInt64.random(in: 0..<count, using: &generator))
            #expect(try reader.hash(of: node) == tree.hash(of: node))
        }
        for index in [0, 1, 255, 256, 65_535, 65_536, 69_999] as [UInt64] {
            #expect(try reader.inclusionProof(index: index) == tree.inclusionProof(index: index))
        }
        for _ in 0..<100 {
            let index = UInt64.random(in: 0..<UInt64(size), using: &generator)
            #expect(try reader.inclusionProof(index: index) == tree.inclusionProof(index: index))
            let oldSize = UInt64.random(in: 1...UInt64(size), using: &generator)
            #expect(try reader.consistencyProof(oldSize: oldSize) == tree.consistencyProof(oldSize: oldSize))
        }
    }

    /// The proofs of a batch's new leaves need only the tiles the batch changed and the right
    /// edge of the new tree (what the log's sequencer keeps in memory), and built together they
    /// equal the in-memory tree's proofs, one by one; a missing tile is an error, not a wrong proof.
    @Test func batchProofsFromChangedAndRightEdgeTiles() throws {
        let total = 70_000
        let tree = MerkleTree(leafHashes: sampleLeafHashes(total))
        var appender = TileAppender()
        var latest: [TileID: Tile] = [:]
        var size: UInt64 = 0
        var generator = SeededGenerator(seed: 11)
        while size < UInt64(total) {
            let count = min(UInt64.random(in: 1...700, using: &generator), UInt64(total) - size)
            for index in size..<size + count { appender.append(entry: Array("leaf \(index)".utf8)) }
            let changed = appender.takeChangedTiles()
            for tile in changed { latest[tile.id] = tile }
            let newSize = size + count
            let edge = TileID.rightEdge(treeSize: newSize).compactMap { latest[$0] }
            let reader = try TiledTreeReader(treeSize: newSize, tiles: changed + edge)
            let proofs = try reader.inclusionProofs(indexes: size..<newSize)
            #expect(proofs.count == Int(count))
            for (offset, proof) in proofs.enumerated() {
                #expect(proof == (try tree.inclusionProof(index: size + UInt64(offset), treeSize: newSize)))
            }
            size = newSize
        }
        let reader = try TiledTreeReader(treeSize: 300, tiles: [])
        #expect(throws: TransparencyError(code: .missingHash)) { try reader.inclusionProofs(indexes: [0]) }
        #expect(throws: TransparencyError(code: .outOfRange)) { try reader.inclusionProofs(indexes: [300]) }
    }

    /// Appending in batches, resuming each time from the stored right-edge tiles, writes the same
    /// tiles as one run, and each batch's changed tiles are exactly `TileID.changed`.
    @Test func appenderResumesFromRightEdge() throws {
        var generator = SeededGenerator(seed: 77)
        let hashes = sampleLeafHashes(20_000)
        var store: [TileID: Tile] = [:]  // keyed by full coordinates; a partial is replaced when it grows
        var latest: [String: Tile] = [:]
        var size: UInt64 = 0
        while size < UInt64(hashes.count) {
            let edge = TileID.rightEdge(treeSize: size).map { latest["\($0.level)/\($0.index)"]! }
            var appender = try TileAppender(treeSize: size, rightEdge: edge)
            let batch = min(UInt64.random(in: 1...700, using: &generator), UInt64(hashes.count) - size)
            for index in size..<size + batch { appender.append(leafHash: hashes[Int(index)]) }
            let tiles = appender.takeChangedTiles()
            #expect(tiles.map(\.id) == (try TileID.changed(from: size, to: size + batch)))
            for tile in tiles {
                store[tile.id] = tile
                latest["\(tile.id.level)/\(tile.id.index)"] = tile
            }
            size += batch
            #expect(appender.rootHash == referenceRoot(hashes[..<Int(size)]))
            #expect(appender.takeChangedTiles().isEmpty)
        }
        var oneRun = TileAppender()
        for hash in hashes { oneRun.append(leafHash: hash) }
        #expect(oneRun.takeChangedTiles() == latest.values.sorted { $0.id < $1.id })
        // Older partial tiles stay valid for their sizes: each matches the final tree's hashes.
        let tree = MerkleTree(leafHashes: hashes)
        for tile in store.values {
            for (position, hash) in tile.hashes.enumerated() {
                #expect(try tree.hash(of: NodeID(level: tile.id.storedLevel, index: tile.id.index * 256 + UInt64(position))) == hash)
            }
        }
        #expect(throws: TransparencyError(code: .invalidTile)) { try TileAppender(treeSize: 300, rightEdge: []) }
    }

    @Test func tileDataIsStrict() throws {
        let id = try TileID(level: 0, index: 0, width: 2)
        let hash = MerkleHash.leaf([1])
        let tile = try Tile(id: id, hashes: [hash, hash])
        #expect(tile.data.count == 64)
        #expect(throws: TransparencyError(code: .invalidTile)) { try Tile(id: id, data: tile.data.dropLast()) }
        #expect(throws: TransparencyError(code: .invalidTile)) { try Tile(id: id, data: tile.data + [0]) }
        #expect(throws: TransparencyError(code: .invalidTile)) { try Tile(id: id, data: tile.data + tile.data) }
        #expect(throws: TransparencyError(code: .invalidTile)) { try Tile(id: id, hashes: [hash]) }
        #expect(throws: TransparencyError(code: .missingHash)) { try tile.hash(of: NodeID(level: 2, index: 0)) }
        #expect(throws: TransparencyError(code: .outOfRange)) { try tile.hash(of: NodeID(level: 8, index: 0)) }
        #expect(throws: TransparencyError(code: .outOfRange)) { try tile.hash(of: NodeID(level: 0, index: 256)) }
        let reader = try TiledTreeReader(treeSize: 2, tiles: [])
        #expect(throws: TransparencyError(code: .missingHash)) { try reader.hash(of: NodeID(level: 0, index: 0)) }
        #expect(throws: TransparencyError(code: .outOfRange)) { try TiledTreeReader(treeSize: 2, tiles: [try Tile(id: TileID(level: 0, index: 1, width: 1), hashes: [hash])]) }
    }

    /// A full tile stands in for a partial one of the same coordinates.
    @Test func fullTileServesPartialRequests() throws {
        let hashes = sampleLeafHashes(600)
        var appender = TileAppender()
        for hash in hashes { appender.append(leafHash: hash) }
        let tiles = appender.takeChangedTiles()
        let tree = MerkleTree(leafHashes: hashes)
        // For tree size 300, tile 0/001 is partial (width 44); the full tile 0/001 from size 600 serves it.
        let reader = try TiledTreeReader(treeSize: 300, tiles: tiles.filter { $0.id.level == 0 && $0.id.index <= 1 } + [
            try Tile(id: TileID(level: 1, index: 0, width: 1), hashes: [try tree.hash(of: NodeID(level: 8, index: 0))]),
        ])
        #expect(try reader.rootHash() == tree.rootHash(atSize: 300))
        #expect(try reader.inclusionProof(index: 299) == tree.inclusionProof(index: 299, treeSize: 300))
    }

    @Test func proofsFromFetchedTiles() async throws {
        let size = 5000
        let hashes = sampleLeafHashes(size)
        var appender = TileAppender()
        for hash in hashes { appender.append(leafHash: hash) }
        let served = Dictionary(uniqueKeysWithValues: appender.takeChangedTiles().map { ($0.id.path, $0.data) })
        let tree = MerkleTree(leafHashes: hashes)
        let fetch: @Sendable (TileID) async throws -> [UInt8] = { id in
            guard let data = served[id.path] else { throw TransparencyError(code: .missingHash, reason: "404 \(id.path)") }
            return data
        }
        #expect(try await TiledTreeReader.rootHash(treeSize: UInt64(size), fetch: fetch) == tree.rootHash)
        for index in [0, 17, 256, 4095, 4096, 4999] as [UInt64] {
            #expect(try await TiledTreeReader.inclusionProof(index: index, treeSize: UInt64(size), fetch: fetch) == tree.inclusionProof(index: index))
        }
        for oldSize in [1, 255, 256, 257, 4096, 4999] as [UInt64] {
            #expect(try await TiledTreeReader.consistencyProof(oldSize: oldSize, newSize: UInt64(size), fetch: fetch) == tree.consistencyProof(oldSize: oldSize))
        }
        let plan = try MerkleProof.inclusionPlan(index: 1234, treeSize: UInt64(size))
        #expect(try TileID.tiles(covering: plan.nodes, treeSize: UInt64(size)).map(\.path) == [
            "tile/0/004", "tile/0/019.p/136", "tile/1/000.p/19",
        ])
        // A server that lost a tile makes the proof fail with its error, not a wrong proof.
        let broken: @Sendable (TileID) async throws -> [UInt8] = { id in
            if id.level == 1 { throw TransparencyError(code: .missingHash, reason: "gone") }
            return served[id.path] ?? []
        }
        await #expect(throws: TransparencyError(code: .missingHash)) {
            try await TiledTreeReader.inclusionProof(index: 0, treeSize: UInt64(size), fetch: broken)
        }
    }

    // MARK: Entry bundles

    @Test func entryBundlesRoundTrip() throws {
        let entries: [[UInt8]] = [[], [0x61], Array(repeating: 0x62, count: 300), Array(repeating: 0x63, count: EntryBundle.maxEntryBytes)]
        let bundle = try EntryBundle(entries: entries)
        let data = bundle.data
        #expect(data.prefix(5) == [0x00, 0x00, 0x00, 0x01, 0x61])
        #expect(data[5...6] == [0x01, 0x2c])
        let id = try EntryBundleID(index: 0, width: 4)
        #expect(try EntryBundle(id: id, data: data) == bundle)

        let tile = try Tile(id: id.tile, hashes: bundle.leafHashes)
        try bundle.verify(against: tile)
        var wrong = bundle.leafHashes
        wrong[2] = wrong[1]
        #expect(throws: TransparencyError(code: .invalidTile)) { try bundle.verify(against: try Tile(id: id.tile, hashes: wrong)) }
        #expect(throws: TransparencyError(code: .invalidTile)) {
            try bundle.verify(against: try Tile(id: TileID(level: 0, index: 0, width: 3), hashes: Array(wrong.prefix(3))))
        }
        #expect(try EntryBundleID.containing(entry: 700, treeSize: 800) == EntryBundleID(index: 2))
        #expect(try EntryBundleID.containing(entry: 790, treeSize: 800) == EntryBundleID(index: 3, width: 32))
        #expect(throws: TransparencyError(code: .outOfRange)) { try EntryBundleID.containing(entry: 800, treeSize: 800) }
    }

    @Test func entryBundleBadInput() throws {
        let bundle = try EntryBundle(entries: [[1, 2, 3], [4, 5]])
        let id = try EntryBundleID(index: 9, width: 2)
        let data = bundle.data
        // Truncated inside an entry, inside a length prefix, and missing the second entry.
        #expect(throws: TransparencyError(code: .truncated)) { try EntryBundle(id: id, data: data.dropLast()) }
        #expect(throws: TransparencyError(code: .truncated)) { try EntryBundle(id: id, data: data.prefix(6)) }
        #expect(throws: TransparencyError(code: .truncated)) { try EntryBundle(id: id, data: data.prefix(5)) }
        #expect(throws: TransparencyError(code: .truncated)) { try EntryBundle(id: id, data: []) }
        // Trailing data: a byte, or a third entry, after the two the width announces.
        #expect(throws: TransparencyError(code: .trailingData)) { try EntryBundle(id: id, data: data + [0]) }
        #expect(throws: TransparencyError(code: .trailingData)) { try EntryBundle(id: id, data: data + [0, 1, 7]) }
        #expect(throws: TransparencyError(code: .tooLarge)) { try EntryBundle(entries: [Array(repeating: 0, count: EntryBundle.maxEntryBytes + 1)]) }
        #expect(throws: TransparencyError(code: .tooLarge)) { try EntryBundle(entries: Array(repeating: [1], count: 257)) }
        #expect(throws: TransparencyError(code: .outOfRange)) { try EntryBundle(entries: []) }
    }
}
