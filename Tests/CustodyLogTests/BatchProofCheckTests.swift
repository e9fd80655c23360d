import CustodyTransparency
import Testing
@testable import CustodyLog

/// The sequencer hands out a batch's inclusion proofs only when the first and the last verify
/// against the new root (`LogSequencer.checkedAtEnds`); answers then send them without checking
/// each again. A fault at either end, or against another root, keeps every proof back.
@Suite("A batch's proofs checked at both ends")
struct BatchProofCheckTests {
    let leaves = (0..<12).map { Array("{\"entry\":\($0)}".utf8) }
    let oldSize: UInt64 = 5

    func batch() throws -> (proofs: [[MerkleHash]], root: MerkleHash) {
        let tree = MerkleTree(leaves: leaves)
        let proofs = try (oldSize..<UInt64(leaves.count)).map { try tree.inclusionProof(index: $0) }
        return (proofs, tree.rootHash)
    }

    func check(_ proofs: [[MerkleHash]], root: MerkleHash, first: [UInt8]? = nil, last: [UInt8]? = nil) -> [[MerkleHash]]? {
        LogSequencer.checkedAtEnds(proofs, oldSize: oldSize, first: first ?? leaves[5], last: last ?? leaves[11], root: root)
    }

    @Test func correctProofsAreHandedOut() throws {
        let (proofs, root) = try batch()
        #expect(check(proofs, root: root) == proofs)
        // A batch of one entry: its proof is both ends.
        let single = try MerkleTree(leaves: leaves.prefix(6)).inclusionProof(index: 5)
        #expect(LogSequencer.checkedAtEnds([single], oldSize: 5, first: leaves[5], last: leaves[5], root: MerkleTree(leaves: leaves.prefix(6)).rootHash) == [single])
    }

    @Test func aFaultAtEitherEndOrAnotherRootKeepsEveryProofBack() throws {
        let (proofs, root) = try batch()
        let wrong = MerkleHash.leaf(Array("wrong".utf8))
        var firstBroken = proofs
        firstBroken[0][0] = wrong
        #expect(check(firstBroken, root: root) == nil)
        var lastBroken = proofs
        lastBroken[proofs.count - 1][lastBroken[proofs.count - 1].count - 1] = wrong
        #expect(check(lastBroken, root: root) == nil)
        var lastShort = proofs
        lastShort[proofs.count - 1].removeLast()
        #expect(check(lastShort, root: root) == nil)
        #expect(check(proofs, root: wrong) == nil)
        #expect(check(proofs, root: root, first: leaves[6]) == nil)
        #expect(check(proofs, root: root, last: leaves[10]) == nil)
        #expect(check([], root: root) == nil)
    }
}
