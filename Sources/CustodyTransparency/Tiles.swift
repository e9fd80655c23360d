/// A Merkle tree tile of a C2SP tlog-tiles log: up to 256 consecutive stored hashes of one tile level.
///
/// A tile at tile level `L` holds hashes of Merkle level `8 * L`: level-0 tiles hold leaf hashes,
/// and each hash of a level-`L` tile is the root of a full tile of level `L - 1`. The `N`-th tile of
/// a level holds the hashes `N * 256 ..< N * 256 + width` of its Merkle level. A tile of fewer
/// than 256 hashes is *partial*; its path ends in `.p/<width>`.
///
/// Paths are relative to the log's prefix: `tile/<L>/<N>[.p/<W>]`, with `N` written in groups of
/// three digits, all but the last prefixed with `x` (1234067 → `x001/x234/067`).
public struct TileID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Hashes in a full tile.
    public static let fullWidth: UInt16 = 256
    /// Merkle levels per tile level.
    public static let height: UInt8 = 8
    /// The highest tile level a path may name.
    public static let maxLevel: UInt8 = 63

    /// The tile level (`L`).
    public let level: UInt8
    /// The tile's index within its level (`N`).
    public let index: UInt64
    /// The number of hashes, 1 to 256.
    public let width: UInt16

    /// A tile coordinate.
    ///
    /// - Throws: ``TransparencyError/Code/outOfRange`` for a level above ``maxLevel`` or a width
    ///   outside 1...256.
    public init(level: UInt8, index: UInt64, width: UInt16 = TileID.fullWidth) throws {
        guard level <= Self.maxLevel else {
            throw TransparencyError(code: .outOfRange, reason: "tile level \(level) is above \(Self.maxLevel)")
        }
        guard (1...Self.fullWidth).contains(width) else {
            throw TransparencyError(code: .outOfRange, reason: "tile width \(width) is outside 1...256")
        }
        self.level = level
        self.index = index
        self.width = width
    }

    init(unchecked level: UInt8, index: UInt64, width: UInt16) {
        self.level = level
        self.index = index
        self.width = width
    }

    /// Whether the tile holds 256 hashes.
    public var isFull: Bool { width == Self.fullWidth }

    /// The Merkle level of the hashes the tile stores (`8 * level`).
    public var storedLevel: UInt8 { level &* Self.height }

    /// The path relative to the log prefix, `tile/<L>/<N>[.p/<W>]`.
    public var path: String {
        "tile/\(level)/\(TilePath.encodeIndex(index))" + (isFull ? "" : ".p/\(width)")
    }

    public var description: String { path }

    public static func < (lhs: TileID, rhs: TileID) -> Bool {
        (lhs.level, lhs.index, lhs.width) < (rhs.level, rhs.index, rhs.width)
    }

    /// Parses a tile path, `tile/<L>/<N>[.p/<W>]`, exactly as the log writes it: no leading
    /// slash, no leading zeros in `L` or `W`, canonical `N`, `W` from 1 to 255.
    ///
    /// - Throws: ``TransparencyError/Code/invalidTilePath``.
    public init(path: String) throws {
        guard case .hashes(let id) = try TileResource(path: path) else {
            throw TransparencyError(code: .invalidTilePath, reason: "'\(path)' is an entry bundle, not a hash tile")
        }
        self = id
    }

    // MARK: Tiles in a tree

    /// The tile at `level` and `index` as it is in a tree of `treeSize` leaves (full, or partial
    /// with its width at that size), or nil when the tree has no hash in it yet.
    public static func tile(level: UInt8, index: UInt64, treeSize: UInt64) -> TileID? {
        guard level <= maxLevel else { return nil }
        let stored = storedHashCount(level: level, treeSize: treeSize)
        let first = index.multipliedReportingOverflow(by: UInt64(fullWidth))
        guard !first.overflow, first.partialValue < stored else { return nil }
        let width = min(UInt64(fullWidth), stored - first.partialValue)
        return TileID(unchecked: level, index: index, width: UInt16(width))
    }

    /// The tile that stores the hashes `node` is computed from, at its width in a tree of `treeSize` leaves.
    ///
    /// A node at Merkle level `8L + r` is in tile level `L`; it is the root of `2^r` consecutive
    /// hashes of that tile.
    ///
    /// - Throws: ``TransparencyError/Code/outOfRange`` when the node is not complete in the tree.
    public static func containing(_ node: NodeID, treeSize: UInt64) throws -> TileID {
        guard node.isComplete(inTreeOfSize: treeSize) else {
            throw TransparencyError(code: .outOfRange, reason: "\(node) is not complete in a tree of size \(treeSize)")
        }
        let level = node.level / height
        let shift = UInt64(height - node.level % height)
        // The node is complete, so its tile exists at this size.
        return tile(level: level, index: node.index >> shift, treeSize: treeSize)!
    }

    /// The distinct tiles (at their widths for `treeSize`) that hold every hash needed for `nodes`, sorted.
    ///
    /// - Throws: ``TransparencyError/Code/outOfRange`` for a node not complete in the tree.
    public static func tiles(covering nodes: some Sequence<NodeID>, treeSize: UInt64) throws -> [TileID] {
        var result = Set<TileID>()
        for node in nodes { result.insert(try containing(node, treeSize: treeSize)) }
        return result.sorted()
    }

    /// The partial tiles on the right edge of a tree of `treeSize` leaves, lowest level first: one
    /// per tile level whose number of stored hashes is not a multiple of 256.
    ///
    /// These are all a log needs to keep appending (``TileAppender/init(treeSize:rightEdge:)``) and
    /// all a client needs, with the full tiles, to recompute the root of that size.
    public static func rightEdge(treeSize: UInt64) -> [TileID] {
        var tiles: [TileID] = []
        var level: UInt8 = 0
        while level <= maxLevel {
            let stored = storedHashCount(level: level, treeSize: treeSize)
            if stored == 0 { break }
            if stored % UInt64(fullWidth) != 0 {
                tiles.append(TileID(unchecked: level, index: stored / UInt64(fullWidth), width: UInt16(stored % UInt64(fullWidth))))
            }
            level += 1
        }
        return tiles
    }

    /// The tiles whose contents differ between the tree of `oldSize` leaves and the tree of
    /// `newSize` leaves, at their widths for `newSize`, sorted: what a log publishes after
    /// integrating the leaves `oldSize ..< newSize`. The list is about `(newSize - oldSize) / 255`
    /// tiles long, so call it per batch, not across a whole large log.
    ///
    /// - Throws: ``TransparencyError/Code/outOfRange`` when `oldSize` is above `newSize`.
    public static func changed(from oldSize: UInt64, to newSize: UInt64) throws -> [TileID] {
        guard oldSize <= newSize else {
            throw TransparencyError(code: .outOfRange, reason: "old tree size \(oldSize) is above new tree size \(newSize)")
        }
        var tiles: [TileID] = []
        var level: UInt8 = 0
        while level <= maxLevel {
            let oldCount = storedHashCount(level: level, treeSize: oldSize)
            let newCount = storedHashCount(level: level, treeSize: newSize)
            if newCount == oldCount { break }
            let first = oldCount / UInt64(fullWidth)
            let last = (newCount - 1) / UInt64(fullWidth)
            for index in first...last {
                if let tile = tile(level: level, index: index, treeSize: newSize) { tiles.append(tile) }
            }
            level += 1
        }
        return tiles
    }

    /// The number of hashes stored at tile level `level` for a tree of `treeSize` leaves: the
    /// complete nodes of Merkle level `8 * level`.
    static func storedHashCount(level: UInt8, treeSize: UInt64) -> UInt64 {
        let merkleLevel = UInt64(level) * UInt64(height)
        return merkleLevel >= 64 ? 0 : treeSize >> merkleLevel
    }
}

/// An entry bundle of a C2SP tlog-tiles log: up to 256 consecutive log entries, the contents of
/// the leaves whose hashes form the level-0 tile of the same index and width.
///
/// Path: `tile/entries/<N>[.p/<W>]`.
public struct EntryBundleID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The bundle index (`N`); it holds entries `N * 256 ..< N * 256 + width`.
    public let index: UInt64
    /// The number of entries, 1 to 256.
    public let width: UInt16

    /// A bundle coordinate.
    ///
    /// - Throws: ``TransparencyError/Code/outOfRange`` for a width outside 1...256.
    public init(index: UInt64, width: UInt16 = TileID.fullWidth) throws {
        guard (1...TileID.fullWidth).contains(width) else {
            throw TransparencyError(code: .outOfRange, reason: "bundle width \(width) is outside 1...256")
        }
        self.index = index
        self.width = width
    }

    /// Whether the bundle holds 256 entries.
    public var isFull: Bool { width == TileID.fullWidth }

    /// The index of the bundle's first entry.
    public var firstEntry: UInt64 { index &* UInt64(TileID.fullWidth) }

    /// The level-0 hash tile with the same index and width.
    public var tile: TileID {
        TileID(unchecked: 0, index: index, width: width)
    }

    /// The path relative to the log prefix, `tile/entries/<N>[.p/<W>]`.
    public var path: String {
        "tile/entries/\(TilePath.encodeIndex(index))" + (isFull ? "" : ".p/\(width)")
    }

    public var description: String { path }

    public static func < (lhs: EntryBundleID, rhs: EntryBundleID) -> Bool {
        (lhs.index, lhs.width) < (rhs.index, rhs.width)
    }

    /// Parses `tile/entries/<N>[.p/<W>]` strictly (see ``TileID/init(path:)``).
    ///
    /// - Throws: ``TransparencyError/Code/invalidTilePath``.
    public init(path: String) throws {
        guard case .entries(let id) = try TileResource(path: path) else {
            throw TransparencyError(code: .invalidTilePath, reason: "'\(path)' is a hash tile, not an entry bundle")
        }
        self = id
    }

    /// The bundle holding entry `entryIndex`, at its width in a tree of `treeSize` leaves.
    ///
    /// - Throws: ``TransparencyError/Code/outOfRange`` when the entry is not in the tree.
    public static func containing(entry entryIndex: UInt64, treeSize: UInt64) throws -> EntryBundleID {
        guard entryIndex < treeSize, let tile = TileID.tile(level: 0, index: entryIndex / UInt64(TileID.fullWidth), treeSize: treeSize) else {
            throw TransparencyError(code: .outOfRange, reason: "entry \(entryIndex) is not in a tree of size \(treeSize)")
        }
        return try EntryBundleID(index: tile.index, width: tile.width)
    }
}

/// A parsed path under a tiled log's prefix.
public enum TileResource: Sendable, Hashable {
    /// `tile/<L>/<N>[.p/<W>]`.
    case hashes(TileID)
    /// `tile/entries/<N>[.p/<W>]`.
    case entries(EntryBundleID)

    /// Parses a path strictly: it must be exactly the form the log writes (see ``TileID/init(path:)``).
    ///
    /// - Throws: ``TransparencyError/Code/invalidTilePath``.
    public init(path: String) throws {
        func invalid(_ why: String) -> TransparencyError {
            TransparencyError(code: .invalidTilePath, reason: "invalid tile path '\(path.prefix(200))': \(why)")
        }
        guard path.utf8.count <= TilePath.maxPathBytes else { throw invalid("too long") }
        var components = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard components.count >= 3, components[0] == "tile" else { throw invalid("not under tile/") }
        components.removeFirst()
        let levelText = components.removeFirst()
        // The width suffix: the last two components are "<last index group>.p" and "<W>".
        var width = TileID.fullWidth
        if components.count >= 2, components[components.count - 2].hasSuffix(".p") {
            let widthText = components.removeLast()
            guard let value = StrictDecimal.parse(widthText), (1..<UInt64(TileID.fullWidth)).contains(value) else {
                throw invalid("partial width must be 1 to 255 without leading zeros")
            }
            width = UInt16(value)
            components[components.count - 1].removeLast(2)
        }
        guard let index = TilePath.decodeIndex(components) else {
            throw invalid("the index must be 3-digit groups, all but the last prefixed with x, without leading x000 groups")
        }
        if levelText == "entries" {
            self = .entries(try EntryBundleID(index: index, width: width))
            return
        }
        guard let level = StrictDecimal.parse(levelText), level <= UInt64(TileID.maxLevel) else {
            throw invalid("level must be 0 to 63 without leading zeros, or 'entries'")
        }
        self = .hashes(try TileID(level: UInt8(level), index: index, width: width))
    }

    /// The path relative to the log prefix.
    public var path: String {
        switch self {
        case .hashes(let id): id.path
        case .entries(let id): id.path
        }
    }
}

/// The `x001/x234/067` index encoding.
enum TilePath {
    /// The longest path accepted (a UInt64 index is 7 groups).
    static let maxPathBytes = 128

    static func encodeIndex(_ index: UInt64) -> String {
        var groups: [String] = []
        var rest = index
        repeat {
            let group = String(rest % 1000)
            groups.append(String(repeating: "0", count: 3 - group.count) + group)
            rest /= 1000
        } while rest > 0
        return groups.reversed().enumerated().map { offset, group in
            offset == groups.count - 1 ? group : "x" + group
        }.joined(separator: "/")
    }

    static func decodeIndex(_ components: [String]) -> UInt64? {
        guard !components.isEmpty, components.count <= 7 else { return nil }
        var value: UInt64 = 0
        for (offset, component) in components.enumerated() {
            let isLast = offset == components.count - 1
            var digits = Substring(component)
            if !isLast {
                guard digits.first == "x" else { return nil }
                digits = digits.dropFirst()
            }
            guard digits.utf8.count == 3, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                  let group = UInt64(digits)
            else { return nil }
            // The first group of a multi-group index cannot be zero (that would be a second encoding).
            if offset == 0, !isLast, group == 0 { return nil }
            let (scaled, overflow1) = value.multipliedReportingOverflow(by: 1000)
            let (sum, overflow2) = scaled.addingReportingOverflow(group)
            guard !overflow1, !overflow2 else { return nil }
            value = sum
        }
        return value
    }
}

/// The hashes of one tile.
public struct Tile: Sendable, Hashable {
    /// Where the tile is.
    public let id: TileID
    /// The stored hashes, ``TileID/width`` of them.
    public let hashes: [MerkleHash]

    /// A tile from its hashes; there must be exactly `id.width` of them.
    ///
    /// - Throws: ``TransparencyError/Code/invalidTile``.
    public init(id: TileID, hashes: [MerkleHash]) throws {
        guard hashes.count == Int(id.width) else {
            throw TransparencyError(code: .invalidTile, reason: "tile \(id.path) holds \(id.width) hashes, not \(hashes.count)")
        }
        self.id = id
        self.hashes = hashes
    }

    init(unchecked id: TileID, hashes: [MerkleHash]) {
        self.id = id
        self.hashes = hashes
    }

    /// A tile from its served bytes: exactly `32 * id.width` bytes, the hashes concatenated.
    ///
    /// - Throws: ``TransparencyError/Code/invalidTile`` for any other length.
    public init(id: TileID, data: some Collection<UInt8>) throws {
        let bytes = Array(data)
        guard bytes.count == Int(id.width) * MerkleHash.byteCount else {
            throw TransparencyError(
                code: .invalidTile,
                reason: "tile \(id.path) must be \(Int(id.width) * MerkleHash.byteCount) bytes, not \(bytes.count)")
        }
        var hashes: [MerkleHash] = []
        hashes.reserveCapacity(Int(id.width))
        var offset = 0
        while offset < bytes.count {
            hashes.append(try MerkleHash(bytes: bytes[offset..<offset + MerkleHash.byteCount]))
            offset += MerkleHash.byteCount
        }
        self.id = id
        self.hashes = hashes
    }

    /// The bytes a log serves: the hashes concatenated.
    public var data: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hashes.count * MerkleHash.byteCount)
        for hash in hashes { hash.append(to: &bytes) }
        return bytes
    }

    /// The hash of a complete subtree whose stored hashes lie in this tile: a node at Merkle level
    /// `8L + r` (L this tile's level, r below 8) is the root of `2^r` adjacent hashes of the tile.
    ///
    /// - Throws: ``TransparencyError/Code/outOfRange`` when the node is at another tile level or
    ///   in another tile; ``TransparencyError/Code/missingHash`` when its hashes go past the tile's width.
    public func hash(of node: NodeID) throws -> MerkleHash {
        guard node.level / TileID.height == id.level else {
            throw TransparencyError(code: .outOfRange, reason: "\(node) is not in tile level \(id.level)")
        }
        let height = UInt64(node.level % TileID.height)
        let first = node.index << height
        guard node.index <= UInt64.max >> height, first >> 8 == id.index else {
            throw TransparencyError(code: .outOfRange, reason: "\(node) is not in tile \(id.path)")
        }
        let start = Int(first & 0xff)
        let count = 1 << Int(height)
        guard start + count <= hashes.count else {
            throw TransparencyError(code: .missingHash, reason: "\(node) needs hashes past the width of tile \(id.path)")
        }
        var layer = Array(hashes[start..<start + count])
        while layer.count > 1 {
            var parents: [MerkleHash] = []
            parents.reserveCapacity(layer.count / 2)
            var index = 0
            while index < layer.count {
                parents.append(MerkleHash.node(layer[index], layer[index + 1]))
                index += 2
            }
            layer = parents
        }
        return layer[0]
    }
}
