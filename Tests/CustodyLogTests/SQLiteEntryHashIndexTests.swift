import CustodyTestSupport
import CustodyTransparency
import Testing
@testable import CustodyLog

/// The SQLite log's duplicate index keeps its newest entries in memory and merges them into its
/// table in sorted runs, a chunk per batch (`SQLiteEntryHashIndex`). With tiny runs and chunks,
/// these tests pass through every phase (in memory, mid-merge, merged), reopen the log in each,
/// and convert a log written with the ordinary index.
@Suite("SQLite duplicate index")
struct SQLiteEntryHashIndexTests {
    static let configuration = LogSequencer.Configuration(batchInterval: .milliseconds(1))

    func open(_ path: String) async throws -> (SQLiteLogStorage, LogSequencer) {
        let storage = try await SQLiteLogStorage(path: path, mergeThreshold: 7, mergeChunk: 3)
        let sequencer = try await LogSequencer(storage: storage, origin: logOrigin, signer: try makeSigner(), configuration: Self.configuration)
        return (storage, sequencer)
    }

    func close(_ log: (SQLiteLogStorage, LogSequencer)) async throws {
        await log.1.shutdown()
        try await log.0.close()
    }

    /// Appends entries 0..<count one batch each and closes the log.
    func write(_ count: Int, to path: String) async throws {
        let log = try await open(path)
        for number in 0..<count { _ = try await log.1.appendEntry(leaf(number)) }
        try await close(log)
    }

    /// Runs SQL on the closed log's file directly (to damage it, or to make an older schema).
    func execute(_ sql: String, on path: String) throws {
        let database = try SQLiteDatabase(path: path)
        defer { database.close() }
        try database.execute(sql)
    }

    @Test func duplicatesAreFoundInEveryPhaseAndAfterReopening() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("log.sqlite")
            var log = try await open(path)
            var indexes: [Int: UInt64] = [:]
            var boundaries: Set<UInt64> = []
            for number in 0..<60 {
                // One entry per batch, so each batch's transaction merges one chunk of a run.
                let result = try await log.1.appendEntry(leaf(number))
                #expect(result.isNew && result.index == UInt64(number))
                indexes[number] = result.index
                // Every earlier entry, in memory or merged or in the run being merged, is found.
                for earlier in stride(from: number, through: 0, by: -5) {
                    let again = try await log.1.appendEntry(leaf(earlier))
                    #expect(!again.isNew && again.index == indexes[earlier], "entry \(earlier) after \(number)")
                }
                boundaries.insert(try await log.0.mergedEntryCount())
                if number % 9 == 4 {
                    try await close(log)
                    log = try await open(path)
                }
            }
            // Several runs were merged, and the boundary only ever stopped where a run ended.
            #expect(boundaries.count >= 5, "merged-entry counts seen: \(boundaries.sorted())")
            let state = try await log.0.state()
            #expect(state.size == 60)
            for number in 0..<60 {
                #expect(try await log.0.index(ofEntry: LogBatch.identityHash(of: leaf(number))) == UInt64(number))
            }
            #expect(try await log.0.index(ofEntry: LogBatch.identityHash(of: leaf(1_000))) == nil)
            try await close(log)
        }
    }

    @Test func aDamagedIndexStateIsRefusedOnOpen() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("log.sqlite")
            try await write(3, to: path)
            func damage(_ sql: String) throws { try execute(sql, on: path) }
            // A boundary beyond the log's size.
            try damage("UPDATE entry_hashes_state SET indexed = 99 WHERE id = 0")
            await expectLogError(.corrupt) { _ = try await SQLiteLogStorage(path: path, mergeThreshold: 7, mergeChunk: 3) }
            // An unmerged entry whose stored hash is not 32 bytes.
            try damage("UPDATE entry_hashes_state SET indexed = 0 WHERE id = 0; UPDATE entries SET hash = x'00' WHERE idx = 2")
            await expectLogError(.corrupt) { _ = try await SQLiteLogStorage(path: path, mergeThreshold: 7, mergeChunk: 3) }
            // Repaired, it opens again and finds every entry.
            try damage("UPDATE entries SET hash = x'\(LogBatch.identityHash(of: leaf(2)).hex)' WHERE idx = 2")
            let reopened = try await SQLiteLogStorage(path: path, mergeThreshold: 7, mergeChunk: 3)
            for number in 0..<3 {
                #expect(try await reopened.index(ofEntry: LogBatch.identityHash(of: leaf(number))) == UInt64(number))
            }
            try await reopened.close()
        }
    }

    @Test func aLogWithTheOrdinaryIndexIsConverted() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("log.sqlite")
            try await write(20, to: path)
            // The schema before sorted runs: an ordinary index on entries(hash), no index tables.
            try execute("DROP TABLE entry_hashes; DROP TABLE entry_hashes_state; CREATE INDEX entries_hash ON entries(hash);", on: path)

            let log = try await open(path)
            #expect(try await log.0.mergedEntryCount() == 20)
            for number in 0..<20 {
                let again = try await log.1.appendEntry(leaf(number))
                #expect(!again.isNew && again.index == UInt64(number))
            }
            let next = try await log.1.appendEntry(leaf(20))
            #expect(next.isNew && next.index == 20)
            try await close(log)

            let check = try SQLiteDatabase(path: path)
            defer { check.close() }
            let legacy = try check.query("SELECT name FROM sqlite_master WHERE name = 'entries_hash'", []) { _ in () }
            #expect(legacy.isEmpty)
            let stored = try check.query("SELECT count(*) FROM entry_hashes", []) { $0.int64(0) }
            #expect(stored == [20])
        }
    }
}
