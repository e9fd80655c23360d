/// Merkle tree hashing (RFC 6962 / RFC 9162).
public enum MerkleHash {}
