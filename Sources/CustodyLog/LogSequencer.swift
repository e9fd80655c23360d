import CustodyTransparency

/// Assigns indexes to entries, integrates them in batches and publishes signed checkpoints.
///
/// ``appendEntry(_:)`` returns only after the entry's batch is durably stored by
/// ``LogStorage/integrate(_:)``, so an acknowledged index is never lost. Batches are integrated
/// one at a time: at most ``Configuration/maxBatchSize`` entries, flushed at the latest
/// ``Configuration/batchInterval`` after the oldest pending entry arrived (a batch never waits
/// to be full). The same entry appended twice gets one index, whether it is already stored,
/// in the batch being integrated or pending.
///
/// A failed integration fails every caller waiting on that batch and leaves the published state
/// as it was (the sequencer re-reads the stored state in case the failure was ambiguous, such as a
/// lost commit acknowledgement).
public actor LogSequencer {
    /// Limits and timing.
    public struct Configuration: Sendable {
        /// The longest a pending entry waits before its batch is integrated (default 250 ms).
        public var batchInterval: Duration
        /// The most entries in one batch (default 4,096).
        public var maxBatchSize: Int
        /// The most entries waiting for a batch; beyond it ``LogSequencer/appendEntry(_:)`` refuses
        /// with ``LogError/Code/queueFull`` (default 65,536).
        public var maxPendingEntries: Int
        /// The largest entry accepted: the entry-bundle limit of 65,535 bytes by default, which is also the most.
        public var maxEntryBytes: Int

        /// A configuration; see each property for the defaults.
        public init(
            batchInterval: Duration = .milliseconds(250), maxBatchSize: Int = 4_096, maxPendingEntries: Int = 65_536,
            maxEntryBytes: Int = EntryBundle.maxEntryBytes
        ) {
            self.batchInterval = batchInterval
            self.maxBatchSize = maxBatchSize
            self.maxPendingEntries = maxPendingEntries
            self.maxEntryBytes = maxEntryBytes
        }
    }

    /// What waiters are resumed with: the entry's index and a published state that includes it.
    public struct AppendResult: Sendable, Hashable {
        /// The entry's index in the log.
        public var index: UInt64
        /// A published state (size, root, signed checkpoint) that includes the entry.
        public var state: LogTreeState
        /// Whether this call added the entry; false when the log already held the same bytes or
        /// another call was adding them (the first caller gets true).
        public var isNew: Bool = false
        /// The entry's inclusion proof in ``state``, when the sequencer built it with the batch
        /// that integrated the entry (the batch's proofs are checked against the new root at both
        /// ends before they are handed out); nil otherwise (build it from the tiles).
        public var inclusionProof: [MerkleHash]? = nil
    }

    private struct Pending {
        let leaf: [UInt8]
        let hash: MerkleHash
        var waiters: [CheckedContinuation<AppendResult, any Error>]
    }

    /// The storage the log is kept in.
    public nonisolated let storage: any LogStorage
    /// The checkpoint origin line (the log's name).
    public nonisolated let origin: String
    /// Limits and timing.
    public nonisolated let configuration: Configuration
    private let signer: NoteSigner

    /// The latest durably integrated state.
    public private(set) var publishedState: LogTreeState
    /// How many batches were integrated since start (statistics, and what tests check).
    public private(set) var integratedBatches = 0

    /// How many accepted entries wait for a batch (not counting the batch being integrated).
    public var pendingEntries: Int { pending.count }

    private var appender: TileAppender
    /// The entries of the partial entry bundle at the right edge.
    private var edgeBundle: [[UInt8]]
    /// Tiles written by recent batches, by exact ID: every partial tile of the published tree and
    /// up to ``recentFullTileLimit`` full ones. Proofs for fresh entries (what every append answer
    /// carries) need almost only these, so they are built without reading the storage.
    private var recentTiles: [TileID: Tile] = [:]
    private var recentFullTiles: [TileID] = []
    /// How many full tiles ``recentTiles`` keeps (8 KiB each).
    public static let recentFullTileLimit = 1_024
    private var pending: [Pending] = []
    private var pendingIndex: [MerkleHash: Int] = [:]
    private var oldestPending: ContinuousClock.Instant?
    /// Entries of the batch being integrated, by identity hash, with their indexes.
    private var inFlight: [MerkleHash: UInt64] = [:]
    /// Callers waiting for an entry of the batch being integrated.
    private var inFlightWaiters: [MerkleHash: [CheckedContinuation<AppendResult, any Error>]] = [:]
    private var integrating = false
    private var timer: Task<Void, Never>?
    private var shuttingDown = false
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []

    /// Starts a sequencer on `storage`: reads the stored state and its right-edge tiles and
    /// entry bundle, checks that they give the stored root, and, for a log with no checkpoint yet,
    /// publishes the signed checkpoint of the empty tree.
    ///
    /// - Parameters:
    ///   - origin: the checkpoint origin (the log's name).
    ///   - signer: signs checkpoints (the log's key).
    /// - Throws: ``LogError/Code/invalidConfiguration``, ``LogError/Code/corrupt`` when the stored
    ///   tiles do not give the stored root, or what the storage throws.
    public init(storage: any LogStorage, origin: String, signer: NoteSigner, configuration: Configuration = Configuration()) async throws {
        guard configuration.maxBatchSize >= 1, configuration.maxPendingEntries >= 1,
              (0...EntryBundle.maxEntryBytes).contains(configuration.maxEntryBytes),
              configuration.batchInterval >= .zero
        else {
            throw LogError(code: .invalidConfiguration, reason: "batch size and queue must be positive and the entry limit at most 65,535")
        }
        do {
            _ = try Checkpoint(origin: origin, size: 0, rootHash: .emptyTree)
        } catch {
            throw LogError(code: .invalidConfiguration, reason: "'\(origin)' cannot be a checkpoint origin: \(error)")
        }
        self.storage = storage
        self.origin = origin
        self.signer = signer
        self.configuration = configuration
        let loaded = try await Self.load(from: storage)
        self.publishedState = loaded.state
        self.appender = loaded.appender
        self.edgeBundle = loaded.edgeBundle
        if loaded.state.checkpoint == nil {
            try await publishEmptyCheckpoint()
        }
    }

    /// Reads the state, the right-edge tiles and the partial bundle, and checks the root.
    /// What ``load(from:)`` reads.
    private struct Loaded: Sendable {
        let state: LogTreeState
        let appender: TileAppender
        let edgeBundle: [[UInt8]]
    }

    private static func load(from storage: any LogStorage) async throws -> Loaded {
        let state = try await storage.state()
        var tiles: [Tile] = []
        for id in TileID.rightEdge(treeSize: state.size) {
            guard let tile = try await storage.tile(id) else {
                throw LogError(code: .corrupt, reason: "the stored log of size \(state.size) lacks tile \(id.path)")
            }
            tiles.append(tile)
        }
        let appender: TileAppender
        do {
            appender = try TileAppender(treeSize: state.size, rightEdge: tiles)
        } catch {
            throw LogError(code: .corrupt, reason: "cannot resume from the stored right-edge tiles: \(error)")
        }
        guard appender.rootHash == state.rootHash else {
            throw LogError(code: .corrupt, reason: "the stored tiles give root \(appender.rootHash), not the stored root \(state.rootHash)")
        }
        var edgeBundle: [[UInt8]] = []
        let partial = state.size % UInt64(TileID.fullWidth)
        if partial > 0 {
            let id = try EntryBundleID(index: state.size / UInt64(TileID.fullWidth), width: UInt16(partial))
            guard let data = try await storage.entryBundle(id) else {
                throw LogError(code: .corrupt, reason: "the stored log of size \(state.size) lacks bundle \(id.path)")
            }
            do {
                edgeBundle = try EntryBundle(id: id, data: data).entries
            } catch {
                throw LogError(code: .corrupt, reason: "stored bundle \(id.path): \(error)")
            }
        }
        return Loaded(state: state, appender: appender, edgeBundle: edgeBundle)
    }

    private func publishEmptyCheckpoint() async throws {
        let state = LogTreeState(size: 0, rootHash: .emptyTree, checkpoint: try await signCheckpoint(size: 0, root: .emptyTree))
        try await storage.integrate(LogBatch(oldSize: 0, entries: [], entryHashes: [], tiles: [], bundles: [], newState: state))
        publishedState = state
    }

    // MARK: Appending

    /// Appends an entry (its leaf bytes) and returns its index once it is durably integrated,
    /// with the published state that includes it. An entry the log already holds, or one already
    /// waiting, gets its existing index.
    ///
    /// - Throws: ``LogError/Code/entryTooLarge``, ``LogError/Code/queueFull`` (back-pressure: retry
    ///   later), ``LogError/Code/shuttingDown``, or the integration's error.
    public func appendEntry(_ leaf: [UInt8]) async throws -> AppendResult {
        guard !shuttingDown else { throw LogError(code: .shuttingDown, reason: "the log is shutting down") }
        guard leaf.count <= configuration.maxEntryBytes else {
            throw LogError(code: .entryTooLarge, reason: "entry of \(leaf.count) bytes is over the limit of \(configuration.maxEntryBytes)")
        }
        let hash = LogBatch.identityHash(of: leaf)
        // An entry already waiting or being integrated is joined; one the log already stores is
        // found when its batch is integrated (one lookup for the whole batch, not one per call).
        if let waiting = try await joinWaiting(hash) { return waiting }
        guard !shuttingDown else { throw LogError(code: .shuttingDown, reason: "the log is shutting down") }
        guard pending.count < configuration.maxPendingEntries else {
            throw LogError(code: .queueFull, reason: "\(pending.count) entries are waiting; retry later")
        }
        return try await withCheckedThrowingContinuation { continuation in
            pendingIndex[hash] = pending.count
            pending.append(Pending(leaf: leaf, hash: hash, waiters: [continuation]))
            if oldestPending == nil { oldestPending = .now }
            scheduleFlush()
        }
    }

    /// Waits with the entry already pending or being integrated, if it is; nil otherwise.
    private func joinWaiting(_ hash: MerkleHash) async throws -> AppendResult? {
        if let position = pendingIndex[hash] {
            return try await withCheckedThrowingContinuation { pending[position].waiters.append($0) }
        }
        if inFlight[hash] != nil {
            return try await withCheckedThrowingContinuation { inFlightWaiters[hash, default: []].append($0) }
        }
        return nil
    }

    /// Starts a batch now when one is due, or arms the timer for the oldest pending entry.
    private func scheduleFlush() {
        guard !integrating, let oldest = oldestPending else { return }
        let deadline = oldest.advanced(by: configuration.batchInterval)
        if pending.count >= configuration.maxBatchSize || shuttingDown || deadline <= .now {
            timer?.cancel()
            timer = nil
            integrating = true
            Task(priority: .high) { await self.integrateLoop() }
        } else if timer == nil {
            timer = Task(priority: .high) {
                try? await Task.sleep(until: deadline, clock: .continuous)
                guard !Task.isCancelled else { return }
                self.timerFired()
            }
        }
    }

    private func timerFired() {
        timer = nil
        scheduleFlush()
    }

    /// Integrates batches until none is due, one at a time.
    private func integrateLoop() async {
        while !pending.isEmpty {
            let count = min(pending.count, configuration.maxBatchSize)
            let batch = Array(pending.prefix(count))
            pending.removeFirst(count)
            pendingIndex = [:]
            for (position, entry) in pending.enumerated() { pendingIndex[entry.hash] = position }
            oldestPending = pending.isEmpty ? nil : .now
            await integrate(batch)
            guard let oldest = oldestPending else { break }
            let due = pending.count >= configuration.maxBatchSize || shuttingDown
                || oldest.advanced(by: configuration.batchInterval) <= .now
            if !due { break }
        }
        integrating = false
        if pending.isEmpty {
            let waiters = idleWaiters
            idleWaiters = []
            for waiter in waiters { waiter.resume() }
        } else {
            scheduleFlush()
        }
    }

    /// Answers the entries of `batch` the log already stores with their stored indexes, then
    /// builds, signs and stores the others as one batch and answers their callers.
    private func integrate(_ candidates: [Pending]) async {
        for entry in candidates { inFlight[entry.hash] = 0 }
        let stored: [MerkleHash: UInt64]
        do {
            stored = try await storage.indexes(ofEntries: candidates.map(\.hash))
        } catch {
            answer(candidates, with: .failure(error))
            return
        }
        // Stored entries are integrated, so the published state includes them.
        for entry in candidates {
            if let index = stored[entry.hash] {
                answer([entry], with: .success(AppendResult(index: index, state: publishedState)))
            }
        }
        let batch = candidates.filter { stored[$0.hash] == nil }
        guard !batch.isEmpty else {
            inFlight = [:]
            return
        }
        let oldSize = publishedState.size
        var appender = self.appender
        var bundleEntries = edgeBundle
        var bundles: [(id: EntryBundleID, data: [UInt8])] = []
        do {
            var bundleIndex = oldSize / UInt64(TileID.fullWidth)
            for entry in batch {
                appender.append(entry: entry.leaf)
                bundleEntries.append(entry.leaf)
                if bundleEntries.count == Int(TileID.fullWidth) {
                    bundles.append((try EntryBundleID(index: bundleIndex), try EntryBundle(entries: bundleEntries).data))
                    bundleEntries = []
                    bundleIndex += 1
                }
            }
            if !bundleEntries.isEmpty {
                let id = try EntryBundleID(index: bundleIndex, width: UInt16(bundleEntries.count))
                bundles.append((id, try EntryBundle(entries: bundleEntries).data))
            }
            let newSize = appender.treeSize
            let root = appender.rootHash
            let state = LogTreeState(size: newSize, rootHash: root, checkpoint: try await signCheckpoint(size: newSize, root: root))
            let changedTiles = appender.takeChangedTiles()
            try await storage.integrate(LogBatch(
                oldSize: oldSize, entries: batch.map(\.leaf), entryHashes: batch.map(\.hash),
                tiles: changedTiles, bundles: bundles, newState: state))
            remember(changedTiles)
            self.appender = appender
            self.edgeBundle = bundleEntries
            self.publishedState = state
            integratedBatches += 1
            let proofs = batchProofs(oldSize: oldSize, newSize: newSize, changed: changedTiles, first: batch[0].leaf, last: batch[batch.count - 1].leaf)
            for (offset, entry) in batch.enumerated() {
                let result = AppendResult(index: oldSize + UInt64(offset), state: state, inclusionProof: proofs?[offset])
                // The first waiter queued the entry; the others joined it.
                for (position, waiter) in entry.waiters.enumerated() {
                    var answer = result
                    answer.isNew = position == 0
                    waiter.resume(returning: answer)
                }
                for waiter in inFlightWaiters.removeValue(forKey: entry.hash) ?? [] { waiter.resume(returning: result) }
            }
            inFlight = [:]
        } catch {
            // Every waiter is answered and the batch stops being in flight before the next
            // suspension: a caller arriving during `resynchronise()` must not join a batch that
            // has already failed (it would wait for an answer that never comes).
            answer(batch, with: .failure(error))
            inFlight = [:]
            await resynchronise()
        }
    }

    /// Keeps the tiles a batch wrote: a changed tile replaces the partial tile of its level.
    private func remember(_ tiles: [Tile]) {
        for level in Set(tiles.map(\.id.level)) {
            recentTiles = recentTiles.filter { $0.key.level != level || $0.key.isFull }
        }
        for tile in tiles {
            recentTiles[tile.id] = tile
            if tile.id.isFull { recentFullTiles.append(tile.id) }
        }
        while recentFullTiles.count > Self.recentFullTileLimit {
            recentTiles[recentFullTiles.removeFirst()] = nil
        }
    }

    /// The inclusion proofs of the entries a batch just integrated (indexes `oldSize..<newSize`)
    /// in the tree of `newSize`, from the tiles in memory, or nil when a tile they need is not
    /// in memory or the check at the batch's ends fails (``checkedAtEnds(_:oldSize:first:last:root:)``;
    /// the caller then builds each proof from the stored tiles).
    ///
    /// Every node such a proof needs lies in a tile the batch changed or on the right edge of
    /// the new tree, and proofs of neighbouring entries share most nodes, so the whole batch
    /// costs about one hash per entry.
    private func batchProofs(oldSize: UInt64, newSize: UInt64, changed: [Tile], first: [UInt8], last: [UInt8]) -> [[MerkleHash]]? {
        let edge = TileID.rightEdge(treeSize: newSize).compactMap { recentTiles[$0] }
        guard let reader = try? TiledTreeReader(treeSize: newSize, tiles: changed + edge),
              let proofs = try? reader.inclusionProofs(indexes: oldSize..<newSize)
        else { return nil }
        return Self.checkedAtEnds(proofs, oldSize: oldSize, first: first, last: last, root: appender.rootHash)
    }

    /// A batch's proofs (of leaves `oldSize..<oldSize + proofs.count`) when the first and the last
    /// verify against `root`; nil otherwise.
    ///
    /// The proofs of one batch are built together from the same tiles, so a fault in them (a
    /// wrong or missing tile) shows at the batch's edges: the first entry's proof reaches furthest
    /// left, the last one's covers the right edge of the tree. When either fails, no proof is
    /// handed out and callers build theirs from the stored tiles.
    static func checkedAtEnds(_ proofs: [[MerkleHash]], oldSize: UInt64, first: [UInt8], last: [UInt8], root: MerkleHash) -> [[MerkleHash]]? {
        guard let firstProof = proofs.first, let lastProof = proofs.last else { return nil }
        let newSize = oldSize + UInt64(proofs.count)
        guard (try? UntrustedInclusionProof(index: oldSize, treeSize: newSize, hashes: firstProof)
                .verify(leafHash: .leaf(first), rootHash: root)) != nil,
              (try? UntrustedInclusionProof(index: newSize - 1, treeSize: newSize, hashes: lastProof)
                .verify(leafHash: .leaf(last), rootHash: root)) != nil
        else { return nil }
        return proofs
    }

    /// A tile a recent batch wrote, with exactly this ID (width included), if the sequencer has it.
    public func recentTile(_ id: TileID) -> Tile? { recentTiles[id] }

    /// Resumes every caller waiting for `entries` (queued with them or joined while in flight)
    /// and takes them out of flight.
    private func answer(_ entries: [Pending], with result: Result<AppendResult, any Error>) {
        for entry in entries {
            for waiter in entry.waiters { waiter.resume(with: result) }
            for waiter in inFlightWaiters.removeValue(forKey: entry.hash) ?? [] { waiter.resume(with: result) }
            inFlight[entry.hash] = nil
        }
    }

    /// After a failed integration, adopts the stored state if it moved (an ambiguous commit);
    /// otherwise keeps the published state.
    private func resynchronise() async {
        guard let stored = try? await storage.state(), stored.size != publishedState.size,
              let loaded = try? await Self.load(from: storage)
        else { return }
        publishedState = loaded.state
        appender = loaded.appender
        edgeBundle = loaded.edgeBundle
        recentTiles = [:]
        recentFullTiles = []
    }

    private func signCheckpoint(size: UInt64, root: MerkleHash) async throws -> [UInt8] {
        do {
            let note = try await Checkpoint(origin: origin, size: size, rootHash: root).sign(with: [signer])
            return Array(note.serialized.utf8)
        } catch {
            throw LogError(code: .signing, reason: "cannot sign the checkpoint for size \(size): \(error)")
        }
    }

    /// The queue and batch state in one line, for diagnosing a stuck caller in tests.
    var debugSnapshot: String {
        "pending=\(pending.count) pendingIndex=\(pendingIndex.count) oldest=\(String(describing: oldestPending)) inFlight=\(inFlight.count) inFlightWaiters=\(inFlightWaiters.count) integrating=\(integrating) timer=\(timer != nil) shuttingDown=\(shuttingDown) batches=\(integratedBatches) size=\(publishedState.size) waiters=\(pending.map { $0.waiters.count })"
    }

    /// Stops accepting entries, integrates every entry already accepted, and returns when none is
    /// pending or being integrated. Does not close the storage.
    public func shutdown() async {
        shuttingDown = true
        timer?.cancel()
        timer = nil
        guard integrating || !pending.isEmpty else { return }
        await withCheckedContinuation { continuation in
            idleWaiters.append(continuation)
            scheduleFlush()
        }
    }

    // MARK: Proofs

    /// The inclusion proof of entry `index` in the tree of `size` entries, built from stored tiles.
    ///
    /// - Throws: ``LogError/Code/outOfRange`` unless `index < size <= ` the published size;
    ///   ``LogError/Code/corrupt`` when a tile is missing.
    public func inclusionProof(index: UInt64, size: UInt64) async throws -> [MerkleHash] {
        guard index < size, size <= publishedState.size else {
            throw LogError(code: .outOfRange, reason: "no entry \(index) in a tree of size \(size) (published size \(publishedState.size))")
        }
        let storage = self.storage
        return try await Self.mapProofErrors {
            try await TiledTreeReader.inclusionProof(index: index, treeSize: size) { try await Self.tileData(storage, $0) }
        }
    }

    /// The consistency proof from the tree of `old` entries to the tree of `new` entries, built
    /// from stored tiles.
    ///
    /// - Throws: ``LogError/Code/outOfRange`` unless `0 < old <= new <=` the published size.
    public func consistencyProof(old: UInt64, new: UInt64) async throws -> [MerkleHash] {
        guard old > 0, old <= new, new <= publishedState.size else {
            throw LogError(code: .outOfRange, reason: "no consistency proof from size \(old) to \(new) (published size \(publishedState.size))")
        }
        let storage = self.storage
        return try await Self.mapProofErrors {
            try await TiledTreeReader.consistencyProof(oldSize: old, newSize: new) { try await Self.tileData(storage, $0) }
        }
    }

    private static func tileData(_ storage: any LogStorage, _ id: TileID) async throws -> [UInt8] {
        guard let tile = try await storage.tile(id) else {
            throw LogError(code: .corrupt, reason: "the log lacks tile \(id.path)")
        }
        return tile.data
    }

    private static func mapProofErrors(_ body: () async throws -> [MerkleHash]) async throws -> [MerkleHash] {
        do {
            return try await body()
        } catch let error as LogError {
            throw error
        } catch {
            throw LogError(code: .corrupt, reason: "cannot build the proof from stored tiles: \(error)")
        }
    }
}
