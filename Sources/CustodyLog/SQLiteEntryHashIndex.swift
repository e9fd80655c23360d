import CustodyTransparency

/// The SQLite log's duplicate index: which log index holds the entry with a given identity hash
/// (``LogBatch/identityHash(of:)``), kept so that appending the same entry twice gives the first
/// index.
///
/// Identity hashes are random, so an ordinary index on them changes one page in a random place
/// for nearly every entry: each batch of a few hundred entries wrote a few hundred 4 KiB pages to
/// the WAL (and later to the database file), the largest part of the log's writes. Here the
/// index is written in sorted runs instead:
///
/// - `entry_hashes(hash, idx)` (a `WITHOUT ROWID` table keyed by the hash) holds every entry
///   below the durable boundary `entry_hashes_state.indexed`.
/// - Entries at or above the boundary are held in memory (``unmerged``), loaded from `entries`
///   (which stores each entry's hash) when the log opens. Nothing is lost in a crash: the boundary
///   moves only in the transaction that finishes a merge.
/// - Once ``mergeThreshold`` entries are unmerged, they are frozen as a run sorted by hash and
///   merged ``mergeChunk`` at a time, one chunk inside each following batch's transaction, so no
///   batch waits for a whole merge. Consecutive chunks cover consecutive key ranges, so a merge
///   changes each page of the table about once instead of once per entry. The transaction with
///   the last chunk moves the boundary.
///
/// The saving depends on the log's size: while the table has fewer pages than a run has entries
/// (about 5 million entries at the default threshold) a merge writes far less than one page per
/// entry; beyond that it approaches the ordinary index's one page per entry, but in sorted order
/// and off the appends' lookups.
///
/// A lookup consults the unmerged entries and the table, and gives the lowest index either has.
///
/// `@unchecked Sendable`: used only on ``SQLiteLogStorage``'s serial queue, like its connection.
final class SQLiteEntryHashIndex: @unchecked Sendable {
    /// How many unmerged entries start a merge.
    static let defaultMergeThreshold = 65_536
    /// How many entries of a run each batch's transaction merges.
    static let defaultMergeChunk = 4_096

    let mergeThreshold: Int
    let mergeChunk: Int
    /// Every entry at or above ``indexed``: identity hash → lowest index.
    private(set) var unmerged: [MerkleHash: UInt64] = [:]
    /// Every entry below this index is in `entry_hashes`.
    private(set) var indexed: UInt64
    /// The run being merged, sorted by hash, and the log size when it was frozen (the boundary
    /// once it is merged).
    private var run: [RunEntry] = []
    private var runEnd: UInt64 = 0
    /// How much of the run committed transactions merged, and how far the open one got.
    private var merged = 0
    private var mergedInTransaction: Int?

    /// Creates the tables when missing, converts a log written with the ordinary index
    /// (`entries_hash`), and loads the unmerged entries.
    init(database: SQLiteDatabase, mergeThreshold: Int = defaultMergeThreshold, mergeChunk: Int = defaultMergeChunk) throws {
        precondition(mergeThreshold > 0 && mergeChunk > 0)
        self.mergeThreshold = mergeThreshold
        self.mergeChunk = mergeChunk
        try database.execute("""
            CREATE TABLE IF NOT EXISTS entry_hashes(hash BLOB PRIMARY KEY, idx INTEGER NOT NULL) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS entry_hashes_state(id INTEGER PRIMARY KEY CHECK (id = 0), indexed INTEGER NOT NULL);
            INSERT OR IGNORE INTO entry_hashes_state(id, indexed) VALUES(0, 0);
            """)
        try Self.convertOrdinaryIndex(database)
        let boundary = try database.query("SELECT indexed FROM entry_hashes_state WHERE id = 0", []) { $0.int64(0) }
        guard let boundary = boundary.first, boundary >= 0 else {
            throw LogError(code: .corrupt, reason: "the SQLite log has no duplicate-index state")
        }
        indexed = UInt64(boundary)
        let size = try database.state().size
        guard indexed <= size else {
            throw LogError(code: .corrupt, reason: "the duplicate index covers \(indexed) entries but the log has \(size)")
        }
        let rows = try database.query("SELECT idx, hash FROM entries WHERE idx >= ?1 ORDER BY idx", [.int(Int64(indexed))]) {
            (UInt64($0.int64(0)), $0.bytes(1))
        }
        for (index, bytes) in rows {
            guard let hash = try? MerkleHash(bytes: bytes) else {
                throw LogError(code: .corrupt, reason: "entry \(index) has a stored hash of \(bytes.count) bytes")
            }
            if unmerged[hash] == nil { unmerged[hash] = index }
        }
    }

    /// Moves a log from the ordinary index to this one, in one transaction: the table is filled in
    /// hash order from the old index (lowest index first for a hash stored twice), the boundary
    /// set to the log's size, and the old index dropped.
    private static func convertOrdinaryIndex(_ database: SQLiteDatabase) throws {
        let legacy = try database.query("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'entries_hash'", []) { _ in () }
        guard !legacy.isEmpty else { return }
        try database.transaction {
            try database.execute("""
                INSERT OR IGNORE INTO entry_hashes(hash, idx) SELECT hash, idx FROM entries ORDER BY hash, idx;
                UPDATE entry_hashes_state SET indexed = (SELECT size FROM state WHERE id = 0) WHERE id = 0;
                DROP INDEX entries_hash;
                """)
        }
    }

    /// The lowest index holding an entry with `hash`, or nil.
    func lookup(_ hash: MerkleHash, in database: SQLiteDatabase) throws -> UInt64? {
        let memory = unmerged[hash]
        let stored = try database.query("SELECT idx FROM entry_hashes WHERE hash = ?1", [.blob(hash.bytes)]) { UInt64($0.int64(0)) }.first
        switch (memory, stored) {
        case let (memory?, stored?): return min(memory, stored)
        case let (value?, nil), let (nil, value?): return value
        case (nil, nil): return nil
        }
    }

    /// Inside the transaction that integrates a batch onto a log of `committedSize` entries:
    /// freezes a run when enough entries are unmerged, and merges the run's next chunk (moving the
    /// boundary with the last one). Call ``committed(_:oldSize:)`` or ``rolledBack()`` after.
    func mergeStep(in database: SQLiteDatabase, committedSize: UInt64) throws {
        if run.isEmpty, unmerged.count >= mergeThreshold {
            run = unmerged.map { RunEntry(hash: $0.key, index: $0.value) }.sorted { $0.order < $1.order }
            runEnd = committedSize
            merged = 0
        }
        guard !run.isEmpty else { return }
        let end = min(merged + mergeChunk, run.count)
        for item in run[merged..<end] {
            try database.run("INSERT OR IGNORE INTO entry_hashes(hash, idx) VALUES(?1, ?2)", [.blob(item.hash.bytes), .int(Int64(item.index))])
        }
        if end == run.count {
            try database.run("UPDATE entry_hashes_state SET indexed = ?1 WHERE id = 0", [.int(Int64(runEnd))])
        }
        mergedInTransaction = end
    }

    /// After the batch's transaction committed: its entries are unmerged, and a finished run
    /// leaves memory.
    func committed(_ hashes: [MerkleHash], oldSize: UInt64) {
        for (offset, hash) in hashes.enumerated() where unmerged[hash] == nil {
            unmerged[hash] = oldSize + UInt64(offset)
        }
        guard let end = mergedInTransaction else { return }
        mergedInTransaction = nil
        merged = end
        guard merged == run.count else { return }
        let boundary = runEnd
        unmerged = unmerged.filter { $0.value >= boundary }
        indexed = boundary
        run = []
        merged = 0
    }

    /// After the batch's transaction rolled back: the chunk it merged is merged again next time.
    func rolledBack() {
        mergedInTransaction = nil
    }

    /// An entry of a run, with its place in hash order (the first eight bytes: the order only
    /// makes consecutive inserts land on neighbouring pages, so ties need no breaking).
    private struct RunEntry {
        let hash: MerkleHash
        let index: UInt64
        let order: UInt64

        init(hash: MerkleHash, index: UInt64) {
            self.hash = hash
            self.index = index
            self.order = hash.bytes.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
        }
    }
}
