import CustodyKeys
import CustodyTestSupport
import CustodyTransparency
import Foundation
import Synchronization
import Testing
@testable import CustodyLog

/// A caller that retries an entry while the sequencer recovers from a failed batch must get an
/// answer. (It once joined the failed batch's waiters after they had been answered and waited
/// forever.) The race is timing-dependent, so the scenario runs many rounds, each under a deadline.
@Suite("Sequencer recovery after a failed batch")
struct SequencerRecoveryTests {
    static let rounds = 25

    @Test("a retry during recovery is answered, round after round")
    func retryDuringRecoveryIsAnswered() async throws {
        for round in 0..<Self.rounds {
            try await withTemporaryDirectory { directory in
                let storage = FailingStorage(try await SQLiteLogStorage(path: directory.file("log.sqlite")))
                let sequencer = try await LogSequencer(
                    storage: storage, origin: logOrigin, signer: try makeSigner(), configuration: .init(batchInterval: .milliseconds(20)))
                _ = try await sequencer.appendEntry(leaf(0))
                storage.failNextIntegrate()
                // The deadline only has to catch a caller that waits forever (the bug); it is
                // long because the whole suite shares two cores, and a test process kept waiting
                // for tens of seconds must not pass for a hang.
                let answered = try await withDeadline(.seconds(180)) {
                    await withTaskGroup(of: Void.self) { group in
                        for number in 1...5 {
                            group.addTask { _ = try? await sequencer.appendEntry(leaf(number)) }
                        }
                    }
                    return try await sequencer.appendEntry(leaf(3))
                }
                if answered == nil {
                    Issue.record("round \(round): the retry got no answer; sequencer: \(await sequencer.debugSnapshot)")
                }
                await sequencer.shutdown()
                try await storage.close()
                if answered == nil { return }
            }
        }
    }
}

/// Runs `body`, or gives nil when it has not finished after `limit`. The body runs in an
/// unstructured task, so a body stuck on a continuation nobody resumes cannot hold the caller.
func withDeadline<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T? {
    let answered = Mutex(false)
    let result: Result<T?, any Error> = await withCheckedContinuation { continuation in
        let finish: @Sendable (Result<T?, any Error>) -> Void = { result in
            let first = answered.withLock { done in
                defer { done = true }
                return !done
            }
            if first { continuation.resume(returning: result) }
        }
        Task { finish(await Result { try await body() }) }
        Task {
            try? await Task.sleep(for: limit)
            finish(.success(nil))
        }
    }
    return try result.get()
}

extension Result where Failure == any Error {
    init(_ body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
