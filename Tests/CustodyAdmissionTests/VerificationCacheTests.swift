// VerificationCache: misses then hits, one verification per key however many wait for it
// (single-flight), keys that differ by generation or reference, lifetimes (negative entries
// expire, a zero positive lifetime stores nothing), eviction when full, and tag resolutions
// (single-flight, failures not kept).
//
// Timing: lifetimes are tiny (tens of milliseconds) and the tests only ever wait several times
// longer before expecting an entry to be gone; nothing asserts how long anything took.

import CustodyAdmission
import CustodyOCI
import CustodyPolicy
import Foundation
import Synchronization
import Testing

/// A gate tasks wait at until it is opened.
actor Gate {
    private var isOpen = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiting.append($0) }
    }

    func open() {
        isOpen = true
        for continuation in waiting { continuation.resume() }
        waiting = []
    }
}

/// A counter safe to bump from any task.
final class Counter: Sendable {
    private let value = Mutex(0)
    func increment() { value.withLock { $0 += 1 } }
    var count: Int { value.withLock { $0 } }
}

enum CacheFixtures {
    static let digestA = Digest.compute(Array("manifest A".utf8))
    static let digestB = Digest.compute(Array("manifest B".utf8))

    static func key(_ reference: String = "registry.example/shop/web:1.4", digest: Digest = digestA, policy: Int = 1, trust: Int = 1) -> VerificationCache.Key {
        .init(reference: reference, digest: digest, policyGeneration: policy, trustGeneration: trust)
    }

    static func decision(_ outcome: PolicyDecision.Outcome, reference: String = "registry.example/shop/web:1.4", digest: Digest = digestA) -> PolicyDecision {
        let image = PolicyDecision.Image(name: "docker://" + reference, transport: "docker", reference: reference, digest: digest)
        let policy = PolicyDecision.PolicyFile(path: "/etc/custody/policy.json", sha256: Digest.compute(Array("{}".utf8)))
        switch outcome {
        case .couldNotEvaluate:
            return .couldNotEvaluate(image: image, policy: policy, reason: "the registry did not answer", evaluatedAt: Date(timeIntervalSince1970: 1_760_000_000))
        case .allowed, .denied:
            return PolicyDecision(
                image: image, policy: policy, scope: .init(transport: nil, scope: nil, path: "$.default"), outcome: outcome,
                reasons: outcome == .allowed ? [] : ["no signature"], platforms: [], evaluatedAt: Date(timeIntervalSince1970: 1_760_000_000))
        }
    }

    static func verification(_ outcome: PolicyDecision.Outcome) -> VerificationCache.Verification {
        .init(decision: decision(outcome), evidence: nil)
    }

    /// The verification a lookup gives, waiting when it is pending; and whether it was cached.
    static func resolve(_ lookup: VerificationCache.Lookup) async -> (verification: VerificationCache.Verification, cached: Bool) {
        switch lookup {
        case .cached(let verification): return (verification, true)
        case .pending(let task): return (await task.value, false)
        }
    }

    /// Looks `key` up, verifying with `outcome` (counted by `runs`) on a miss, and waits for the answer.
    @discardableResult
    static func decide(
        _ cache: VerificationCache, _ key: VerificationCache.Key, _ outcome: PolicyDecision.Outcome, runs: Counter = Counter()
    ) async -> (verification: VerificationCache.Verification, cached: Bool) {
        await resolve(await cache.verification(for: key) {
            runs.increment()
            return verification(outcome)
        })
    }
}

@Suite("VerificationCache: decisions and tags, cached and single-flight")
struct VerificationCacheTests {
    /// Lifetimes no slow test run outlives: these tests are about what is kept, not for how long
    /// (lifetimes have tests of their own, with short explicit values).
    static func longLived() -> VerificationCache {
        VerificationCache(settings: .init(positiveLifetime: .seconds(86_400), negativeLifetime: .seconds(86_400), tagLifetime: .seconds(86_400)))
    }

    typealias F = CacheFixtures

    @Test("a miss verifies and stores; the next lookup is a hit without verifying")
    func missThenHit() async {
        let cache = Self.longLived()
        let runs = Counter()
        let first = await F.decide(cache, F.key(), .allowed, runs: runs)
        #expect(first.cached == false)
        #expect(first.verification.decision.outcome == .allowed)
        #expect(await cache.misses == 1)
        #expect(await cache.hits == 0)
        #expect(await cache.count == 1)

        let second = await F.decide(cache, F.key(), .denied, runs: runs)
        #expect(second.cached == true)
        #expect(second.verification.decision == first.verification.decision)
        #expect(runs.count == 1)
        #expect(await cache.hits == 1)
        #expect(await cache.misses == 1)
        #expect(await cache.cached(F.key())?.decision.outcome == .allowed)
    }

    @Test("cached(_:) is nil for a key never decided")
    func unknownKey() async {
        let cache = Self.longLived()
        await F.decide(cache, F.key(), .allowed)
        #expect(await cache.cached(F.key(digest: F.digestB)) == nil)
        #expect(await cache.cached(F.key()) != nil)
    }

    @Test("single-flight: 20 concurrent lookups of one key verify once; 19 join")
    func singleFlight() async throws {
        let cache = Self.longLived()
        let gate = Gate()
        let runs = Counter()
        let key = F.key()
        let outcomes = await withTaskGroup(of: PolicyDecision.Outcome.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    let lookup = await cache.verification(for: key) {
                        runs.increment()
                        await gate.wait()
                        return F.verification(.denied)
                    }
                    return await F.resolve(lookup).verification.decision.outcome
                }
            }
            // Open the gate only once every lookup has been made, so that all of them find the
            // verification in flight (none can have finished: it waits at the gate).
            while await cache.misses + cache.joined < 20 { try? await Task.sleep(for: .milliseconds(5)) }
            await gate.open()
            var all: [PolicyDecision.Outcome] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        #expect(outcomes == Array(repeating: .denied, count: 20))
        #expect(runs.count == 1)
        #expect(await cache.misses == 1)
        #expect(await cache.joined == 19)
        #expect(await cache.hits == 0)
        // The result was stored: the next lookup is a hit.
        #expect(await F.decide(cache, key, .allowed, runs: runs).cached)
        #expect(runs.count == 1)
    }

    @Test("concurrent lookups of different keys each verify")
    func differentKeysConcurrently() async {
        let cache = Self.longLived()
        let runs = Counter()
        await withTaskGroup(of: Void.self) { group in
            for generation in 1...10 {
                group.addTask { await F.decide(cache, F.key(policy: generation), .allowed, runs: runs) }
            }
        }
        #expect(runs.count == 10)
        #expect(await cache.joined == 0)
        #expect(await cache.count == 10)
    }

    @Test("a different policy generation, trust generation, digest or reference is a different entry")
    func distinctKeys() async {
        let cache = Self.longLived()
        let runs = Counter()
        let keys = [
            F.key(),
            F.key(policy: 2),
            F.key(trust: 2),
            F.key(digest: F.digestB),
            F.key("registry.example/shop/web:1.5"),
            F.key("registry.example/shop/web@" + F.digestA.description),
        ]
        for key in keys { #expect(await F.decide(cache, key, .allowed, runs: runs).cached == false) }
        #expect(runs.count == keys.count)
        #expect(await cache.count == keys.count)
        for key in keys { #expect(await F.decide(cache, key, .allowed, runs: runs).cached == true) }
        #expect(runs.count == keys.count)
    }

    @Test("negative decisions are kept for negativeLifetime")
    func negativeKept() async {
        let cache = Self.longLived()
        await F.decide(cache, F.key(), .denied)
        await F.decide(cache, F.key(digest: F.digestB), .couldNotEvaluate)
        #expect(await cache.count == 2)
        #expect(await cache.cached(F.key())?.decision.outcome == .denied)
        #expect(await cache.cached(F.key(digest: F.digestB))?.decision.outcome == .couldNotEvaluate)
    }

    @Test("denied and couldNotEvaluate decisions expire after negativeLifetime; allowed ones live on")
    func negativeExpires() async throws {
        let lifetime = Duration.milliseconds(50)
        let cache = VerificationCache(settings: .init(positiveLifetime: .seconds(300), negativeLifetime: lifetime))
        let runs = Counter()
        await F.decide(cache, F.key(), .denied, runs: runs)
        await F.decide(cache, F.key(digest: F.digestB), .couldNotEvaluate, runs: runs)
        await F.decide(cache, F.key(policy: 2), .allowed, runs: runs)
        try await Task.sleep(for: lifetime * 3)
        #expect(await cache.cached(F.key()) == nil)
        #expect(await cache.cached(F.key(digest: F.digestB)) == nil)
        #expect(await cache.cached(F.key(policy: 2))?.decision.outcome == .allowed)
        // An expired entry is a miss again: the image is verified anew.
        #expect(await F.decide(cache, F.key(), .allowed, runs: runs).cached == false)
        #expect(runs.count == 4)
    }

    @Test("allowed decisions expire after positiveLifetime")
    func positiveExpires() async throws {
        let cache = VerificationCache(settings: .init(positiveLifetime: .milliseconds(50)))
        await F.decide(cache, F.key(), .allowed)
        try await Task.sleep(for: .milliseconds(150))
        #expect(await cache.cached(F.key()) == nil)
    }

    @Test("a zero positive lifetime stores no allowed decision, but still stores denials")
    func zeroPositiveLifetime() async {
        let cache = VerificationCache(settings: .init(positiveLifetime: .zero))
        let runs = Counter()
        await F.decide(cache, F.key(), .allowed, runs: runs)
        #expect(await cache.count == 0)
        #expect(await cache.cached(F.key()) == nil)
        #expect(await F.decide(cache, F.key(), .allowed, runs: runs).cached == false)
        #expect(runs.count == 2)
        #expect(await cache.misses == 2)
        await F.decide(cache, F.key(digest: F.digestB), .denied, runs: runs)
        #expect(await cache.count == 1)
    }

    @Test("a zero negative lifetime stores no denial")
    func zeroNegativeLifetime() async {
        let cache = VerificationCache(settings: .init(negativeLifetime: .zero))
        await F.decide(cache, F.key(), .denied)
        await F.decide(cache, F.key(digest: F.digestB), .couldNotEvaluate)
        #expect(await cache.count == 0)
        await F.decide(cache, F.key(policy: 3), .allowed)
        #expect(await cache.count == 1)
    }

    @Test("when full, the oldest entry is evicted")
    func evictsOldest() async {
        let cache = VerificationCache(settings: .init(maxEntries: 3))
        for generation in 1...3 { await F.decide(cache, F.key(policy: generation), .allowed) }
        #expect(await cache.count == 3)
        await F.decide(cache, F.key(policy: 4), .allowed)
        #expect(await cache.count == 3)
        #expect(await cache.cached(F.key(policy: 1)) == nil)
        for generation in 2...4 { #expect(await cache.cached(F.key(policy: generation)) != nil, "generation \(generation)") }
        await F.decide(cache, F.key(policy: 5), .allowed)
        #expect(await cache.cached(F.key(policy: 2)) == nil)
        #expect(await cache.count == 3)
    }

    @Test("when full, expired entries go before the oldest live one")
    func evictsExpiredFirst() async throws {
        let cache = VerificationCache(settings: .init(negativeLifetime: .milliseconds(30), maxEntries: 3))
        await F.decide(cache, F.key(policy: 1), .allowed)  // oldest, but live
        await F.decide(cache, F.key(policy: 2), .denied)  // expires soon
        await F.decide(cache, F.key(policy: 3), .allowed)
        try await Task.sleep(for: .milliseconds(120))
        await F.decide(cache, F.key(policy: 4), .allowed)
        #expect(await cache.cached(F.key(policy: 1)) != nil)
        #expect(await cache.cached(F.key(policy: 3)) != nil)
        #expect(await cache.cached(F.key(policy: 4)) != nil)
        #expect(await cache.cached(F.key(policy: 2)) == nil)
        #expect(await cache.count == 3)
    }

    @Test("maxEntries 1 keeps only the latest")
    func singleEntry() async {
        let cache = VerificationCache(settings: .init(maxEntries: 1))
        await F.decide(cache, F.key(policy: 1), .allowed)
        await F.decide(cache, F.key(policy: 2), .denied)
        #expect(await cache.count == 1)
        #expect(await cache.cached(F.key(policy: 2))?.decision.outcome == .denied)
    }

    @Test("removeAll forgets decisions and tags")
    func removeAll() async throws {
        let cache = Self.longLived()
        await F.decide(cache, F.key(), .allowed)
        _ = try await Self.digest(cache, "registry.example/shop/web:1.4") { F.digestA }
        await cache.removeAll()
        #expect(await cache.count == 0)
        #expect(await cache.cached(F.key()) == nil)
        guard case .pending = await cache.digest(forTag: "registry.example/shop/web:1.4", resolve: { F.digestB }) else {
            Issue.record("the tag was still known after removeAll")
            return
        }
    }

    // MARK: Tags

    struct ResolveError: Error, Equatable {}

    /// The digest of `tag`: known, or awaited; and whether it was known.
    static func digest(
        _ cache: VerificationCache, _ tag: String, resolve: @escaping @Sendable () async throws -> Digest
    ) async throws -> (digest: Digest, known: Bool) {
        switch await cache.digest(forTag: tag, resolve: resolve) {
        case .known(let digest): return (digest, true)
        case .pending(let task): return (try await task.value.get(), false)
        }
    }

    @Test("a resolved tag is known afterwards without resolving again")
    func tagKnown() async throws {
        let cache = Self.longLived()
        let runs = Counter()
        let first = try await Self.digest(cache, "registry.example/shop/web:1.4") {
            runs.increment()
            return F.digestA
        }
        #expect(first == (F.digestA, false))
        let second = try await Self.digest(cache, "registry.example/shop/web:1.4") {
            runs.increment()
            return F.digestB
        }
        #expect(second == (F.digestA, true))
        #expect(runs.count == 1)
        // Another tag is resolved on its own.
        #expect(try await Self.digest(cache, "registry.example/shop/web:1.5") { F.digestB } == (F.digestB, false))
    }

    @Test("tag resolution is single-flight: concurrent lookups resolve once")
    func tagSingleFlight() async throws {
        let cache = Self.longLived()
        let gate = Gate()
        let runs = Counter()
        let started = Counter()
        let digests = try await withThrowingTaskGroup(of: Digest.self) { group in
            for _ in 0..<10 {
                group.addTask {
                    let lookup = await cache.digest(forTag: "registry.example/shop/web:1.4") {
                        runs.increment()
                        await gate.wait()
                        return F.digestA
                    }
                    started.increment()
                    switch lookup {
                    case .known(let digest): return digest
                    case .pending(let task): return try await task.value.get()
                    }
                }
            }
            while started.count < 10 { try await Task.sleep(for: .milliseconds(5)) }
            await gate.open()
            var all: [Digest] = []
            for try await digest in group { all.append(digest) }
            return all
        }
        #expect(digests == Array(repeating: F.digestA, count: 10))
        #expect(runs.count == 1)
    }

    @Test("a failed resolution is not kept: the next lookup resolves again")
    func tagFailureNotCached() async throws {
        let cache = Self.longLived()
        let runs = Counter()
        await #expect(throws: ResolveError.self) {
            _ = try await Self.digest(cache, "registry.example/shop/web:1.4") {
                runs.increment()
                throw ResolveError()
            }
        }
        let retried = try await Self.digest(cache, "registry.example/shop/web:1.4") {
            runs.increment()
            return F.digestB
        }
        #expect(retried == (F.digestB, false))
        #expect(runs.count == 2)
    }

    @Test("a tag's digest is forgotten after tagLifetime")
    func tagExpires() async throws {
        let cache = VerificationCache(settings: .init(tagLifetime: .milliseconds(50)))
        _ = try await Self.digest(cache, "registry.example/shop/web:1.4") { F.digestA }
        try await Task.sleep(for: .milliseconds(150))
        let again = try await Self.digest(cache, "registry.example/shop/web:1.4") { F.digestB }
        #expect(again == (F.digestB, false))
    }

    @Test("default settings")
    func defaults() {
        let settings = VerificationCache.Settings()
        #expect(settings.positiveLifetime == .seconds(300))
        #expect(settings.negativeLifetime == .seconds(10))
        #expect(settings.tagLifetime == .seconds(10))
        #expect(settings.maxEntries == 10_000)
    }
}
