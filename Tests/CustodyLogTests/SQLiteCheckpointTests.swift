import CustodyTestSupport
import CustodyTransparency
import Foundation
import Testing
@testable import CustodyLog

/// SQLite's WAL is copied back into the database file by a background checkpointer (not by the
/// commits appends wait for); this checks that it happens while the log stays open, and that the
/// log reads back whole afterwards.
@Suite("SQLite background checkpoints")
struct SQLiteCheckpointTests {
    func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    @Test func theWALIsCheckpointedIntoTheDatabaseWhileOpen() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("log.sqlite")
            let storage = try await SQLiteLogStorage(path: path)
            let sequencer = try await LogSequencer(
                storage: storage, origin: logOrigin, signer: try makeSigner(),
                configuration: LogSequencer.Configuration(batchInterval: .milliseconds(1)))
            let initial = size(path)
            // About 1.5 MB of entries: far under the writer's own checkpoint threshold
            // (SQLiteLogStorage.walPageLimit pages), so only the background checkpointer copies them.
            let big = [UInt8](repeating: UInt8(ascii: "x"), count: 6_000)
            var grown = false
            for round in 0..<50 where !grown {
                let leaves = (0..<5).map { Array("{\"n\":\(round * 5 + $0),\"pad\":\"".utf8) + big + Array("\"}".utf8) }
                _ = try await appendConcurrently(leaves, to: sequencer)
                try await Task.sleep(for: .milliseconds(100))
                grown = size(path) > initial + 1_000_000
            }
            #expect(grown, "the database file stayed at \(size(path)) bytes (from \(initial)); the WAL is \(size(path + "-wal"))")
            let state = try await storage.state()
            await sequencer.shutdown()
            try await storage.close()

            // Reopened, the log is whole.
            let reopened = try await SQLiteLogStorage(path: path)
            #expect(try await reopened.state() == state)
            let resumed = try await LogSequencer(storage: reopened, origin: logOrigin, signer: try makeSigner())
            await resumed.shutdown()
            try await reopened.close()
        }
    }
}
