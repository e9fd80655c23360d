import Foundation
import Testing
@testable import CustodyTransparency

/// RFC 6962 hashing and tree construction against the 8-leaf reference tree
/// (transparency-dev/merkle `testonly/constants.go`, commit 417fb0c3).
@Suite struct MerkleTreeTests {
    @Test func emptyTreeIsSHA256OfNothing() {
        #expect(MerkleHash.emptyTree.hex == ReferenceTree.roots[0])
        #expect(MerkleTree.rootHash(leafHashes: []) == MerkleHash.emptyTree)
        #expect(MerkleTree().rootHash == MerkleHash.emptyTree)
    }

    @Test func leafHashesOfReferenceTree() {
        for (index, leaf) in ReferenceTree.leaves.enumerated() {
            #expect(MerkleHash.leaf(leaf).hex == ReferenceTree.nodes[0][index])
        }
    }

    @Test func everyCompleteNodeOfReferenceTree() throws {
        let tree = MerkleTree(leaves: ReferenceTree.leaves)
        for (level, hashes) in ReferenceTree.nodes.enumerated() {
            for (index, hex) in hashes.enumerated() {
                #expect(try tree.hash(of: NodeID(level: UInt8(level), index: UInt64(index))).hex == hex)
            }
        }
        // The first two leaves make the first level-1 node: node(leaf0, leaf1).
        let left = try MerkleHash(hex: ReferenceTree.nodes[0][0])
        let right = try MerkleHash(hex: ReferenceTree.nodes[0][1])
        #expect(MerkleHash.node(left, right).hex == ReferenceTree.nodes[1][0])
    }

    @Test(arguments: 0...8)
    func rootOfEveryPrefix(size: Int) throws {
        let leaves = Array(ReferenceTree.leaves.prefix(size))
        let expected = ReferenceTree.roots[size]
        #expect(MerkleTree.rootHash(leaves: leaves).hex == expected)
        #expect(MerkleTree(leaves: leaves).rootHash.hex == expected)
        #expect(try MerkleTree(leaves: ReferenceTree.leaves).rootHash(atSize: UInt64(size)).hex == expected)
        var builder = MerkleTreeBuilder()
        for leaf in leaves { builder.append(MerkleHash.leaf(leaf)) }
        #expect(builder.rootHash.hex == expected)
        #expect(builder.size == UInt64(size))
        #expect(referenceRoot(ArraySlice(leaves.map { MerkleHash.leaf($0) })).hex == expected)
    }

    @Test func builderAgreesWithRecursiveDefinition() {
        var generator = SeededGenerator(seed: 1)
        let hashes = sampleLeafHashes(1500)
        var builder = MerkleTreeBuilder()
        var checkpoints = Set((0..<60).map { _ in Int.random(in: 0...1500, using: &generator) })
        checkpoints.formUnion([0, 1, 2, 255, 256, 257, 1024, 1500])
        for size in 0...1500 {
            if checkpoints.contains(size) {
                #expect(builder.rootHash == referenceRoot(hashes[..<size]), "size \(size)")
            }
            if size < 1500 { builder.append(hashes[size]) }
        }
    }

    @Test func builderReportsEveryCompletedNode() throws {
        let hashes = sampleLeafHashes(300)
        let tree = MerkleTree(leafHashes: hashes)
        var builder = MerkleTreeBuilder()
        var seen: [NodeID: MerkleHash] = [:]
        for hash in hashes {
            builder.append(hash) { node, value in seen[node] = value }
        }
        // Exactly the complete nodes: 300 + 150 + 75 + 37 + 18 + 9 + 4 + 2 + 1.
        #expect(seen.count == 300 + 150 + 75 + 37 + 18 + 9 + 4 + 2 + 1)
        for (node, value) in seen {
            #expect(try tree.hash(of: node) == value)
        }
    }

    @Test func builderResumesFromCompactRange() throws {
        let hashes = sampleLeafHashes(777)
        let tree = MerkleTree(leafHashes: hashes)
        for size in [0, 1, 5, 64, 500, 776] {
            let nodes = MerkleTree.compactRangeNodes(size: UInt64(size))
            #expect(nodes.count == UInt64(size).nonzeroBitCount)
            var builder = try MerkleTreeBuilder(size: UInt64(size), compactRange: nodes.map(tree.hash(of:)))
            for hash in hashes[size...] { builder.append(hash) }
            #expect(builder.rootHash == tree.rootHash)
        }
        #expect(throws: TransparencyError(code: .invalidProofLength)) {
            try MerkleTreeBuilder(size: 3, compactRange: [MerkleHash.emptyTree])
        }
    }

    @Test func completeSubtreesFollowTheBinaryDecomposition() {
        #expect(MerkleTree.compactRangeNodes(size: 0) == [])
        #expect(MerkleTree.compactRangeNodes(size: 7) == [
            NodeID(level: 2, index: 0), NodeID(level: 1, index: 2), NodeID(level: 0, index: 6),
        ])
        #expect(MerkleTree.completeSubtrees(from: 8, to: 13) == [NodeID(level: 2, index: 2), NodeID(level: 0, index: 12)])
        let all = MerkleTree.compactRangeNodes(size: UInt64.max)
        #expect(all.count == 64)
        #expect(all.first == NodeID(level: 63, index: 0))
        #expect(all.last == NodeID(level: 0, index: UInt64.max - 1))
    }

    @Test func nodeCompleteness() {
        #expect(NodeID(level: 0, index: 4).isComplete(inTreeOfSize: 5))
        #expect(!NodeID(level: 0, index: 5).isComplete(inTreeOfSize: 5))
        #expect(NodeID(level: 2, index: 0).isComplete(inTreeOfSize: 4))
        #expect(!NodeID(level: 2, index: 1).isComplete(inTreeOfSize: 7))
        #expect(NodeID(level: 63, index: 0).isComplete(inTreeOfSize: UInt64.max))
        #expect(!NodeID(level: 64, index: 0).isComplete(inTreeOfSize: UInt64.max))
        #expect(!NodeID(level: 63, index: 1).isComplete(inTreeOfSize: UInt64.max))
    }

    @Test func hashEncodings() throws {
        let hash = try MerkleHash(hex: ReferenceTree.roots[8])
        #expect(hash.hex == ReferenceTree.roots[8])
        #expect(try MerkleHash(base64: hash.base64) == hash)
        #expect(try MerkleHash(bytes: hash.bytes) == hash)
        #expect(hash.base64 == "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=")
        #expect(try MerkleHash(hex: ReferenceTree.roots[8].uppercased()) == hash)

        #expect(throws: TransparencyError(code: .invalidHash)) { try MerkleHash(bytes: [UInt8](repeating: 0, count: 31)) }
        #expect(throws: TransparencyError(code: .invalidHash)) { try MerkleHash(bytes: [UInt8](repeating: 0, count: 33)) }
        #expect(throws: TransparencyError(code: .invalidHash)) { try MerkleHash(hex: "abc") }
        #expect(throws: TransparencyError(code: .invalidHash)) { try MerkleHash(hex: String(repeating: "g", count: 64)) }
        #expect(throws: TransparencyError(code: .invalidHash)) { try MerkleHash(base64: "ZG9uJ3QgY2FyZSAy") }
        // Not canonical: missing padding, whitespace, non-zero unused bits.
        #expect(throws: TransparencyError(code: .invalidBase64)) { try MerkleHash(base64: "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg") }
        #expect(throws: TransparencyError(code: .invalidBase64)) { try MerkleHash(base64: " XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=") }
        #expect(throws: TransparencyError(code: .invalidBase64)) { try MerkleHash(base64: "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyh=") }
        #expect(throws: TransparencyError(code: .invalidBase64)) { try MerkleHash(base64: "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz-Nw7_RgQyg=") }
    }

    @Test func strictBase64RoundTrips() {
        var generator = SeededGenerator(seed: 7)
        for length in 0..<40 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let encoded = StrictBase64.encode(bytes)
            #expect(encoded == Data(bytes).base64EncodedString())
            #expect(StrictBase64.decode(encoded) == bytes)
            // Appending to bytes already there, from a non-contiguous collection too.
            var appended = Array("x".utf8)
            StrictBase64.encode(bytes.lazy.map { $0 }, into: &appended)
            #expect(appended == Array(("x" + encoded).utf8))
        }
        for bad in ["=", "A===", "AB=C", "AB==AB==", "ABC", "AB\nC", "QQ=", "QR==", "QUJ=", "A=BC", "====", "QUI=QUI="] {
            #expect(StrictBase64.decode(bad) == nil, "\(bad)")
        }
    }

    @Test func treeRejectsOutOfRangeRequests() throws {
        let tree = MerkleTree(leaves: ReferenceTree.leaves)
        #expect(throws: TransparencyError(code: .outOfRange)) { try tree.rootHash(atSize: 9) }
        #expect(throws: TransparencyError(code: .outOfRange)) { try tree.hash(of: NodeID(level: 3, index: 1)) }
        #expect(throws: TransparencyError(code: .outOfRange)) { try tree.hash(of: NodeID(level: 4, index: 0)) }
        #expect(throws: TransparencyError(code: .outOfRange)) { try tree.inclusionProof(index: 8) }
        #expect(throws: TransparencyError(code: .outOfRange)) { try tree.inclusionProof(index: 0, treeSize: 9) }
        #expect(throws: TransparencyError(code: .outOfRange)) { try tree.consistencyProof(oldSize: 0) }
        #expect(throws: TransparencyError(code: .outOfRange)) { try tree.consistencyProof(oldSize: 5, newSize: 4) }
        #expect(throws: TransparencyError(code: .outOfRange)) { try tree.consistencyProof(oldSize: 5, newSize: 9) }
    }
}
