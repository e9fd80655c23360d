/// A complete (perfect) subtree of a Merkle tree: the node at height ``level`` whose leaves are
/// `[index * 2^level, (index + 1) * 2^level)`.
///
/// Level 0 nodes are leaves. Every hash a log stores, and every hash a proof is made of, is the
/// hash of a complete subtree or a right-to-left fold of several adjacent ones.
public struct NodeID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The height above the leaves (0 for a leaf). At most 63 for a node inside a tree whose size fits a UInt64.
    public var level: UInt8
    /// The position among the nodes of the same level, from the left, starting at 0.
    public var index: UInt64

    /// The node at `level` and `index`.
    public init(level: UInt8, index: UInt64) {
        self.level = level
        self.index = index
    }

    /// The first leaf the node covers (`index * 2^level`).
    public var firstLeaf: UInt64 { level < 64 ? index << UInt64(level) : 0 }

    /// Whether every leaf under the node exists in a tree of `size` leaves, so the node's hash is final.
    public func isComplete(inTreeOfSize size: UInt64) -> Bool {
        level < 64 && index < (size >> UInt64(level))
    }

    public static func < (lhs: NodeID, rhs: NodeID) -> Bool {
        (lhs.level, lhs.index) < (rhs.level, rhs.index)
    }

    public var description: String { "node(level \(level), index \(index))" }
}

/// Streaming Merkle tree construction with O(log n) memory: the "compact range" of a tree, the
/// roots of the perfect subtrees that its size decomposes into (one per set bit, largest first).
///
/// Append leaf hashes one by one; ``rootHash`` is available at every size. The `visit` form of
/// ``append(_:visit:)`` reports every node that becomes complete, which is what a log needs to
/// fill its tiles (see ``TileAppender``).
public struct MerkleTreeBuilder: Sendable {
    /// The number of leaves appended (including those of a resumed tree).
    public private(set) var size: UInt64
    /// The perfect-subtree roots, left to right (levels strictly decreasing).
    public private(set) var compactRange: [MerkleHash]

    /// An empty tree.
    public init() {
        size = 0
        compactRange = []
    }

    /// Resumes a tree of `size` leaves from its compact range: the hashes of
    /// ``MerkleTree/compactRangeNodes(size:)``, in that order.
    ///
    /// - Throws: ``TransparencyError/Code/invalidProofLength`` when the number of hashes is not the
    ///   number of set bits in `size`.
    public init(size: UInt64, compactRange: [MerkleHash]) throws {
        guard compactRange.count == size.nonzeroBitCount else {
            throw TransparencyError(
                code: .invalidProofLength,
                reason: "a tree of size \(size) has \(size.nonzeroBitCount) compact-range hashes, not \(compactRange.count)")
        }
        self.size = size
        self.compactRange = compactRange
    }

    /// Appends one leaf hash.
    public mutating func append(_ leafHash: MerkleHash) {
        append(leafHash) { _, _ in }
    }

    /// Appends one leaf hash and calls `visit` for each node that becomes complete: first the leaf
    /// itself (level 0), then each parent it completes, bottom-up.
    ///
    /// - Precondition: the tree has fewer than `UInt64.max` leaves.
    public mutating func append(_ leafHash: MerkleHash, visit: (NodeID, MerkleHash) -> Void) {
        precondition(size < UInt64.max, "a Merkle tree holds at most UInt64.max leaves")
        var hash = leafHash
        var index = size
        var level: UInt8 = 0
        visit(NodeID(level: 0, index: index), hash)
        // Each trailing 1 bit of the old size is a perfect subtree that the new leaf completes.
        while index & 1 == 1 {
            hash = MerkleHash.node(compactRange.removeLast(), hash)
            index >>= 1
            level += 1
            visit(NodeID(level: level, index: index), hash)
        }
        compactRange.append(hash)
        size += 1
    }

    /// The root hash of the tree as it is now (``MerkleHash/emptyTree`` for no leaves).
    public var rootHash: MerkleHash {
        MerkleTree.foldRight(compactRange)
    }
}

/// Merkle tree arithmetic and an in-memory tree.
///
/// `MerkleTree` keeps every complete node hash of the leaves given (fewer than 2n hashes for n
/// leaves), so any subtree hash, any historical root, and any proof are quick. Logs that keep
/// hashes in storage use ``MerkleProof`` with their own node lookup, or ``TiledTreeReader``.
public struct MerkleTree: Sendable {
    /// `levels[l][i]` is the hash of ``NodeID`` (l, i), for every complete node.
    private var levels: [[MerkleHash]]

    /// An empty tree.
    public init() {
        levels = [[]]
    }

    /// A tree of the given leaf hashes.
    public init(leafHashes: some Sequence<MerkleHash>) {
        self.init()
        for hash in leafHashes { append(leafHash: hash) }
    }

    /// A tree of the given leaf contents (each hashed with ``MerkleHash/leaf(_:)``).
    public init<Leaf: Sequence<UInt8>>(leaves: some Sequence<Leaf>) {
        self.init(leafHashes: leaves.lazy.map { MerkleHash.leaf($0) })
    }

    /// The number of leaves.
    public var size: UInt64 { UInt64(levels[0].count) }

    /// Appends a leaf hash.
    public mutating func append(leafHash: MerkleHash) {
        levels[0].append(leafHash)
        var level = 0
        // A right child just completed its parent whenever the new count at this level is even.
        while levels[level].count % 2 == 0 {
            let count = levels[level].count
            let parent = MerkleHash.node(levels[level][count - 2], levels[level][count - 1])
            if levels.count == level + 1 { levels.append([]) }
            levels[level + 1].append(parent)
            level += 1
        }
    }

    /// Appends a leaf with contents `data`.
    public mutating func append(leaf data: some Sequence<UInt8>) {
        append(leafHash: MerkleHash.leaf(data))
    }

    /// The hash of a complete subtree.
    ///
    /// - Throws: ``TransparencyError/Code/outOfRange`` when the node is not complete in this tree.
    public func hash(of node: NodeID) throws -> MerkleHash {
        guard node.isComplete(inTreeOfSize: size), Int(node.level) < levels.count,
              node.index < UInt64(levels[Int(node.level)].count)
        else {
            throw TransparencyError(code: .outOfRange, reason: "\(node) is not complete in a tree of size \(size)")
        }
        return levels[Int(node.level)][Int(node.index)]
    }

    /// The current root hash.
    public var rootHash: MerkleHash {
        // The current size is always in range.
        (try? rootHash(atSize: size)) ?? MerkleHash.emptyTree
    }

    /// The root hash the tree had when it held `treeSize` leaves.
    ///
    /// - Throws: ``TransparencyError/Code/outOfRange`` when `treeSize` is above ``size``.
    public func rootHash(atSize treeSize: UInt64) throws -> MerkleHash {
        guard treeSize <= size else {
            throw TransparencyError(code: .outOfRange, reason: "tree size \(treeSize) is above the tree's \(size) leaves")
        }
        return try MerkleTree.rootHash(size: treeSize, hash: hash(of:))
    }

    /// The inclusion proof of leaf `index` in the tree of `treeSize` leaves (default: the whole tree).
    ///
    /// - Throws: ``TransparencyError/Code/outOfRange`` for an index not below the size, or a size above ``size``.
    public func inclusionProof(index: UInt64, treeSize: UInt64? = nil) throws -> [MerkleHash] {
        let treeSize = treeSize ?? size
        guard treeSize <= size else {
            throw TransparencyError(code: .outOfRange, reason: "tree size \(treeSize) is above the tree's \(size) leaves")
        }
        return try MerkleProof.inclusionProof(index: index, treeSize: treeSize, hash: hash(of:))
    }

    /// The consistency proof from the tree of `oldSize` leaves to the tree of `newSize` leaves
    /// (default: the whole tree).
    ///
    /// - Throws: ``TransparencyError/Code/outOfRange`` for sizes out of order, an old size of 0, or
    ///   a new size above ``size``.
    public func consistencyProof(oldSize: UInt64, newSize: UInt64? = nil) throws -> [MerkleHash] {
        let newSize = newSize ?? size
        guard newSize <= size else {
            throw TransparencyError(code: .outOfRange, reason: "tree size \(newSize) is above the tree's \(size) leaves")
        }
        return try MerkleProof.consistencyProof(oldSize: oldSize, newSize: newSize, hash: hash(of:))
    }

    // MARK: Arithmetic

    /// The root hash of `leafHashes` (streaming, O(log n) memory).
    public static func rootHash(leafHashes: some Sequence<MerkleHash>) -> MerkleHash {
        var builder = MerkleTreeBuilder()
        for hash in leafHashes { builder.append(hash) }
        return builder.rootHash
    }

    /// The root hash of the given leaf contents (streaming, O(log n) memory).
    public static func rootHash<Leaf: Sequence<UInt8>>(leaves: some Sequence<Leaf>) -> MerkleHash {
        rootHash(leafHashes: leaves.lazy.map { MerkleHash.leaf($0) })
    }

    /// The root hash of a tree of `size` leaves from the hashes of its complete subtrees
    /// (``compactRangeNodes(size:)``), looked up with `hash`.
    public static func rootHash(size: UInt64, hash: (NodeID) throws -> MerkleHash) throws -> MerkleHash {
        try foldRight(compactRangeNodes(size: size).map(hash))
    }

    /// The perfect subtrees a tree of `size` leaves decomposes into, left to right (largest first):
    /// one per set bit of `size`.
    public static func compactRangeNodes(size: UInt64) -> [NodeID] {
        completeSubtrees(from: 0, to: size)
    }

    /// The perfect subtrees covering the leaves `[start, end)`, left to right, largest first.
    ///
    /// This is the decomposition RFC 9162's MTH applies to a range whose start is a multiple of a
    /// power of two at least as large as the range (every range that appears in a proof is one).
    /// The range's Merkle tree hash is the right-to-left fold of these subtrees' hashes.
    public static func completeSubtrees(from start: UInt64, to end: UInt64) -> [NodeID] {
        guard end > start else { return [] }
        var nodes: [NodeID] = []
        var position = start
        let count = end - start
        var level = UInt8(63 - count.leadingZeroBitCount)
        while true {
            if count >> UInt64(level) & 1 == 1 {
                nodes.append(NodeID(level: level, index: position >> UInt64(level)))
                position &+= 1 << UInt64(level)
            }
            if level == 0 { break }
            level -= 1
        }
        return nodes
    }

    /// The Merkle tree hash of adjacent subtree hashes listed left to right, where each is at
    /// least as large as everything to its right: `node(h0, node(h1, … node(hk-1, hk)))`.
    static func foldRight(_ hashes: [MerkleHash]) -> MerkleHash {
        guard var result = hashes.last else { return MerkleHash.emptyTree }
        for hash in hashes.dropLast().reversed() {
            result = MerkleHash.node(hash, result)
        }
        return result
    }

    /// The largest power of two strictly below `value` (value ≥ 2).
    static func largestPowerOfTwo(below value: UInt64) -> UInt64 {
        1 << UInt64(63 - (value - 1).leadingZeroBitCount)
    }
}
