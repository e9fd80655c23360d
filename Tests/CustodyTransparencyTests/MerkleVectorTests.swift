import Foundation
import Testing
import CustodyTransparency

/// transparency-dev/merkle's published proof vectors (Vectors/transparency-dev-merkle, commit 417fb0c3).
@Suite struct MerkleVectorTests {
    /// Decodes a list of base64 hashes; nil when any is not a 32-byte hash (Custody refuses those).
    private func hashes(_ value: Any?) -> [MerkleHash]? {
        if value is NSNull { return [] }  // Some vectors write an empty proof as null.
        guard let list = value as? [String] else { return nil }
        var result: [MerkleHash] = []
        for item in list {
            guard let hash = try? MerkleHash(base64: item) else { return nil }
            result.append(hash)
        }
        return result
    }

    private func hash(_ value: Any?) -> MerkleHash? {
        (value as? String).flatMap { try? MerkleHash(base64: $0) }
    }

    private func number(_ value: Any?) -> UInt64? {
        (value as? NSNumber).map { $0.uint64Value }
    }

    @Test func inclusionVectors() throws {
        let files = try Vectors.jsonFiles(under: "transparency-dev-merkle/inclusion")
        #expect(files.count == 98)
        var accepted = 0
        for (path, vector) in files {
            let wantError = vector["wantErr"] as? Bool ?? true
            var succeeded = false
            if let index = number(vector["leafIdx"]), let size = number(vector["treeSize"]),
               let leaf = hash(vector["leafHash"]), let root = hash(vector["root"]), let proof = hashes(vector["proof"]) {
                succeeded = (try? MerkleProof.verifyInclusion(leafHash: leaf, index: index, treeSize: size, proof: proof, rootHash: root)) != nil
            }
            #expect(succeeded == !wantError, "\(path): \(vector["desc"] ?? "")")
            if succeeded { accepted += 1 }
        }
        #expect(accepted > 0)
    }

    @Test func consistencyVectors() throws {
        let files = try Vectors.jsonFiles(under: "transparency-dev-merkle/consistency")
        #expect(files.count == 98)
        for (path, vector) in files {
            let wantError = vector["wantErr"] as? Bool ?? true
            var succeeded = false
            if let size1 = number(vector["size1"]), let size2 = number(vector["size2"]),
               let root1 = hash(vector["root1"]), let root2 = hash(vector["root2"]), let proof = hashes(vector["proof"]) {
                succeeded = (try? MerkleProof.verifyConsistency(
                    oldSize: size1, newSize: size2, oldRoot: root1, newRoot: root2, proof: proof)) != nil
            }
            if path == "additional/sizes-are-equal-one-and-proof-is-empty.json" {
                // Upstream accepts equal 12-byte "roots"; Custody only has 32-byte hashes, so it refuses them.
                #expect(!succeeded && !wantError, "\(path)")
                continue
            }
            #expect(succeeded == !wantError, "\(path): \(vector["desc"] ?? "")")
        }
    }

    /// The happy-path vectors are exactly what Custody generates from the reference tree.
    @Test func generatedProofsMatchHappyPaths() throws {
        let tree = MerkleTree(leaves: ReferenceTree.leaves)
        for (path, vector) in try Vectors.jsonFiles(under: "transparency-dev-merkle/inclusion") where path.hasSuffix("/happy-path.json") {
            let index = try #require(number(vector["leafIdx"]))
            let size = try #require(number(vector["treeSize"]))
            #expect(try tree.inclusionProof(index: index, treeSize: size) == hashes(vector["proof"]), "\(path)")
            #expect(try tree.rootHash(atSize: size) == hash(vector["root"]))
        }
        for (path, vector) in try Vectors.jsonFiles(under: "transparency-dev-merkle/consistency") where path.hasSuffix("/happy-path.json") {
            let size1 = try #require(number(vector["size1"]))
            let size2 = try #require(number(vector["size2"]))
            #expect(try tree.consistencyProof(oldSize: size1, newSize: size2) == hashes(vector["proof"]), "\(path)")
        }
    }

    /// Distinct failure codes for the kinds of damage the vectors contain.
    @Test func failureKinds() throws {
        let tree = MerkleTree(leaves: ReferenceTree.leaves)
        let leaf = MerkleHash.leaf(ReferenceTree.leaves[2])
        let proof = try tree.inclusionProof(index: 2)
        let root = tree.rootHash
        #expect(throws: TransparencyError(code: .invalidProofLength)) {
            try MerkleProof.verifyInclusion(leafHash: leaf, index: 2, treeSize: 8, proof: Array(proof.dropLast()), rootHash: root)
        }
        #expect(throws: TransparencyError(code: .invalidProofLength)) {
            try MerkleProof.verifyInclusion(leafHash: leaf, index: 2, treeSize: 8, proof: proof + [root], rootHash: root)
        }
        #expect(throws: TransparencyError(code: .rootMismatch)) {
            try MerkleProof.verifyInclusion(leafHash: leaf, index: 3, treeSize: 8, proof: proof, rootHash: root)
        }
        #expect(throws: TransparencyError(code: .outOfRange)) {
            try MerkleProof.verifyInclusion(leafHash: leaf, index: 8, treeSize: 8, proof: proof, rootHash: root)
        }
        let consistency = try tree.consistencyProof(oldSize: 3)
        let old = try tree.rootHash(atSize: 3)
        #expect(throws: TransparencyError(code: .invalidProofLength)) {
            try MerkleProof.verifyConsistency(oldSize: 3, newSize: 8, oldRoot: old, newRoot: root, proof: Array(consistency.dropFirst()))
        }
        #expect(throws: TransparencyError(code: .rootMismatch)) {
            try MerkleProof.verifyConsistency(oldSize: 3, newSize: 8, oldRoot: root, newRoot: root, proof: consistency)
        }
        #expect(throws: TransparencyError(code: .outOfRange)) {
            try MerkleProof.verifyConsistency(oldSize: 9, newSize: 8, oldRoot: old, newRoot: root, proof: consistency)
        }
        #expect(throws: TransparencyError(code: .outOfRange)) {
            try MerkleProof.verifyConsistency(oldSize: 0, newSize: 8, oldRoot: MerkleHash.emptyTree, newRoot: root, proof: [])
        }
        #expect(throws: TransparencyError(code: .rootMismatch)) {
            try MerkleProof.verifyConsistency(oldSize: 8, newSize: 8, oldRoot: old, newRoot: root, proof: [])
        }
        #expect(throws: TransparencyError(code: .invalidProofLength)) {
            try MerkleProof.verifyConsistency(oldSize: 8, newSize: 8, oldRoot: root, newRoot: root, proof: [root])
        }
        #expect(throws: TransparencyError(code: .tooLarge)) {
            try UntrustedInclusionProof(index: 0, treeSize: 1, hashes: Array(repeating: root, count: MerkleProof.maxProofHashes + 1))
        }
        #expect(throws: TransparencyError(code: .invalidHash)) {
            try UntrustedInclusionProof(index: 0, treeSize: 2, hashBytes: [[1, 2, 3]])
        }
    }
}
