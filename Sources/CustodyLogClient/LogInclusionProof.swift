import CustodyTransparency

/// An inclusion proof built from a log's tiles and verified against a signed checkpoint, with the
/// entry it proves.
public struct LogInclusionProof: Sendable, Hashable {
    /// The entry's index.
    public let index: UInt64
    /// The size of the tree the proof is for.
    public let treeSize: UInt64
    /// The root of that tree (the checkpoint's, or one proven consistent with it).
    public let rootHash: MerkleHash
    /// The proof hashes, bottom-up (RFC 9162).
    public let hashes: [MerkleHash]
    /// The entry's bytes (its `canonicalizedBody`).
    public let entry: [UInt8]
    /// The entry's leaf hash.
    public let leafHash: MerkleHash
}

/// A consistency proof built from a log's tiles, with both roots verified against a signed
/// checkpoint.
public struct LogConsistencyProof: Sendable, Hashable {
    /// The older tree size.
    public let oldSize: UInt64
    /// The newer tree size.
    public let newSize: UInt64
    /// The root of the older tree.
    public let oldRootHash: MerkleHash
    /// The root of the newer tree.
    public let newRootHash: MerkleHash
    /// The proof hashes (RFC 9162).
    public let hashes: [MerkleHash]
}
