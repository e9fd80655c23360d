import CustodyOCI
import CustodyPolicy
import CustodyVerify
import Foundation

/// Decisions already made, and the ones being made, keyed by what a decision depends on.
///
/// - The key is (image reference as decided, manifest digest, policy generation, trust
///   generation). The reference is part of the key because identity rules compare signatures
///   with it; the generations make a reload invalidate everything decided before it.
/// - Allowed decisions live for ``Settings/positiveLifetime``; denied and "could not evaluate"
///   ones for the shorter ``Settings/negativeLifetime``, so that an unsigned image being
///   deployed over and over does not send every request to the registry (kyverno#9503), and a
///   fixed signature or registry is seen soon.
/// - One verification runs per key at a time: later callers wait for the one in flight
///   (single-flight). A caller that stops waiting (its deadline passed) does not cancel it; the
///   result is still cached for the next request.
/// - Tag resolutions (tag → digest) are kept for ``Settings/tagLifetime`` and also single-flight.
///
/// At most ``Settings/maxEntries`` decisions are kept; when full, expired entries go first,
/// then the oldest.
public actor VerificationCache {
    /// Lifetimes and sizes.
    public struct Settings: Sendable {
        /// How long an allowed decision is reused (default 5 minutes).
        public var positiveLifetime: Duration
        /// How long a denied or "could not evaluate" decision is reused (default 10 seconds).
        public var negativeLifetime: Duration
        /// How long a tag's digest is reused before the registry is asked again (default 10 seconds).
        public var tagLifetime: Duration
        /// The most decisions kept (default 10,000).
        public var maxEntries: Int

        public init(positiveLifetime: Duration = .seconds(300), negativeLifetime: Duration = .seconds(10), tagLifetime: Duration = .seconds(10), maxEntries: Int = 10_000) {
            self.positiveLifetime = positiveLifetime
            self.negativeLifetime = negativeLifetime
            self.tagLifetime = tagLifetime
            self.maxEntries = maxEntries
        }
    }

    /// What a decision is cached under.
    public struct Key: Hashable, Sendable {
        public var reference: String
        public var digest: Digest
        public var policyGeneration: Int
        public var trustGeneration: Int
        public init(reference: String, digest: Digest, policyGeneration: Int, trustGeneration: Int) {
            self.reference = reference
            self.digest = digest
            self.policyGeneration = policyGeneration
            self.trustGeneration = trustGeneration
        }
    }

    /// A decision and the evidence it was made on.
    public struct Verification: Sendable {
        public var decision: PolicyDecision
        public var evidence: ImageEvidence?
        /// Names this verification's evidence in audit records: the record made when it was
        /// decided holds the evidence, later records of cached uses name it by this id.
        public var evidenceID: String
        public init(decision: PolicyDecision, evidence: ImageEvidence?, evidenceID: String = UUID().uuidString.lowercased()) {
            self.decision = decision
            self.evidence = evidence
            self.evidenceID = evidenceID
        }
    }

    public let settings: Settings
    private let clock = ContinuousClock()
    private var decisions: [Key: (verification: Verification, expires: ContinuousClock.Instant, stored: ContinuousClock.Instant)] = [:]
    private var inFlight: [Key: Task<Verification, Never>] = [:]
    private var tags: [String: (digest: Digest, expires: ContinuousClock.Instant)] = [:]
    private var resolving: [String: Task<Result<Digest, any Error>, Never>] = [:]
    /// Goes up with ``removeAll()``; work started before it stores nothing.
    private var epoch = 0

    /// Counts, for metrics and tests.
    public private(set) var hits = 0
    public private(set) var misses = 0
    public private(set) var joined = 0

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    /// The number of decisions kept.
    public var count: Int { decisions.count }

    /// A cached decision, or nil.
    public func cached(_ key: Key) -> Verification? {
        guard let entry = decisions[key] else { return nil }
        if entry.expires <= clock.now {
            decisions[key] = nil
            return nil
        }
        return entry.verification
    }

    /// What ``verification(for:verify:)`` found.
    public enum Lookup: Sendable {
        /// Decided earlier, under the same generations.
        case cached(Verification)
        /// Being decided: wait for the task.
        case pending(Task<Verification, Never>)
    }

    /// The decision for `key`: cached, joined while in flight, or made now by `verify` (in a task
    /// of its own that outlives a caller who stops waiting).
    public func verification(for key: Key, verify: @escaping @Sendable () async -> Verification) -> Lookup {
        if let hit = cached(key) {
            hits += 1
            return .cached(hit)
        }
        if let running = inFlight[key] {
            joined += 1
            return .pending(running)
        }
        misses += 1
        let epoch = self.epoch
        let task = Task { [weak self] in
            let result = await verify()
            await self?.store(result, for: key, epoch: epoch)
            return result
        }
        inFlight[key] = task
        return .pending(task)
    }

    /// The digest a tag points at: remembered, joined while being resolved, or resolved now.
    /// - Returns: the digest when it is known, else the task resolving it.
    public func digest(forTag reference: String, resolve: @escaping @Sendable () async throws -> Digest) -> Either<Digest, Task<Result<Digest, any Error>, Never>> {
        if let known = tags[reference], known.expires > clock.now { return .known(known.digest) }
        if let running = resolving[reference] { return .pending(running) }
        let epoch = self.epoch
        let task = Task { [weak self] in
            let result: Result<Digest, any Error>
            do { result = .success(try await resolve()) } catch { result = .failure(error) }
            await self?.storeTag(result, for: reference, epoch: epoch)
            return result
        }
        resolving[reference] = task
        return .pending(task)
    }

    /// A value known now, or a task that will give it.
    public enum Either<Value: Sendable, Pending: Sendable>: Sendable {
        case known(Value)
        case pending(Pending)
    }

    /// Forgets everything: decisions, tags, and what verifications and resolutions now running
    /// would store (their callers still get their results).
    public func removeAll() {
        decisions = [:]
        tags = [:]
        inFlight = [:]
        resolving = [:]
        epoch += 1
    }

    private func storeTag(_ result: Result<Digest, any Error>, for reference: String, epoch: Int) {
        guard epoch == self.epoch else { return }
        resolving[reference] = nil
        if case .success(let digest) = result {
            if tags.count >= settings.maxEntries { tags = tags.filter { $0.value.expires > clock.now } }
            if tags.count >= settings.maxEntries { tags = [:] }
            tags[reference] = (digest, clock.now + settings.tagLifetime)
        }
    }

    private func store(_ verification: Verification, for key: Key, epoch: Int) {
        guard epoch == self.epoch else { return }
        inFlight[key] = nil
        let now = clock.now
        let lifetime = verification.decision.outcome == .allowed ? settings.positiveLifetime : settings.negativeLifetime
        guard lifetime > .zero else { return }
        if decisions.count >= settings.maxEntries {
            decisions = decisions.filter { $0.value.expires > now }
            while decisions.count >= settings.maxEntries, let oldest = decisions.min(by: { $0.value.stored < $1.value.stored }) {
                decisions[oldest.key] = nil
            }
        }
        decisions[key] = (verification, now + lifetime, now)
    }
}
