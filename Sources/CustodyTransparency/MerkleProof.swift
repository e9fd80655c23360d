/// Which complete subtrees a proof is made of, before any hash is looked up.
///
/// Each proof element is the Merkle tree hash of a range of leaves; the range decomposes into
/// the complete subtrees in ``elements`` (left to right), and the element is their right-to-left
/// fold. Most elements are a single subtree; the ones on the right border of a tree whose size
/// is not a power of two are several.
///
/// A plan lets a log or client find out which stored hashes (and so which tiles, see
/// ``TileID/tiles(covering:treeSize:)``) it needs, fetch them all at once, and then assemble the
/// proof with ``hashes(using:)``.
public struct ProofPlan: Sendable, Hashable {
    /// The proof elements in proof order, each as the complete subtrees it folds.
    public let elements: [[NodeID]]

    /// Every distinct complete subtree the proof needs, sorted.
    public var nodes: [NodeID] {
        Array(Set(elements.joined())).sorted()
    }

    /// The proof: each element's subtree hashes, folded right to left.
    public func hashes(using hash: (NodeID) throws -> MerkleHash) throws -> [MerkleHash] {
        try elements.map { try MerkleTree.foldRight($0.map(hash)) }
    }
}

/// RFC 9162 (RFC 6962) inclusion and consistency proofs: planning, generation and verification.
///
/// Sizes and indexes are UInt64 throughout. Generation takes a function that returns the hash of
/// any complete subtree (``NodeID``), so a log can answer from memory (``MerkleTree``), from its
/// database, or from tiles (``TiledTreeReader``).
public enum MerkleProof {
    /// The largest number of hashes accepted in a proof from outside (a tree of 2^64 - 1 leaves
    /// needs at most 64 for an inclusion proof and about twice that for a consistency proof).
    public static let maxProofHashes = 130

    // MARK: Plans

    /// The plan of the inclusion proof of leaf `index` in a tree of `treeSize` leaves
    /// (RFC 9162 §2.1.3.1, bottom-up order).
    ///
    /// - Throws: ``TransparencyError/Code/outOfRange`` when `index` is not below `treeSize`.
    public static func inclusionPlan(index: UInt64, treeSize: UInt64) throws -> ProofPlan {
        var ranges: [(UInt64, UInt64)] = []
        try inclusionDescent(index: index, treeSize: treeSize) { ranges.append(($0, $1)) }
        return ProofPlan(elements: ranges.reversed().map { MerkleTree.completeSubtrees(from: $0.0, to: $0.1) })
    }

    /// The leaf ranges `start..<end` of leaf `index`'s inclusion proof elements, from the root
    /// down (the proof lists them in the reverse order): each step of the descent keeps the half
    /// holding the leaf and visits the other half.
    ///
    /// - Throws: ``TransparencyError/Code/outOfRange`` when `index` is not below `treeSize`, or
    ///   what `visit` throws.
    static func inclusionDescent(index: UInt64, treeSize: UInt64, _ visit: (_ start: UInt64, _ end: UInt64) throws -> Void) throws {
        guard index < treeSize else {
            throw TransparencyError(code: .outOfRange, reason: "leaf index \(index) is not below tree size \(treeSize)")
        }
        var start: UInt64 = 0
        var end = treeSize
        while end - start > 1 {
            let split = start + MerkleTree.largestPowerOfTwo(below: end - start)
            if index < split {
                try visit(split, end)
                end = split
            } else {
                try visit(start, split)
                start = split
            }
        }
    }

    /// The plan of the consistency proof from the tree of `oldSize` leaves to the tree of
    /// `newSize` leaves (RFC 9162 §2.1.4.1). Equal sizes give an empty plan.
    ///
    /// - Throws: ``TransparencyError/Code/outOfRange`` when `oldSize` is 0 or above `newSize`.
    public static func consistencyPlan(oldSize: UInt64, newSize: UInt64) throws -> ProofPlan {
        guard oldSize <= newSize else {
            throw TransparencyError(code: .outOfRange, reason: "old tree size \(oldSize) is above new tree size \(newSize)")
        }
        guard oldSize > 0 else {
            throw TransparencyError(code: .outOfRange, reason: "a consistency proof from the empty tree proves nothing")
        }
        if oldSize == newSize { return ProofPlan(elements: []) }
        var ranges: [(UInt64, UInt64)] = []
        var start: UInt64 = 0
        var end = newSize
        // `onLeftBorder` is RFC 9162's flag b: the subtree under consideration starts at leaf 0,
        // so when the old tree is exactly this subtree the verifier already knows its hash.
        var onLeftBorder = true
        while true {
            if oldSize == end {
                if !onLeftBorder { ranges.append((start, end)) }
                break
            }
            let split = start + MerkleTree.largestPowerOfTwo(below: end - start)
            if oldSize <= split {
                ranges.append((split, end))
                end = split
            } else {
                ranges.append((start, split))
                start = split
                onLeftBorder = false
            }
        }
        return ProofPlan(elements: ranges.reversed().map { MerkleTree.completeSubtrees(from: $0.0, to: $0.1) })
    }

    // MARK: Generation

    /// The inclusion proof of leaf `index` in a tree of `treeSize` leaves, from a lookup of
    /// complete subtree hashes.
    ///
    /// - Throws: ``TransparencyError/Code/outOfRange``, or whatever `hash` throws.
    public static func inclusionProof(index: UInt64, treeSize: UInt64, hash: (NodeID) throws -> MerkleHash) throws -> [MerkleHash] {
        try inclusionPlan(index: index, treeSize: treeSize).hashes(using: hash)
    }

    /// The consistency proof from `oldSize` to `newSize` leaves, from a lookup of complete subtree hashes.
    ///
    /// - Throws: ``TransparencyError/Code/outOfRange``, or whatever `hash` throws.
    public static func consistencyProof(oldSize: UInt64, newSize: UInt64, hash: (NodeID) throws -> MerkleHash) throws -> [MerkleHash] {
        try consistencyPlan(oldSize: oldSize, newSize: newSize).hashes(using: hash)
    }

    // MARK: Verification

    /// The root hash an inclusion proof leads to (RFC 9162 §2.1.3.2).
    ///
    /// - Throws: ``TransparencyError/Code/outOfRange`` when `index` is not below `treeSize`;
    ///   ``TransparencyError/Code/invalidProofLength`` when the proof is not exactly as long as the
    ///   index and size require.
    public static func rootFromInclusionProof(
        leafHash: MerkleHash, index: UInt64, treeSize: UInt64, proof: [MerkleHash]
    ) throws -> MerkleHash {
        let expected = try inclusionPlan(index: index, treeSize: treeSize).elements.count
        guard proof.count == expected else {
            throw TransparencyError(
                code: .invalidProofLength,
                reason: "inclusion proof for leaf \(index) of \(treeSize) has \(proof.count) hashes; it needs \(expected)")
        }
        var fn = index
        var sn = treeSize - 1
        var result = leafHash
        for sibling in proof {
            guard sn != 0 else {
                throw TransparencyError(code: .invalidProofLength, reason: "inclusion proof is longer than the path to the root")
            }
            if fn & 1 == 1 || fn == sn {
                result = MerkleHash.node(sibling, result)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                result = MerkleHash.node(result, sibling)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else {
            throw TransparencyError(code: .invalidProofLength, reason: "inclusion proof is shorter than the path to the root")
        }
        return result
    }

    /// Checks that the leaf with hash `leafHash` is at `index` in the tree of `treeSize` leaves
    /// whose root is `rootHash` (RFC 9162 §2.1.3.2).
    ///
    /// - Throws: ``TransparencyError/Code/outOfRange``, ``TransparencyError/Code/invalidProofLength``,
    ///   or ``TransparencyError/Code/rootMismatch`` when the proof leads to another root.
    public static func verifyInclusion(
        leafHash: MerkleHash, index: UInt64, treeSize: UInt64, proof: [MerkleHash], rootHash: MerkleHash
    ) throws {
        let computed = try rootFromInclusionProof(leafHash: leafHash, index: index, treeSize: treeSize, proof: proof)
        guard computed == rootHash else {
            throw TransparencyError(
                code: .rootMismatch,
                reason: "inclusion proof for leaf \(index) leads to root \(computed.hex), not \(rootHash.hex)")
        }
    }

    /// Checks that the tree of `oldSize` leaves with root `oldRoot` is a prefix of the tree of
    /// `newSize` leaves with root `newRoot` (RFC 9162 §2.1.4.2).
    ///
    /// Equal sizes need an empty proof and equal roots. A proof from the empty tree is refused:
    /// every tree extends it, so callers that start from nothing check the new root some other way.
    ///
    /// - Throws: ``TransparencyError/Code/outOfRange`` (sizes out of order, old size 0),
    ///   ``TransparencyError/Code/invalidProofLength``, or ``TransparencyError/Code/rootMismatch``.
    public static func verifyConsistency(
        oldSize: UInt64, newSize: UInt64, oldRoot: MerkleHash, newRoot: MerkleHash, proof: [MerkleHash]
    ) throws {
        let expected = try consistencyPlan(oldSize: oldSize, newSize: newSize).elements.count
        guard proof.count == expected else {
            throw TransparencyError(
                code: .invalidProofLength,
                reason: "consistency proof from \(oldSize) to \(newSize) has \(proof.count) hashes; it needs \(expected)")
        }
        if oldSize == newSize {
            guard oldRoot == newRoot else {
                throw TransparencyError(code: .rootMismatch, reason: "two different roots for tree size \(oldSize)")
            }
            return
        }
        var path = proof
        // When the old tree is a perfect subtree on the left border, its root is the proof's implicit first element.
        if oldSize & (oldSize - 1) == 0 { path.insert(oldRoot, at: 0) }
        var fn = oldSize - 1
        var sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var oldResult = path[0]
        var newResult = path[0]
        for sibling in path.dropFirst() {
            guard sn != 0 else {
                throw TransparencyError(code: .invalidProofLength, reason: "consistency proof is longer than the path to the root")
            }
            if fn & 1 == 1 || fn == sn {
                oldResult = MerkleHash.node(sibling, oldResult)
                newResult = MerkleHash.node(sibling, newResult)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                newResult = MerkleHash.node(newResult, sibling)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else {
            throw TransparencyError(code: .invalidProofLength, reason: "consistency proof is shorter than the path to the root")
        }
        guard oldResult == oldRoot else {
            throw TransparencyError(
                code: .rootMismatch, reason: "consistency proof leads to old root \(oldResult.hex), not \(oldRoot.hex)")
        }
        guard newResult == newRoot else {
            throw TransparencyError(
                code: .rootMismatch, reason: "consistency proof leads to new root \(newResult.hex), not \(newRoot.hex)")
        }
    }
}

/// An inclusion proof as received from outside, not yet checked: the leaf index, the tree size
/// and the sibling hashes.
public struct UntrustedInclusionProof: Sendable, Hashable {
    /// The leaf's index.
    public let index: UInt64
    /// The size of the tree the proof is for.
    public let treeSize: UInt64
    /// The sibling hashes, bottom-up.
    public let hashes: [MerkleHash]

    /// A proof from parsed values.
    ///
    /// - Throws: ``TransparencyError/Code/tooLarge`` above ``MerkleProof/maxProofHashes`` hashes.
    public init(index: UInt64, treeSize: UInt64, hashes: [MerkleHash]) throws {
        guard hashes.count <= MerkleProof.maxProofHashes else {
            throw TransparencyError(code: .tooLarge, reason: "proof has \(hashes.count) hashes; the limit is \(MerkleProof.maxProofHashes)")
        }
        self.index = index
        self.treeSize = treeSize
        self.hashes = hashes
    }

    /// A proof whose hashes are raw byte strings (each must be 32 bytes).
    ///
    /// - Throws: ``TransparencyError/Code/tooLarge`` or ``TransparencyError/Code/invalidHash``.
    public init(index: UInt64, treeSize: UInt64, hashBytes: [[UInt8]]) throws {
        guard hashBytes.count <= MerkleProof.maxProofHashes else {
            throw TransparencyError(code: .tooLarge, reason: "proof has \(hashBytes.count) hashes; the limit is \(MerkleProof.maxProofHashes)")
        }
        try self.init(index: index, treeSize: treeSize, hashes: hashBytes.map { try MerkleHash(bytes: $0) })
    }

    /// Checks the proof for `leafHash` against `rootHash` (see ``MerkleProof/verifyInclusion(leafHash:index:treeSize:proof:rootHash:)``).
    public func verify(leafHash: MerkleHash, rootHash: MerkleHash) throws {
        try MerkleProof.verifyInclusion(leafHash: leafHash, index: index, treeSize: treeSize, proof: hashes, rootHash: rootHash)
    }
}

/// A consistency proof as received from outside, not yet checked.
public struct UntrustedConsistencyProof: Sendable, Hashable {
    /// The older (smaller) tree size.
    public let oldSize: UInt64
    /// The newer tree size.
    public let newSize: UInt64
    /// The proof hashes.
    public let hashes: [MerkleHash]

    /// A proof from parsed values.
    ///
    /// - Throws: ``TransparencyError/Code/tooLarge`` above ``MerkleProof/maxProofHashes`` hashes.
    public init(oldSize: UInt64, newSize: UInt64, hashes: [MerkleHash]) throws {
        guard hashes.count <= MerkleProof.maxProofHashes else {
            throw TransparencyError(code: .tooLarge, reason: "proof has \(hashes.count) hashes; the limit is \(MerkleProof.maxProofHashes)")
        }
        self.oldSize = oldSize
        self.newSize = newSize
        self.hashes = hashes
    }

    /// Checks the proof between the two roots (see ``MerkleProof/verifyConsistency(oldSize:newSize:oldRoot:newRoot:proof:)``).
    public func verify(oldRoot: MerkleHash, newRoot: MerkleHash) throws {
        try MerkleProof.verifyConsistency(oldSize: oldSize, newSize: newSize, oldRoot: oldRoot, newRoot: newRoot, proof: hashes)
    }
}
