import Testing
import CustodyTransparency

/// Random trees: every generated proof verifies, and any single-bit change makes it fail.
@Suite struct MerklePropertyTests {
    /// Every pair of sizes up to 70 leaves: all inclusion and consistency proofs.
    @Test func exhaustiveSmallTrees() throws {
        let hashes = sampleLeafHashes(70)
        let tree = MerkleTree(leafHashes: hashes)
        for size in UInt64(1)...70 {
            let root = try tree.rootHash(atSize: size)
            #expect(root == referenceRoot(hashes[..<Int(size)]))
            for index in 0..<size {
                let proof = try tree.inclusionProof(index: index, treeSize: size)
                try MerkleProof.verifyInclusion(leafHash: hashes[Int(index)], index: index, treeSize: size, proof: proof, rootHash: root)
            }
            for oldSize in 1...size {
                let proof = try tree.consistencyProof(oldSize: oldSize, newSize: size)
                try MerkleProof.verifyConsistency(
                    oldSize: oldSize, newSize: size, oldRoot: try tree.rootHash(atSize: oldSize), newRoot: root, proof: proof)
            }
        }
    }

    /// Random sizes up to a few thousand leaves: every leaf's inclusion proof, and the
    /// consistency proof from every smaller size.
    @Test(arguments: [11, 12, 13, 14, 15, 16])
    func randomLargeTrees(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        let size = UInt64.random(in: 1000...4000, using: &generator)
        let hashes = sampleLeafHashes(Int(size))
        let tree = MerkleTree(leafHashes: hashes)
        let root = tree.rootHash
        #expect(root == MerkleTree.rootHash(leafHashes: hashes))
        for index in 0..<size {
            let proof = try tree.inclusionProof(index: index)
            try MerkleProof.verifyInclusion(leafHash: hashes[Int(index)], index: index, treeSize: size, proof: proof, rootHash: root)
        }
        for oldSize in 1...size {
            let proof = try tree.consistencyProof(oldSize: oldSize)
            try MerkleProof.verifyConsistency(
                oldSize: oldSize, newSize: size, oldRoot: try tree.rootHash(atSize: oldSize), newRoot: root, proof: proof)
        }
    }

    @Test(arguments: [21, 22, 23])
    func singleBitChangesFailInclusion(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        let size = UInt64.random(in: 2...3000, using: &generator)
        let hashes = sampleLeafHashes(Int(size))
        let tree = MerkleTree(leafHashes: hashes)
        let root = tree.rootHash
        for _ in 0..<4 {
            let index = UInt64.random(in: 0..<size, using: &generator)
            let leaf = hashes[Int(index)]
            let proof = try tree.inclusionProof(index: index)
            func fails(_ leaf: MerkleHash, _ index: UInt64, _ treeSize: UInt64, _ proof: [MerkleHash], _ root: MerkleHash) -> Bool {
                (try? MerkleProof.verifyInclusion(leafHash: leaf, index: index, treeSize: treeSize, proof: proof, rootHash: root)) == nil
            }
            for bit in 0..<256 {
                #expect(fails(leaf.flipping(bit: bit), index, size, proof, root))
                #expect(fails(leaf, index, size, proof, root.flipping(bit: bit)))
                for position in proof.indices {
                    var changed = proof
                    changed[position] = changed[position].flipping(bit: bit)
                    #expect(fails(leaf, index, size, changed, root))
                }
            }
            // Any other index fails. (The tree size is not committed to by the proof alone: some
            // other sizes give the same path. The signed checkpoint binds size and root together.)
            for bit in 0..<64 {
                let otherIndex = index ^ (1 << UInt64(bit))
                #expect(fails(leaf, otherIndex, size, proof, root), "index \(index) → \(otherIndex)")
            }
        }
    }

    @Test(arguments: [31, 32, 33])
    func singleBitChangesFailConsistency(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        let size = UInt64.random(in: 3...3000, using: &generator)
        let tree = MerkleTree(leafHashes: sampleLeafHashes(Int(size)))
        let newRoot = tree.rootHash
        for _ in 0..<4 {
            let oldSize = UInt64.random(in: 1..<size, using: &generator)
            let oldRoot = try tree.rootHash(atSize: oldSize)
            let proof = try tree.consistencyProof(oldSize: oldSize)
            func fails(_ oldSize: UInt64, _ newSize: UInt64, _ oldRoot: MerkleHash, _ newRoot: MerkleHash, _ proof: [MerkleHash]) -> Bool {
                (try? MerkleProof.verifyConsistency(oldSize: oldSize, newSize: newSize, oldRoot: oldRoot, newRoot: newRoot, proof: proof)) == nil
            }
            #expect(!fails(oldSize, size, oldRoot, newRoot, proof))
            for bit in 0..<256 {
                #expect(fails(oldSize, size, oldRoot.flipping(bit: bit), newRoot, proof))
                #expect(fails(oldSize, size, oldRoot, newRoot.flipping(bit: bit), proof))
                for position in proof.indices {
                    var changed = proof
                    changed[position] = changed[position].flipping(bit: bit)
                    #expect(fails(oldSize, size, oldRoot, newRoot, changed))
                }
            }
            // Any other old size fails; some other new sizes give the same path (see above).
            for bit in 0..<64 {
                #expect(fails(oldSize ^ (1 << UInt64(bit)), size, oldRoot, newRoot, proof))
            }
        }
    }

    /// Plans work with sizes and indexes near 2^64 without overflow, and refuse what is out of range.
    @Test func hugeTreesPlanCleanly() throws {
        let size = UInt64.max
        let first = try MerkleProof.inclusionPlan(index: 0, treeSize: size)
        #expect(first.elements.count == 64)
        let last = try MerkleProof.inclusionPlan(index: size - 1, treeSize: size)
        #expect(last.elements.count == 63)
        #expect(last.elements.allSatisfy { $0.count == 1 })
        let consistency = try MerkleProof.consistencyPlan(oldSize: size - 1, newSize: size)
        #expect(!consistency.elements.isEmpty)
        #expect(consistency.nodes.allSatisfy { $0.isComplete(inTreeOfSize: size) })
        #expect(throws: TransparencyError(code: .outOfRange)) { try MerkleProof.inclusionPlan(index: size, treeSize: size) }
        #expect(throws: TransparencyError(code: .outOfRange)) { try MerkleProof.inclusionPlan(index: 0, treeSize: 0) }
        #expect(throws: TransparencyError(code: .outOfRange)) { try MerkleProof.consistencyPlan(oldSize: size, newSize: size - 1) }
        // Verification of a wrong-length proof for a huge tree fails cleanly.
        #expect(throws: TransparencyError(code: .invalidProofLength)) {
            try MerkleProof.verifyInclusion(leafHash: .emptyTree, index: size - 1, treeSize: size, proof: [], rootHash: .emptyTree)
        }
    }

    /// A proof's subtree lookups touch only complete nodes of the tree it is for.
    @Test func plansOnlyNeedCompleteNodes() throws {
        for size in UInt64(1)...300 {
            for index in stride(from: UInt64(0), to: size, by: 7) {
                #expect(try MerkleProof.inclusionPlan(index: index, treeSize: size).nodes.allSatisfy { $0.isComplete(inTreeOfSize: size) })
            }
            for oldSize in stride(from: UInt64(1), through: size, by: 5) {
                #expect(try MerkleProof.consistencyPlan(oldSize: oldSize, newSize: size).nodes.allSatisfy { $0.isComplete(inTreeOfSize: size) })
            }
        }
    }
}
