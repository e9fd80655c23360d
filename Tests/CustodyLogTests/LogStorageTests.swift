import CustodyKeys
import CustodyTestSupport
import CustodyTransparency
import Foundation
import Testing
@testable import CustodyLog

/// A storage backend under test.
enum Backend: String, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// SQLite always; PostgreSQL when its server binaries are installed, and always under CI
    /// (`CI=true`), where a missing server must fail the tests rather than skip them.
    /// `CUSTODY_LOG_BACKENDS=sqlite` (comma-separated) narrows the list when debugging one backend.
    static let available: [Backend] = {
        let all: [Backend] = PeerTool.availableOrCI("\(PostgresServer.binaries)/postgres") ? [.sqlite, .postgres] : [.sqlite]
        guard let only = ProcessInfo.processInfo.environment["CUSTODY_LOG_BACKENDS"], !only.isEmpty else { return all }
        let names = only.split(separator: ",").map(String.init)
        return all.filter { names.contains($0.rawValue) }
    }()
}

/// Where one test's log lives: each `open()` is a new connection to the same log (so a second
/// `open()` after `close()` is a reopen).
struct LogLocation: Sendable {
    let open: @Sendable () async throws -> any LogStorage
}

/// Makes a fresh, empty log for `backend` (a temporary SQLite file, or a database on a PostgreSQL
/// server started for this test) and removes it afterwards.
func withLog(_ backend: Backend, _ body: (LogLocation) async throws -> Void) async throws {
    switch backend {
    case .sqlite:
        try await withTemporaryDirectory { directory in
            let path = directory.file("log.sqlite")
            try await body(LogLocation { try await SQLiteLogStorage(path: path) })
        }
    case .postgres:
        let server = try await PostgresServer.start()
        defer { server.stop() }
        try await server.createDatabase("log")
        let url = server.url(database: "log")
        try await body(LogLocation { try await PostgresLogStorage(url: url) })
    }
}

let logOrigin = "custody.test/log"

func makeSigner() throws -> NoteSigner {
    try NoteSigner(name: logOrigin, signer: FileSigner(PrivateKey.generate(.ed25519)))
}

func leaf(_ number: Int, tag: String = "entry") -> [UInt8] {
    Array("{\"\(tag)\":\(number)}".utf8)
}

/// An acknowledged entry.
struct Acknowledged: Sendable {
    let index: UInt64
    let entry: [UInt8]
}

/// Appends `leaves` from concurrent tasks; returns the leaves in index order.
func appendConcurrently(_ leaves: [[UInt8]], to sequencer: LogSequencer) async throws -> [UInt64: [UInt8]] {
    try await withThrowingTaskGroup(of: Acknowledged.self) { group in
        for entry in leaves {
            group.addTask { Acknowledged(index: try await sequencer.appendEntry(entry).index, entry: entry) }
        }
        var byIndex: [UInt64: [UInt8]] = [:]
        for try await acknowledged in group {
            let (index, entry) = (acknowledged.index, acknowledged.entry)
            #expect(byIndex[index] == nil, "index \(index) given twice")
            byIndex[index] = entry
        }
        return byIndex
    }
}

/// Expects `body` to throw a ``LogError`` with `code` (and records which error came instead).
func expectLogError(
    _ code: LogError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
) async {
    do {
        try await body()
        Issue.record("expected LogError \(code), but nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as LogError {
        if error.code != code {
            Issue.record("expected LogError \(code), got \(error.code): \(error)", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("expected LogError \(code), got \(error)", sourceLocation: sourceLocation)
    }
}

/// A storage that fails its next `integrate` call, around a real one.
final class FailingStorage: LogStorage {
    let inner: any LogStorage
    private let failNext = Mutex(false)

    init(_ inner: any LogStorage) { self.inner = inner }

    func failNextIntegrate() { failNext.withLock { $0 = true } }

    func state() async throws -> LogTreeState { try await inner.state() }
    func index(ofEntry entryHash: MerkleHash) async throws -> UInt64? { try await inner.index(ofEntry: entryHash) }
    func integrate(_ batch: LogBatch) async throws {
        let fail = failNext.withLock { value in
            defer { value = false }
            return value
        }
        if fail { throw LogError(code: .storage, reason: "injected failure") }
        try await inner.integrate(batch)
    }
    func tile(_ id: TileID) async throws -> Tile? { try await inner.tile(id) }
    func entryBundle(_ id: EntryBundleID) async throws -> [UInt8]? { try await inner.entryBundle(id) }
    func entry(at index: UInt64) async throws -> [UInt8]? { try await inner.entry(at: index) }
    func close() async throws { try await inner.close() }
}

import Synchronization

/// Both backends run the same cases; PostgreSQL is a real server started for each test.
@Suite("Log storage and sequencer", .serialized)
struct LogStorageTests {
    static let fast = LogSequencer.Configuration(batchInterval: .milliseconds(5), maxBatchSize: 256)

    @Test("appended entries, tiles, bundles and checkpoints match an independent computation", arguments: Backend.available)
    func appendAndReadBack(backend: Backend) async throws {
        try await withLog(backend) { location in
            let storage = try await location.open()
            let signer = try makeSigner()
            let sequencer = try await LogSequencer(storage: storage, origin: logOrigin, signer: signer, configuration: Self.fast)
            let byIndex = try await appendConcurrently((0..<700).map { leaf($0) }, to: sequencer)
            await sequencer.shutdown()
            #expect(byIndex.count == 700)
            let leaves = (0..<UInt64(700)).map { byIndex[$0]! }
            let tree = MerkleTree(leaves: leaves)

            let state = try await storage.state()
            #expect(state.size == 700)
            #expect(state.rootHash == tree.rootHash)
            let checkpoint = try UntrustedCheckpoint(parsing: try #require(state.checkpoint))
                .verify(logKey: signer.verifierKey, expectedOrigin: logOrigin).checkpoint
            #expect(checkpoint.size == 700 && checkpoint.rootHash == tree.rootHash)

            for (index, entry) in leaves.enumerated() {
                let stored = try await storage.entry(at: UInt64(index))
                let found = try await storage.index(ofEntry: LogBatch.identityHash(of: entry))
                #expect(stored == entry)
                #expect(found == UInt64(index))
            }
            let beyond = try await storage.entry(at: 700)
            #expect(beyond == nil)

            // Every tile of the tree, recomputed from the leaves alone.
            var tiles: [Tile] = []
            for id in try TileID.changed(from: 0, to: 700) {
                let fetched = try await storage.tile(id)
                let stored = try #require(fetched, "missing \(id.path)")
                let first = id.index * UInt64(TileID.fullWidth)
                let expected = try (0..<UInt64(id.width)).map { try tree.hash(of: NodeID(level: id.storedLevel, index: first + $0)) }
                #expect(stored.hashes == expected, "tile \(id.path)")
                tiles.append(stored)
            }
            #expect(try TiledTreeReader(treeSize: 700, tiles: tiles).rootHash() == tree.rootHash)
            // A narrower partial tile is a prefix of the stored one; a wider one does not exist.
            let narrow = try await storage.tile(TileID(level: 0, index: 2, width: 10))
            #expect(narrow?.hashes == leaves[512..<522].map { MerkleHash.leaf($0) })
            let tooWide = try await storage.tile(TileID(level: 0, index: 2, width: 189))
            let absent = try await storage.tile(TileID(level: 0, index: 3, width: 1))
            #expect(tooWide == nil && absent == nil)

            // Entry bundles: two full, one partial of 188, each matching its level-0 tile.
            for (index, width) in [(UInt64(0), UInt16(256)), (1, 256), (2, 188)] {
                let id = try EntryBundleID(index: index, width: width)
                let data = try await storage.entryBundle(id)
                let bundle = try EntryBundle(id: id, data: try #require(data))
                #expect(bundle.entries == Array(leaves[Int(id.firstEntry)..<Int(id.firstEntry) + Int(width)]))
                let tile = try await storage.tile(id.tile)
                try bundle.verify(against: try #require(tile))
            }
            let narrowBundle = try EntryBundleID(index: 2, width: 3)
            let narrowData = try await storage.entryBundle(narrowBundle)
            #expect(try EntryBundle(id: narrowBundle, data: try #require(narrowData)).entries == Array(leaves[512..<515]))
            let absentBundle = try await storage.entryBundle(try EntryBundleID(index: 3, width: 1))
            #expect(absentBundle == nil)
            try await storage.close()
        }
    }

    @Test("a new log publishes a signed checkpoint of the empty tree", arguments: Backend.available)
    func emptyLogCheckpoint(backend: Backend) async throws {
        try await withLog(backend) { location in
            let storage = try await location.open()
            let observed1 = try await storage.state()
            #expect(observed1 == LogTreeState(size: 0, rootHash: .emptyTree, checkpoint: nil))
            let signer = try makeSigner()
            _ = try await LogSequencer(storage: storage, origin: logOrigin, signer: signer)
            let state = try await storage.state()
            let checkpoint = try UntrustedCheckpoint(parsing: try #require(state.checkpoint)).verify(logKey: signer.verifierKey).checkpoint
            #expect(checkpoint.size == 0 && checkpoint.rootHash == .emptyTree)
            try await storage.close()
        }
    }

    @Test("duplicates get one index: stored, or twice in one pending batch", arguments: Backend.available)
    func deduplication(backend: Backend) async throws {
        try await withLog(backend) { location in
            let storage = try await location.open()
            let sequencer = try await LogSequencer(
                storage: storage, origin: logOrigin, signer: try makeSigner(),
                configuration: .init(batchInterval: .milliseconds(100)))
            let first = try await sequencer.appendEntry(leaf(1))
            let again = try await sequencer.appendEntry(leaf(1))
            #expect(first.index == 0 && again.index == 0)
            let observed2 = try await storage.state().size
            #expect(observed2 == 1)

            async let a = sequencer.appendEntry(leaf(2))
            async let b = sequencer.appendEntry(leaf(2))
            async let c = sequencer.appendEntry(leaf(3))
            let (x, y, z) = try await (a, b, c)
            #expect(x.index == y.index)
            #expect(Set([x.index, z.index]) == [1, 2])
            let observed3 = try await storage.state().size
            #expect(observed3 == 3)
            let observed4 = await sequencer.integratedBatches
            #expect(observed4 == 2)
            await sequencer.shutdown()
            try await storage.close()
        }
    }

    @Test("a batch with a stale oldSize is refused and writes nothing", arguments: Backend.available)
    func staleBatchRefused(backend: Backend) async throws {
        try await withLog(backend) { location in
            let storage = try await location.open()
            let sequencer = try await LogSequencer(storage: storage, origin: logOrigin, signer: try makeSigner(), configuration: Self.fast)
            _ = try await appendConcurrently((0..<5).map { leaf($0) }, to: sequencer)
            await sequencer.shutdown()
            let before = try await storage.state()

            let intruder = leaf(99, tag: "intruder")
            var appender = TileAppender()
            appender.append(entry: intruder)
            let stale = LogBatch(
                oldSize: 0, entries: [intruder], entryHashes: [LogBatch.identityHash(of: intruder)],
                tiles: appender.takeChangedTiles(),
                bundles: [(try EntryBundleID(index: 0, width: 1), try EntryBundle(entries: [intruder]).data)],
                newState: LogTreeState(size: 1, rootHash: appender.rootHash, checkpoint: nil))
            await expectLogError(.staleSize) { try await storage.integrate(stale) }

            let observed5 = try await storage.state()
            #expect(observed5 == before)
            let observed6 = try await storage.entry(at: 0)
            #expect(observed6 != intruder)
            let observed7 = try await storage.index(ofEntry: LogBatch.identityHash(of: intruder))
            #expect(observed7 == nil)
            let observed8 = try await storage.tile(TileID(level: 0, index: 0, width: 5))?.hashes.first
            #expect(observed8 != MerkleHash.leaf(intruder))
            let bundle = try EntryBundleID(index: 0, width: 5)
            let bundleData = try await storage.entryBundle(bundle)
            #expect(try EntryBundle(id: bundle, data: try #require(bundleData)).entries.first != intruder)

            // A batch that contradicts itself is refused before touching the database.
            let inconsistent = LogBatch(
                oldSize: 5, entries: [intruder], entryHashes: [], tiles: [], bundles: [], newState: before)
            await expectLogError(.invalidBatch) { try await storage.integrate(inconsistent) }
            try await storage.close()
        }
    }

    @Test("concurrent appends from many tasks are all acknowledged with a proof and all stored", arguments: Backend.available)
    func concurrentAppends(backend: Backend) async throws {
        try await withLog(backend) { location in
            let storage = try await location.open()
            let sequencer = try await LogSequencer(
                storage: storage, origin: logOrigin, signer: try makeSigner(),
                configuration: .init(batchInterval: .milliseconds(20), maxBatchSize: 128))
            let count = 2_000
            let byIndex = try await withThrowingTaskGroup(of: [Acknowledged].self) { group in
                for task in 0..<40 {
                    group.addTask {
                        var acknowledged: [Acknowledged] = []
                        for number in stride(from: task, to: count, by: 40) {
                            let entry = leaf(number, tag: "concurrent")
                            let result = try await sequencer.appendEntry(entry)
                            // Each new entry comes with its proof in the state it was integrated in.
                            let proof = try #require(result.inclusionProof)
                            try UntrustedInclusionProof(index: result.index, treeSize: result.state.size, hashes: proof)
                                .verify(leafHash: .leaf(entry), rootHash: result.state.rootHash)
                            acknowledged.append(Acknowledged(index: result.index, entry: entry))
                        }
                        return acknowledged
                    }
                }
                var byIndex: [UInt64: [UInt8]] = [:]
                for try await results in group {
                    for result in results { byIndex[result.index] = result.entry }
                }
                return byIndex
            }
            #expect(byIndex.count == count)
            #expect(Set(byIndex.keys) == Set(0..<UInt64(count)))
            for (index, entry) in byIndex {
                let observed9 = try await storage.entry(at: index)
                #expect(observed9 == entry)
            }
            let state = try await storage.state()
            #expect(state.size == UInt64(count))
            #expect(state.rootHash == MerkleTree(leaves: (0..<UInt64(count)).map { byIndex[$0]! }).rootHash)
            let observed10 = await sequencer.integratedBatches
            #expect(observed10 > 1)
            await sequencer.shutdown()
            try await storage.close()
        }
    }

    @Test("reopening after close keeps the state, and appending continues from it", arguments: Backend.available)
    func reopen(backend: Backend) async throws {
        try await withLog(backend) { location in
            let signer = try makeSigner()
            var leaves: [[UInt8]] = []
            let first = try await location.open()
            let sequencer = try await LogSequencer(storage: first, origin: logOrigin, signer: signer, configuration: Self.fast)
            let firstIndexes = try await appendConcurrently((0..<300).map { leaf($0) }, to: sequencer)
            leaves = (0..<UInt64(300)).map { firstIndexes[$0]! }
            await sequencer.shutdown()
            let before = try await first.state()
            try await first.close()
            await expectLogError(.closed) { _ = try await first.state() }

            let second = try await location.open()
            let observed11 = try await second.state()
            #expect(observed11 == before)
            let resumed = try await LogSequencer(storage: second, origin: logOrigin, signer: signer, configuration: Self.fast)
            let observed12 = await resumed.publishedState
            #expect(observed12 == before)
            let observed13 = try await resumed.appendEntry(leaf(5)).index
            #expect(observed13 == firstIndexes.first { $0.value == leaf(5) }?.key)
            let more = try await resumed.appendEntry(leaf(300))
            leaves.append(leaf(300))
            #expect(more.index == 300)
            #expect(more.state.rootHash == MerkleTree(leaves: leaves).rootHash)
            await resumed.shutdown()
            try await second.close()
        }
    }

    @Test("inclusion and consistency proofs served from stored tiles verify", arguments: Backend.available)
    func proofs(backend: Backend) async throws {
        try await withLog(backend) { location in
            let storage = try await location.open()
            let sequencer = try await LogSequencer(storage: storage, origin: logOrigin, signer: try makeSigner(), configuration: Self.fast)
            var leaves: [[UInt8]] = []
            // Several batches, so that proofs are asked for sizes between batches too.
            for chunk in 0..<4 {
                let byIndex = try await appendConcurrently((0..<(chunk == 3 ? 300 : 100)).map { leaf($0, tag: "chunk\(chunk)") }, to: sequencer)
                let start = UInt64(leaves.count)
                leaves += (start..<start + UInt64(byIndex.count)).map { byIndex[$0]! }
            }
            let tree = MerkleTree(leaves: leaves)
            let size = UInt64(leaves.count)
            for (index, treeSize) in [(UInt64(0), UInt64(1)), (0, 100), (99, 100), (150, 200), (255, 256), (256, 257), (599, 600), (3, 600), (511, 513)] {
                let proof = try await sequencer.inclusionProof(index: index, size: treeSize)
                try MerkleProof.verifyInclusion(
                    leafHash: MerkleHash.leaf(leaves[Int(index)]), index: index, treeSize: treeSize, proof: proof,
                    rootHash: try tree.rootHash(atSize: treeSize))
            }
            for (old, new) in [(UInt64(1), UInt64(600)), (100, 200), (100, 600), (256, 512), (7, 7), (255, 600), (300, 301)] {
                let proof = try await sequencer.consistencyProof(old: old, new: new)
                try MerkleProof.verifyConsistency(
                    oldSize: old, newSize: new, oldRoot: try tree.rootHash(atSize: old), newRoot: try tree.rootHash(atSize: new), proof: proof)
            }
            await expectLogError(.outOfRange) { _ = try await sequencer.inclusionProof(index: 0, size: size + 1) }
            await expectLogError(.outOfRange) { _ = try await sequencer.inclusionProof(index: 5, size: 5) }
            await expectLogError(.outOfRange) { _ = try await sequencer.consistencyProof(old: 0, new: 5) }
            await expectLogError(.outOfRange) { _ = try await sequencer.consistencyProof(old: 6, new: 5) }
            await sequencer.shutdown()
            try await storage.close()
        }
    }

    @Test("a batch is flushed after the interval without waiting to be full", arguments: Backend.available)
    func batchesFlushWithoutFilling(backend: Backend) async throws {
        try await withLog(backend) { location in
            let storage = try await location.open()
            let sequencer = try await LogSequencer(
                storage: storage, origin: logOrigin, signer: try makeSigner(),
                configuration: .init(batchInterval: .milliseconds(20), maxBatchSize: 10_000))
            // One at a time: each append is answered by its own batch of one.
            for number in 0..<3 {
                let observed14 = try await sequencer.appendEntry(leaf(number)).index
                #expect(observed14 == UInt64(number))
            }
            let observed15 = await sequencer.integratedBatches
            #expect(observed15 == 3)
            // Ten together, far below the batch size, are answered by one or two batches.
            _ = try await appendConcurrently((3..<13).map { leaf($0) }, to: sequencer)
            let batches = await sequencer.integratedBatches
            #expect(batches >= 4 && batches <= 5)
            await sequencer.shutdown()
            try await storage.close()
        }
    }

    @Test("a failed integration fails every waiter of the batch and leaves the state unchanged", arguments: Backend.available)
    func failedIntegration(backend: Backend) async throws {
        try await withLog(backend) { location in
            let storage = FailingStorage(try await location.open())
            let sequencer = try await LogSequencer(
                storage: storage, origin: logOrigin, signer: try makeSigner(), configuration: .init(batchInterval: .milliseconds(50)))
            _ = try await sequencer.appendEntry(leaf(0))
            let before = try await storage.state()
            storage.failNextIntegrate()
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for number in 1...5 {
                    group.addTask { (try? await sequencer.appendEntry(leaf(number))) != nil }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes == [false, false, false, false, false])
            let observed16 = try await storage.state()
            #expect(observed16 == before)
            let observed17 = await sequencer.publishedState
            #expect(observed17 == before)
            // The log goes on, and the refused entries can be appended again.
            let retried = try await sequencer.appendEntry(leaf(3))
            #expect(retried.index == 1)
            #expect(retried.state.rootHash == MerkleTree(leaves: [leaf(0), leaf(3)]).rootHash)
            await sequencer.shutdown()
            try await storage.close()
        }
    }

    @Test("limits: oversized entries, a full queue, and shutdown finishing accepted entries", arguments: Backend.available)
    func limitsAndShutdown(backend: Backend) async throws {
        try await withLog(backend) { location in
            let storage = try await location.open()
            let sequencer = try await LogSequencer(
                storage: storage, origin: logOrigin, signer: try makeSigner(),
                configuration: .init(batchInterval: .seconds(3_600), maxBatchSize: 100, maxPendingEntries: 2))
            await expectLogError(.entryTooLarge) {
                _ = try await sequencer.appendEntry([UInt8](repeating: 7, count: EntryBundle.maxEntryBytes + 1))
            }
            let waiting = Task { try await appendConcurrently([leaf(1), [UInt8](repeating: 7, count: EntryBundle.maxEntryBytes)], to: sequencer) }
            while await sequencer.pendingEntries < 2 { try await Task.sleep(for: .milliseconds(5)) }
            await expectLogError(.queueFull) { _ = try await sequencer.appendEntry(leaf(3)) }
            // The batch interval is an hour: only shutdown can integrate the two waiting entries.
            await sequencer.shutdown()
            let observed18 = try await waiting.value.count
            #expect(observed18 == 2)
            let observed19 = try await storage.state().size
            #expect(observed19 == 2)
            let observed20 = try await storage.entry(at: 1)?.count ?? 0
            #expect(observed20 >= 1)
            await expectLogError(.shuttingDown) { _ = try await sequencer.appendEntry(leaf(4)) }
            try await storage.close()
        }
    }

    @Test("PostgreSQL URLs are parsed strictly")
    func postgresURLs() throws {
        let location = try PostgresLocation(url: "postgres://log:s%40cret@db.example:6543/custody")
        #expect(location.host == "db.example" && location.port == 6543 && location.database == "custody")
        #expect(location.user == "log" && location.password == "s@cret")
        #expect(try PostgresLocation(url: "postgresql://log@127.0.0.1/db?sslmode=disable").port == 5432)
        for bad in ["mysql://u@h/db", "postgres://h/db", "postgres://u@h/", "postgres://u@h/a/b", "postgres://u@h/db?sslmode=require", "not a url"] {
            #expect(throws: LogError(code: .invalidLocation), "\(bad)") {
                try PostgresLocation(url: bad)
            }
        }
    }

    @Test("the PostgreSQL test server starts, serves and stops", .enabled(if: PeerTool.availableOrCI("\(PostgresServer.binaries)/postgres")))
    func postgresServerLifecycle() async throws {
        let server = try await PostgresServer.start()
        let storage = try await PostgresLogStorage(url: server.url())
        let observed21 = try await storage.state().size
        #expect(observed21 == 0)
        try await storage.close()
        server.stop()
        #expect(!FileManager.default.fileExists(atPath: server.directory))
    }
}
