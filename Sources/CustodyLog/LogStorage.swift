import CustodyTransparency

// CONTRACT FILE shared by the storage/sequencer engineer (who implements it and may add members)
// and the HTTP server engineer (who calls it). Renaming or removing members needs the lead.

/// The published state of a log: its size, root hash and the signed checkpoint that commits to them.
public struct LogTreeState: Sendable, Hashable {
    /// The number of integrated entries.
    public var size: UInt64
    /// The root hash over those entries.
    public var rootHash: MerkleHash
    /// The signed checkpoint note text for exactly this size and root (nil only for a new, empty
    /// log before its first checkpoint).
    public var checkpoint: [UInt8]?

    public init(size: UInt64, rootHash: MerkleHash, checkpoint: [UInt8]?) {
        self.size = size
        self.rootHash = rootHash
        self.checkpoint = checkpoint
    }
}

/// One batch the sequencer integrates in a single durable transaction.
public struct LogBatch: Sendable {
    /// The tree size before the batch; the batch's entries get indexes `oldSize..<newSize`.
    public var oldSize: UInt64
    /// The entries' leaf bytes (what is hashed with the 0x00 prefix), in index order.
    public var entries: [[UInt8]]
    /// The identity hash of each entry (SHA-256 of its leaf bytes), for de-duplication lookups.
    public var entryHashes: [MerkleHash]
    /// Every tile the batch changed (full and partial), to be stored under its ID (replacing a
    /// partial tile of the same level and index).
    public var tiles: [Tile]
    /// Every entry bundle the batch changed, as encoded bytes.
    public var bundles: [(id: EntryBundleID, data: [UInt8])]
    /// The new state, with its signed checkpoint.
    public var newState: LogTreeState

    public init(oldSize: UInt64, entries: [[UInt8]], entryHashes: [MerkleHash], tiles: [Tile], bundles: [(id: EntryBundleID, data: [UInt8])], newState: LogTreeState) {
        self.oldSize = oldSize
        self.entries = entries
        self.entryHashes = entryHashes
        self.tiles = tiles
        self.bundles = bundles
        self.newState = newState
    }
}

/// Where a log keeps its entries, tiles and checkpoints. Two real backends: SQLite (one file, the
/// default) and PostgreSQL.
///
/// Rules every backend keeps: ``integrate(_:)`` is atomic and durable when it returns (an
/// acknowledged entry survives `kill -9`); it refuses a batch whose `oldSize` is not the stored
/// size (published state is never rewritten); reads never see half a batch.
public protocol LogStorage: Sendable {
    /// The latest integrated state (size 0 and the empty-tree root for a new log).
    func state() async throws -> LogTreeState
    /// The index of the entry whose leaf bytes hash to `entryHash`, if the log holds it.
    func index(ofEntry entryHash: MerkleHash) async throws -> UInt64?
    /// The indexes of the entries among `entryHashes` the log holds (absent ones are left out).
    /// The sequencer asks once per batch; backends answer in one round trip.
    func indexes(ofEntries entryHashes: [MerkleHash]) async throws -> [MerkleHash: UInt64]
    /// Stores a batch atomically and durably.
    /// - Throws: when `batch.oldSize` is not the stored size, or the write fails (nothing is stored then).
    func integrate(_ batch: LogBatch) async throws
    /// A stored tile: the full tile, or the partial tile of exactly `id.width` hashes (nil when
    /// the log has no such tile).
    func tile(_ id: TileID) async throws -> Tile?
    /// A stored entry bundle's bytes (full, or partial of exactly `id.width` entries), or nil.
    func entryBundle(_ id: EntryBundleID) async throws -> [UInt8]?
    /// The leaf bytes of the entry at `index`, or nil beyond the tree.
    func entry(at index: UInt64) async throws -> [UInt8]?
    /// Closes connections; further calls fail.
    func close() async throws
}

extension LogStorage {
    /// One ``index(ofEntry:)`` call per hash, for backends without a batched lookup.
    public func indexes(ofEntries entryHashes: [MerkleHash]) async throws -> [MerkleHash: UInt64] {
        var found: [MerkleHash: UInt64] = [:]
        for hash in entryHashes where found[hash] == nil {
            if let index = try await index(ofEntry: hash) { found[hash] = index }
        }
        return found
    }
}
